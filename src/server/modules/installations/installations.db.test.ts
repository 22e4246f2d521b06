import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayPreview, Installation, StatusPage } from '#common/api/installations.ts';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';

const H = 3_600_000;
const DAY = 86_400_000;
let serial = 0x5e71000;
/** A serial number nobody has used yet. */
const newSn = () => `0A0B${(serial++).toString(16).toUpperCase().padStart(12, '0')}`;

describe('registering an installation', () => {
  let t: TestPlatform;
  let installer: Record<string, string>;
  let places: { districtId: number; a: TestPlace; b: TestPlace };

  beforeAll(async () => {
    t = await openTestPlatform();
    places = await createPlaces(t);
    installer = await headersAs(t, { roles: ['installer'] });
  });
  afterAll(async () => {
    await t.close();
  });

  const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({ method, url, headers: installer, ...(payload !== undefined ? { payload } : {}) });
  const preview = async (sn: string) =>
    (await call('GET', `/api/v1/installations/gateway-preview?sn=${sn}`)).json() as GatewayPreview;
  const ingest = async (
    readings: { sn: string; medium: string; ts: number; value: number; channel?: string }[],
  ) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: t.ingestHeaders,
      payload: { readings: readings.map((r) => ({ channel: '1', device: '1', ...r })) },
    });
    expect(res.statusCode, res.body).toBe(200);
  };
  const dwellingLabels = async (buildingId: number) =>
    (await call('GET', `/api/v1/dwellings?building=${buildingId}&limit=500`))
      .json()
      .items.map((d: { label: string }) => d.label);

  it('tells an unknown serial number from one reporting unregistered, with what it already sent', async () => {
    const sn = newSn();
    expect(await preview(sn)).toMatchObject({
      sn,
      state: 'unknown',
      gatewayId: null,
      readings: 0,
      sensors: [],
    });
    const start = Date.now() - 3 * DAY;
    await ingest(
      Array.from({ length: 6 }, (_, i) => [
        { sn, medium: 'temperature', ts: start + i * H, value: 20 + i / 10 },
        { sn, medium: 'humidity', ts: start + i * H, value: 50 },
      ]).flat(),
    );
    await t.platform.engine.flush();
    const p = await preview(sn.toLowerCase());
    expect(p).toMatchObject({
      sn,
      state: 'unregistered',
      readings: 12,
      dwelling: null,
      lastSeenAt: start + 5 * H,
    });
    expect(p.sensors.map((s) => [s.medium, s.readings]).sort()).toEqual([
      ['humidity', 6],
      ['temperature', 6],
    ]);
  });

  it('registers dwelling, gateway, sensors and resident in one step; the history comes along and the resident is invited', async () => {
    const sn = newSn();
    const start = Date.now() - 2 * DAY;
    await ingest([
      { sn, medium: 'temperature', ts: start, value: 21 },
      { sn, medium: 'temperature', ts: start + H, value: 21.5 },
    ]);
    await t.platform.engine.flush();
    const res = await call('POST', '/api/v1/installations', {
      buildingId: places.a.buildingId,
      newDwelling: { floor: 4, door: 'Izq.', areaM2: 72, contractedPowerW: 4_600 },
      gateway: { sn: sn.toLowerCase(), notes: 'behind the fridge' },
      sensors: [
        { channel: '1', device: '1', medium: 'temperature', label: 'living room' },
        { channel: '1', device: '2', medium: 'co2' },
      ],
      resident: { name: 'Ane Zubiri', email: 'ane.zubiri@example.org', language: 'eu' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const done = res.json() as Installation;
    expect(done.dwelling).toMatchObject({ label: '4 Izq.', buildingId: places.a.buildingId, created: true });
    expect((await call('GET', `/api/v1/dwellings/${done.dwelling.id}`)).json()).toMatchObject({
      areaM2: 72,
      contractedPowerW: 4_600,
    });
    expect(done.gateway).toMatchObject({ sn, was: 'unregistered', movedFrom: null });
    expect(done.readings).toBe(2);
    expect(done.sensors.map((s) => [s.medium, s.created, s.hasReadings])).toEqual([
      ['temperature', false, true],
      ['co2', true, false],
    ]);
    expect(done.resident).toMatchObject({ email: 'ane.zubiri@example.org', invited: true });

    // The readings sent before the registration now belong to the dwelling.
    const latest = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings/latest?dwelling=${done.dwelling.id}`,
      headers: t.readerHeaders,
    });
    expect(latest.json().sensors.find((s: { medium: string }) => s.medium === 'temperature')).toMatchObject({
      lastSeen: start + H,
      value: 21.5,
    });
    // The resident: an account of this dwelling, invited to set a password, in Basque.
    const user = (await t.platform.auth.accounts.list({ q: 'ane.zubiri' })).items[0];
    expect(user).toMatchObject({ roles: ['resident'], dwellingIds: [done.dwelling.id], language: 'eu' });
    const [mail] = (await t.platform.mail.list({ to: 'ane.zubiri@example.org' })).items;
    expect(mail.template).toBe('invite');
    expect(mail.body).toContain('/set-password?token=');
    const audit = await t.platform.audit.list({ action: 'installation.registered' });
    expect(audit.items[0]).toMatchObject({ targetType: 'dwelling', targetId: String(done.dwelling.id) });
    expect((await preview(sn)).dwelling).toMatchObject({ id: done.dwelling.id, label: '4 Izq.' });
  });

  it('refuses bad input naming the field, and then has stored nothing', async () => {
    const sn = newSn();
    const attempt = (body: Record<string, unknown>) =>
      call('POST', '/api/v1/installations', {
        buildingId: places.a.buildingId,
        newDwelling: { floor: 5, door: 'Dcha.' },
        gateway: { sn },
        sensors: [{ channel: '1', device: '1', medium: 'temperature' }],
        ...body,
      });
    const cases: [Record<string, unknown>, number, string][] = [
      [
        {
          sensors: [
            { channel: '1', device: '1', medium: 'temperature' },
            { channel: '2', device: '1', medium: 'radon' },
          ],
        },
        400,
        'sensors[1].medium: there is no medium radon',
      ],
      [{ gateway: { sn: '12345' } }, 400, 'body.gateway.sn'],
      [{ dwellingId: places.b.dwellingId }, 400, 'dwelling: choose an existing dwelling'],
      [{ newDwelling: undefined, dwellingId: places.b.dwellingId }, 400, 'dwellingId: dwelling 1B'],
      [{ newDwelling: { floor: 1, door: 'A' }, newDwellingLabel: 1 }, 400, 'newDwellingLabel'],
      [{ newDwelling: { label: '1A' } }, 409, 'newDwelling.label: building'],
      [{ resident: { name: 'Someone', email: 'not-an-address' } }, 400, 'body.resident.email'],
      [{ buildingId: 999_999 }, 400, 'buildingId: there is no building 999999'],
    ];
    for (const [body, status, detail] of cases) {
      const res = await attempt(body);
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().detail).toContain(detail);
    }
    // A resident whose e-mail is taken: refused after the dwelling, gateway and sensors were made,
    // so those are undone with it.
    await t.platform.auth.accounts.create(
      {
        email: 'taken@example.org',
        name: 'Taken',
        roles: ['resident'],
        password: 'a long enough password 1',
      },
      { actor: { kind: 'system', name: 'test' } },
    );
    const taken = await attempt({ resident: { name: 'Other', email: 'taken@example.org' } });
    expect(taken.statusCode, taken.body).toBe(409);
    expect(taken.json().detail).toContain('resident.email: there is already an account');
    expect(await dwellingLabels(places.a.buildingId)).not.toContain('5 Dcha.');
    expect((await preview(sn)).state).toBe('unknown');
  });

  it('warns that a gateway serves another dwelling, and moves it only when told; its history stays there', async () => {
    const before = Date.now() - 5 * 60_000;
    await ingest([{ sn: places.b.sn, medium: 'temperature', ts: before, value: 19 }]);
    const p = await preview(places.b.sn);
    expect(p).toMatchObject({ state: 'registered', dwelling: { id: places.b.dwellingId, label: '1B' } });
    const body = {
      buildingId: places.a.buildingId,
      newDwelling: { floor: 2, door: 'Centro' },
      gateway: { sn: places.b.sn },
      sensors: [],
    };
    const refused = await call('POST', '/api/v1/installations', body);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().detail).toMatch(/^gateway\.sn: gateway .* serves dwelling 1B .*gateway\.move/);
    expect(await dwellingLabels(places.a.buildingId)).not.toContain('2 Centro');

    const moved = await call('POST', '/api/v1/installations', {
      ...body,
      gateway: { sn: places.b.sn, move: true },
    });
    expect(moved.statusCode, moved.body).toBe(201);
    const done = moved.json() as Installation;
    expect(done.gateway).toMatchObject({ was: 'registered', movedFrom: places.b.dwellingId });
    expect(done.sensors.map((s) => s.medium)).toEqual(['temperature']);
    const after = Date.now() + 1000;
    await ingest([{ sn: places.b.sn, medium: 'temperature', ts: after, value: 23 }]);
    const day = new Date(before).toISOString().slice(0, 10);
    const coverage = async (dwelling: number) =>
      (
        await call(
          'GET',
          `/api/v1/installations/coverage?dwelling=${dwelling}&from=${before - DAY}&to=${after}`,
        )
      ).json().sensors as { days: { count: number }[] }[];
    const count = (sensors: { days: { count: number }[] }[]) =>
      sensors.reduce((n, s) => n + s.days.reduce((m, d) => m + d.count, 0), 0);
    // The old dwelling keeps what was sent while the gateway served it; the new one gets the rest.
    expect(count(await coverage(places.b.dwellingId)), day).toBeGreaterThanOrEqual(2);
    expect(count(await coverage(done.dwelling.id))).toBe(1);
  });

  it('is for installers and admins', async () => {
    const resident = await headersAs(t, { roles: ['resident'], dwellingIds: [places.a.dwellingId] });
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/installations/gateway-preview?sn=${places.a.sn}`,
      headers: resident,
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('the status monitor', () => {
  let t: TestPlatform;
  let installer: Record<string, string>;
  let places: { districtId: number; a: TestPlace; b: TestPlace };

  beforeAll(async () => {
    t = await openTestPlatform();
    places = await createPlaces(t);
    installer = await headersAs(t, { roles: ['installer'] });
  });
  afterAll(async () => {
    await t.close();
  });

  const status = async (query: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/installations/status?${query}`,
      headers: installer,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as StatusPage;
  };
  const ingest = async (readings: { sn: string; medium: string; ts: number; device?: string }[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: t.ingestHeaders,
      payload: { readings: readings.map((r) => ({ channel: '1', device: '1', value: 1, ...r })) },
    });
    expect(res.statusCode, res.body).toBe(200);
  };

  it('shows a new installation black, then green once it reports, and a sensor red under a green gateway', async () => {
    const sn = newSn();
    const registered = await t.app.inject({
      method: 'POST',
      url: '/api/v1/installations',
      headers: installer,
      payload: {
        buildingId: places.a.buildingId,
        newDwelling: { floor: 3, door: 'Izq.' },
        gateway: { sn },
        sensors: [
          { channel: '1', device: '1', medium: 'temperature' },
          { channel: '1', device: '2', medium: 'humidity' },
        ],
      },
    });
    expect(registered.statusCode, registered.body).toBe(201);
    const dwellingId = (registered.json() as Installation).dwelling.id;
    const entry = async () =>
      (await status(`building=${places.a.buildingId}`)).items.find((d) => d.dwellingId === dwellingId)!;

    const black = await entry();
    expect(black.status).toBe('never');
    expect(black.gateways[0]).toMatchObject({ sn, status: 'never', lastSeen: null });
    expect(black.gateways[0].sensors.map((s) => s.status)).toEqual(['never', 'never']);

    const now = Date.now();
    await ingest([
      { sn, medium: 'temperature', ts: now - 60_000 },
      { sn, medium: 'humidity', ts: now - 60_000, device: '2' },
    ]);
    const green = await entry();
    expect(green.status).toBe('reporting');
    expect(green.gateways[0]).toMatchObject({ status: 'reporting', lastSeen: now - 60_000 });

    // A third sensor last heard from 20 days ago, beyond the 14-day default: it lost its link.
    await ingest([{ sn, medium: 'co2', ts: now - 20 * 86_400_000, device: '3' }]);
    const red = await entry();
    expect(red.status).toBe('silent');
    expect(red.gateways[0].status).toBe('reporting');
    expect(red.gateways[0].sensors.find((s) => s.medium === 'co2')).toMatchObject({
      status: 'silent',
      lastSeen: now - 20 * 86_400_000,
      silentAfterS: 14 * 86_400,
    });

    const page = await status(`building=${places.a.buildingId}&status=silent`);
    expect(page.items.map((d) => d.dwellingId)).toEqual([dwellingId]);
    expect(page.counts.dwellings).toMatchObject({ silent: 1, reporting: 1 });
    expect(page.counts.sensors).toMatchObject({ silent: 1, reporting: 3, never: 0 });
  });

  it('walks every dwelling once, a page at a time, with the counts of the whole filter on each page', async () => {
    const all = await status('limit=500');
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await status(`limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(1);
      expect(page.counts).toEqual(all.counts);
      seen.push(...page.items.map((d) => d.dwellingId));
      cursor = page.next;
    } while (cursor);
    expect(seen).toEqual(all.items.map((d) => d.dwellingId));
    expect(seen.length).toBe(Object.values(all.counts.dwellings).reduce((a, b) => a + b, 0));
    expect(seen).toContain(places.b.dwellingId);
  });
});
