import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, GroupLevel } from '../../db/schema.ts';

/** The SQL of the group rollups: building, district and organisation hours, and what they were computed with. */

type Db = Kysely<Database> | Transaction<Database>;

/** One hour of a group, as stored and as computed from the members' hours. */
export interface GroupHour {
  /** Start of the hour, epoch ms. */
  hour: number;
  /** Sum and count of the member hourly values; 0 and 0 in an hour whose readings were all left out. */
  sum: number;
  count: number;
  /** Lowest and highest member hourly value (0 when `count` is 0). */
  min: number;
  max: number;
  dwellings: number;
  /** Member readings of the hour that a quality check flagged (left out of the sum unless included). */
  flagged: number;
}

/** A gateway assignment with the building of its dwelling. */
export interface RollupSpan {
  gatewayId: number;
  dwellingId: number;
  buildingId: number;
  from: number;
  /** Null while the gateway still serves the dwelling. */
  to: number | null;
}

/** A building counting for a district or an organisation. */
export interface RollupLink {
  buildingId: number;
  level: Exclude<GroupLevel, 'building'>;
  groupId: number;
}

const INSERT_CHUNK = 1000;

export async function readGroupHours(
  db: Db,
  level: GroupLevel,
  groupId: number,
  medium: string,
  from: number,
  to: number,
): Promise<Omit<GroupHour, 'dwellings'>[]> {
  // Both drivers hand these columns back as numbers: the rows are returned as they come, since a
  // year of a group is 8,760 of them.
  return db
    .selectFrom('group_hour')
    .select(['hour', 'sum', 'count', 'min', 'max', 'flagged'])
    .where('level', '=', level)
    .where('group_id', '=', groupId)
    .where('medium', '=', medium)
    .where('hour', '>=', from)
    .where('hour', '<=', to)
    .orderBy('hour')
    .execute();
}

/** The most distinct dwellings with readings in one hour of [from, to] of a group. */
export async function mostDwellings(
  db: Db,
  level: GroupLevel,
  groupId: number,
  medium: string,
  from: number,
  to: number,
): Promise<number> {
  const row = await db
    .selectFrom('group_hour')
    .select((eb) => eb.fn.max('dwellings').as('most'))
    .where('level', '=', level)
    .where('group_id', '=', groupId)
    .where('medium', '=', medium)
    .where('hour', '>=', from)
    .where('hour', '<=', to)
    .executeTakeFirst();
  return Number(row?.most ?? 0);
}

/** Replaces a building's hours of one medium within [from, to] by `hours`. */
export async function replaceBuildingHours(
  db: Kysely<Database>,
  buildingId: number,
  medium: string,
  from: number,
  to: number,
  hours: GroupHour[],
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('group_hour')
      .where('level', '=', 'building')
      .where('group_id', '=', buildingId)
      .where('medium', '=', medium)
      .where('hour', '>=', from)
      .where('hour', '<=', to)
      .execute();
    for (let at = 0; at < hours.length; at += INSERT_CHUNK) {
      await trx
        .insertInto('group_hour')
        .values(
          hours
            .slice(at, at + INSERT_CHUNK)
            .map((h) => ({ level: 'building' as const, group_id: buildingId, medium, ...h })),
        )
        .execute();
    }
  });
}

/**
 * Recomputes a district's or organisation's hours within [from, to] (of one medium, or of
 * every medium) as the sum of the hours of the buildings that count for it now.
 */
export async function recomputeGroupFromBuildings(
  db: Kysely<Database>,
  level: Exclude<GroupLevel, 'building'>,
  groupId: number,
  medium: string | undefined,
  from: number,
  to: number,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    let drop = trx
      .deleteFrom('group_hour')
      .where('level', '=', level)
      .where('group_id', '=', groupId)
      .where('hour', '>=', from)
      .where('hour', '<=', to);
    if (medium !== undefined) drop = drop.where('medium', '=', medium);
    await drop.execute();
    const buildings =
      level === 'district'
        ? trx.selectFrom('building').select('building.id as id').where('building.district_id', '=', groupId)
        : trx
            .selectFrom('organisation_building')
            .select('organisation_building.building_id as id')
            .where('organisation_building.organisation_id', '=', groupId);
    let source = trx
      .selectFrom('group_hour as b')
      .select((eb) => [
        sql<string>`cast(${level} as varchar(12))`.as('level'),
        sql<number>`cast(${groupId} as bigint)`.as('group_id'),
        'b.medium',
        'b.hour',
        eb.fn.sum<number>('b.sum').as('sum'),
        eb.fn.sum<number>('b.count').as('count'),
        // A building's hour of flagged readings only has no lowest or highest to count.
        sql<number>`coalesce(min(case when ${sql.ref('b.count')} > 0 then ${sql.ref('b.min')} end), 0)`.as(
          'min',
        ),
        sql<number>`coalesce(max(case when ${sql.ref('b.count')} > 0 then ${sql.ref('b.max')} end), 0)`.as(
          'max',
        ),
        eb.fn.sum<number>('b.dwellings').as('dwellings'),
        eb.fn.sum<number>('b.flagged').as('flagged'),
      ])
      .where('b.level', '=', 'building')
      .where('b.group_id', 'in', buildings)
      .where('b.hour', '>=', from)
      .where('b.hour', '<=', to)
      .groupBy(['b.medium', 'b.hour']);
    if (medium !== undefined) source = source.where('b.medium', '=', medium);
    await trx
      .insertInto('group_hour')
      .columns(['level', 'group_id', 'medium', 'hour', 'sum', 'count', 'min', 'max', 'dwellings', 'flagged'])
      .expression(source)
      .execute();
  });
}

/** The district and organisations a building counts for now. */
export async function linksOfBuildings(db: Db, buildingIds: number[]): Promise<RollupLink[]> {
  if (buildingIds.length === 0) return [];
  const out: RollupLink[] = [];
  for (let at = 0; at < buildingIds.length; at += 5000) {
    const ids = buildingIds.slice(at, at + 5000);
    const districts = await db
      .selectFrom('building')
      .select(['id', 'district_id'])
      .where('id', 'in', ids)
      .execute();
    for (const d of districts)
      out.push({ buildingId: Number(d.id), level: 'district', groupId: Number(d.district_id) });
    const organisations = await db
      .selectFrom('organisation_building')
      .select(['building_id', 'organisation_id'])
      .where('building_id', 'in', ids)
      .execute();
    for (const o of organisations)
      out.push({
        buildingId: Number(o.building_id),
        level: 'organisation',
        groupId: Number(o.organisation_id),
      });
  }
  return out;
}

/** Every building's district and organisations, now. */
export async function currentLinks(db: Db): Promise<RollupLink[]> {
  const districts = await db.selectFrom('building').select(['id', 'district_id']).execute();
  const organisations = await db
    .selectFrom('organisation_building')
    .select(['building_id', 'organisation_id'])
    .execute();
  return [
    ...districts.map((d) => ({
      buildingId: Number(d.id),
      level: 'district' as const,
      groupId: Number(d.district_id),
    })),
    ...organisations.map((o) => ({
      buildingId: Number(o.building_id),
      level: 'organisation' as const,
      groupId: Number(o.organisation_id),
    })),
  ];
}

export async function appliedLinks(db: Db): Promise<RollupLink[]> {
  const rows = await db.selectFrom('group_rollup_link').selectAll().execute();
  return rows.map((r) => ({
    buildingId: Number(r.building_id),
    level: r.level as RollupLink['level'],
    groupId: Number(r.group_id),
  }));
}

/** Every gateway assignment with its dwelling's building, now. */
export async function currentSpans(db: Db): Promise<RollupSpan[]> {
  const rows = await db
    .selectFrom('gateway_assignment as a')
    .innerJoin('dwelling', 'dwelling.id', 'a.dwelling_id')
    .select(['a.gateway_id', 'a.dwelling_id', 'dwelling.building_id', 'a.valid_from', 'a.valid_to'])
    .execute();
  return rows.map((r) => ({
    gatewayId: Number(r.gateway_id),
    dwellingId: Number(r.dwelling_id),
    buildingId: Number(r.building_id),
    from: Number(r.valid_from),
    to: r.valid_to === null ? null : Number(r.valid_to),
  }));
}

export async function appliedSpans(db: Db): Promise<RollupSpan[]> {
  const rows = await db.selectFrom('group_rollup_span').selectAll().execute();
  return rows.map((r) => ({
    gatewayId: Number(r.gateway_id),
    dwellingId: Number(r.dwelling_id),
    buildingId: Number(r.building_id),
    from: Number(r.valid_from),
    to: r.valid_to === null ? null : Number(r.valid_to),
  }));
}

/** Records that the rollups now hold `added` and no longer `removed`. */
export async function recordApplied(
  db: Kysely<Database>,
  spans: { added: RollupSpan[]; removed: RollupSpan[] },
  links: { added: RollupLink[]; removed: RollupLink[] },
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const s of spans.removed) {
      let q = trx
        .deleteFrom('group_rollup_span')
        .where('gateway_id', '=', s.gatewayId)
        .where('dwelling_id', '=', s.dwellingId)
        .where('building_id', '=', s.buildingId)
        .where('valid_from', '=', s.from);
      q = s.to === null ? q.where('valid_to', 'is', null) : q.where('valid_to', '=', s.to);
      await q.execute();
    }
    for (let at = 0; at < spans.added.length; at += INSERT_CHUNK) {
      await trx
        .insertInto('group_rollup_span')
        .values(
          spans.added.slice(at, at + INSERT_CHUNK).map((s) => ({
            gateway_id: s.gatewayId,
            dwelling_id: s.dwellingId,
            building_id: s.buildingId,
            valid_from: s.from,
            valid_to: s.to,
          })),
        )
        .execute();
    }
    for (const l of links.removed) {
      await trx
        .deleteFrom('group_rollup_link')
        .where('building_id', '=', l.buildingId)
        .where('level', '=', l.level)
        .where('group_id', '=', l.groupId)
        .execute();
    }
    for (let at = 0; at < links.added.length; at += INSERT_CHUNK) {
      await trx
        .insertInto('group_rollup_link')
        .values(
          links.added
            .slice(at, at + INSERT_CHUNK)
            .map((l) => ({ building_id: l.buildingId, level: l.level, group_id: l.groupId })),
        )
        .execute();
    }
  });
}

/** Forgets what the rollups were computed with, so that the next run computes them all. */
export async function forgetApplied(db: Kysely<Database>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('group_rollup_span').execute();
    await trx.deleteFrom('group_rollup_link').execute();
    await trx.deleteFrom('group_hour').execute();
    await trx.deleteFrom('group_member').execute();
  });
}

/** The media of the sensors on some gateways, by gateway. */
export async function mediaOfGateways(db: Db, gatewayIds: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (let at = 0; at < gatewayIds.length; at += 5000) {
    const rows = await db
      .selectFrom('sensor')
      .innerJoin('series', 'series.sensor_id', 'sensor.id')
      .select(['sensor.gateway_id', 'sensor.medium'])
      .distinct()
      .where('sensor.gateway_id', 'in', gatewayIds.slice(at, at + 5000))
      .execute();
    for (const r of rows) {
      const list = out.get(Number(r.gateway_id)) ?? [];
      list.push(r.medium);
      out.set(Number(r.gateway_id), list);
    }
  }
  return out;
}

/** Where some series' readings count: their medium and the buildings their gateway served, when. */
export async function spansOfSeries(
  db: Db,
  seriesIds: number[],
): Promise<{ seriesId: number; medium: string; buildingId: number; from: number; to: number | null }[]> {
  const out = [];
  for (let at = 0; at < seriesIds.length; at += 5000) {
    const rows = await db
      .selectFrom('series')
      .innerJoin('sensor', 'sensor.id', 'series.sensor_id')
      .innerJoin('gateway_assignment as a', 'a.gateway_id', 'sensor.gateway_id')
      .innerJoin('dwelling', 'dwelling.id', 'a.dwelling_id')
      .select(['series.id', 'sensor.medium', 'dwelling.building_id', 'a.valid_from', 'a.valid_to'])
      .where('series.id', 'in', seriesIds.slice(at, at + 5000))
      .execute();
    for (const r of rows)
      out.push({
        seriesId: Number(r.id),
        medium: r.medium,
        buildingId: Number(r.building_id),
        from: Number(r.valid_from),
        to: r.valid_to === null ? null : Number(r.valid_to),
      });
  }
  return out;
}

/** Start of a series' first stored block at or after `t`, epoch ms. */
export async function nextBlockStart(db: Db, seriesId: number, t: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('ts_block')
    .select('t0')
    .where('series_id', '=', seriesId)
    .where('t0', '>=', t)
    .orderBy('t0')
    .limit(1)
    .executeTakeFirst();
  return row ? Number(row.t0) : undefined;
}

export async function mediumIsCumulative(db: Db, medium: string): Promise<boolean> {
  const row = await db
    .selectFrom('medium')
    .select('cumulative')
    .where('name', '=', medium)
    .executeTakeFirst();
  return Number(row?.cumulative ?? 0) === 1;
}

/** How many sensors of one medium served a building or district at some time in [from, to]. */
export async function countMembers(
  db: Db,
  area: { buildingId: number } | { districtId: number },
  medium: string,
  from: number,
  to: number,
): Promise<number> {
  let q = db
    .selectFrom('gateway_assignment as a')
    .innerJoin('dwelling', 'dwelling.id', 'a.dwelling_id')
    .innerJoin('sensor', 'sensor.gateway_id', 'a.gateway_id')
    .innerJoin('series', 'series.sensor_id', 'sensor.id')
    .select((eb) => eb.fn.count<number>('sensor.id').distinct().as('n'))
    .where('sensor.medium', '=', medium)
    .where('a.valid_from', '<=', to)
    .where((eb) => eb.or([eb('a.valid_to', 'is', null), eb('a.valid_to', '>', from)]));
  q =
    'buildingId' in area
      ? q.where('dwelling.building_id', '=', area.buildingId)
      : q
          .innerJoin('building', 'building.id', 'dwelling.building_id')
          .where('building.district_id', '=', area.districtId);
  const row = await q.executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The spans of the sensors of a group (every medium): each sensor with the times it served it. */
async function memberSpans(
  db: Db,
  level: GroupLevel,
  groupId: number,
): Promise<{ sensorId: number; medium: string; from: number; to: number | null }[]> {
  let q = db
    .selectFrom('gateway_assignment as a')
    .innerJoin('dwelling', 'dwelling.id', 'a.dwelling_id')
    .innerJoin('sensor', 'sensor.gateway_id', 'a.gateway_id')
    .innerJoin('series', 'series.sensor_id', 'sensor.id')
    .select(['sensor.id as sensorId', 'sensor.medium as medium', 'a.valid_from', 'a.valid_to']);
  if (level === 'building') q = q.where('dwelling.building_id', '=', groupId);
  else if (level === 'district')
    q = q
      .innerJoin('building', 'building.id', 'dwelling.building_id')
      .where('building.district_id', '=', groupId);
  else
    q = q
      .innerJoin('organisation_building as ob', 'ob.building_id', 'dwelling.building_id')
      .where('ob.organisation_id', '=', groupId);
  return (await q.execute()).map((r) => ({
    sensorId: Number(r.sensorId),
    medium: r.medium,
    from: Number(r.valid_from),
    to: r.valid_to === null ? null : Number(r.valid_to),
  }));
}

/** Rewrites a group's member rows from the registry. */
export async function rebuildMembers(
  db: Kysely<Database>,
  level: GroupLevel,
  groupId: number,
): Promise<void> {
  const bySensor = new Map<number, { medium: string; spans: { from: number; to: number | null }[] }>();
  for (const s of await memberSpans(db, level, groupId)) {
    const known = bySensor.get(s.sensorId) ?? { medium: s.medium, spans: [] };
    known.spans.push({ from: s.from, to: s.to });
    bySensor.set(s.sensorId, known);
  }
  const shared = new Map<string, { medium: string; from: number; to: number | null; sensors: number }>();
  const own: { medium: string; from: number; to: number | null; sensorId: number }[] = [];
  for (const [sensorId, { medium, spans }] of bySensor) {
    spans.sort((a, b) => a.from - b.from);
    const merged: { from: number; to: number | null }[] = [];
    for (const s of spans) {
      const last = merged[merged.length - 1];
      if (last && last.to !== null && s.from <= last.to)
        last.to = s.to === null ? null : Math.max(last.to, s.to);
      else if (!last || last.to !== null) merged.push({ ...s });
    }
    if (merged.length === 1) {
      const key = `${medium}|${merged[0].from}|${merged[0].to}`;
      const row = shared.get(key) ?? { medium, from: merged[0].from, to: merged[0].to, sensors: 0 };
      row.sensors++;
      shared.set(key, row);
    } else for (const m of merged) own.push({ medium, ...m, sensorId });
  }
  const rows = [
    ...[...shared.values()].map((r) => ({
      medium: r.medium,
      valid_from: r.from,
      valid_to: r.to,
      sensor_id: null,
      sensors: r.sensors,
    })),
    ...own.map((r) => ({
      medium: r.medium,
      valid_from: r.from,
      valid_to: r.to,
      sensor_id: r.sensorId,
      sensors: 1,
    })),
  ];
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('group_member').where('level', '=', level).where('group_id', '=', groupId).execute();
    for (let at = 0; at < rows.length; at += INSERT_CHUNK)
      await trx
        .insertInto('group_member')
        .values(rows.slice(at, at + INSERT_CHUNK).map((r) => ({ level, group_id: groupId, ...r })))
        .execute();
  });
}

/** How many sensors of one medium served a group at some time in [from, to], from its member rows. */
export async function countStoredMembers(
  db: Db,
  level: GroupLevel,
  groupId: number,
  medium: string,
  from: number,
  to: number,
): Promise<number> {
  const rows = await db
    .selectFrom('group_member')
    .select(['valid_from', 'valid_to', 'sensor_id', 'sensors'])
    .where('level', '=', level)
    .where('group_id', '=', groupId)
    .where('medium', '=', medium)
    .where('valid_from', '<=', to)
    .where((eb) => eb.or([eb('valid_to', 'is', null), eb('valid_to', '>', from)]))
    .execute();
  let shared = 0;
  const own = new Set<number>();
  for (const r of rows) {
    if (r.sensor_id === null) shared += Number(r.sensors);
    else own.add(Number(r.sensor_id));
  }
  return shared + own.size;
}

/** The gateways of the series above `after`, and the highest series id. */
export async function gatewaysOfNewSeries(
  db: Db,
  after: number,
): Promise<{ gateways: number[]; last: number }> {
  const rows = await db
    .selectFrom('series')
    .innerJoin('sensor', 'sensor.id', 'series.sensor_id')
    .select(['series.id', 'sensor.gateway_id'])
    .where('series.id', '>', after)
    .execute();
  return {
    gateways: [...new Set(rows.map((r) => Number(r.gateway_id)))],
    last: rows.reduce((m, r) => Math.max(m, Number(r.id)), after),
  };
}

/** The buildings some gateways served at any time. */
export async function buildingsOfGatewaySpans(db: Db, gatewayIds: number[]): Promise<number[]> {
  const out = new Set<number>();
  for (let at = 0; at < gatewayIds.length; at += 5000) {
    const rows = await db
      .selectFrom('gateway_assignment as a')
      .innerJoin('dwelling', 'dwelling.id', 'a.dwelling_id')
      .select('dwelling.building_id')
      .distinct()
      .where('a.gateway_id', 'in', gatewayIds.slice(at, at + 5000))
      .execute();
    for (const r of rows) out.add(Number(r.building_id));
  }
  return [...out];
}

export async function readCursor(db: Db, name: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('job_cursor')
    .select('position')
    .where('name', '=', name)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.position);
}

export async function writeCursor(db: Db, name: string, position: number): Promise<void> {
  await db
    .insertInto('job_cursor')
    .values({ name, position, updated_at: Date.now() })
    .onConflict((oc) => oc.column('name').doUpdateSet({ position, updated_at: Date.now() }))
    .execute();
}
