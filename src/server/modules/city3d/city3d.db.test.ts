import { gunzipSync } from 'node:zlib';
import { VectorTile } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CityBuilding, CityImportReport, IndicatorList } from '#common/api/city3d.ts';
import { insertDistrict } from '../registry/districts.store.ts';
import { insertBuilding } from '../registry/buildings.store.ts';
import { headersAs } from '../../testing/principals.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { aldabeLatLon, aldabeUtm, inspireGml } from './city3d-test-files.ts';

let t: TestPlatform;
let planner: Record<string, string>;
let resident: Record<string, string>;

/** The tile holding a point at a zoom (Web Mercator). */
function tileOf(lon: number, lat: number, z: number): [number, number] {
  const n = 2 ** z;
  const x = Math.floor(((lon + 180) / 360) * n);
  const r = (lat * Math.PI) / 180;
  const y = Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n);
  return [x, y];
}

async function importGml(body: string, headers = planner): Promise<CityImportReport> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/city3d/buildings/import',
    headers: { ...headers, 'content-type': 'application/gml+xml' },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

beforeAll(async () => {
  t = await openTestPlatform();
  planner = await headersAs(t, { roles: ['planner'] });
  resident = await headersAs(t, { roles: ['resident'] });
  // A monitored building of the registry whose point lies in the Aldabe footprint.
  const db = t.platform.db;
  const district = await insertDistrict(
    db,
    { code: 'D1', name: 'Coronación', city: 'Vitoria-Gasteiz', latitude: null, longitude: null },
    0,
  );
  await insertBuilding(
    db,
    {
      district_id: district,
      code: '59_473_1',
      address: 'Calle Aldabe 3',
      latitude: 42.85157,
      longitude: -2.67537,
      carrier1: 'natural_gas',
      area1_m2: 1000,
      carrier2: null,
      area2_m2: null,
      floors: 5,
      features: {},
    },
    0,
  );
  // Monthly final energy of the building, as the energy calculator stores it.
  const kpi = await t.platform.kpi.store.definition('EN_FINAL');
  const month = (m: number) => Date.UTC(2025, m, 1);
  await t.platform.kpi.store.upsert(
    [0, 1, 2].map((m) => ({
      kpi_id: kpi!.id,
      resource: '59_473_1',
      breakdown: '',
      period_start: month(m),
      period_end: month(m + 1),
      granularity: 'month' as const,
      value: 1000 + m * 100,
      source: 'calculator' as const,
      calculator: 'energy',
      inputs_version: '1',
      inputs: '{}',
      computed_at: 0,
    })),
  );
});
afterAll(async () => {
  await t?.close();
});

describe('the building import', () => {
  it('stores GML in EPSG:4258 and 25830, refuses a malformed feature by reference, and links by point', async () => {
    const report = await importGml(
      inspireGml([
        { id: 'ALDABE4258', posList: aldabeLatLon() },
        { id: 'BROKEN', posList: aldabeLatLon().slice(0, 3) },
      ]),
    );
    expect(report).toMatchObject({
      format: 'gml',
      srs: 'EPSG:4258',
      imported: 1,
      replaced: 0,
      refused: 1,
      linked: 1,
    });
    expect(report.refusals).toEqual([{ reference: 'BROKEN', reason: expect.stringMatching(/3 positions/) }]);

    const utm = await importGml(
      inspireGml([
        {
          id: 'ALDABE25830',
          posList: aldabeUtm().map(([e, n]) => [e + 40, n]),
          srs: 'urn:ogc:def:crs:EPSG::25830',
        },
      ]),
    );
    expect(utm).toMatchObject({ srs: 'EPSG:25830', imported: 1, refused: 0, linked: 0 });
    const b: CityBuilding = (await t.app.inject({ url: '/api/v1/city3d/buildings/ALDABE25830' })).json();
    // 40 m east of Aldabe's centroid (-2.675375): 40 m is 0.00049° of longitude at 42.85° N.
    expect(b.centroid[0]).toBeCloseTo(-2.674885, 4);
    expect(b.centroid[1]).toBeCloseTo(42.85157, 4);
  });

  it('replaces a building imported again by its reference', async () => {
    const report = await importGml(
      inspireGml([
        {
          id: 'ALDABE4258',
          posList: aldabeLatLon(),
          extra: '<bu-ext2d:numberOfFloorsAboveGround>7</bu-ext2d:numberOfFloorsAboveGround>',
        },
      ]),
    );
    expect(report).toMatchObject({ imported: 0, replaced: 1 });
    const b: CityBuilding = (await t.app.inject({ url: '/api/v1/city3d/buildings/ALDABE4258' })).json();
    expect(b).toMatchObject({ floors: 7, heightM: 21, heightSource: 'floors' });
  });

  it('answers a body that is neither GeoJSON nor GML with a problem, storing nothing', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/city3d/buildings/import',
      headers: { ...planner, 'content-type': 'application/json' },
      payload: '{"type":"FeatureCollection","features":[]}',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(/no features/);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/city3d/buildings/import',
      headers: { ...resident, 'content-type': 'application/gml+xml' },
      payload: inspireGml([{ id: 'NOPE', posList: aldabeLatLon() }]),
    });
    expect(refused.statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/v1/city3d/buildings/NOPE' })).statusCode).toBe(404);
  });
});

describe('the tiles', () => {
  it('decode to the buildings with their heights, and follow an import', async () => {
    const [x, y] = tileOf(-2.6754, 42.8516, 15);
    const res = await t.app.inject({
      url: `/api/v1/city3d/tiles/15/${x}/${y}.pbf`,
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
    expect(res.headers['content-encoding']).toBe('gzip');
    const tile = new VectorTile(new PbfReader(gunzipSync(res.rawPayload)));
    const layer = tile.layers.buildings;
    const features = Array.from({ length: layer.length }, (_, i) => layer.feature(i));
    const byRef = Object.fromEntries(features.map((f) => [f.properties.ref, f]));
    expect(Object.keys(byRef).sort()).toEqual(['ALDABE25830', 'ALDABE4258']);
    expect(byRef.ALDABE4258.properties).toMatchObject({ h: 21, floors: 7, use: '1_residential', year: 1962 });
    expect(byRef.ALDABE4258.type).toBe(3);
    // The footprint comes back where it was: its outline in the tile's 4096 units.
    const [ring] = byRef.ALDABE4258.loadGeometry();
    expect(ring.length).toBe(5);

    // An empty tile, a tile that cannot exist.
    expect((await t.app.inject({ url: '/api/v1/city3d/tiles/15/0/0.pbf' })).statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/city3d/tiles/3/9/0.pbf' })).statusCode).toBe(400);

    await importGml(
      inspireGml([
        {
          id: 'ALDABE4258',
          posList: aldabeLatLon(),
          extra:
            '<bu-core2d:heightAboveGround><bu-core2d:HeightAboveGround><bu-core2d:value uom="m">30</bu-core2d:value></bu-core2d:HeightAboveGround></bu-core2d:heightAboveGround>',
        },
      ]),
    );
    const again = await t.app.inject({ url: `/api/v1/city3d/tiles/15/${x}/${y}.pbf` });
    const layer2 = new VectorTile(new PbfReader(again.rawPayload)).layers.buildings;
    const heights = Array.from({ length: layer2.length }, (_, i) => layer2.feature(i).properties);
    expect(heights.find((p) => p.ref === 'ALDABE4258')?.h).toBe(30);
  });
});

describe('attributes and indicators', () => {
  it('imports indicators from CSV, refusing unknown buildings and bad values row by row', async () => {
    const csv =
      'reference;solar_roof_area;solar_potential;energy_rating\nALDABE4258;120;27000;C\nUNKNOWN;1;1;A\nALDABE25830;-5;1;B\n';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/city3d/attributes/import',
      headers: { ...planner, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      rows: 3,
      updated: 1,
      refused: 2,
      columns: ['solar_roof_area', 'solar_potential', 'energy_rating'],
    });
    const b: CityBuilding = (await t.app.inject({ url: '/api/v1/city3d/buildings/ALDABE4258' })).json();
    expect(b.attributes).toEqual({ solar_roof_area: 120, solar_potential: 27000, energy_rating: 'C' });
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/city3d/attributes/import',
      headers: { ...planner, 'content-type': 'text/csv' },
      payload: 'reference;colour\nALDABE4258;red\n',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/"colour"/);
  });

  it('lists the indicators with units, help in three languages and classes', async () => {
    const list: IndicatorList = (await t.app.inject({ url: '/api/v1/city3d/attributes' })).json();
    expect(list.buildings).toBe(2);
    expect(list.baseMapStyleUrl).toBeNull();
    expect(list.perBuildingKpis).toBe(false);
    const solar = list.items.find((i) => i.id === 'solar_potential');
    expect(solar).toMatchObject({ group: 'solar', unit: 'kWh/year', breaks: [27000] });
    expect(solar?.help.eu).toMatch(/eguzki/i);
    const use = list.items.find((i) => i.id === 'use');
    expect(use?.categories).toEqual([
      { value: '1_residential', name: { en: 'Residential', es: 'Residencial', eu: 'Bizitegia' } },
    ]);
  });
});

describe('who sees per-building KPIs', () => {
  it('keeps the registry link and the monthly KPIs from the public and from residents', async () => {
    for (const headers of [{}, resident]) {
      const b: CityBuilding = (
        await t.app.inject({ url: '/api/v1/city3d/buildings/ALDABE4258', headers })
      ).json();
      expect(b.registry).toBeNull();
      expect(b.kpis).toBeNull();
      expect(JSON.stringify(b)).not.toContain('59_473_1');
    }
  });

  it('shows them to planners, municipal, KPI and admin users', async () => {
    for (const role of ['planner', 'municipal', 'kpi', 'admin'] as const) {
      const headers = await headersAs(t, { roles: [role] });
      const b: CityBuilding = (
        await t.app.inject({ url: '/api/v1/city3d/buildings/ALDABE4258', headers })
      ).json();
      expect(b.registry).toEqual({ code: '59_473_1', link: 'point' });
      const final = b.kpis?.find((k) => k.kpi === 'EN_FINAL');
      expect(final?.points.map((p) => p.value)).toEqual([1000, 1100, 1200]);
    }
  });

  it('keeps a link set by hand through a new import', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/city3d/buildings/ALDABE25830/link',
      headers: planner,
      payload: { building: '59_473_1' },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().registry).toEqual({ code: '59_473_1', link: 'manual' });
    await importGml(
      inspireGml([
        {
          id: 'ALDABE25830',
          posList: aldabeUtm().map(([e, n]) => [e + 40, n]),
          srs: 'urn:ogc:def:crs:EPSG::25830',
        },
      ]),
    );
    const b: CityBuilding = (
      await t.app.inject({ url: '/api/v1/city3d/buildings/ALDABE25830', headers: planner })
    ).json();
    expect(b.registry).toEqual({ code: '59_473_1', link: 'manual' });
    const unknown = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/city3d/buildings/ALDABE25830/link',
      headers: planner,
      payload: { building: 'NOPE' },
    });
    expect(unknown.statusCode).toBe(400);
  });

  it('colours by a KPI only for whom sees per-building KPIs: the latest value of each linked building', async () => {
    const list: IndicatorList = (
      await t.app.inject({ url: '/api/v1/city3d/attributes', headers: planner })
    ).json();
    expect(list.perBuildingKpis).toBe(true);
    expect(list.items.find((i) => i.id === 'kpi:EN_FINAL')).toMatchObject({ group: 'kpi', unit: 'kWh' });
    const publicList: IndicatorList = (await t.app.inject({ url: '/api/v1/city3d/attributes' })).json();
    expect(publicList.items.filter((i) => i.group === 'kpi')).toEqual([]);

    const res = await t.app.inject({ url: '/api/v1/city3d/kpi-values?kpi=EN_FINAL', headers: planner });
    expect(res.statusCode, res.body).toBe(200);
    const values = res.json();
    expect(
      values.items.map((i: { reference: string; value: number }) => [i.reference, i.value]).sort(),
    ).toEqual([
      ['ALDABE25830', 1200],
      ['ALDABE4258', 1200],
    ]);
    for (const headers of [{}, resident])
      expect(
        (await t.app.inject({ url: '/api/v1/city3d/kpi-values?kpi=EN_FINAL', headers })).statusCode,
      ).toBeGreaterThanOrEqual(401);
  });

  it('links a building to a registry building registered after the import, by its point', async () => {
    await importGml(
      inspireGml([
        {
          id: 'LATER',
          posList: aldabeUtm().map(([e, n]) => [e, n + 60]),
          srs: 'urn:ogc:def:crs:EPSG::25830',
        },
      ]),
    );
    const before: CityBuilding = (
      await t.app.inject({ url: '/api/v1/city3d/buildings/LATER', headers: planner })
    ).json();
    expect(before.registry).toBeNull();
    const district = await t.platform.db.selectFrom('district').select('id').executeTakeFirstOrThrow();
    await insertBuilding(
      t.platform.db,
      {
        district_id: district.id,
        code: '59_480_2',
        address: 'Calle Aldabe 5',
        latitude: before.centroid[1],
        longitude: before.centroid[0],
        carrier1: null,
        area1_m2: null,
        carrier2: null,
        area2_m2: null,
        floors: null,
        features: {},
      },
      Date.now(),
    );
    await t.platform.scheduler.run('city3d-relink', Date.now());
    const after: CityBuilding = (
      await t.app.inject({ url: '/api/v1/city3d/buildings/LATER', headers: planner })
    ).json();
    expect(after.registry).toEqual({ code: '59_480_2', link: 'point' });
  });

  it('finds a building by address or reference', async () => {
    const res = await t.app.inject({ url: '/api/v1/city3d/search?q=aldabe4' });
    expect(res.json().items.map((i: { reference: string }) => i.reference)).toEqual(['ALDABE4258']);
  });
});

describe('the base map', () => {
  const connectSrc = (csp: unknown) =>
    String(csp)
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .find(([name]) => name === 'connect-src')
      ?.slice(1);

  it('is none by default, and the CSP lets the page connect to its own origin only', async () => {
    const res = await t.app.inject({ url: '/city' });
    expect(connectSrc(res.headers['content-security-policy'])).toEqual(["'self'"]);
  });

  it('comes from CIOP_MAP_STYLE_URL, whose host alone the CSP lets through', async () => {
    const other = await openTestPlatform({ mapStyleUrl: 'https://tiles.example.org/styles/city.json' });
    try {
      const list: IndicatorList = (await other.app.inject({ url: '/api/v1/city3d/attributes' })).json();
      expect(list.baseMapStyleUrl).toBe('https://tiles.example.org/styles/city.json');
      const res = await other.app.inject({ url: '/city' });
      expect(connectSrc(res.headers['content-security-policy'])).toEqual([
        "'self'",
        'https://tiles.example.org',
      ]);
    } finally {
      await other.close();
    }
  });
});
