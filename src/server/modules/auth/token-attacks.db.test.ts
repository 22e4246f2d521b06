import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { base64url, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { BY_SYSTEM } from '../../audit/by.ts';

/** Forged and spoiled access tokens: each must be refused (401) with its reason. */
describe('access token attacks', () => {
  let t: TestPlatform;
  let victim: { id: number; access: string; sessionId: number };
  let admin: { id: number; sessionId: number };
  let key: { kid: string; privateKey: KeyObject; publicKey: KeyObject };
  let issuer: string;

  const me = (token: string, scheme = 'Bearer') =>
    t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `${scheme} ${token}` } });

  async function expectRefused(token: string, reason: RegExp) {
    const res = await me(token);
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().detail).toMatch(reason);
  }

  async function loginAs(email: string, roles: ('kpi' | 'admin')[]) {
    const user = await t.platform.auth.accounts.create(
      { email, name: email, roles, password: 'a long enough password' },
      BY_SYSTEM,
    );
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'a long enough password' },
    });
    const access = res.json().accessToken as string;
    const claims = JSON.parse(Buffer.from(access.split('.')[1], 'base64url').toString()) as { sid: number };
    return { id: user.id, access, sessionId: claims.sid };
  }

  /** A token as CIOP would sign it, with `change` applied. */
  function forge(
    change: { header?: Record<string, unknown>; claims?: Record<string, unknown>; key?: KeyObject } = {},
  ) {
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      sid: victim.sessionId,
      sub: String(victim.id),
      iss: issuer,
      aud: 'ciop-api',
      iat: now,
      nbf: now,
      exp: now + 600,
      ...change.claims,
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt', kid: key.kid, ...change.header } as never)
      .sign(change.key ?? key.privateKey);
  }

  beforeAll(async () => {
    t = await openTestPlatform();
    victim = await loginAs('victim@example.org', ['kpi']);
    admin = await loginAs('boss@example.org', ['admin']);
    const settings = await t.platform.database.db.selectFrom('instance_setting').selectAll().execute();
    const stored = JSON.parse(settings.find((s) => s.key === 'jwt_signing_key')!.value);
    const privateKey = createPrivateKey(stored.privateKey);
    key = { kid: stored.kid, privateKey, publicKey: createPublicKey(privateKey) };
    issuer = `urn:ciop:${settings.find((s) => s.key === 'instance_id')!.value}`;
  });
  afterAll(async () => {
    await t.close();
  });

  it('accepts the genuine token, and one forged with the real key (the test forges correctly)', async () => {
    expect((await me(victim.access)).statusCode).toBe(200);
    expect((await me(await forge())).statusCode).toBe(200);
  });

  it('refuses alg "none"', async () => {
    const now = Math.floor(Date.now() / 1000);
    const unsigned = new UnsecuredJWT({ sid: victim.sessionId })
      .setIssuer(issuer)
      .setAudience('ciop-api')
      .setSubject(String(victim.id))
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .encode();
    await expectRefused(unsigned, /EdDSA, the only algorithm/);
    // The same with CIOP's header fields.
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: key.kid }));
    await expectRefused(`${header}.${unsigned.split('.')[1]}.`, /EdDSA, the only algorithm/);
  });

  it('refuses HS256 signed with the public key (algorithm confusion)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const payload = {
      sid: victim.sessionId,
      sub: String(victim.id),
      iss: issuer,
      aud: 'ciop-api',
      iat: now,
      exp: now + 600,
    };
    const secrets = [
      Buffer.from(key.publicKey.export({ format: 'pem', type: 'spki' }).toString()),
      key.publicKey.export({ format: 'der', type: 'spki' }),
      Buffer.from(key.publicKey.export({ format: 'jwk' }).x!, 'base64url'),
    ];
    for (const secret of secrets) {
      const hs = await new SignJWT(payload)
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })
        .sign(new Uint8Array(secret));
      await expectRefused(hs, /EdDSA, the only algorithm/);
    }
  });

  it('refuses a token signed with another key, under the right key id', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    await expectRefused(await forge({ key: other }), /signature does not match/);
  });

  it('refuses a token with an unknown key id', async () => {
    await expectRefused(await forge({ header: { kid: 'another-kid' } }), /key this instance no longer uses/);
  });

  it('refuses an expired token', async () => {
    const clock = t.platform.clock;
    const realNow = clock.now;
    clock.now = () => realNow() + 16 * 60_000;
    try {
      await expectRefused(victim.access, /expired/);
    } finally {
      clock.now = realNow;
    }
    expect((await me(victim.access)).statusCode).toBe(200);
  });

  it('refuses a token that is not valid yet', async () => {
    const soon = Math.floor(Date.now() / 1000) + 3600;
    await expectRefused(await forge({ claims: { nbf: soon } }), /not valid yet/);
  });

  it('refuses a token for another audience or from another issuer', async () => {
    await expectRefused(await forge({ claims: { aud: 'some-other-api' } }), /another audience/);
    await expectRefused(
      await forge({ claims: { iss: 'urn:ciop:another-instance' } }),
      /another CIOP instance/,
    );
  });

  it('refuses a token that is not typed as an access token', async () => {
    await expectRefused(await forge({ header: { typ: 'JWT' } }), /not an access token/);
  });

  it('refuses a tampered payload', async () => {
    const [header, payload, signature] = victim.access.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const raised = base64url.encode(
      JSON.stringify({ ...claims, sub: String(admin.id), sid: admin.sessionId }),
    );
    await expectRefused(`${header}.${raised}.${signature}`, /signature does not match/);
    const later = base64url.encode(JSON.stringify({ ...claims, exp: claims.exp + 86_400 }));
    await expectRefused(`${header}.${later}.${signature}`, /signature does not match/);
  });

  it("refuses a validly signed token naming another user's session", async () => {
    await expectRefused(await forge({ claims: { sid: admin.sessionId } }), /no longer exists/);
  });

  it('judges a JWT sent in any of the ways a secret is sent', async () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    const bad = await forge({ key: other });
    expect((await me(bad, 'Token')).statusCode).toBe(401);
    const basic = Buffer.from(`user:${bad}`).toString('base64');
    expect((await me(basic, 'Basic')).statusCode).toBe(401);
    expect((await me(victim.access, 'Token')).statusCode).toBe(200);
  });

  it('stops every access token when the signing key is rotated', async () => {
    const before = await loginAs('rotated@example.org', ['kpi']);
    expect((await me(before.access)).statusCode).toBe(200);
    await t.platform.auth.accessTokens.rotate();
    await expectRefused(before.access, /keys were rotated/);
    const after = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'rotated@example.org', password: 'a long enough password' },
    });
    expect((await me(after.json().accessToken)).statusCode).toBe(200);
  });
});
