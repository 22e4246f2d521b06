import type { FastifyRequest } from 'fastify';
import type { Authenticator } from '../../plugins/access.ts';
import { unauthorized } from '../../plugins/errors.ts';
import type { SecretVerifier } from '../../module.ts';
import { looksLikeJwt } from './access-tokens.ts';
import type { SessionsService } from './sessions.service.ts';

/**
 * The secret a request presents, in any of the ways HTTP clients of CIOP send one:
 * `Authorization: Bearer …` (REST), `Authorization: Token …` (InfluxDB 2.x clients), Basic auth
 * with the secret as password (InfluxDB 1.x clients), or the `p` query parameter (InfluxDB 1.x).
 */
export function presentedSecret(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const [scheme, value] = header.split(/\s+/, 2);
    const s = scheme.toLowerCase();
    if ((s === 'bearer' || s === 'token') && value) return value;
    if (s === 'basic' && value) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      return colon >= 0 ? decoded.slice(colon + 1) : decoded;
    }
  }
  const query = request.query as Record<string, unknown> | undefined;
  if (query && typeof query.p === 'string' && query.p !== '') return query.p;
  return undefined;
}

/** Machine secrets presented over HTTP; a secret that no verifier knows is refused (401). */
export function machineAuthenticator(verifySecret: SecretVerifier): Authenticator {
  return async (request) => {
    const secret = presentedSecret(request);
    if (secret === undefined) return undefined;
    const principal = await verifySecret(secret);
    if (!principal) throw unauthorized('The token is not valid (unknown, revoked or expired).');
    return principal;
  };
}

/**
 * Access tokens of people: a presented secret shaped like a JWT is judged here, before the
 * machine authenticator; a bad one is refused (401) with the reason.
 */
export function jwtAuthenticator(sessions: SessionsService): Authenticator {
  return async (request) => {
    const secret = presentedSecret(request);
    if (secret === undefined || !looksLikeJwt(secret)) return undefined;
    return sessions.authenticate(secret);
  };
}
