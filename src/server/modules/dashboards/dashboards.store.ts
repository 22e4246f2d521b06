import type { Kysely, Transaction } from 'kysely';
import type { AnomalyTable, Database, DashboardTable } from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

// ---------------------------------------------------------------- who and where

/** The organisation of a person (null without one). */
export async function organisationOfUser(db: Db, userId: number): Promise<number | null> {
  const row = await db
    .selectFrom('app_user')
    .select('organisation_id')
    .where('id', '=', userId)
    .executeTakeFirst();
  return row?.organisation_id ?? null;
}

/** The buildings of an organisation. */
export async function buildingsOfOrganisation(db: Db, organisationId: number): Promise<number[]> {
  const rows = await db
    .selectFrom('organisation_building')
    .select('building_id')
    .where('organisation_id', '=', organisationId)
    .execute();
  return rows.map((r) => Number(r.building_id));
}

/** The organisation whose thresholds a building's anomalies follow: the first that serves it. */
export async function organisationOfBuilding(db: Db, buildingId: number): Promise<number | null> {
  const row = await db
    .selectFrom('organisation_building')
    .select((eb) => eb.fn.min('organisation_id').as('id'))
    .where('building_id', '=', buildingId)
    .executeTakeFirst();
  return row?.id === null || row?.id === undefined ? null : Number(row.id);
}

/** The building each series' sensor serves now, for the series that serve one. */
export async function buildingsOfSeries(db: Db, seriesIds: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let i = 0; i < seriesIds.length; i += 500) {
    const rows = await db
      .selectFrom('series')
      .innerJoin('sensor', 'sensor.id', 'series.sensor_id')
      .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
      .innerJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
      .select(['series.id as seriesId', 'dwelling.building_id as buildingId'])
      .where('series.id', 'in', seriesIds.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(Number(r.seriesId), Number(r.buildingId));
  }
  return out;
}

// ---------------------------------------------------------------- anomalies

export type NewAnomaly = Omit<AnomalyTable, 'id'>;

/** Replaces what was found in a building over one week. */
export async function replaceWeek(
  db: Db,
  buildingId: number,
  week: number,
  rows: NewAnomaly[],
): Promise<void> {
  await db.deleteFrom('anomaly').where('building_id', '=', buildingId).where('week', '=', week).execute();
  if (rows.length > 0) await db.insertInto('anomaly').values(rows).execute();
}

/** A building's anomalies, newest first, with the dwelling's label and the sensor's medium. */
export async function listAnomalies(db: Db, buildingId: number, limit: number) {
  return db
    .selectFrom('anomaly as a')
    .leftJoin('dwelling as d', 'd.id', 'a.dwelling_id')
    .leftJoin('sensor as s', 's.id', 'a.sensor_id')
    .select([
      'a.id as id',
      'a.building_id as buildingId',
      'a.dwelling_id as dwellingId',
      'd.label as dwellingLabel',
      'a.sensor_id as sensorId',
      's.medium as medium',
      'a.kind as kind',
      'a.week as week',
      'a.period_from as from',
      'a.period_to as to',
      'a.figures as figures',
    ])
    .where('a.building_id', '=', buildingId)
    .orderBy('a.period_to', 'desc')
    .orderBy('a.id')
    .limit(limit)
    .execute();
}

export async function findThresholds(db: Db, organisationId: number): Promise<string | undefined> {
  const row = await db
    .selectFrom('anomaly_setting')
    .select('thresholds')
    .where('organisation_id', '=', organisationId)
    .executeTakeFirst();
  return row?.thresholds;
}

export async function upsertThresholds(db: Db, organisationId: number, thresholds: string, now: number) {
  await db
    .insertInto('anomaly_setting')
    .values({ organisation_id: organisationId, thresholds, updated_at: now })
    .onConflict((oc) => oc.column('organisation_id').doUpdateSet({ thresholds, updated_at: now }))
    .execute();
}

// ---------------------------------------------------------------- dashboards

export type DashboardRow = DashboardTable & { id: number };

export async function findDashboard(db: Db, id: number): Promise<DashboardRow | undefined> {
  return db.selectFrom('dashboard').selectAll().where('id', '=', id).executeTakeFirst() as Promise<
    DashboardRow | undefined
  >;
}

/** Dashboards of one organisation, or every one (`'all'`). */
export async function listDashboards(db: Db, organisationId: number | null | 'all'): Promise<DashboardRow[]> {
  let q = db.selectFrom('dashboard').selectAll();
  if (organisationId !== 'all')
    q =
      organisationId === null
        ? q.where('organisation_id', 'is', null)
        : q.where('organisation_id', '=', organisationId);
  return (await q.orderBy('name').orderBy('id').execute()) as DashboardRow[];
}

export async function insertDashboard(
  db: Db,
  d: Omit<DashboardTable, 'id'>,
  savedByName: string,
): Promise<number> {
  const row = await db.insertInto('dashboard').values(d).returning('id').executeTakeFirstOrThrow();
  await db
    .insertInto('dashboard_version')
    .values({
      dashboard_id: row.id,
      version: d.version,
      name: d.name,
      definition: d.definition,
      saved_by: d.owner_id,
      saved_by_name: savedByName,
      saved_at: d.updated_at,
    })
    .execute();
  return Number(row.id);
}

/**
 * Saves a new version when the stored one is still `baseVersion`; false when another save came
 * first (the update matches no row, so two saves from the same version cannot both win).
 */
export async function saveVersion(
  db: Db,
  id: number,
  baseVersion: number,
  v: { name: string; definition: string; savedBy: number; savedByName: string; now: number },
): Promise<boolean> {
  const result = await db
    .updateTable('dashboard')
    .set({ name: v.name, definition: v.definition, version: baseVersion + 1, updated_at: v.now })
    .where('id', '=', id)
    .where('version', '=', baseVersion)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) return false;
  await db
    .insertInto('dashboard_version')
    .values({
      dashboard_id: id,
      version: baseVersion + 1,
      name: v.name,
      definition: v.definition,
      saved_by: v.savedBy,
      saved_by_name: v.savedByName,
      saved_at: v.now,
    })
    .execute();
  return true;
}

export async function listVersions(db: Db, id: number) {
  return db
    .selectFrom('dashboard_version')
    .selectAll()
    .where('dashboard_id', '=', id)
    .orderBy('version', 'desc')
    .execute();
}

export async function findVersion(db: Db, id: number, version: number) {
  return db
    .selectFrom('dashboard_version')
    .selectAll()
    .where('dashboard_id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
}

export async function deleteDashboard(db: Db, id: number): Promise<void> {
  await db.deleteFrom('dashboard_version').where('dashboard_id', '=', id).execute();
  await db.deleteFrom('dashboard').where('id', '=', id).execute();
}
