import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { BY_SYSTEM } from '../../audit/by.ts';

const PASSWORD = 'correct horse battery staple';

function cookie(res: LightMyRequestResponse, name: string) {
  return res.cookies.find((c) => c.name === name);
}

describe('logins and sessions', () => {
  let t: TestPlatform;
  let seq = 0;

  async function newUser(roles: ('admin' | 'resident' | 'kpi' | 'installer')[] = ['kpi']) {
    const email = `person${++seq}@example.org`;
    const user = await t.platform.auth.accounts.create(
      { email, name: `Person ${seq}`, roles, password: PASSWORD, language: 'eu' },
      BY_SYSTEM,
    );
    return { ...user, email };
  }

  const login = (email: string, password = PASSWORD, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, headers });

  /** Logs in and returns what a browser would hold. */
  async function browser(email: string) {
    const res = await login(email);
    expect(res.statusCode).toBe(200);
    return {
      access: res.json().accessToken as string,
      refresh: cookie(res, 'ciop_refresh')!.value,
      csrf: cookie(res, 'ciop_csrf')!.value,
    };
  }

  const refresh = (b: { refresh: string; csrf: string }, csrfHeader: string | null = b.csrf) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { ciop_refresh: b.refresh, ciop_csrf: b.csrf },
      headers: csrfHeader === null ? {} : { 'x-csrf-token': csrfHeader },
    });

  const me = (access: string) =>
    t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${access}` } });

  beforeAll(async () => {
    t = await openTestPlatform();
  });
  afterAll(async () => {
    await t.close();
  });

  it('logs in with the contract the web relies on', async () => {
    const user = await newUser(['resident', 'kpi']);
    const res = await login(user.email.toUpperCase());
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 900,
      user: {
        id: user.id,
        name: user.name,
        email: user.email,
        language: 'eu',
        roles: ['kpi', 'resident'],
        dwellingIds: [],
        buildingIds: [],
      },
    });
    expect(body.accessToken.split('.')).toHaveLength(3);
    const refreshCookie = cookie(res, 'ciop_refresh')!;
    expect(refreshCookie).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/api/v1/auth',
    });
    const csrfCookie = cookie(res, 'ciop_csrf')!;
    expect(csrfCookie.httpOnly).toBeFalsy();
    expect(csrfCookie).toMatchObject({ secure: true, sameSite: 'Strict', path: '/' });
    expect(res.headers['cache-control']).toBe('no-store');
    const who = await me(body.accessToken);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toEqual(body.user);
  });

  it('answers a wrong password and an unknown e-mail alike, and records both', async () => {
    const user = await newUser();
    const wrong = await login(user.email, 'not the password at all');
    const unknown = await login('nobody@example.org', 'not the password at all');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().detail).toBe(unknown.json().detail);
    const audit = await t.platform.audit.list({ action: 'auth.login_failed' });
    const reasons = audit.items.map((e) => e.detail.reason);
    expect(reasons).toContain('wrong_password');
    expect(reasons).toContain('unknown_email');
    expect(JSON.stringify(audit.items)).not.toContain('not the password at all');
  });

  it('keeps e-mails unique whatever their case', async () => {
    const user = await newUser();
    await expect(
      t.platform.auth.accounts.create(
        { email: ` ${user.email.toUpperCase()} `, name: 'Twin', roles: ['kpi'] },
        BY_SYSTEM,
      ),
    ).rejects.toMatchObject({ status: 409 });
  });

  it('rotates the refresh token, and a replayed one ends the whole session', async () => {
    const user = await newUser();
    const b = await browser(user.email);
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { ciop_refresh: b.refresh, ciop_csrf: b.csrf },
      headers: { 'x-csrf-token': b.csrf, 'content-type': 'application/json' },
    });
    expect(first.statusCode).toBe(200);
    const next = { ...b, refresh: cookie(first, 'ciop_refresh')!.value, access: first.json().accessToken };
    expect(next.refresh).not.toBe(b.refresh);
    expect((await me(next.access)).statusCode).toBe(200);

    // Someone replays the first, already used, refresh token: the family is revoked.
    const replay = await refresh(b);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().detail).toContain('already used');
    expect((await refresh(next)).statusCode).toBe(401);
    expect((await me(next.access)).statusCode).toBe(401);
    expect((await me(b.access)).statusCode).toBe(401);
    const audit = await t.platform.audit.list({ action: 'auth.refresh_replayed' });
    expect(audit.items[0].detail).toEqual({ userId: user.id, sessionRevoked: true });
  });

  it('refreshes even when the web sends its expired access token along', async () => {
    const user = await newUser();
    const b = await browser(user.email);
    const clock = t.platform.clock;
    const realNow = clock.now;
    clock.now = () => realNow() + 20 * 60_000;
    try {
      expect((await me(b.access)).statusCode).toBe(401);
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        cookies: { ciop_refresh: b.refresh, ciop_csrf: b.csrf },
        headers: { 'x-csrf-token': b.csrf, authorization: `Bearer ${b.access}` },
      });
      expect(res.statusCode).toBe(200);
      expect((await me(res.json().accessToken)).statusCode).toBe(200);
    } finally {
      clock.now = realNow;
    }
  });

  it('refuses a refresh without the CSRF header, or with another one, and keeps the session', async () => {
    const user = await newUser();
    const b = await browser(user.email);
    expect((await refresh(b, null)).statusCode).toBe(403);
    expect((await refresh(b, 'forged')).statusCode).toBe(403);
    const other = await browser(user.email);
    // Both the cookie and the header from another session: the CSRF token must be this session's.
    const mixed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { ciop_refresh: b.refresh, ciop_csrf: other.csrf },
      headers: { 'x-csrf-token': other.csrf },
    });
    expect(mixed.statusCode).toBe(403);
    expect((await refresh(b)).statusCode).toBe(200);
  });

  it('logs out: the cookies are cleared and the access token stops working', async () => {
    const user = await newUser();
    const b = await browser(user.email);
    const noCsrf = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { ciop_refresh: b.refresh, ciop_csrf: b.csrf },
    });
    expect(noCsrf.statusCode).toBe(403);
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      cookies: { ciop_refresh: b.refresh, ciop_csrf: b.csrf },
      headers: { 'x-csrf-token': b.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(cookie(out, 'ciop_refresh')!.value).toBe('');
    expect((await me(b.access)).statusCode).toBe(401);
    expect((await refresh(b)).statusCode).toBe(401);
  });

  it('logs out with the access token alone', async () => {
    const user = await newUser();
    const b = await browser(user.email);
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { authorization: `Bearer ${b.access}` },
    });
    expect(out.statusCode).toBe(204);
    expect((await me(b.access)).statusCode).toBe(401);
  });

  it('changes a password: rules apply, other sessions end, this one goes on', async () => {
    const user = await newUser();
    const here = await browser(user.email);
    const elsewhere = await browser(user.email);
    const change = (currentPassword: string, newPassword: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: { authorization: `Bearer ${here.access}` },
        payload: { currentPassword, newPassword },
      });
    const wrong = await change('not my password', 'a brand new long secret');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0].where).toBe('currentPassword');
    expect((await change(PASSWORD, 'short')).json().detail).toContain('at least 12 characters');
    expect((await change(PASSWORD, 'password1234')).json().detail).toContain('most common passwords');
    expect((await change(PASSWORD, user.email)).json().detail).toContain('e-mail');
    expect((await change(PASSWORD, 'a brand new long secret')).statusCode).toBe(204);
    expect((await me(here.access)).statusCode).toBe(200);
    expect((await me(elsewhere.access)).statusCode).toBe(401);
    expect((await login(user.email)).statusCode).toBe(401);
    expect((await login(user.email, 'a brand new long secret')).statusCode).toBe(200);
  });

  it('resets a password by a single-use link sent by e-mail, without telling who has an account', async () => {
    const user = await newUser();
    const old = await browser(user.email);
    const ask = (email: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email } });
    expect((await ask('stranger@example.org')).statusCode).toBe(202);
    expect((await t.platform.mail.list({ to: 'stranger@example.org' })).items).toHaveLength(0);
    expect((await ask(user.email)).statusCode).toBe(202);
    const [mail] = (await t.platform.mail.list({ to: user.email })).items;
    expect(mail.template).toBe('password-reset');
    expect(mail.subject).toBe('Berrezarri zure CIOP pasahitza'); // the person's language
    const link = /(http\S+\/set-password\?token=(\S+))/.exec(mail.body)!;
    expect(link[1].startsWith('http://localhost:8080/set-password?token=')).toBe(true);
    const token = decodeURIComponent(link[2]);
    // Only a hash of the token is stored.
    const stored = await t.platform.database.db.selectFrom('password_token').select('token_hash').execute();
    expect(stored.map((r) => r.token_hash)).not.toContain(token);

    const confirm = (newPassword: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/confirm',
        payload: { token, newPassword },
      });
    // The page of the link asks first whether it can still be used; asking spends nothing.
    const check = (value: string) =>
      t.app.inject({ method: 'POST', url: '/api/v1/auth/password-reset/check', payload: { token: value } });
    expect((await check(token)).statusCode).toBe(204);
    expect((await check(token)).statusCode).toBe(204);
    expect((await check(`${token}x`)).json().detail).toContain('not valid any more');
    expect((await confirm('tiny')).statusCode).toBe(400);
    expect((await confirm('my reset password 2026')).statusCode).toBe(204);
    expect((await confirm('another reset password')).statusCode).toBe(400);
    expect((await check(token)).statusCode).toBe(400);
    expect((await me(old.access)).statusCode).toBe(401);
    expect((await login(user.email, 'my reset password 2026')).statusCode).toBe(200);
  });

  it('refuses an expired reset link', async () => {
    const user = await newUser();
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: user.email },
    });
    const [mail] = (await t.platform.mail.list({ to: user.email })).items;
    const token = decodeURIComponent(/token=(\S+)/.exec(mail.body)![1]);
    const clock = t.platform.clock;
    const realNow = clock.now;
    clock.now = () => realNow() + 3_601_000;
    try {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset/confirm',
        payload: { token, newPassword: 'too late for this one' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toContain('not valid any more');
    } finally {
      clock.now = realNow;
    }
  });

  it('lets an admin create an account that sets its first password from an e-mailed link', async () => {
    const admin = await headersAs(t, { roles: ['admin'] });
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/users',
      headers: admin,
      payload: {
        email: 'Invited.Person@Example.org',
        name: 'Invited Person',
        roles: ['planner'],
        language: 'es',
      },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ hasPassword: false, active: true, roles: ['planner'] });
    expect((await login('invited.person@example.org', 'anything at all here')).statusCode).toBe(401);
    const outbox = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/outbox?to=Invited.Person@Example.org',
      headers: admin,
    });
    const [mail] = outbox.json().items;
    expect(mail).toMatchObject({ template: 'invite', subject: 'Tu cuenta de CIOP está lista' });
    const token = decodeURIComponent(/token=(\S+)/.exec(mail.body)![1]);
    const set = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      payload: { token, newPassword: 'planner first password' },
    });
    expect(set.statusCode).toBe(204);
    expect((await login('invited.person@example.org', 'planner first password')).statusCode).toBe(200);
  });

  it('lets an admin revoke every session of a user, effective at once', async () => {
    const user = await newUser();
    const one = await browser(user.email);
    const two = await browser(user.email);
    const admin = await headersAs(t, { roles: ['admin'] });
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/admin/users/${user.id}/revoke-sessions`,
      headers: admin,
    });
    expect(res.statusCode).toBe(204);
    expect((await me(one.access)).statusCode).toBe(401);
    expect((await me(two.access)).statusCode).toBe(401);
    expect((await refresh(two)).statusCode).toBe(401);
    const audit = await t.platform.audit.list({
      action: 'user.sessions_revoked',
      targetType: 'user',
      targetId: String(user.id),
    });
    expect(audit.items[0].detail).toMatchObject({ sessions: 2 });
  });

  it('applies role changes and deactivation to tokens already issued', async () => {
    const user = await newUser(['kpi']);
    const b = await browser(user.email);
    const auth = { authorization: `Bearer ${b.access}` };
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: auth })).statusCode,
    ).toBe(403);
    const admin = await headersAs(t, { roles: ['admin'] });
    const grant = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${user.id}`,
      headers: admin,
      payload: { roles: ['kpi', 'admin'] },
    });
    expect(grant.statusCode).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/admin/users', headers: auth })).statusCode,
    ).toBe(200);
    const roleAudit = await t.platform.audit.list({
      action: 'user.roles_changed',
      targetId: String(user.id),
    });
    expect(roleAudit.items[0].detail).toEqual({ from: ['kpi'], to: ['admin', 'kpi'] });

    const off = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${user.id}`,
      headers: admin,
      payload: { active: false },
    });
    expect(off.statusCode).toBe(200);
    expect((await me(b.access)).statusCode).toBe(401);
    const again = await login(user.email);
    expect(again.statusCode).toBe(401);
    expect(again.json().detail).toContain('deactivated');
  });

  it('never leaves CIOP without an active admin', async () => {
    const solo = await openTestPlatform();
    try {
      const created = await solo.platform.auth.accounts.ensureFirstAdmin({});
      expect(created?.email).toBe('admin@localhost');
      expect(created?.password).toMatch(/^[\w-]{20}$/);
      expect(await solo.platform.auth.accounts.ensureFirstAdmin({})).toBeUndefined();
      const [admin] = (await solo.platform.auth.accounts.list({ role: 'admin' })).items;
      await expect(
        solo.platform.auth.accounts.update(admin.id, { active: false }, BY_SYSTEM),
      ).rejects.toMatchObject({ status: 409 });
      await expect(
        solo.platform.auth.accounts.update(admin.id, { roles: ['kpi'] }, BY_SYSTEM),
      ).rejects.toMatchObject({ status: 409 });
      const res = await solo.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'admin@localhost', password: created!.password },
      });
      expect(res.statusCode).toBe(200);
    } finally {
      await solo.close();
    }
  });

  it('takes the first admin from the configuration, and refuses a weak configured password', async () => {
    const solo = await openTestPlatform();
    try {
      await expect(
        solo.platform.auth.accounts.ensureFirstAdmin({
          adminEmail: 'root@city.example',
          adminPassword: 'admin',
        }),
      ).rejects.toThrow(/CIOP_ADMIN_PASSWORD/);
      const created = await solo.platform.auth.accounts.ensureFirstAdmin({
        adminEmail: 'root@city.example',
        adminPassword: 'a configured admin password',
      });
      expect(created).toEqual({ email: 'root@city.example', password: undefined });
    } finally {
      await solo.close();
    }
  });
});
