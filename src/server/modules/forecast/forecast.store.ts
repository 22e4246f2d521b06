import type { Kysely, Selectable } from 'kysely';
import type { PlanningColumn, PlanningFields, PlanningRow, Results, Run } from '#common/api/forecast.ts';
import type { Database, ForecastBuildingTable } from '../../db/schema.ts';

type Db = Kysely<Database>;

/** A stored planning row as the API gives it. */
export function rowOf(r: Selectable<ForecastBuildingTable>): PlanningRow {
  return {
    id: Number(r.id),
    buildingId: r.building_id === null ? null : Number(r.building_id),
    code: r.code,
    address: r.address,
    latitude: r.latitude,
    longitude: r.longitude,
    districtHeating: Number(r.district_heating) === 1,
    floors: r.floors,
    heatedAreaM2: r.heated_area_m2,
    carrier: r.carrier,
    orientation: r.orientation as PlanningRow['orientation'],
    adjacentBlocks: r.adjacent_blocks,
    shadowedFacades: r.shadowed_facades,
    retrofit: r.retrofit as PlanningRow['retrofit'],
    windowShare: r.window_share,
    newWindowShare: r.new_window_share,
    doubleGlazingShare: r.double_glazing_share,
    extra: JSON.parse(r.extra) as PlanningRow['extra'],
  };
}

/** The columns of a planning row for the fields given (the others left alone). */
export function columnsOf(f: Partial<PlanningFields>): Partial<Omit<ForecastBuildingTable, 'id'>> {
  const out: Partial<Omit<ForecastBuildingTable, 'id'>> = {};
  if (f.code !== undefined) out.code = f.code;
  if (f.address !== undefined) out.address = f.address;
  if (f.latitude !== undefined) out.latitude = f.latitude;
  if (f.longitude !== undefined) out.longitude = f.longitude;
  if (f.districtHeating !== undefined) out.district_heating = f.districtHeating ? 1 : 0;
  if (f.floors !== undefined) out.floors = f.floors;
  if (f.heatedAreaM2 !== undefined) out.heated_area_m2 = f.heatedAreaM2;
  if (f.carrier !== undefined) out.carrier = f.carrier;
  if (f.orientation !== undefined) out.orientation = f.orientation;
  if (f.adjacentBlocks !== undefined) out.adjacent_blocks = f.adjacentBlocks;
  if (f.shadowedFacades !== undefined) out.shadowed_facades = f.shadowedFacades;
  if (f.retrofit !== undefined) out.retrofit = f.retrofit;
  if (f.windowShare !== undefined) out.window_share = f.windowShare;
  if (f.newWindowShare !== undefined) out.new_window_share = f.newWindowShare;
  if (f.doubleGlazingShare !== undefined) out.double_glazing_share = f.doubleGlazingShare;
  if (f.extra !== undefined) out.extra = JSON.stringify(f.extra);
  return out;
}

export async function listRows(db: Db): Promise<PlanningRow[]> {
  const rows = await db.selectFrom('forecast_building').selectAll().orderBy('code').execute();
  return rows.map(rowOf);
}

export async function findRow(db: Db, id: number): Promise<PlanningRow | undefined> {
  const row = await db.selectFrom('forecast_building').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? rowOf(row) : undefined;
}

export async function findRowByCode(db: Db, code: string): Promise<PlanningRow | undefined> {
  const row = await db
    .selectFrom('forecast_building')
    .selectAll()
    .where('code', '=', code)
    .executeTakeFirst();
  return row ? rowOf(row) : undefined;
}

export async function insertRow(
  db: Db,
  buildingId: number | null,
  fields: Partial<PlanningFields> & { code: string },
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('forecast_building')
    .values({
      address: '',
      extra: '{}',
      district_heating: 0,
      ...columnsOf(fields),
      code: fields.code,
      building_id: buildingId,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function updateRow(
  db: Db,
  id: number,
  fields: Partial<PlanningFields>,
  now: number,
): Promise<void> {
  await db
    .updateTable('forecast_building')
    .set({ ...columnsOf(fields), updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function deleteRow(db: Db, id: number): Promise<boolean> {
  const res = await db.deleteFrom('forecast_building').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export async function listColumns(db: Db): Promise<PlanningColumn[]> {
  return db
    .selectFrom('forecast_column')
    .select(['key', 'label', 'type'])
    .orderBy('created_at')
    .orderBy('key')
    .execute();
}

export async function insertColumn(db: Db, column: PlanningColumn, now: number): Promise<void> {
  await db
    .insertInto('forecast_column')
    .values({ ...column, created_at: now })
    .execute();
}

export async function deleteColumn(db: Db, key: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const res = await trx.deleteFrom('forecast_column').where('key', '=', key).executeTakeFirst();
    if (Number(res.numDeletedRows) === 0) return false;
    // The column's values leave every row with it.
    const rows = await trx.selectFrom('forecast_building').select(['id', 'extra']).execute();
    for (const r of rows) {
      const extra = JSON.parse(r.extra) as Record<string, unknown>;
      if (!(key in extra)) continue;
      delete extra[key];
      await trx
        .updateTable('forecast_building')
        .set({ extra: JSON.stringify(extra) })
        .where('id', '=', r.id)
        .execute();
    }
    return true;
  });
}

/** Registry buildings not yet in the planning table, with what the table takes from them. */
export async function registryBuildingsMissing(db: Db) {
  return db
    .selectFrom('building')
    .leftJoin('forecast_building', 'forecast_building.building_id', 'building.id')
    .where('forecast_building.id', 'is', null)
    .select([
      'building.id as id',
      'building.code as code',
      'building.address as address',
      'building.latitude as latitude',
      'building.longitude as longitude',
      'building.floors as floors',
      'building.carrier1 as carrier1',
      'building.area1_m2 as area1',
      'building.carrier2 as carrier2',
      'building.area2_m2 as area2',
      'building.features as features',
    ])
    .orderBy('building.code')
    .execute();
}

/** The district of each registry building named. */
export async function districtsOf(db: Db, buildingIds: readonly number[]): Promise<Map<number, number>> {
  if (buildingIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('building')
    .select(['id', 'district_id'])
    .where('id', 'in', [...buildingIds])
    .execute();
  return new Map(rows.map((r) => [Number(r.id), Number(r.district_id)]));
}

/**
 * The first local month (YYYYMM) with a thermal record of the buildings named; undefined without
 * any. Read from the index on (building, month) alone, without touching the records.
 */
export async function firstRecordMonth(db: Db, buildingIds: readonly number[]): Promise<number | undefined> {
  let first = Infinity;
  for (let i = 0; i < buildingIds.length; i += 500) {
    const row = await db
      .selectFrom('kpi_thermal_measurement')
      .select((eb) => eb.fn.min('month').as('month'))
      .where('building_id', 'in', buildingIds.slice(i, i + 500))
      .executeTakeFirst();
    if (row?.month !== null && row?.month !== undefined) first = Math.min(first, Number(row.month));
  }
  return Number.isFinite(first) ? first : undefined;
}

/** Heat records (every carrier but electricity) of the buildings named. */
export async function heatRecords(db: Db, buildingIds: readonly number[]) {
  if (buildingIds.length === 0) return [];
  return db
    .selectFrom('kpi_thermal_measurement')
    .select(['building_id', 't', 'value'])
    .where('building_id', 'in', [...buildingIds])
    .where('carrier', '!=', 'electricity')
    .execute();
}

// --- Runs -------------------------------------------------------------------------------------

function runOf(r: Selectable<Database['forecast_run']>): Run {
  return {
    id: Number(r.id),
    status: r.status,
    progress: Number(r.progress),
    stage: r.stage,
    startedAt: Number(r.started_at),
    finishedAt: r.finished_at === null ? null : Number(r.finished_at),
    error: r.error,
  };
}

/** Starts a run unless one is running; returns it, and whether it is new. */
export async function startRun(db: Db, by: string, now: number): Promise<{ run: Run; created: boolean }> {
  return db.transaction().execute(async (trx) => {
    const running = await trx
      .selectFrom('forecast_run')
      .selectAll()
      .where('status', '=', 'running')
      .executeTakeFirst();
    if (running) return { run: runOf(running), created: false };
    const row = await trx
      .insertInto('forecast_run')
      .values({ status: 'running', progress: 0, stage: 'queued', started_at: now, started_by: by })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { run: runOf(row), created: true };
  });
}

export async function updateRunProgress(db: Db, id: number, progress: number, stage: string): Promise<void> {
  await db.updateTable('forecast_run').set({ progress, stage }).where('id', '=', id).execute();
}

export async function finishRun(
  db: Db,
  id: number,
  outcome: { results: Results } | { error: string },
  now: number,
): Promise<void> {
  await db
    .updateTable('forecast_run')
    .set(
      'results' in outcome
        ? {
            status: 'done',
            progress: 1,
            stage: 'done',
            finished_at: now,
            results: JSON.stringify(outcome.results),
          }
        : { status: 'failed', stage: 'failed', finished_at: now, error: outcome.error },
    )
    .where('id', '=', id)
    .execute();
}

export async function latestRun(db: Db): Promise<Run | undefined> {
  const row = await db
    .selectFrom('forecast_run')
    .select(['id', 'status', 'progress', 'stage', 'started_at', 'finished_at', 'started_by', 'error'])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? runOf({ ...row, results: null }) : undefined;
}

export async function latestResults(db: Db): Promise<Results | undefined> {
  const row = await db
    .selectFrom('forecast_run')
    .select('results')
    .where('status', '=', 'done')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.results ? (JSON.parse(row.results) as Results) : undefined;
}

/** A run left "running" by a replica that stopped is failed, so a new one may start. */
export async function failStaleRuns(db: Db, before: number, now: number): Promise<void> {
  await db
    .updateTable('forecast_run')
    .set({ status: 'failed', stage: 'failed', error: 'the replica running it stopped', finished_at: now })
    .where('status', '=', 'running')
    .where('started_at', '<', before)
    .execute();
}

/**
 * The gateway of the district's weather station that measures the outdoor temperature (the
 * first registered, when there are several); undefined when there is none.
 */
export async function outdoorGateway(db: Db, districtId: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('weather_station')
    .innerJoin('sensor', 'sensor.gateway_id', 'weather_station.gateway_id')
    .select('weather_station.gateway_id as gatewayId')
    .where('weather_station.district_id', '=', districtId)
    .where('sensor.medium', '=', 'temperature')
    .orderBy('weather_station.id')
    .limit(1)
    .executeTakeFirst();
  return row?.gatewayId === null || row === undefined ? undefined : Number(row.gatewayId);
}

/** The latest time the inputs of a run changed: a thermal record received, a planning row edited, ms. */
export async function inputsChangedAt(db: Db): Promise<number> {
  const records = await db
    .selectFrom('kpi_thermal_measurement')
    .select((eb) => eb.fn.max('received_at').as('t'))
    .executeTakeFirst();
  const rows = await db
    .selectFrom('forecast_building')
    .select((eb) => eb.fn.max('updated_at').as('t'))
    .executeTakeFirst();
  return Math.max(Number(records?.t ?? 0), Number(rows?.t ?? 0));
}
