import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../app.ts';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { audit } from '../../audit/audit.service.ts';

describe('administration', () => {
  let t: TestPlatform;
  let admin: Record<string, string>;
  let a: TestPlace;
  let b: TestPlace;

  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({
      method,
      url,
      headers: admin,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  beforeAll(async () => {
    t = await openTestPlatform();
    admin = await headersAs(t, { roles: ['admin'], name: 'Head Admin' });
    ({ a, b } = await createPlaces(t));
  });
  afterAll(async () => {
    await t.close();
  });

  describe('account requests', () => {
    const ask = (body: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/api/v1/account-requests', payload: body });

    it('takes a request from anyone, and refuses one for an admin account', async () => {
      const res = await ask({
        name: 'Jon Resident',
        email: 'jon@example.org',
        organisation: '',
        role: 'resident',
        reason: 'I live at Aldabe 3',
        language: 'eu',
      });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({ status: 'pending' });
      const admin = await ask({
        name: 'X',
        email: 'x@example.org',
        organisation: '',
        role: 'admin',
        reason: '',
      });
      expect(admin.statusCode).toBe(400);
      const bad = await ask({ name: 'X', email: 'not an e-mail', organisation: '', role: 'kpi', reason: '' });
      expect(bad.statusCode).toBe(400);
    });

    it('approves: the account is created with the links the admin gives, and invited', async () => {
      const list = await call('GET', '/api/v1/admin/account-requests?status=pending');
      const request = list.json().items.find((r: { email: string }) => r.email === 'jon@example.org');
      expect(request).toMatchObject({ role: 'resident', reason: 'I live at Aldabe 3', status: 'pending' });
      const approved = await call('POST', `/api/v1/admin/account-requests/${request.id}/approve`, {
        dwellingIds: [a.dwellingId],
      });
      expect(approved.statusCode).toBe(200);
      expect(approved.json().request.status).toBe('approved');
      expect(approved.json().user).toMatchObject({
        email: 'jon@example.org',
        roles: ['resident'],
        dwellingIds: [a.dwellingId],
        language: 'eu',
        hasPassword: false,
      });
      expect(approved.json().request.userId).toBe(approved.json().user.id);
      const again = await call('POST', `/api/v1/admin/account-requests/${request.id}/approve`, {});
      expect(again.statusCode).toBe(409);
      const outbox = await call('GET', '/api/v1/admin/outbox?to=jon@example.org');
      expect(outbox.json().items[0]).toMatchObject({
        template: 'invite',
        subject: 'Zure CIOP kontua prest dago',
      });
    });

    it('rejects, telling the person why', async () => {
      await ask({
        name: 'Curious',
        email: 'curious@example.org',
        organisation: 'None',
        role: 'planner',
        reason: '',
      });
      const list = await call('GET', '/api/v1/admin/account-requests?status=pending');
      const request = list.json().items.find((r: { email: string }) => r.email === 'curious@example.org');
      const rejected = await call('POST', `/api/v1/admin/account-requests/${request.id}/reject`, {
        note: 'Planning accounts are for the city staff.',
      });
      expect(rejected.statusCode).toBe(200);
      expect(rejected.json()).toMatchObject({
        status: 'rejected',
        decisionNote: 'Planning accounts are for the city staff.',
      });
      const [mail] = (await call('GET', '/api/v1/admin/outbox?to=curious@example.org')).json().items;
      expect(mail.body).toContain('Reason: Planning accounts are for the city staff.');
      expect(
        (await call('POST', `/api/v1/admin/account-requests/${request.id}/approve`, {})).statusCode,
      ).toBe(409);
    });
  });

  describe('users', () => {
    it('refuses links to dwellings or organisations that do not exist', async () => {
      const res = await call('POST', '/api/v1/admin/users', {
        email: 'ghost@example.org',
        name: 'Ghost',
        roles: ['resident'],
        dwellingIds: [987654],
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toContain('no dwelling 987654');
    });

    it('lists, filters and pages, newest first', async () => {
      for (let i = 0; i < 5; i++)
        expect(
          (
            await call('POST', '/api/v1/admin/users', {
              email: `page${i}@example.org`,
              name: `Page Person ${i}`,
              roles: ['municipal'],
              password: `page person password ${i}`,
            })
          ).statusCode,
        ).toBe(201);
      const first = await call('GET', '/api/v1/admin/users?role=municipal&limit=2');
      expect(first.json().items.map((u: { email: string }) => u.email)).toEqual([
        'page4@example.org',
        'page3@example.org',
      ]);
      const second = await call(
        'GET',
        `/api/v1/admin/users?role=municipal&limit=2&cursor=${first.json().nextCursor}`,
      );
      expect(second.json().items.map((u: { email: string }) => u.email)).toEqual([
        'page2@example.org',
        'page1@example.org',
      ]);
      const third = await call(
        'GET',
        `/api/v1/admin/users?role=municipal&limit=2&cursor=${second.json().nextCursor}`,
      );
      expect(third.json()).toMatchObject({ nextCursor: null });
      expect(third.json().items).toHaveLength(1);
      const search = await call('GET', '/api/v1/admin/users?q=PERSON%203');
      expect(search.json().items.map((u: { email: string }) => u.email)).toEqual(['page3@example.org']);
      const residents = await call('GET', `/api/v1/admin/users?dwelling=${a.dwellingId}`);
      expect(residents.json().items.map((u: { email: string }) => u.email)).toEqual(['jon@example.org']);
      expect((await call('GET', '/api/v1/admin/users?cursor=abc')).statusCode).toBe(400);
    });

    it('changes an e-mail, which stays unique', async () => {
      const [page0] = (await call('GET', '/api/v1/admin/users?q=page0@')).json().items;
      expect(
        (await call('PATCH', `/api/v1/admin/users/${page0.id}`, { email: 'PAGE1@example.org' })).statusCode,
      ).toBe(409);
      const moved = await call('PATCH', `/api/v1/admin/users/${page0.id}`, {
        email: 'page-zero@example.org',
      });
      expect(moved.json().email).toBe('page-zero@example.org');
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'page-zero@example.org', password: 'page person password 0' },
      });
      expect(login.statusCode).toBe(200);
    });
  });

  describe('ESCO organisations', () => {
    it('give their members their buildings, and a change applies to tokens already issued', async () => {
      const created = await call('POST', '/api/v1/admin/organisations', {
        name: 'Energía Norte',
        buildingIds: [a.buildingId],
      });
      expect(created.statusCode).toBe(201);
      const org = created.json();
      const user = await call('POST', '/api/v1/admin/users', {
        email: 'esco@energia-norte.example',
        name: 'Esco Tech',
        roles: ['esco'],
        organisationId: org.id,
        password: 'esco technician password',
      });
      expect(user.json().buildingIds).toEqual([a.buildingId]);
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'esco@energia-norte.example', password: 'esco technician password' },
      });
      expect(login.json().user.buildingIds).toEqual([a.buildingId]);
      const esco = { authorization: `Bearer ${login.json().accessToken}` };
      const latest = (dwelling: number) =>
        t.app.inject({ method: 'GET', url: `/api/v1/readings/latest?dwelling=${dwelling}`, headers: esco });
      expect((await latest(a.dwellingId)).statusCode).toBe(200);
      expect((await latest(b.dwellingId)).statusCode).toBe(403);

      const moved = await call('PATCH', `/api/v1/admin/organisations/${org.id}`, {
        buildingIds: [b.buildingId],
      });
      expect(moved.json()).toMatchObject({ buildingIds: [b.buildingId], members: 1 });
      expect((await latest(a.dwellingId)).statusCode).toBe(403);
      expect((await latest(b.dwellingId)).statusCode).toBe(200);
      const dup = await call('POST', '/api/v1/admin/organisations', { name: 'ENERGÍA NORTE' });
      expect(dup.statusCode).toBe(409);
    });
  });

  describe('the audit log', () => {
    it('records who did what, when and from where, and pages with filters', async () => {
      const res = await call('GET', '/api/v1/admin/audit?action=user.created&limit=3');
      expect(res.statusCode).toBe(200);
      const page = res.json();
      expect(page.items).toHaveLength(3);
      expect(page.items[0]).toMatchObject({
        action: 'user.created',
        actor: { kind: 'user', name: 'Head Admin' },
        targetType: 'user',
        ip: '127.0.0.1',
      });
      expect(page.items[0].at).toBeGreaterThan(Date.now() - 60_000);
      const next = await call(
        'GET',
        `/api/v1/admin/audit?action=user.created&limit=3&cursor=${page.nextCursor}`,
      );
      expect(next.json().items[0].id).toBeLessThan(page.items[2].id);
      const prefix = await call('GET', '/api/v1/admin/audit?action=account_request.');
      expect(new Set(prefix.json().items.map((e: { action: string }) => e.action))).toEqual(
        new Set(['account_request.created', 'account_request.approved', 'account_request.rejected']),
      );
      const machine = await call('GET', '/api/v1/admin/audit?actorKind=system');
      expect(machine.json().items.every((e: { actor: { kind: string } }) => e.actor.kind === 'system')).toBe(
        true,
      );
    });

    it('takes events from other modules through audit(request, …)', async () => {
      const app = await buildApp(t.platform);
      app.get('/api/v1/test-export', { config: { access: { roles: ['kpi'] } } }, async (request) => {
        await audit(request, 'data.export', {
          target: { type: 'building', id: a.buildingId },
          detail: { format: 'csv' },
        });
        return { ok: true };
      });
      await app.ready();
      try {
        const kpi = await headersAs(t, { roles: ['kpi'], name: 'Kim KPI' });
        const res = await app.inject({
          method: 'GET',
          url: '/api/v1/test-export',
          headers: { ...kpi, 'x-forwarded-for': '198.51.100.20' },
        });
        expect(res.statusCode).toBe(200);
      } finally {
        await app.close();
      }
      const events = await call(
        'GET',
        `/api/v1/admin/audit?action=data.export&targetType=building&targetId=${a.buildingId}`,
      );
      expect(events.json().items[0]).toMatchObject({
        actor: { kind: 'user', name: 'Kim KPI' },
        ip: '198.51.100.20',
        detail: { format: 'csv' },
      });
    });
  });
});
