import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { openPlatform } from '../../platform.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { BY_SYSTEM } from '../../audit/by.ts';
import pino from 'pino';

const PASSWORD = 'the right long password';

describe('login lock-out', () => {
  let t: TestPlatform;
  let seq = 0;

  async function account() {
    const email = `locked${++seq}@example.org`;
    await t.platform.auth.accounts.create(
      { email, name: email, roles: ['kpi'], password: PASSWORD },
      BY_SYSTEM,
    );
    return email;
  }
  const login = (email: string, password: string, from = '192.0.2.1', app = t.app) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
      headers: { 'x-forwarded-for': from },
    });

  beforeAll(async () => {
    t = await openTestPlatform({ loginMaxFailures: 3, loginMaxFailuresPerAddress: 6, loginLockoutS: 900 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('locks an account after repeated failures, even against the right password, for a while', async () => {
    const email = await account();
    for (let i = 0; i < 3; i++)
      expect((await login(email, `wrong guess ${i}`, `192.0.2.${10 + i}`)).statusCode).toBe(401);
    const locked = await login(email, PASSWORD, '192.0.2.20');
    expect(locked.statusCode).toBe(429);
    expect(locked.headers['content-type']).toContain('application/problem+json');
    expect(locked.json().detail).toContain('for this account');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);

    const clock = t.platform.clock;
    const realNow = clock.now;
    clock.now = () => realNow() + 901_000;
    try {
      expect((await login(email, PASSWORD, '192.0.2.21')).statusCode).toBe(200);
    } finally {
      clock.now = realNow;
    }
    const audit = await t.platform.audit.list({ action: 'auth.login_failed' });
    expect(audit.items.some((e) => e.detail.reason === 'account_locked' && e.detail.email === email)).toBe(
      true,
    );
  });

  it('forgets failures after a successful login', async () => {
    const email = await account();
    await login(email, 'wrong 1', '192.0.2.30');
    await login(email, 'wrong 2', '192.0.2.30');
    expect((await login(email, PASSWORD, '192.0.2.30')).statusCode).toBe(200);
    await login(email, 'wrong 3', '192.0.2.30');
    await login(email, 'wrong 4', '192.0.2.30');
    expect((await login(email, PASSWORD, '192.0.2.30')).statusCode).toBe(200);
  });

  it('locks an address that tries many accounts', async () => {
    const victims = await Promise.all([account(), account(), account(), account()]);
    const attacker = '198.51.100.7';
    let n = 0;
    for (const email of victims) {
      for (let i = 0; i < 2 && n < 6; i++, n++)
        expect((await login(email, `spray ${i}`, attacker)).statusCode).toBe(401);
    }
    const fresh = await account();
    const blocked = await login(fresh, PASSWORD, attacker);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().detail).toContain('from your address');
    expect((await login(fresh, PASSWORD, '198.51.100.8')).statusCode).toBe(200);
  });

  it('holds across replicas: the lock is in the database', async () => {
    const email = await account();
    const replica = await openPlatform(t.platform.config, pino({ level: 'silent' }));
    const app = await buildApp(replica);
    try {
      for (let i = 0; i < 3; i++)
        expect((await login(email, `wrong ${i}`, '192.0.2.40')).statusCode).toBe(401);
      expect((await login(email, PASSWORD, '192.0.2.41', app)).statusCode).toBe(429);
    } finally {
      await app.close();
      await replica.close();
    }
  });

  it('counts wrong current passwords on a password change as failed logins', async () => {
    const email = await account();
    const ok = await login(email, PASSWORD, '192.0.2.50');
    const auth = { authorization: `Bearer ${ok.json().accessToken}`, 'x-forwarded-for': '192.0.2.50' };
    for (let i = 0; i < 3; i++) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: auth,
        payload: { currentPassword: `guess ${i}`, newPassword: 'a stolen token guess' },
      });
      expect(res.statusCode).toBe(400);
    }
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      headers: auth,
      payload: { currentPassword: PASSWORD, newPassword: 'a stolen token guess' },
    });
    expect(res.statusCode).toBe(429);
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const email = await account();
    const from = (remoteAddress: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: 'spoofing around' },
        headers: { 'x-forwarded-for': '203.0.113.99' },
        remoteAddress,
      });
    await from('127.0.0.1');
    await from('203.0.113.5');
    const audit = await t.platform.audit.list({ action: 'auth.login_failed' });
    const ips = audit.items.filter((e) => e.detail.email === email).map((e) => e.ip);
    expect(ips.sort()).toEqual(['203.0.113.5', '203.0.113.99']);
  });
});

describe('rate limits', () => {
  it('limits login, refresh and password reset per address', async () => {
    const t = await openTestPlatform({ authRatePerMinute: 3 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/password-reset',
          payload: { email: 'someone@example.org' },
        });
        codes.push(res.statusCode);
        if (res.statusCode === 429) {
          expect(res.headers['content-type']).toContain('application/problem+json');
          expect(res.json().detail).toMatch(/Too many requests from your address: try again in/);
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        }
      }
      expect(codes).toEqual([202, 202, 202, 429]);
      // Another address has its own count.
      const other = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'someone@example.org', password: 'whatever it is' },
        remoteAddress: '203.0.113.1',
      });
      expect(other.statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });

  it('limits account requests per hour', async () => {
    const t = await openTestPlatform({ accountRequestsPerHour: 2 });
    try {
      const ask = () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/account-requests',
          payload: { name: 'A', email: 'a@example.org', organisation: '', role: 'kpi', reason: '' },
        });
      expect([(await ask()).statusCode, (await ask()).statusCode, (await ask()).statusCode]).toEqual([
        201, 201, 429,
      ]);
    } finally {
      await t.close();
    }
  });

  it('limits every endpoint, before authentication', async () => {
    const t = await openTestPlatform({ rateLimitPerMinute: 5 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++)
        codes.push((await t.app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode);
      for (let i = 0; i < 3; i++)
        codes.push(
          (
            await t.app.inject({
              method: 'GET',
              url: '/api/v1/admin/users',
              headers: { authorization: 'Bearer ciop_guessing' },
            })
          ).statusCode,
        );
      expect(codes).toEqual([200, 200, 200, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });
});
