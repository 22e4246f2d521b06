import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SecretVerifier } from '../../module.ts';
import type { Principal } from '../../plugins/access.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** A new random secret, URL-safe. */
export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** The configured ingest token: a machine that may only write readings. */
export function ingestTokenVerifier(token: string): SecretVerifier {
  const expected = digest(token);
  const principal: Principal = {
    kind: 'machine',
    id: 0,
    name: 'ingest token',
    roles: [],
    scopes: ['ingest:write'],
    dwellingIds: [],
    buildingIds: [],
    gatewayIds: [],
  };
  // Compare digests so that the comparison takes the same time whatever the length.
  return async (secret) => (timingSafeEqual(digest(secret), expected) ? principal : undefined);
}
