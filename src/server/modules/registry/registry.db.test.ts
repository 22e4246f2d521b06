import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headersAs } from '../../testing/principals.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';

const HOUR = 3_600_000;

describe('registry over HTTP', () => {
  let t: TestPlatform;
  let admin: Record<string, string>;
  let installer: Record<string, string>;
  let districtId: number;

  beforeAll(async () => {
    t = await openTestPlatform();
    admin = await headersAs(t, { roles: ['admin'] });
    installer = await headersAs(t, { roles: ['installer'] });
    districtId = (
      await post('/api/v1/districts', { code: 'VG-COR', name: 'Coronación', city: 'Vitoria-Gasteiz' })
    ).json().id;
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (url: string, payload: unknown, headers = admin) =>
    t.app.inject({ method: 'POST', url, payload: payload as object, headers });
  const patch = (url: string, payload: unknown, headers = admin) =>
    t.app.inject({ method: 'PATCH', url, payload: payload as object, headers });
  const get = (url: string, headers = admin) => t.app.inject({ method: 'GET', url, headers });
  const del = (url: string, headers = admin) => t.app.inject({ method: 'DELETE', url, headers });

  it('records registry changes in the audit log, with who made them', async () => {
    const created = (
      await post('/api/v1/districts', { code: 'VG-AUDIT', name: 'Audited', city: 'Vitoria-Gasteiz' }, admin)
    ).json();
    const res = await get('/api/v1/admin/audit?action=registry.');
    expect(res.statusCode, res.body).toBe(200);
    const event = res
      .json()
      .items.find(
        (e: { action: string; targetType: string }) =>
          e.action === 'registry.post' && e.targetType === '/api/v1/districts',
      );
    expect(event, res.body).toBeDefined();
    expect(event.actor.kind).toBe('user');
    expect(created.id).toBeGreaterThan(0);
  });

  let codeSeq = 0;
  async function building(extra: Record<string, unknown> = {}, headers = admin) {
    const res = await post(
      '/api/v1/buildings',
      {
        districtId,
        code: `59_${++codeSeq}_7`,
        address: `Calle Eulogio Serdán ${codeSeq}`,
        latitude: 42.852,
        longitude: -2.675,
        ...extra,
      },
      headers,
    );
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }
  async function dwelling(buildingId: number, label: string) {
    const res = await post('/api/v1/dwellings', { buildingId, label, floor: 4, areaM2: 72.5 });
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  }
  let snSeq = 0x100;
  const nextSn = () => `00AB00CD00EF${(snSeq++).toString(16).toUpperCase().padStart(4, '0')}`;

  /** Line protocol of a forwarder's temperature reading, written with the ingest token. */
  async function writeReading(sn: string, t0: number, value: number) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v2/write?org=city&bucket=ciop&precision=ms',
      headers: t.ingestHeaders,
      payload: `forwarder_data,SN=${sn},channel=1,device=1,medium=temperature value=${value} ${t0}`,
    });
    expect(res.statusCode, res.body).toBe(204);
  }
  async function groupOf(dwellingId: number, from: number, to: number) {
    const res = await get(
      `/api/v1/readings/group?dwelling=${dwellingId}&medium=temperature&from=${from}&to=${to}&interval=hour`,
    );
    expect(res.statusCode, res.body).toBe(200);
    return res.json().buckets.filter((b: { members: number }) => b.members > 0) as {
      start: number;
      mean: number;
    }[];
  }

  describe('round trips', () => {
    it('creates, reads, changes and deletes a district', async () => {
      const created = await post('/api/v1/districts', { code: 'VG-ZAR', name: 'Zaramaga', latitude: 42.86 });
      expect(created.statusCode).toBe(201);
      const d = created.json();
      expect(d).toMatchObject({
        code: 'VG-ZAR',
        name: 'Zaramaga',
        city: '',
        latitude: 42.86,
        longitude: null,
      });
      expect((await get(`/api/v1/districts/${d.id}`)).json()).toEqual(d);
      const changed = await patch(`/api/v1/districts/${d.id}`, { name: 'Zaramaga Norte', longitude: -2.68 });
      expect(changed.json()).toMatchObject({ name: 'Zaramaga Norte', longitude: -2.68, latitude: 42.86 });
      expect((await del(`/api/v1/districts/${d.id}`)).statusCode).toBe(204);
      expect((await get(`/api/v1/districts/${d.id}`)).statusCode).toBe(404);
    });

    it('creates a building with typed features and keeps its code as given', async () => {
      const b = await building({
        code: '59_473_7',
        carrier1: 'natural_gas',
        area1M2: 1250.5,
        carrier2: 'electricity',
        area2M2: 80,
        floors: 6,
        features: { orientation: 'SE', year_built: 1962, retrofit_date: '2024-10-01' },
      });
      expect(b).toMatchObject({
        code: '59_473_7',
        districtId,
        carrier1: 'natural_gas',
        area1M2: 1250.5,
        carrier2: 'electricity',
        area2M2: 80,
        floors: 6,
        features: { orientation: 'SE', year_built: 1962, retrofit_date: '2024-10-01' },
      });
      expect((await get(`/api/v1/buildings/${b.id}`)).json()).toEqual(b);

      const changed = await patch(`/api/v1/buildings/${b.id}`, {
        address: 'Calle Aldabe 12',
        features: { year_built: null, window_share: 35 },
        carrier2: null,
        area2M2: null,
      });
      expect(changed.statusCode, changed.body).toBe(200);
      expect(changed.json()).toMatchObject({
        address: 'Calle Aldabe 12',
        carrier2: null,
        area2M2: null,
        features: { orientation: 'SE', retrofit_date: '2024-10-01', window_share: 35 },
      });
      expect(changed.json().features).not.toHaveProperty('year_built');
      expect((await del(`/api/v1/buildings/${b.id}`)).statusCode).toBe(204);
      expect((await get(`/api/v1/buildings/${b.id}`)).statusCode).toBe(404);
    });

    it('creates and changes dwellings, gateways, sensors and weather stations', async () => {
      const b = await building();
      const d = await dwelling(b.id, '4 Izq.');
      expect(d).toMatchObject({ buildingId: b.id, label: '4 Izq.', floor: 4, areaM2: 72.5 });
      expect((await patch(`/api/v1/dwellings/${d.id}`, { label: '4 Dcha.', floor: 5 })).json()).toMatchObject(
        {
          label: '4 Dcha.',
          floor: 5,
          areaM2: 72.5,
        },
      );

      const sn = nextSn();
      const g = await post('/api/v1/gateways', { sn: sn.toLowerCase(), notes: 'boiler room' }, installer);
      expect(g.statusCode, g.body).toBe(201);
      expect(g.json()).toMatchObject({
        sn,
        status: 'unregistered',
        dwellingId: null,
        registeredAt: null,
        firstSeenAt: null,
      });
      const gatewayId = g.json().id;

      const s = await post(
        '/api/v1/sensors',
        { gatewayId, channel: '1', device: '2', medium: 'co2' },
        installer,
      );
      expect(s.statusCode, s.body).toBe(201);
      expect(s.json()).toMatchObject({
        gatewayId,
        sn,
        medium: 'co2',
        unit: 'ppm',
        label: '',
        hasReadings: false,
      });
      const sensorId = s.json().id;
      expect(
        (await patch(`/api/v1/sensors/${sensorId}`, { label: 'living room' }, installer)).json(),
      ).toMatchObject({
        label: 'living room',
        unit: 'ppm',
      });
      expect(
        (await get(`/api/v1/sensors?gateway=${gatewayId}`)).json().items.map((x: { id: number }) => x.id),
      ).toEqual([sensorId]);

      const registered = await patch(`/api/v1/gateways/${gatewayId}`, { dwellingId: d.id }, installer);
      expect(registered.json()).toMatchObject({ status: 'registered', dwellingId: d.id, buildingId: b.id });
      expect(registered.json().registeredAt).toBeGreaterThan(0);
      expect((await get(`/api/v1/sensors?building=${b.id}`)).json().items).toHaveLength(1);

      const wsGateway = (await post('/api/v1/gateways', { sn: nextSn() })).json();
      const ws = await post('/api/v1/weather-stations', {
        districtId,
        code: 'VG-WS-2',
        name: 'Station 2',
        latitude: 42.85,
        longitude: -2.67,
        gatewayId: wsGateway.id,
      });
      expect(ws.statusCode, ws.body).toBe(201);
      expect(ws.json()).toMatchObject({ districtId, code: 'VG-WS-2', gatewayId: wsGateway.id });
      expect((await get(`/api/v1/gateways/${wsGateway.id}`)).json().status).toBe('registered');
      expect((await del(`/api/v1/weather-stations/${ws.json().id}`)).statusCode).toBe(204);
      expect((await get(`/api/v1/gateways/${wsGateway.id}`)).json().status).toBe('unregistered');

      expect((await del(`/api/v1/sensors/${sensorId}`, installer)).statusCode).toBe(204);
      expect(
        (await patch(`/api/v1/gateways/${gatewayId}`, { dwellingId: null }, installer)).json(),
      ).toMatchObject({
        status: 'unregistered',
        dwellingId: null,
      });
      expect((await del(`/api/v1/gateways/${gatewayId}`, installer)).statusCode).toBe(204);
      expect((await del(`/api/v1/dwellings/${d.id}`, installer)).statusCode).toBe(204);
    });

    it('lets admins keep the open list of media and feature definitions', async () => {
      const m = await post('/api/v1/media', { name: 'heat_energy', unit: 'kWh', cumulative: true });
      expect(m.statusCode, m.body).toBe(201);
      expect(m.json()).toEqual({ name: 'heat_energy', unit: 'kWh', cumulative: true, description: '' });
      expect(
        (await patch('/api/v1/media/heat_energy', { description: 'Heat meter' })).json().description,
      ).toBe('Heat meter');
      const names = (await get('/api/v1/media?limit=500')).json().items.map((x: { name: string }) => x.name);
      expect(names).toEqual(expect.arrayContaining(['temperature', 'energy', 'heat_energy']));
      expect((await del('/api/v1/media/heat_energy')).statusCode).toBe(204);

      const f = await post('/api/v1/feature-definitions', {
        key: 'roof_type',
        type: 'text',
        description: 'Roof',
      });
      expect(f.statusCode, f.body).toBe(201);
      expect(
        (await patch('/api/v1/feature-definitions/roof_type', { type: 'number', unit: '°' })).json(),
      ).toEqual({
        key: 'roof_type',
        type: 'number',
        unit: '°',
        description: 'Roof',
      });
      expect((await del('/api/v1/feature-definitions/roof_type')).statusCode).toBe(204);
    });
  });

  describe('validation', () => {
    it('refuses out-of-range coordinates, unknown carriers and bad serial numbers, saying where', async () => {
      const res = await post('/api/v1/buildings', {
        districtId,
        code: 'X_1',
        address: 'Somewhere',
        latitude: 95,
        longitude: -2.6,
        carrier1: 'coal',
      });
      expect(res.statusCode).toBe(400);
      const where = res.json().errors.map((e: { where: string }) => e.where);
      expect(where).toEqual(expect.arrayContaining(['body.latitude', 'body.carrier1']));
      expect(res.json().detail).toContain('natural_gas');
      const sn = await post('/api/v1/gateways', { sn: '12345' });
      expect(sn.statusCode).toBe(400);
      expect(sn.json().detail).toContain('body.sn');
      const extra = await post('/api/v1/dwellings', { buildingId: 1, label: 'x', colour: 'red' });
      expect(extra.json().detail).toContain('body.colour');
    });

    it('keeps a dwelling’s contracted power in watts, refusing a bad one by name and changing nothing', async () => {
      const b = await building();
      const created = await post(
        '/api/v1/dwellings',
        { buildingId: b.id, label: '2 Izq.', contractedPowerW: 4_600 },
        installer,
      );
      expect(created.statusCode, created.body).toBe(201);
      const d = created.json();
      expect(d.contractedPowerW).toBe(4_600);
      expect((await get(`/api/v1/dwellings/${d.id}`, installer)).json().contractedPowerW).toBe(4_600);
      const listed = (await get(`/api/v1/dwellings?building=${b.id}`, installer)).json().items;
      expect(listed.map((x: { contractedPowerW: number | null }) => x.contractedPowerW)).toEqual([4_600]);
      // Without one it is null, and a dwelling's other fields leave it as it is.
      expect((await dwelling(b.id, '2 Dcha.')).contractedPowerW).toBeNull();
      expect((await patch(`/api/v1/dwellings/${d.id}`, { floor: 2 }, installer)).json()).toMatchObject({
        floor: 2,
        contractedPowerW: 4_600,
      });

      for (const contractedPowerW of [0, -3_450, 4_600.5, 1_000_001, '4600 W']) {
        const bad = await patch(`/api/v1/dwellings/${d.id}`, { floor: 3, contractedPowerW }, installer);
        expect(bad.statusCode, `${contractedPowerW}`).toBe(400);
        expect(bad.json().detail).toContain('body.contractedPowerW');
        const refused = await post(
          '/api/v1/dwellings',
          { buildingId: b.id, label: `X ${contractedPowerW}`, contractedPowerW },
          installer,
        );
        expect(refused.statusCode).toBe(400);
        expect(refused.json().detail).toContain('body.contractedPowerW');
      }
      expect((await get(`/api/v1/dwellings/${d.id}`)).json()).toMatchObject({
        floor: 2,
        contractedPowerW: 4_600,
      });
      expect((await get(`/api/v1/dwellings?building=${b.id}`)).json().items).toHaveLength(2);

      const cleared = await patch(`/api/v1/dwellings/${d.id}`, { contractedPowerW: null }, installer);
      expect(cleared.json().contractedPowerW).toBeNull();
      expect(
        (await patch(`/api/v1/dwellings/${d.id}`, { contractedPowerW: 1_000_000 })).json(),
      ).toMatchObject({
        contractedPowerW: 1_000_000,
      });
    });

    it('checks features against their definitions, naming the feature', async () => {
      const unknown = await post('/api/v1/buildings', {
        districtId,
        code: 'F_1',
        address: 'a',
        latitude: 42,
        longitude: -2,
        features: { solar_panels: true },
      });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().detail).toContain('features.solar_panels');
      const wrongType = await post('/api/v1/buildings', {
        districtId,
        code: 'F_2',
        address: 'a',
        latitude: 42,
        longitude: -2,
        features: { year_built: 'sixties', retrofit_date: '2024-13-40' },
      });
      expect(wrongType.statusCode).toBe(400);
      expect(wrongType.json().detail).toContain('features.year_built: must be a number');
      expect(wrongType.json().detail).toContain('features.retrofit_date: must be a date');
      expect((await get('/api/v1/buildings?codePrefix=F_')).json().items).toHaveLength(0);
    });

    it('keeps codes, labels and serial numbers unique with a 409 that names the holder', async () => {
      const b = await building();
      const again = await post('/api/v1/buildings', {
        districtId,
        code: b.code,
        address: 'x',
        latitude: 1,
        longitude: 1,
      });
      expect(again.statusCode).toBe(409);
      expect(again.json().detail).toContain(`building ${b.id}`);
      await dwelling(b.id, '1 A');
      const dup = await post('/api/v1/dwellings', { buildingId: b.id, label: '1 A' });
      expect(dup.statusCode).toBe(409);
      const sn = nextSn();
      await post('/api/v1/gateways', { sn });
      const dupSn = await post('/api/v1/gateways', { sn: sn.toLowerCase() });
      expect(dupSn.statusCode).toBe(409);
      expect(dupSn.json().detail).toContain('PATCH /api/v1/gateways/');
    });

    it('refuses a carrier area without its carrier, and a sensor of an unknown medium', async () => {
      const res = await post('/api/v1/buildings', {
        districtId,
        code: 'C_1',
        address: 'a',
        latitude: 42,
        longitude: -2,
        area1M2: 100,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().detail).toContain('area1M2');
      const g = (await post('/api/v1/gateways', { sn: nextSn() })).json();
      const s = await post('/api/v1/sensors', {
        gatewayId: g.id,
        channel: '1',
        device: '1',
        medium: 'radon',
      });
      expect(s.statusCode).toBe(400);
      expect(s.json().detail).toContain('medium: there is no medium radon');
    });
  });

  describe('pagination', () => {
    it('walks every building exactly once, a page at a time', async () => {
      const district = (await post('/api/v1/districts', { code: 'PAGES', name: 'Pages' })).json();
      const made = [];
      for (let i = 0; i < 23; i++) made.push((await building({ districtId: district.id })).id);
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const res = await get(
          `/api/v1/buildings?district=${district.id}&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json();
        expect(page.items.length).toBeLessThanOrEqual(5);
        seen.push(...page.items.map((b: { id: number }) => b.id));
        cursor = page.next;
        pages++;
      } while (cursor);
      expect(pages).toBe(5);
      expect(seen).toEqual(made);
      expect(new Set(seen).size).toBe(23);
    });

    it('answers 50 by default and refuses more than 500 or a forged cursor', async () => {
      const first = (await get('/api/v1/media')).json();
      expect(first.items.length).toBeLessThanOrEqual(50);
      expect((await get('/api/v1/buildings?limit=501')).statusCode).toBe(400);
      const forged = await get('/api/v1/buildings?cursor=not-a-cursor');
      expect(forged.statusCode).toBe(400);
      expect(forged.json().detail).toContain('cursor');
    });

    it('filters buildings by code prefix, carrier and address text', async () => {
      await building({ code: 'ZZ_1', carrier1: 'biomass', address: 'Plaza de la Constitución 3' });
      await building({
        code: 'ZZ_2',
        carrier1: 'natural_gas',
        carrier2: 'biomass',
        address: 'Calle Aldabe 9',
      });
      await building({ code: 'ZY_1', carrier1: 'pellets', address: 'Calle ALDABE 11' });
      const codes = async (q: string) =>
        (await get(`/api/v1/buildings?${q}`)).json().items.map((b: { code: string }) => b.code);
      expect(await codes('codePrefix=ZZ_')).toEqual(['ZZ_1', 'ZZ_2']);
      expect(await codes('codePrefix=Z&carrier=biomass')).toEqual(['ZZ_1', 'ZZ_2']);
      expect(await codes('codePrefix=Z&q=aldabe')).toEqual(['ZZ_2', 'ZY_1']);
      expect(await codes('q=100%25')).toEqual([]);
    });
  });

  describe('who sees what', () => {
    let b1: { id: number };
    let b2: { id: number };
    let d1: { id: number };
    let d2: { id: number };
    let d3: { id: number };
    let g1: { id: number };
    let g2: { id: number };

    beforeAll(async () => {
      b1 = await building();
      b2 = await building();
      d1 = await dwelling(b1.id, '1 Izq.');
      d2 = await dwelling(b1.id, '1 Dcha.');
      d3 = await dwelling(b2.id, 'Bajo');
      g1 = (await post('/api/v1/gateways', { sn: nextSn(), dwellingId: d1.id })).json();
      g2 = (await post('/api/v1/gateways', { sn: nextSn(), dwellingId: d3.id })).json();
      for (const g of [g1, g2])
        await post('/api/v1/sensors', { gatewayId: g.id, channel: '1', device: '1', medium: 'temperature' });
    });

    const ids = async (url: string, headers: Record<string, string>) => {
      const res = await get(url, headers);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().items.map((x: { id: number }) => x.id);
    };

    it('shows a resident only their dwelling and its building', async () => {
      const resident = await headersAs(t, { roles: ['resident'], dwellingIds: [d1.id] });
      expect(await ids(`/api/v1/dwellings?building=${b1.id}`, resident)).toEqual([d1.id]);
      expect(await ids('/api/v1/dwellings?limit=500', resident)).toEqual([d1.id]);
      expect((await get(`/api/v1/dwellings/${d2.id}`, resident)).statusCode).toBe(404);
      expect(await ids('/api/v1/buildings?limit=500', resident)).toEqual([b1.id]);
      expect(await ids('/api/v1/gateways?limit=500', resident)).toEqual([g1.id]);
      expect((await get(`/api/v1/gateways/${g2.id}`, resident)).statusCode).toBe(404);
      const sensors = (await get('/api/v1/sensors?limit=500', resident)).json().items;
      expect(sensors.map((s: { gatewayId: number }) => s.gatewayId)).toEqual([g1.id]);
    });

    it('shows an ESCO only its buildings and what is in them', async () => {
      const esco = await headersAs(t, { roles: ['esco'], buildingIds: [b2.id] });
      expect(await ids('/api/v1/buildings?limit=500', esco)).toEqual([b2.id]);
      expect((await get(`/api/v1/buildings/${b1.id}`, esco)).statusCode).toBe(404);
      expect(await ids('/api/v1/dwellings?limit=500', esco)).toEqual([d3.id]);
      expect(await ids('/api/v1/gateways?limit=500', esco)).toEqual([g2.id]);
      const nobody = await headersAs(t, { roles: ['esco'] });
      expect(await ids('/api/v1/buildings', nobody)).toEqual([]);
    });

    it('holds machine tokens to their gateways and lets planners see everything', async () => {
      const machine = await headersAs(t, { scopes: ['read'], gatewayIds: [g2.id] });
      expect(await ids('/api/v1/gateways?limit=500', machine)).toEqual([g2.id]);
      expect(await ids('/api/v1/buildings?limit=500', machine)).toEqual([b2.id]);
      const planner = await headersAs(t, { roles: ['planner'] });
      expect(await ids('/api/v1/buildings?limit=500', planner)).toEqual(
        expect.arrayContaining([b1.id, b2.id]),
      );
    });

    it('lets only admins and installers change buildings, and only admins districts and media', async () => {
      const resident = await headersAs(t, { roles: ['resident'], dwellingIds: [d1.id] });
      expect((await patch(`/api/v1/dwellings/${d1.id}`, { floor: 2 }, resident)).statusCode).toBe(403);
      // The contracted power as the other fields: the resident reads it, and may not change it.
      const refused = await patch(`/api/v1/dwellings/${d1.id}`, { contractedPowerW: 3_450 }, resident);
      expect(refused.statusCode).toBe(403);
      expect((await get(`/api/v1/dwellings/${d1.id}`, resident)).json()).toHaveProperty(
        'contractedPowerW',
        null,
      );
      expect((await get(`/api/v1/dwellings/${d2.id}`, resident)).statusCode).toBe(404);
      expect((await post('/api/v1/districts', { code: 'NOPE', name: 'Nope' }, installer)).statusCode).toBe(
        403,
      );
      expect((await post('/api/v1/media', { name: 'noise', unit: 'dB' }, installer)).statusCode).toBe(403);
      expect((await patch(`/api/v1/buildings/${b1.id}`, { floors: 7 }, installer)).json().floors).toBe(7);
      const transport = await headersAs(t, { roles: ['transport'] });
      expect((await get('/api/v1/buildings', transport)).statusCode).toBe(403);
      const restricted = await headersAs(t, { scopes: ['admin'], buildingIds: [b1.id] });
      expect((await patch(`/api/v1/buildings/${b1.id}`, { floors: 8 }, restricted)).statusCode).toBe(403);
      expect((await get('/api/v1/buildings')).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/buildings' })).statusCode).toBe(401);
    });
  });

  describe('deleting what still has children or readings', () => {
    it('answers 409 saying what to remove first, and deletes nothing', async () => {
      const b = await building();
      const d = await dwelling(b.id, '2 B');
      const g = (await post('/api/v1/gateways', { sn: nextSn(), dwellingId: d.id })).json();
      const s = (
        await post('/api/v1/sensors', { gatewayId: g.id, channel: '3', device: '1', medium: 'humidity' })
      ).json();

      const district = await del(`/api/v1/districts/${districtId}`);
      expect(district.statusCode).toBe(409);
      expect(district.json().detail).toMatch(/still has \d+ building\(s\).*delete or move them first/);
      const ofBuilding = await del(`/api/v1/buildings/${b.id}`);
      expect(ofBuilding.statusCode).toBe(409);
      expect(ofBuilding.json().detail).toContain(`still has 1 dwelling(s); delete them first`);
      const ofDwelling = await del(`/api/v1/dwellings/${d.id}`);
      expect(ofDwelling.statusCode).toBe(409);
      expect(ofDwelling.json().detail).toContain(
        `served by gateway(s) ${g.sn}; unregister or move them first`,
      );
      const ofGateway = await del(`/api/v1/gateways/${g.id}`);
      expect(ofGateway.statusCode).toBe(409);
      expect(ofGateway.json().detail).toContain('still has 1 sensor(s); delete them first');
      const medium = await del('/api/v1/media/humidity');
      expect(medium.statusCode).toBe(409);
      expect(medium.json().detail).toContain('delete those sensors first');
      await patch(`/api/v1/buildings/${b.id}`, { features: { orientation: 'N' } });
      const feature = await del('/api/v1/feature-definitions/orientation');
      expect(feature.statusCode).toBe(409);
      expect(feature.json().detail).toContain(b.code);

      for (const url of [
        `/api/v1/districts/${districtId}`,
        `/api/v1/buildings/${b.id}`,
        `/api/v1/dwellings/${d.id}`,
        `/api/v1/gateways/${g.id}`,
        `/api/v1/sensors/${s.id}`,
        '/api/v1/media/humidity',
        '/api/v1/feature-definitions/orientation',
      ])
        expect((await get(url)).statusCode, url).toBe(200);
    });

    it('keeps sensors, gateways and dwellings that hold readings', async () => {
      const b = await building();
      const d = await dwelling(b.id, '3 C');
      const sn = nextSn();
      await writeReading(sn, Date.now() - HOUR, 21.5);
      const g = (await get(`/api/v1/gateways?sn=${sn}`)).json().items[0];
      await patch(`/api/v1/gateways/${g.id}`, { dwellingId: d.id });
      const [s] = (await get(`/api/v1/sensors?gateway=${g.id}`)).json().items;
      expect(s.hasReadings).toBe(true);
      const sensor = await del(`/api/v1/sensors/${s.id}`);
      expect(sensor.statusCode).toBe(409);
      expect(sensor.json().detail).toContain('has stored readings');
      expect((await del(`/api/v1/gateways/${g.id}`)).json().detail).toContain('Unregister it instead');
      await patch(`/api/v1/gateways/${g.id}`, { dwellingId: null });
      const dwellingDelete = await del(`/api/v1/dwellings/${d.id}`);
      expect(dwellingDelete.statusCode).toBe(409);
      expect(dwellingDelete.json().detail).toContain(`stored readings of gateway(s) ${sn}`);
      expect((await get(`/api/v1/gateways/${g.id}/assignments`)).json().items).toHaveLength(1);
    });
  });

  describe('gateways and the history of their readings', () => {
    it('brings the history of a gateway that reported before it was registered', async () => {
      const b = await building();
      const d = await dwelling(b.id, '5 Izq.');
      const sn = nextSn();
      const base = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;
      await writeReading(sn, base + 600_000, 20);
      await writeReading(sn, base + HOUR + 600_000, 21);

      const unregistered = (await get(`/api/v1/gateways?status=unregistered&sn=${sn}`)).json().items;
      expect(unregistered).toHaveLength(1);
      expect(unregistered[0]).toMatchObject({ sn, status: 'unregistered', dwellingId: null });
      expect(unregistered[0].firstSeenAt).toBeGreaterThan(0);
      expect(await groupOf(d.id, base, base + 6 * HOUR - 1)).toEqual([]);

      const registered = await patch(
        `/api/v1/gateways/${unregistered[0].id}`,
        { dwellingId: d.id },
        installer,
      );
      expect(registered.statusCode, registered.body).toBe(200);
      expect(registered.json().status).toBe('registered');
      expect((await get(`/api/v1/gateways?status=registered&sn=${sn}`)).json().items).toHaveLength(1);

      const buckets = await groupOf(d.id, base, base + 6 * HOUR - 1);
      expect(buckets.map((x) => [x.start, x.mean])).toEqual([
        [base, 20],
        [base + HOUR, 21],
      ]);
    });

    it('keeps readings from before a move with the earlier dwelling', async () => {
      const b = await building();
      const first = await dwelling(b.id, '6 Izq.');
      const second = await dwelling(b.id, '6 Dcha.');
      const sn = nextSn();
      const g = (await post('/api/v1/gateways', { sn, dwellingId: first.id }, installer)).json();
      const base = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;
      await writeReading(sn, base + 600_000, 19);
      await writeReading(sn, base + 3 * HOUR + 600_000, 23);

      const early = await patch(`/api/v1/gateways/${g.id}`, {
        dwellingId: second.id,
        since: Date.now() + HOUR,
      });
      expect(early.statusCode).toBe(400);
      expect(early.json().detail).toContain('since');
      const moved = await patch(
        `/api/v1/gateways/${g.id}`,
        { dwellingId: second.id, since: base + 2 * HOUR },
        installer,
      );
      expect(moved.statusCode, moved.body).toBe(200);
      expect(moved.json()).toMatchObject({ dwellingId: second.id, status: 'registered' });

      expect((await groupOf(first.id, base, base + 6 * HOUR - 1)).map((x) => [x.start, x.mean])).toEqual([
        [base, 19],
      ]);
      expect((await groupOf(second.id, base, base + 6 * HOUR - 1)).map((x) => [x.start, x.mean])).toEqual([
        [base + 3 * HOUR, 23],
      ]);
      const history = (await get(`/api/v1/gateways/${g.id}/assignments`)).json().items;
      expect(history).toEqual([
        { dwellingId: first.id, buildingId: b.id, validFrom: null, validTo: base + 2 * HOUR },
        { dwellingId: second.id, buildingId: b.id, validFrom: base + 2 * HOUR, validTo: null },
      ]);
      const backwards = await patch(`/api/v1/gateways/${g.id}`, { dwellingId: first.id, since: base + HOUR });
      expect(backwards.statusCode).toBe(400);
      expect(backwards.json().detail).toContain('since: must be after');
    });

    it('gives a sensor registered before its data the readings that arrive later', async () => {
      const b = await building();
      const d = await dwelling(b.id, '7 A');
      const sn = nextSn();
      const g = (await post('/api/v1/gateways', { sn, dwellingId: d.id })).json();
      const s = (
        await post('/api/v1/sensors', {
          gatewayId: g.id,
          channel: '1',
          device: '1',
          medium: 'temperature',
          label: 'kitchen',
        })
      ).json();
      await writeReading(sn, Date.now() - HOUR, 22);
      const after = (await get(`/api/v1/sensors/${s.id}`)).json();
      expect(after).toMatchObject({ id: s.id, label: 'kitchen', hasReadings: true });
      expect((await get(`/api/v1/gateways/${g.id}`)).json().firstSeenAt).toBeGreaterThan(0);
    });
  });
});
