import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlaces, PLACE_READING, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { CORE_CONTEXT_URL, LINK_REL } from './context.ts';

/**
 * NGSI-LD context information consumption over HTTP, on a real CIOP; tests are named after the
 * ETSI GS CIM 014 conformance tests (ngsi-ld-test-suite) they follow, where one exists.
 */
describe('NGSI-LD entities', () => {
  let t: TestPlatform;
  let a: TestPlace;
  let b: TestPlace;
  let resident: Record<string, string>;
  let transport: Record<string, string>;

  const get = async (url: string, headers: Record<string, string> = t.readerHeaders) => {
    const res = await t.app.inject({ method: 'GET', url: `/ngsi-ld/v1${url}`, headers });
    return {
      status: res.statusCode,
      headers: res.headers,
      get body() {
        return res.json();
      },
    };
  };
  const ids = (body: { id: string }[]) => body.map((e) => e.id);

  beforeAll(async () => {
    t = await openTestPlatform();
    ({ a, b } = await createPlaces(t));
    await t.platform.ingest.writeJson([
      { sn: a.sn, channel: '1', device: '2', medium: 'humidity', ts: Date.now() - 30_000, value: 48 },
    ]);
    resident = await headersAs(t, { roles: ['resident'], dwellingIds: [a.dwellingId] });
    transport = await headersAs(t, { roles: ['transport'] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('018_01_01 retrieves an entity by id, as application/json with the core context in a Link header', async () => {
    const res = await get(`/entities/urn:ngsi-ld:Building:${a.buildingId}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers.link).toBe(`<${CORE_CONTEXT_URL}>; rel="${LINK_REL}"; type="application/ld+json"`);
    expect(res.body).toMatchObject({
      id: `urn:ngsi-ld:Building:${a.buildingId}`,
      type: 'Building',
      name: { type: 'Property', value: a.buildingCode },
      location: { type: 'GeoProperty', value: { type: 'Point', coordinates: [-2.67, 42.85] } },
    });
    expect(res.body['@context']).toBeUndefined();
  });

  it('retrieves an entity as application/ld+json with its @context in the body', async () => {
    const res = await get(`/entities/urn:ngsi-ld:Dwelling:${a.dwellingId}`, {
      ...t.readerHeaders,
      accept: 'application/ld+json',
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/ld\+json/);
    expect(res.body).toMatchObject({
      '@context': CORE_CONTEXT_URL,
      type: 'Dwelling',
      refBuilding: { type: 'Relationship', object: `urn:ngsi-ld:Building:${a.buildingId}` },
    });
  });

  it('answers ResourceNotFound for an entity that does not exist', async () => {
    const res = await get('/entities/urn:ngsi-ld:Building:999999');
    expect(res.status).toBe(404);
    expect(res.body.type).toBe('https://uri.etsi.org/ngsi-ld/errors/ResourceNotFound');
  });

  it('018_02_01 answers BadRequestData for an entity id that is not a URI', async () => {
    const res = await get('/entities/thisisaninvaliduri');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      type: 'https://uri.etsi.org/ngsi-ld/errors/BadRequestData',
      title: 'BadRequestData',
    });
  });

  it('019_04_01 queries entities in a simplified representation', async () => {
    const res = await get(
      `/entities?type=Dwelling&id=urn:ngsi-ld:Dwelling:${a.dwellingId}&options=keyValues`,
    );
    expect(res.body).toEqual([
      expect.objectContaining({
        id: `urn:ngsi-ld:Dwelling:${a.dwellingId}`,
        refBuilding: `urn:ngsi-ld:Building:${a.buildingId}`,
      }),
    ]);
  });

  it('a DeviceMeasurement holds the latest reading with its time and UN/CEFACT unit', async () => {
    const res = await get(`/entities/urn:ngsi-ld:DeviceMeasurement:${a.sensorId}`);
    expect(res.body).toMatchObject({
      type: 'DeviceMeasurement',
      numValue: { type: 'Property', value: PLACE_READING.celsius, unitCode: 'CEL' },
      controlledProperty: { value: 'temperature' },
      refDevice: { object: `urn:ngsi-ld:Device:${a.gatewayId}` },
    });
  });

  it('an IndoorEnvironmentObserved per dwelling: temperature and relative humidity as a fraction', async () => {
    const res = await get(
      `/entities/urn:ngsi-ld:IndoorEnvironmentObserved:${a.dwellingId}?options=keyValues`,
    );
    expect(res.body).toMatchObject({
      temperature: PLACE_READING.celsius,
      relativeHumidity: 0.48,
      refDwelling: `urn:ngsi-ld:Dwelling:${a.dwellingId}`,
    });
  });

  it('019_01_01 queries several entities by id', async () => {
    const res = await get(
      `/entities?type=Building&id=urn:ngsi-ld:Building:${a.buildingId},urn:ngsi-ld:Building:${b.buildingId}`,
    );
    expect(res.status).toBe(200);
    expect(ids(res.body)).toEqual([
      `urn:ngsi-ld:Building:${a.buildingId}`,
      `urn:ngsi-ld:Building:${b.buildingId}`,
    ]);
  });

  it('queries by idPattern, and q on a Relationship', async () => {
    const res = await get(
      `/entities?type=Dwelling&idPattern=${encodeURIComponent(`^urn:ngsi-ld:Dwelling:${a.dwellingId}$`)}`,
    );
    expect(ids(res.body)).toEqual([`urn:ngsi-ld:Dwelling:${a.dwellingId}`]);
    const q = encodeURIComponent(`refBuilding=="urn:ngsi-ld:Building:${b.buildingId}"`);
    expect(ids((await get(`/entities?type=Dwelling&q=${q}`)).body)).toEqual([
      `urn:ngsi-ld:Dwelling:${b.dwellingId}`,
    ]);
  });

  it('q compares numbers, with ranges, and ; | ( )', async () => {
    const sensor = `urn:ngsi-ld:DeviceMeasurement:${a.sensorId}`;
    const match = async (q: string) =>
      ids((await get(`/entities?type=DeviceMeasurement&q=${encodeURIComponent(q)}`)).body).includes(sensor);
    expect(await match('numValue>21')).toBe(true);
    expect(await match('numValue>22')).toBe(false);
    expect(await match('numValue==21..22')).toBe(true);
    expect(await match('numValue<0|controlledProperty=="temperature"')).toBe(true);
    expect(await match('(numValue<0|numValue>100);controlledProperty=="temperature"')).toBe(false);
    expect(await match('controlledProperty~=tempe')).toBe(true);
    const bad = await get('/entities?type=DeviceMeasurement&q=numValue>>');
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
  });

  it('queries by attrs: keeps the entities holding one and returns only those', async () => {
    const res = await get(`/entities?type=Building&attrs=name&id=urn:ngsi-ld:Building:${a.buildingId}`);
    expect(Object.keys(res.body[0]).sort()).toEqual(['id', 'name', 'type']);
  });

  it('geo-queries: near with maxDistance, within and intersects a Polygon', async () => {
    const near = await get(
      `/entities?type=Building&georel=${encodeURIComponent('near;maxDistance==500')}&geometry=Point&coordinates=${encodeURIComponent('[-2.671,42.851]')}`,
    );
    expect(ids(near.body)).toContain(`urn:ngsi-ld:Building:${a.buildingId}`);
    const far = await get(
      `/entities?type=Building&georel=${encodeURIComponent('near;maxDistance==50')}&geometry=Point&coordinates=${encodeURIComponent('[-2.68,42.86]')}`,
    );
    expect(ids(far.body)).not.toContain(`urn:ngsi-ld:Building:${a.buildingId}`);
    const square = encodeURIComponent(
      '[[[-2.68,42.84],[-2.66,42.84],[-2.66,42.86],[-2.68,42.86],[-2.68,42.84]]]',
    );
    for (const rel of ['within', 'intersects'])
      expect(
        ids((await get(`/entities?type=Building&georel=${rel}&geometry=Polygon&coordinates=${square}`)).body),
      ).toContain(`urn:ngsi-ld:Building:${a.buildingId}`);
    const elsewhere = encodeURIComponent('[[[0,0],[1,0],[1,1],[0,1],[0,0]]]');
    expect(
      (await get(`/entities?type=Building&georel=within&geometry=Polygon&coordinates=${elsewhere}`)).body,
    ).toEqual([]);
    const bad = await get('/entities?type=Building&georel=near&geometry=Point&coordinates=[1,2]');
    expect(bad.status).toBe(400);
  });

  it('pages with offset and limit, and counts in NGSILD-Results-Count', async () => {
    const all = await get('/entities?type=Dwelling&count=true&limit=1000');
    const total = Number(all.headers['ngsild-results-count']);
    expect(total).toBe(all.body.length);
    expect(total).toBeGreaterThanOrEqual(2);
    const second = await get('/entities?type=Dwelling&limit=1&offset=1');
    expect(ids(second.body)).toEqual([ids(all.body)[1]]);
    const none = await get('/entities?type=Dwelling&limit=0&count=true');
    expect(none.body).toEqual([]);
    expect(none.headers['ngsild-results-count']).toBe(String(total));
    expect((await get('/entities?type=Dwelling&limit=5000')).body.type).toBe(
      'https://uri.etsi.org/ngsi-ld/errors/TooManyResults',
    );
  });

  it('a query naming nothing to select is BadRequestData', async () => {
    const res = await get('/entities');
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
  });

  it('terms of a Link header context: CIOP’s own, an inline-like IRI, and an unknown remote one', async () => {
    const link = (url: string) => ({
      ...t.readerHeaders,
      link: `<${url}>; rel="${LINK_REL}"; type="application/ld+json"`,
    });
    const ciop = await get(
      `/entities?type=${encodeURIComponent('https://smartdatamodels.org/dataModel.Building/Building')}&id=urn:ngsi-ld:Building:${a.buildingId}`,
    );
    expect(ids(ciop.body)).toEqual([`urn:ngsi-ld:Building:${a.buildingId}`]);
    const own = await get(
      `/entities?type=Building&id=urn:ngsi-ld:Building:${a.buildingId}`,
      link('http://localhost/ngsi-ld/v1/contexts/ciop'),
    );
    expect(own.headers.link).toContain('/ngsi-ld/v1/contexts/ciop');
    expect(ids(own.body)).toEqual([`urn:ngsi-ld:Building:${a.buildingId}`]);
    const unknown = await get('/entities?type=Building', link('https://example.org/unknown-context.jsonld'));
    expect(unknown.status).toBe(503);
    expect(unknown.body.type).toBe('https://uri.etsi.org/ngsi-ld/errors/LdContextNotAvailable');
    // A term another context gives another IRI names nothing of CIOP's.
    const other = await get('/entities?type=Building', link('http://localhost/ngsi-ld/v1/contexts/core'));
    expect(other.status).toBe(200);
  });

  it('serves the core context and CIOP’s locally', async () => {
    const core = await t.app.inject({ method: 'GET', url: '/ngsi-ld/v1/contexts/core' });
    expect(core.headers['content-type']).toMatch(/application\/ld\+json/);
    expect(core.json()['@context']['@vocab']).toBe('https://uri.etsi.org/ngsi-ld/default-context/');
    const ciop = await t.app.inject({ method: 'GET', url: '/ngsi-ld/v1/contexts/ciop' });
    expect(ciop.json()['@context'][1].Dwelling).toBe('urn:ciop:vocab:Dwelling');
  });

  it('022_01 and 024_01 list the entity types, and one type with its attributes', async () => {
    const list = await get('/types');
    expect(list.body.type).toBe('EntityTypeList');
    expect(list.body.typeList).toEqual(
      expect.arrayContaining(['Building', 'Dwelling', 'Device', 'DeviceMeasurement']),
    );
    const one = await get('/types/Dwelling');
    expect(one.body).toMatchObject({ type: 'EntityTypeInfo', typeName: 'Dwelling' });
    expect(one.body.attributeDetails.map((d: { attributeName: string }) => d.attributeName)).toContain(
      'refBuilding',
    );
    expect((await get('/types/Nothing')).status).toBe(404);
  });

  it('025_01 and 027_01 list the attributes, and one attribute', async () => {
    const list = await get('/attributes');
    expect(list.body.attributeList).toEqual(expect.arrayContaining(['numValue', 'refBuilding', 'location']));
    const one = await get('/attributes/numValue');
    expect(one.body).toMatchObject({
      type: 'Attribute',
      attributeName: 'numValue',
      typeNames: ['DeviceMeasurement'],
    });
  });

  it('a resident sees only their dwelling, its devices and measurements, and their building’s record', async () => {
    const all = await get(
      '/entities?type=Building,Dwelling,Device,DeviceMeasurement,IndoorEnvironmentObserved&limit=1000',
      resident,
    );
    expect(all.status).toBe(200);
    // Their dwelling, building, gateway, its two measurements (temperature, humidity), their indoor environment.
    expect(ids(all.body)).toHaveLength(6);
    expect(ids(all.body)).toEqual(
      expect.arrayContaining([
        `urn:ngsi-ld:Building:${a.buildingId}`,
        `urn:ngsi-ld:Dwelling:${a.dwellingId}`,
        `urn:ngsi-ld:Device:${a.gatewayId}`,
        `urn:ngsi-ld:DeviceMeasurement:${a.sensorId}`,
        `urn:ngsi-ld:IndoorEnvironmentObserved:${a.dwellingId}`,
      ]),
    );
    expect(JSON.stringify(all.body)).not.toContain(b.sn);
    for (const id of [
      `urn:ngsi-ld:Dwelling:${b.dwellingId}`,
      `urn:ngsi-ld:Building:${b.buildingId}`,
      `urn:ngsi-ld:DeviceMeasurement:${b.sensorId}`,
    ])
      expect((await get(`/entities/${id}`, resident)).status).toBe(404);
    expect((await get('/types', resident)).body.typeList).not.toContain('Vehicle');
  });

  it('buses and chargers are for whom reads the fleet', async () => {
    const fleet = await get('/entities?type=Vehicle,EVChargingStation', transport);
    expect(fleet.status).toBe(200);
    expect((await get('/entities?type=Vehicle,EVChargingStation', resident)).body).toEqual([]);
    expect((await get('/entities?type=Dwelling', transport)).body).toEqual([]);
  });
});
