import { MIN_TIME } from '../timeseries/timeseries-io.ts';
import {
  assignGateway,
  ensureGateway,
  insertBuilding,
  insertDistrict,
  insertDwelling,
} from '../modules/registry/registry.store.ts';
import { forwarderKey } from '../timeseries/series-key.ts';
import type { TestPlatform } from './platform.ts';

/** One building with one dwelling, its gateway and a temperature sensor that has readings. */
export interface TestPlace {
  buildingId: number;
  dwellingId: number;
  gatewayId: number;
  sn: string;
  sensorId: number;
}

let counter = 0;

/**
 * Places for access tests: two buildings (`a`, `b`), each with one dwelling whose gateway has
 * reported a temperature, so that there is something to see and someone not to see it.
 */
export async function createPlaces(
  t: TestPlatform,
): Promise<{ districtId: number; a: TestPlace; b: TestPlace }> {
  const db = t.platform.database.db;
  const now = Date.now();
  const n = ++counter;
  const districtId = await insertDistrict(
    db,
    { code: `TEST-D${n}-${now}`, name: 'Test district', city: 'Test', latitude: 42.85, longitude: -2.67 },
    now,
  );
  const place = async (suffix: string, index: number): Promise<TestPlace> => {
    const buildingId = await insertBuilding(
      db,
      {
        district_id: districtId,
        code: `TEST-B${n}-${suffix}-${now}`,
        address: `Test street ${index}`,
        latitude: 42.85,
        longitude: -2.67,
        carrier1: null,
        area1_m2: null,
        carrier2: null,
        area2_m2: null,
        floors: 3,
        features: {},
      },
      now,
    );
    const dwellingId = await insertDwelling(
      db,
      { building_id: buildingId, label: `1${suffix}`, floor: 1, area_m2: 70 },
      now,
    );
    const sn =
      `${(now % 0xffffffff).toString(16).padStart(8, '0')}${(n * 16 + index).toString(16).padStart(8, '0')}`.toUpperCase();
    const gatewayId = await ensureGateway(db, sn, now);
    await assignGateway(db, gatewayId, dwellingId, MIN_TIME, now);
    await t.platform.ingest.writeJson([
      { sn, channel: '1', device: '1', medium: 'temperature', ts: now - 60_000, value: 21.5 },
    ]);
    const info = t.platform.catalog.get(forwarderKey(sn, '1', '1', 'temperature'));
    if (!info?.sensorId) throw new Error('createPlaces: the sensor was not created');
    return { buildingId, dwellingId, gatewayId, sn, sensorId: info.sensorId };
  };
  return { districtId, a: await place('A', 1), b: await place('B', 2) };
}
