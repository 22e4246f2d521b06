import type { Kysely } from 'kysely';
import type { Database } from '../../src/server/db/schema.ts';
import { MIN_TIME } from '../../src/server/timeseries/timeseries-io.ts';

/**
 * A synthetic city's registry written straight into its tables, for benchmarks that need
 * thousands of dwellings faster than the registry's API makes them: districts, buildings, and
 * dwellings each with one gateway assigned since the beginning of time.
 */

export async function insertDistrict(
  db: Kysely<Database>,
  code: string,
  name: string,
  city: string,
  now: number,
) {
  const district = await db
    .insertInto('district')
    .values({ code, name, city, latitude: null, longitude: null, boundary: null, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(district.id);
}

export async function insertBuilding(
  db: Kysely<Database>,
  b: { district: number; code: string; address: string; latitude: number; longitude: number },
  now: number,
) {
  const building = await db
    .insertInto('building')
    .values({
      district_id: b.district,
      code: b.code,
      address: b.address,
      latitude: b.latitude,
      longitude: b.longitude,
      carrier1: null,
      area1_m2: null,
      carrier2: null,
      area2_m2: null,
      floors: 10,
      features: '{}',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(building.id);
}

/** Dwellings of a building, each with its own gateway (serials in the same order); their ids. */
export async function insertDwellingsWithGateways(
  db: Kysely<Database>,
  building: number,
  dwellings: { label: string; floor: number; areaM2: number; serial: string }[],
  now: number,
): Promise<number[]> {
  const rows = await db
    .insertInto('dwelling')
    .values(
      dwellings.map((d) => ({
        building_id: building,
        label: d.label,
        floor: d.floor,
        area_m2: d.areaM2,
        created_at: now,
        updated_at: now,
      })),
    )
    .returning('id')
    .execute();
  const gateways = await db
    .insertInto('gateway')
    .values(
      rows.map((d, i) => ({
        sn: dwellings[i].serial,
        dwelling_id: d.id,
        registered_at: now,
        first_seen_at: null,
        notes: '',
        created_at: now,
        updated_at: now,
      })),
    )
    .returning('id')
    .execute();
  await db
    .insertInto('gateway_assignment')
    .values(
      gateways.map((g, i) => ({
        gateway_id: g.id,
        dwelling_id: rows[i].id,
        valid_from: MIN_TIME,
        valid_to: null,
      })),
    )
    .execute();
  return rows.map((d) => Number(d.id));
}
