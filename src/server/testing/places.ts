import { MIN_TIME } from '../timeseries/timeseries-io.ts';
import { insertBuilding } from '../modules/registry/buildings.store.ts';
import { insertDistrict } from '../modules/registry/districts.store.ts';
import { insertDwelling } from '../modules/registry/dwellings.store.ts';
import { assignGateway } from '../modules/registry/gateways.store.ts';
import { ensureGateway } from '../places/places.store.ts';
import { forwarderKey } from '../timeseries/series-key.ts';
import type { TestPlatform } from './platform.ts';

/** One dwelling, its building and district, its gateway and a temperature sensor that has readings. */
export interface TestPlace {
  districtId: number;
  buildingId: number;
  buildingCode: string;
  dwellingId: number;
  label: string;
  gatewayId: number;
  sn: string;
  sensorId: number;
}

/** When the places' temperature readings were taken, epoch ms, and what they read, °C. */
export const PLACE_READING = { ageMs: 60_000, celsius: 21.5 };

let counter = 0;
const run = Date.now();

async function addDistrict(t: TestPlatform, tag: string): Promise<number> {
  return insertDistrict(
    t.platform.database.db,
    {
      code: `TEST-D${tag}-${run}`,
      name: `Test district ${tag}`,
      city: 'Test',
      latitude: 42.85,
      longitude: -2.67,
    },
    Date.now(),
  );
}

interface TestBuilding {
  id: number;
  code: string;
}

async function addBuilding(t: TestPlatform, districtId: number, tag: string): Promise<TestBuilding> {
  const code = `TEST-B${tag}-${run}`;
  const id = await insertBuilding(
    t.platform.database.db,
    {
      district_id: districtId,
      code,
      address: `Test street ${tag}`,
      latitude: 42.85,
      longitude: -2.67,
      carrier1: null,
      area1_m2: null,
      carrier2: null,
      area2_m2: null,
      floors: 3,
      features: {},
    },
    Date.now(),
  );
  return { id, code };
}

/** A dwelling labelled `label` in a building, whose new gateway has reported one temperature. */
async function addPlace(
  t: TestPlatform,
  districtId: number,
  building: TestBuilding,
  label: string,
): Promise<TestPlace> {
  const buildingId = building.id;
  const db = t.platform.database.db;
  const now = Date.now();
  const n = ++counter;
  const dwellingId = await insertDwelling(db, { building_id: buildingId, label, floor: 1, area_m2: 70 }, now);
  const sn =
    `${(run % 0xffffffff).toString(16).padStart(8, '0')}${n.toString(16).padStart(8, '0')}`.toUpperCase();
  const gatewayId = await ensureGateway(db, sn, now);
  await assignGateway(db, gatewayId, dwellingId, MIN_TIME, now);
  await t.platform.ingest.writeJson([
    {
      sn,
      channel: '1',
      device: '1',
      medium: 'temperature',
      ts: now - PLACE_READING.ageMs,
      value: PLACE_READING.celsius,
    },
  ]);
  const info = t.platform.catalog.get(forwarderKey(sn, '1', '1', 'temperature'));
  if (!info?.sensorId) throw new Error('createPlaces: the sensor was not created');
  return {
    districtId,
    buildingId,
    buildingCode: building.code,
    dwellingId,
    label,
    gatewayId,
    sn,
    sensorId: info.sensorId,
  };
}

/**
 * Places for access tests: two buildings (`a`, `b`) of one district, each with one dwelling whose
 * gateway has reported a temperature, so that there is something to see and someone not to see it.
 */
export async function createPlaces(
  t: TestPlatform,
): Promise<{ districtId: number; a: TestPlace; b: TestPlace }> {
  const n = ++counter;
  const districtId = await addDistrict(t, `${n}`);
  const a = await addPlace(t, districtId, await addBuilding(t, districtId, `${n}-A`), '1A');
  const b = await addPlace(t, districtId, await addBuilding(t, districtId, `${n}-B`), '1B');
  return { districtId, a, b };
}

/**
 * A small city for the visibility tests, every dwelling with a gateway that has reported a
 * temperature:
 * - district A: building A1 with `a` and its two `neighbours` (3 dwellings), building A2 with the
 *   two dwellings of `small`: 5 dwellings in the district;
 * - district B: building B1 with `b` alone.
 * With the default `CIOP_PRIVACY_MIN_DWELLINGS` (5), a mean over A1 or A2 is too small for whom
 * does not see all of it, a mean over district A is not.
 */
export interface TestCity {
  a: TestPlace;
  neighbours: TestPlace[];
  small: TestPlace[];
  b: TestPlace;
}

export async function createCity(t: TestPlatform): Promise<TestCity> {
  const n = ++counter;
  const districtA = await addDistrict(t, `${n}-A`);
  const districtB = await addDistrict(t, `${n}-B`);
  const a1 = await addBuilding(t, districtA, `${n}-A1`);
  const a2 = await addBuilding(t, districtA, `${n}-A2`);
  const b1 = await addBuilding(t, districtB, `${n}-B1`);
  // Labels no other text of an answer holds, so that a test can tell whether one leaked.
  const place = (building: TestBuilding, district: number, name: string) =>
    addPlace(t, district, building, `city${n}-${name}`);
  const a = await place(a1, districtA, 'a');
  const neighbours = [await place(a1, districtA, 'a-2'), await place(a1, districtA, 'a-3')];
  const small = [await place(a2, districtA, 'small-1'), await place(a2, districtA, 'small-2')];
  const b = await place(b1, districtB, 'b');
  return { a, neighbours, small, b };
}
