import { type Kysely, sql, type SqlBool, type Transaction } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { seenWhere, type Visibility } from '../../access/visibility.ts';

import type { PageRequest } from './registry-query.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function assignGateway(
  db: Db,
  gatewayId: number,
  dwellingId: number | null,
  validFrom: number,
  now: number,
): Promise<void> {
  await db
    .updateTable('gateway_assignment')
    .set({ valid_to: validFrom })
    .where('gateway_id', '=', gatewayId)
    .where('valid_to', 'is', null)
    .execute();
  if (dwellingId === null) {
    const station = await db
      .selectFrom('weather_station')
      .select('id')
      .where('gateway_id', '=', gatewayId)
      .executeTakeFirst();
    await db
      .updateTable('gateway')
      .set({ dwelling_id: null, updated_at: now, ...(station ? {} : { registered_at: null }) })
      .where('id', '=', gatewayId)
      .execute();
    return;
  }
  await db
    .insertInto('gateway_assignment')
    .values({ gateway_id: gatewayId, dwelling_id: dwellingId, valid_from: validFrom, valid_to: null })
    .execute();
  await db
    .updateTable('gateway')
    .set((eb) => ({
      dwelling_id: dwellingId,
      registered_at: eb.fn.coalesce('registered_at', eb.val(now)),
      updated_at: now,
    }))
    .where('id', '=', gatewayId)
    .execute();
}

/** Marks a gateway registered (it carries a weather station), keeping an earlier date. */
export async function markGatewayRegistered(db: Db, gatewayId: number, now: number): Promise<void> {
  await db
    .updateTable('gateway')
    .set((eb) => ({ registered_at: eb.fn.coalesce('registered_at', eb.val(now)), updated_at: now }))
    .where('id', '=', gatewayId)
    .execute();
}

/** A gateway that no longer carries a weather station and serves no dwelling is unregistered. */
export async function releaseGateway(db: Db, gatewayId: number, now: number): Promise<void> {
  await db
    .updateTable('gateway')
    .set({ registered_at: null, updated_at: now })
    .where('id', '=', gatewayId)
    .where('dwelling_id', 'is', null)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('weather_station').select('id').where('gateway_id', '=', gatewayId))),
    )
    .execute();
}

// --- Gateways ---------------------------------------------------------------------------------

function selectGateways(db: Db) {
  return db
    .selectFrom('gateway')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .select([
      'gateway.id',
      'gateway.sn',
      'gateway.dwelling_id as dwellingId',
      'dwelling.building_id as buildingId',
      'gateway.registered_at as registeredAt',
      'gateway.first_seen_at as firstSeenAt',
      'gateway.notes',
      'gateway.created_at as createdAt',
      'gateway.updated_at as updatedAt',
    ]);
}

const gatewaySeen = (visibility: Visibility) =>
  seenWhere(visibility, {
    gateway: 'gateway.id',
    dwelling: 'gateway.dwelling_id',
    building: 'dwelling.building_id',
  });

export type GatewayRow = Awaited<ReturnType<ReturnType<typeof selectGateways>['executeTakeFirstOrThrow']>>;

export interface GatewayFilter {
  registered?: boolean;
  dwellingId?: number;
  buildingId?: number;
  snPrefix?: string;
}

export async function listGateways(
  db: Db,
  filter: GatewayFilter,
  visibility: Visibility,
  page: PageRequest,
): Promise<GatewayRow[]> {
  let q = selectGateways(db);
  q = q.where(gatewaySeen(visibility));
  if (filter.registered === true) q = q.where('gateway.registered_at', 'is not', null);
  if (filter.registered === false) q = q.where('gateway.registered_at', 'is', null);
  if (filter.dwellingId !== undefined) q = q.where('gateway.dwelling_id', '=', filter.dwellingId);
  if (filter.buildingId !== undefined) q = q.where('dwelling.building_id', '=', filter.buildingId);
  if (filter.snPrefix !== undefined) {
    const prefix = filter.snPrefix.toUpperCase();
    q = q.where(sql<SqlBool>`substr(gateway.sn, 1, ${prefix.length}) = ${prefix}`);
  }
  if (page.after !== undefined) q = q.where('gateway.id', '>', page.after);
  return q.orderBy('gateway.id').limit(page.limit).execute();
}

export async function findGateway(
  db: Db,
  id: number,
  visibility: Visibility = 'all',
): Promise<GatewayRow | undefined> {
  let q = selectGateways(db).where('gateway.id', '=', id);
  q = q.where(gatewaySeen(visibility));
  return q.executeTakeFirst();
}

export async function findGatewayBySn(db: Db, sn: string): Promise<GatewayRow | undefined> {
  return selectGateways(db).where('gateway.sn', '=', sn.toUpperCase()).executeTakeFirst();
}

/** A gateway created by hand, before it reports: unregistered, never seen. */
export async function insertGateway(db: Db, g: { sn: string; notes: string }, now: number): Promise<number> {
  const row = await db
    .insertInto('gateway')
    .values({
      sn: g.sn.toUpperCase(),
      dwelling_id: null,
      registered_at: null,
      first_seen_at: null,
      notes: g.notes,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateGatewayNotes(db: Db, id: number, notes: string, now: number): Promise<void> {
  await db.updateTable('gateway').set({ notes, updated_at: now }).where('id', '=', id).execute();
}

/** Which dwelling a gateway served when, oldest first. */
export async function listGatewayAssignments(db: Db, gatewayId: number, max: number) {
  return db
    .selectFrom('gateway_assignment as a')
    .innerJoin('dwelling', 'dwelling.id', 'a.dwelling_id')
    .select([
      'a.dwelling_id as dwellingId',
      'dwelling.building_id as buildingId',
      'a.valid_from as validFrom',
      'a.valid_to as validTo',
    ])
    .where('a.gateway_id', '=', gatewayId)
    .orderBy('a.valid_from')
    .orderBy('a.id')
    .limit(max)
    .execute();
}

/** The latest assignment of a gateway (open or closed), if it ever had one. */
export async function latestGatewayAssignment(
  db: Db,
  gatewayId: number,
): Promise<{ validFrom: number; validTo: number | null } | undefined> {
  return db
    .selectFrom('gateway_assignment')
    .select(['valid_from as validFrom', 'valid_to as validTo'])
    .where('gateway_id', '=', gatewayId)
    .orderBy('valid_from', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function countSensorsOfGateway(db: Db, gatewayId: number): Promise<number> {
  const r = await db
    .selectFrom('sensor')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('gateway_id', '=', gatewayId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function findWeatherStationOfGateway(
  db: Db,
  gatewayId: number,
): Promise<{ id: number; code: string } | undefined> {
  return db
    .selectFrom('weather_station')
    .select(['id', 'code'])
    .where('gateway_id', '=', gatewayId)
    .executeTakeFirst();
}

export async function deleteGateway(db: Db, id: number): Promise<boolean> {
  await db.deleteFrom('gateway_assignment').where('gateway_id', '=', id).execute();
  const r = await db.deleteFrom('gateway').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
