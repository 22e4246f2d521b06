import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { SeriesInfo } from './series-catalog.ts';

interface SeriesRow {
  id: number;
  key: string;
  field: string;
  value_type: 'number' | 'text';
  cumulative: number;
  sensor_id: number | null;
  gateway_id: number | null;
}

const toInfo = (r: SeriesRow): SeriesInfo => ({
  id: r.id,
  key: r.key,
  field: r.field,
  valueType: r.value_type,
  cumulative: r.cumulative === 1,
  sensorId: r.sensor_id,
  gatewayId: r.gateway_id,
});

function selectSeries(db: Kysely<Database>) {
  return db
    .selectFrom('series')
    .leftJoin('sensor', 'sensor.id', 'series.sensor_id')
    .select([
      'series.id',
      'series.key',
      'series.field',
      'series.value_type',
      'series.cumulative',
      'series.sensor_id',
      'sensor.gateway_id',
    ]);
}

export async function listAllSeries(db: Kysely<Database>): Promise<SeriesInfo[]> {
  return (await selectSeries(db).execute()).map(toInfo);
}

export async function findSeriesByKeys(db: Kysely<Database>, keys: string[]): Promise<SeriesInfo[]> {
  const out: SeriesInfo[] = [];
  for (let i = 0; i < keys.length; i += 500) {
    out.push(
      ...(
        await selectSeries(db)
          .where('series.key', 'in', keys.slice(i, i + 500))
          .execute()
      ).map(toInfo),
    );
  }
  return out;
}

export async function findSeriesById(db: Kysely<Database>, id: number): Promise<SeriesInfo | undefined> {
  const row = await selectSeries(db).where('series.id', '=', id).executeTakeFirst();
  return row && toInfo(row);
}

export interface NewSeries {
  key: string;
  measurement: string;
  tags: ReadonlyArray<readonly [string, string]>;
  field: string;
  valueType: 'number' | 'text';
  cumulative: boolean;
  sensorId: number | null;
}

/**
 * Inserts series that may exist already (those are left as they are), a statement for every 500
 * in the order given.
 */
export async function insertSeriesMany(
  db: Kysely<Database> | import('kysely').Transaction<Database>,
  series: NewSeries[],
  createdAt: number,
): Promise<void> {
  for (let i = 0; i < series.length; i += 500) {
    await db
      .insertInto('series')
      .values(
        series.slice(i, i + 500).map((s) => ({
          key: s.key,
          measurement: s.measurement,
          tags: JSON.stringify(Object.fromEntries(s.tags)),
          field: s.field,
          value_type: s.valueType,
          cumulative: s.cumulative ? 1 : 0,
          sensor_id: s.sensorId,
          created_at: createdAt,
        })),
      )
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
  }
}

/** Ids of the cumulative series, and the newest series id. */
export async function listCumulativeSeriesIds(
  db: Kysely<Database>,
): Promise<{ cumulative: number[]; maxId: number }> {
  const rows = await db.selectFrom('series').select('id').where('cumulative', '=', 1).execute();
  const max = await db
    .selectFrom('series')
    .select((eb) => eb.fn.max('id').as('max'))
    .executeTakeFirst();
  return { cumulative: rows.map((r) => r.id), maxId: Number(max?.max ?? 0) };
}
