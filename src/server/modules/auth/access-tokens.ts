import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
} from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { getOrCreateSetting, setSetting } from '../../settings/instance-settings.store.ts';
import type { Clock } from '../../clock.ts';

/** The only algorithm accepted: Ed25519 signatures (RFC 8037). Pinned, never read from the token. */
export const ACCESS_TOKEN_ALG = 'EdDSA';
/** Access tokens are typed as such (RFC 9068), so that no other JWT passes for one. */
export const ACCESS_TOKEN_TYP = 'at+jwt';
export const ACCESS_TOKEN_AUDIENCE = 'ciop-api';
const SIGNING_KEY_SETTING = 'jwt_signing_key';
const INSTANCE_ID_SETTING = 'instance_id';
/** How long a replica trusts the key it loaded before reading it again (catches rotations), ms. */
const KEY_RELOAD_MS = 10_000;
/** Tolerance for clocks of replicas that differ a little, s. */
const CLOCK_TOLERANCE_S = 5;
/** Tokens whose signature was checked, remembered so that the next request skips the check. */
const VERIFIED_CACHE_SIZE = 10_000;

interface StoredKey {
  kid: string;
  privateKey: string;
  createdAt: number;
}

interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** What an access token says, once verified. */
export interface AccessClaims {
  userId: number;
  sessionId: number;
}

/** A token that is not (or no longer) valid, with a reason a person can act on. */
export class AccessTokenError extends Error {}

function newKey(now: number): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  const stored: StoredKey = {
    kid: randomUUID(),
    privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    createdAt: now,
  };
  return JSON.stringify(stored);
}

function parseKey(value: string): SigningKey {
  const stored = JSON.parse(value) as StoredKey;
  const privateKey = createPrivateKey(stored.privateKey);
  return { kid: stored.kid, privateKey, publicKey: createPublicKey(privateKey) };
}

/**
 * Short-lived access tokens: JWTs signed with this instance's Ed25519 key (generated on first
 * start, kept in `instance_setting`, never shared between instances). The key id (`kid`) names
 * the key; `rotate` replaces it, and tokens signed with the old one stop being accepted once
 * each replica re-reads the key (at most KEY_RELOAD_MS later, at once on the replica that rotated).
 */
export class AccessTokens {
  private key: SigningKey | undefined;
  private loadedAt = -Infinity;
  private issuer = '';
  /**
   * An Ed25519 check costs about 0.1 ms of CPU, most of an authenticated request. The exact
   * same token string has the same claims, so once checked only its times (and that it was
   * signed with the current key) are checked again.
   */
  private readonly verified = new Map<
    string,
    { kid: string; claims: AccessClaims; nbf: number; exp: number }
  >();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ttlS: number,
    private readonly clock: Clock,
  ) {}

  get lifetimeS(): number {
    return this.ttlS;
  }

  /** Reads (creating on first start) the instance's id and signing key. */
  async load(): Promise<void> {
    const id = await getOrCreateSetting(this.db, INSTANCE_ID_SETTING, () => randomUUID());
    this.issuer = `urn:ciop:${id.value}`;
    const stored = await getOrCreateSetting(this.db, SIGNING_KEY_SETTING, () => newKey(Date.now()));
    const key = parseKey(stored.value);
    if (key.kid !== this.key?.kid) this.verified.clear();
    this.key = key;
    this.loadedAt = Date.now();
  }

  /** Replaces the signing key; every access token signed so far stops working. Returns the new key id. */
  async rotate(): Promise<string> {
    await setSetting(this.db, SIGNING_KEY_SETTING, newKey(Date.now()));
    await this.load();
    return this.key!.kid;
  }

  private async current(): Promise<SigningKey> {
    if (!this.key || Date.now() - this.loadedAt > KEY_RELOAD_MS) await this.load();
    return this.key!;
  }

  async sign(claims: AccessClaims): Promise<string> {
    const key = await this.current();
    const now = Math.floor(this.clock.now() / 1000);
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP, kid: key.kid })
      .setIssuer(this.issuer)
      .setAudience(ACCESS_TOKEN_AUDIENCE)
      .setSubject(String(claims.userId))
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + this.ttlS)
      .sign(key.privateKey);
  }

  /** Checks signature, algorithm, type, issuer, audience and times; throws AccessTokenError saying why not. */
  async verify(token: string): Promise<AccessClaims> {
    let key = await this.current();
    const known = this.verified.get(token);
    if (known && known.kid === key.kid) {
      const now = this.clock.now() / 1000;
      if (now >= known.nbf - CLOCK_TOLERANCE_S && now < known.exp + CLOCK_TOLERANCE_S) return known.claims;
    }
    try {
      const { payload } = await jwtVerify(
        token,
        async (header) => {
          if (header.kid !== key.kid) {
            // Another replica may have rotated the key: read it once more before refusing.
            await this.load();
            key = this.key!;
            if (header.kid !== key.kid)
              throw new AccessTokenError(
                'The access token was signed with a key this instance no longer uses (the keys were rotated); log in again.',
              );
          }
          return key.publicKey;
        },
        {
          algorithms: [ACCESS_TOKEN_ALG],
          typ: ACCESS_TOKEN_TYP,
          issuer: this.issuer,
          audience: ACCESS_TOKEN_AUDIENCE,
          requiredClaims: ['sub', 'sid', 'exp', 'iat'],
          currentDate: new Date(this.clock.now()),
          clockTolerance: CLOCK_TOLERANCE_S,
        },
      );
      const userId = Number(payload.sub);
      const sessionId = Number(payload.sid);
      if (!Number.isSafeInteger(userId) || !Number.isSafeInteger(sessionId))
        throw new AccessTokenError('The access token names no valid user or session.');
      const claims = { userId, sessionId };
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.clear();
      this.verified.set(token, {
        kid: key.kid,
        claims,
        nbf: Number(payload.nbf ?? payload.iat),
        exp: Number(payload.exp),
      });
      return claims;
    } catch (error) {
      throw new AccessTokenError(reasonOf(error));
    }
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof AccessTokenError) return error.message;
  if (error instanceof errors.JWTExpired)
    return 'The access token has expired: get a new one (POST /api/v1/auth/refresh) or log in again.';
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
      case 'iat':
        return 'The access token is not valid yet (is the clock of the issuer right?).';
      case 'aud':
        return 'The access token is meant for another audience.';
      case 'iss':
        return 'The access token was issued by another CIOP instance.';
      case 'typ':
        return 'The token is not an access token.';
      default:
        return `The access token's "${error.claim}" claim is missing or wrong.`;
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported)
    return `The access token is not signed with ${ACCESS_TOKEN_ALG}, the only algorithm CIOP accepts.`;
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return "The access token's signature does not match: it was altered or signed by someone else.";
  return 'The access token is malformed.';
}

/** Whether a presented secret has the shape of a JWT (three base64url parts, a JSON header). */
export function looksLikeJwt(secret: string): boolean {
  return /^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(secret);
}
