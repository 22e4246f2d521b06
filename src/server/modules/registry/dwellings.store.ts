import { type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Database, DwellingTable } from '../../db/schema.ts';
import { seenWhere, type Visibility } from '../../access/visibility.ts';

import type { PageRequest } from './registry-query.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewDwelling {
  building_id: number;
  label: string;
  floor: number | null;
  area_m2: number | null;
  contracted_power_w?: number | null;
}

export async function insertDwelling(db: Db, d: NewDwelling, now: number): Promise<number> {
  const row = await db
    .insertInto('dwelling')
    .values({ ...d, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Registers a gateway to a dwelling from `validFrom` on (epoch ms; the first registration of a
 * gateway takes its whole earlier history along), closing its previous assignment. With a null
 * dwelling it unregisters the gateway from `validFrom` on: readings from then on belong to no
 * dwelling, and the gateway counts as unregistered unless it carries a weather station.
 */
// --- Dwellings --------------------------------------------------------------------------------

function selectDwellings(db: Db) {
  return db
    .selectFrom('dwelling')
    .select([
      'dwelling.id',
      'dwelling.building_id as buildingId',
      'dwelling.label',
      'dwelling.floor',
      'dwelling.area_m2 as areaM2',
      'dwelling.contracted_power_w as contractedPowerW',
      'dwelling.created_at as createdAt',
      'dwelling.updated_at as updatedAt',
    ]);
}

export type DwellingRow = Awaited<ReturnType<ReturnType<typeof selectDwellings>['executeTakeFirstOrThrow']>>;

export async function listDwellings(
  db: Db,
  filter: { buildingId?: number; districtId?: number },
  visibility: Visibility,
  page: PageRequest,
): Promise<DwellingRow[]> {
  let q = selectDwellings(db);
  q = q.where(seenWhere(visibility, { dwelling: 'dwelling.id', building: 'dwelling.building_id' }));
  if (filter.buildingId !== undefined) q = q.where('dwelling.building_id', '=', filter.buildingId);
  if (filter.districtId !== undefined)
    q = q.where(
      'dwelling.building_id',
      'in',
      db.selectFrom('building').select('building.id').where('building.district_id', '=', filter.districtId),
    );
  if (page.after !== undefined) q = q.where('dwelling.id', '>', page.after);
  return q.orderBy('dwelling.id').limit(page.limit).execute();
}

export async function findDwelling(
  db: Db,
  id: number,
  visibility: Visibility = 'all',
): Promise<DwellingRow | undefined> {
  let q = selectDwellings(db).where('dwelling.id', '=', id);
  q = q.where(seenWhere(visibility, { dwelling: 'dwelling.id', building: 'dwelling.building_id' }));
  return q.executeTakeFirst();
}

export async function findDwellingByLabel(
  db: Db,
  buildingId: number,
  label: string,
): Promise<DwellingRow | undefined> {
  return selectDwellings(db)
    .where('dwelling.building_id', '=', buildingId)
    .where('dwelling.label', '=', label)
    .executeTakeFirst();
}

export async function updateDwelling(db: Db, id: number, values: Updateable<DwellingTable>): Promise<void> {
  await db.updateTable('dwelling').set(values).where('id', '=', id).execute();
}

/** Serial numbers of the gateways serving a dwelling now (at most `max`). */
export async function gatewaysServing(db: Db, dwellingId: number, max: number): Promise<string[]> {
  const rows = await db
    .selectFrom('gateway')
    .select('sn')
    .where('dwelling_id', '=', dwellingId)
    .orderBy('sn')
    .limit(max)
    .execute();
  return rows.map((r) => r.sn);
}

/** Serial numbers of gateways whose stored readings belong to a dwelling for some span of time. */
export async function gatewaysWithReadingsIn(db: Db, dwellingId: number, max: number): Promise<string[]> {
  const rows = await db
    .selectFrom('gateway_assignment as a')
    .innerJoin('gateway', 'gateway.id', 'a.gateway_id')
    .select('gateway.sn')
    .distinct()
    .where('a.dwelling_id', '=', dwellingId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('sensor')
          .innerJoin('series', 'series.sensor_id', 'sensor.id')
          .select('sensor.id')
          .whereRef('sensor.gateway_id', '=', 'a.gateway_id'),
      ),
    )
    .orderBy('gateway.sn')
    .limit(max)
    .execute();
  return rows.map((r) => r.sn);
}

export async function deleteDwelling(db: Db, id: number): Promise<boolean> {
  // Assignments of gateways that never sent a reading go with it (they hold no history).
  await db.deleteFrom('gateway_assignment').where('dwelling_id', '=', id).execute();
  const r = await db.deleteFrom('dwelling').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
