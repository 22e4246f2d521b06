import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { seenWhere, type Visibility } from '../access/visibility.ts';

/**
 * Where every sensor is: the sensor → gateway → dwelling → building → district join that ingest,
 * readings, comfort, exports and the portal read, and the gateways, media and sensors ingest
 * creates on first sight. The registry's own lists and edits are in modules/registry.
 */

type Db = Kysely<Database> | Transaction<Database>;

/** A gateway by serial number, created as unregistered (no dwelling) when unknown. */
export async function ensureGateway(db: Db, sn: string, seenAt: number): Promise<number> {
  return (await ensureGateways(db, [sn], seenAt)).get(sn)!;
}

/** A medium by name; an unknown one joins the open list with no unit until an admin sets it. */
export async function ensureMedium(db: Db, name: string): Promise<{ unit: string; cumulative: boolean }> {
  await db
    .insertInto('medium')
    .values({ name, unit: '', cumulative: 0, description: '' })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('medium').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
  return { unit: row.unit, cumulative: row.cumulative === 1 };
}

/** A sensor by its identity on a gateway, created when unknown. */
export async function ensureSensor(
  db: Db,
  gatewayId: number,
  identity: { channel: string; device: string; medium: string; unit: string },
  createdAt: number,
): Promise<number> {
  await db
    .insertInto('sensor')
    .values({ gateway_id: gatewayId, ...identity, label: '', created_at: createdAt })
    .onConflict((oc) => oc.columns(['gateway_id', 'channel', 'device', 'medium']).doNothing())
    .execute();
  const row = await db
    .selectFrom('sensor')
    .select('id')
    .where('gateway_id', '=', gatewayId)
    .where('channel', '=', identity.channel)
    .where('device', '=', identity.device)
    .where('medium', '=', identity.medium)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Rows a multi-row statement writes or names at most: well within both engines' parameter limits. */
const ROWS_A_STATEMENT = 500;

function* chunks<T>(items: T[]): Generator<T[]> {
  for (let i = 0; i < items.length; i += ROWS_A_STATEMENT) yield items.slice(i, i + ROWS_A_STATEMENT);
}

/**
 * Gateways by serial number, created as unregistered when unknown (a gateway registered before it
 * reported is first seen now): a statement for every 500 serial numbers, in their sorted order (so that two replicas
 * creating the same gateways wait for each other instead of deadlocking). Returns serial number → id.
 */
export async function ensureGateways(db: Db, sns: string[], seenAt: number): Promise<Map<string, number>> {
  const sorted = [...new Set(sns)].sort();
  const ids = new Map<string, number>();
  for (const part of chunks(sorted)) {
    await db
      .insertInto('gateway')
      .values(
        part.map((sn) => ({
          sn,
          dwelling_id: null,
          registered_at: null,
          first_seen_at: seenAt,
          notes: '',
          created_at: seenAt,
          updated_at: seenAt,
        })),
      )
      .onConflict((oc) =>
        oc.column('sn').doUpdateSet((eb) => ({
          first_seen_at: eb.fn.coalesce('gateway.first_seen_at', eb.ref('excluded.first_seen_at')),
        })),
      )
      .execute();
    for (const row of await db.selectFrom('gateway').select(['id', 'sn']).where('sn', 'in', part).execute())
      ids.set(row.sn, row.id);
  }
  return ids;
}

/** Media by name, as `ensureMedium` does for one, in one statement: name → unit and whether cumulative. */
export async function ensureMedia(
  db: Db,
  names: string[],
): Promise<Map<string, { unit: string; cumulative: boolean }>> {
  const sorted = [...new Set(names)].sort();
  const media = new Map<string, { unit: string; cumulative: boolean }>();
  for (const part of chunks(sorted)) {
    await db
      .insertInto('medium')
      .values(part.map((name) => ({ name, unit: '', cumulative: 0, description: '' })))
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    for (const row of await db.selectFrom('medium').selectAll().where('name', 'in', part).execute())
      media.set(row.name, { unit: row.unit, cumulative: row.cumulative === 1 });
  }
  return media;
}

/** A sensor's identity on its gateway. */
export interface SensorIdentity {
  gatewayId: number;
  channel: string;
  device: string;
  medium: string;
  unit: string;
}

/** The key `ensureSensors` answers a sensor under. */
export const sensorKey = (s: Pick<SensorIdentity, 'gatewayId' | 'channel' | 'device' | 'medium'>) =>
  JSON.stringify([s.gatewayId, s.channel, s.device, s.medium]);

/**
 * Sensors by their identity on a gateway, created when unknown, as `ensureSensor` does for one:
 * a statement for every 500, in the order given (the caller's sorted order). Returns `sensorKey` → id.
 */
export async function ensureSensors(
  db: Db,
  sensors: SensorIdentity[],
  createdAt: number,
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const part of chunks(sensors)) {
    await db
      .insertInto('sensor')
      .values(
        part.map((s) => ({
          gateway_id: s.gatewayId,
          channel: s.channel,
          device: s.device,
          medium: s.medium,
          unit: s.unit,
          label: '',
          created_at: createdAt,
        })),
      )
      .onConflict((oc) => oc.columns(['gateway_id', 'channel', 'device', 'medium']).doNothing())
      .execute();
    const wanted = new Set(part.map(sensorKey));
    const rows = await db
      .selectFrom('sensor')
      .select(['id', 'gateway_id', 'channel', 'device', 'medium'])
      .where('gateway_id', 'in', [...new Set(part.map((s) => s.gatewayId))])
      .execute();
    for (const row of rows) {
      const key = sensorKey({ gatewayId: row.gateway_id, ...row });
      if (wanted.has(key)) ids.set(key, row.id);
    }
  }
  return ids;
}

/** Where a sensor is now: its gateway, and the dwelling, building and district it serves. */
export interface SensorPlacement {
  sensorId: number;
  seriesId: number | null;
  gatewayId: number;
  sn: string;
  channel: string;
  device: string;
  medium: string;
  unit: string;
  dwellingId: number | null;
  buildingId: number | null;
  districtId: number | null;
}

function placementQuery(db: Db, visibility: Visibility) {
  return db
    .selectFrom('sensor')
    .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
    .leftJoin('series', 'series.sensor_id', 'sensor.id')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .leftJoin('building', 'building.id', 'dwelling.building_id')
    .select([
      'sensor.id as sensorId',
      'series.id as seriesId',
      'gateway.id as gatewayId',
      'gateway.sn as sn',
      'sensor.channel as channel',
      'sensor.device as device',
      'sensor.medium as medium',
      'sensor.unit as unit',
      'dwelling.id as dwellingId',
      'building.id as buildingId',
      'building.district_id as districtId',
      (eb) =>
        eb
          .case()
          .when(
            seenWhere(visibility, {
              gateway: 'gateway.id',
              dwelling: 'dwelling.id',
              building: 'building.id',
            }),
          )
          .then(1)
          .else(0)
          .end()
          .as('seen'),
    ]);
}

type PlacementRow = Awaited<ReturnType<ReturnType<typeof placementQuery>['executeTakeFirstOrThrow']>>;

const toPlacement = (row: PlacementRow | undefined) => row && { ...row, seen: Number(row.seen) === 1 };

/** Where a sensor is, and whether the caller sees it (its gateway, dwelling or building, now). */
export async function findSensorPlacement(
  db: Db,
  sensorId: number,
  visibility: Visibility,
): Promise<(SensorPlacement & { seen: boolean }) | undefined> {
  return toPlacement(
    await placementQuery(db, visibility).where('sensor.id', '=', sensorId).executeTakeFirst(),
  );
}

export async function findSensorPlacementByIdentity(
  db: Db,
  identity: { sn: string; channel: string; device: string; medium: string },
  visibility: Visibility,
): Promise<(SensorPlacement & { seen: boolean }) | undefined> {
  return toPlacement(
    await placementQuery(db, visibility)
      .where('gateway.sn', '=', identity.sn.toUpperCase())
      .where('sensor.channel', '=', identity.channel)
      .where('sensor.device', '=', identity.device)
      .where('sensor.medium', '=', identity.medium)
      .executeTakeFirst(),
  );
}

/** What a group query is over. */
export type Scope =
  { dwellingId: number } | { buildingId: number } | { districtId: number } | { gatewayId: number };

/** A sensor's series and the span of time it belonged to a dwelling. */
export interface ScopedSeries {
  sensorId: number;
  seriesId: number;
  gatewayId: number;
  dwellingId: number | null;
  medium: string;
  /** Epoch ms; the sensor's readings count for the scope within [from, to). */
  from: number;
  to: number;
}

/**
 * The series of a scope that the caller sees, with the time each belonged to it: a gateway moved
 * between dwellings counts for each dwelling only while it served it, and is seen (in the query)
 * by whom sees the dwelling it served then.
 */
export async function listScopedSeries(
  db: Db,
  scope: Scope,
  visibility: Visibility,
  medium?: string,
): Promise<ScopedSeries[]> {
  if ('gatewayId' in scope) {
    let q = db
      .selectFrom('sensor')
      .innerJoin('series', 'series.sensor_id', 'sensor.id')
      .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
      .select([
        'sensor.id as sensorId',
        'series.id as seriesId',
        'sensor.gateway_id as gatewayId',
        'gateway.dwelling_id as dwellingId',
        'sensor.medium as medium',
      ])
      .where('sensor.gateway_id', '=', scope.gatewayId)
      .where(seenWhere(visibility, { gateway: 'sensor.gateway_id', dwelling: 'gateway.dwelling_id' }));
    if (medium) q = q.where('sensor.medium', '=', medium);
    return (await q.execute()).map((r) => ({ ...r, from: -Infinity, to: Infinity }));
  }
  let q = db
    .selectFrom('gateway_assignment as a')
    .innerJoin('dwelling', 'dwelling.id', 'a.dwelling_id')
    .innerJoin('building', 'building.id', 'dwelling.building_id')
    .innerJoin('sensor', 'sensor.gateway_id', 'a.gateway_id')
    .innerJoin('series', 'series.sensor_id', 'sensor.id')
    .select([
      'sensor.id as sensorId',
      'series.id as seriesId',
      'a.gateway_id as gatewayId',
      'a.dwelling_id as dwellingId',
      'sensor.medium as medium',
      'a.valid_from as validFrom',
      'a.valid_to as validTo',
    ]);
  if ('dwellingId' in scope) q = q.where('a.dwelling_id', '=', scope.dwellingId);
  else if ('buildingId' in scope) q = q.where('dwelling.building_id', '=', scope.buildingId);
  else q = q.where('building.district_id', '=', scope.districtId);
  q = q.where(
    seenWhere(visibility, {
      gateway: 'a.gateway_id',
      dwelling: 'a.dwelling_id',
      building: 'dwelling.building_id',
    }),
  );
  if (medium) q = q.where('sensor.medium', '=', medium);
  return (await q.orderBy('sensor.id').execute()).map((r) => ({
    sensorId: r.sensorId,
    seriesId: r.seriesId,
    gatewayId: r.gatewayId,
    dwellingId: r.dwellingId,
    medium: r.medium,
    from: r.validFrom,
    to: r.validTo ?? Infinity,
  }));
}

/** Gateways by serial number, with the building each serves now. */
export async function findGatewaysBySerial(
  db: Db,
  serials: string[],
): Promise<Map<string, { gatewayId: number; buildingId: number | null }>> {
  if (serials.length === 0) return new Map();
  const rows = await db
    .selectFrom('gateway')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .select(['gateway.sn as sn', 'gateway.id as gatewayId', 'dwelling.building_id as buildingId'])
    .where('gateway.sn', 'in', serials)
    .execute();
  return new Map(rows.map((r) => [r.sn, { gatewayId: r.gatewayId, buildingId: r.buildingId }]));
}

/** The building each gateway serves now (null when it serves no dwelling). */
export async function buildingsOfGateways(
  db: Db,
  gatewayIds: readonly number[],
): Promise<Map<number, number | null>> {
  if (gatewayIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('gateway')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .select(['gateway.id as gatewayId', 'dwelling.building_id as buildingId'])
    .where('gateway.id', 'in', [...gatewayIds])
    .execute();
  return new Map(rows.map((r) => [r.gatewayId, r.buildingId]));
}
