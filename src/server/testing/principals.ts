import { randomBytes } from 'node:crypto';
import type { MachineScope, Role } from '#common/api/access.ts';
import type { Principal } from '../plugins/access.ts';
import type { TestPlatform } from './platform.ts';

/** Who a test request is made as: a person with roles, or a machine with scopes. */
export interface As {
  roles?: Role[];
  scopes?: MachineScope[];
  dwellingIds?: number[];
  buildingIds?: number[];
  gatewayIds?: number[];
  name?: string;
}

let next = 1000;

/**
 * Headers that authenticate a test request as `who`. Every call makes a new credential.
 * Person credentials come from the accounts service once it exists; until then a verifier
 * registered on the platform names the principal.
 */
export async function headersAs(t: TestPlatform, who: As): Promise<Record<string, string>> {
  const secret = randomBytes(18).toString('base64url');
  const principal: Principal = {
    kind: who.roles ? 'user' : 'machine',
    id: next++,
    name:
      who.name ??
      (who.roles ? `test ${who.roles.join('+')}` : `test machine ${(who.scopes ?? []).join('+')}`),
    roles: who.roles ?? [],
    scopes: who.scopes ?? [],
    dwellingIds: who.dwellingIds ?? [],
    buildingIds: who.buildingIds ?? [],
    gatewayIds: who.gatewayIds ?? [],
  };
  t.platform.secretVerifiers.unshift(async (s) => (s === secret ? principal : undefined));
  return { authorization: `Bearer ${secret}` };
}
