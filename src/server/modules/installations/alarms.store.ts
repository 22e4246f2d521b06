import type { Insertable, Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type {
  AlarmSettingTable,
  Database,
  IncidentEventTable,
  IncidentTable,
  MediumAlarmSettingTable,
} from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

// --- Settings -----------------------------------------------------------------------------------

export async function findAlarmSetting(db: Db): Promise<Selectable<AlarmSettingTable> | undefined> {
  return db.selectFrom('alarm_setting').selectAll().where('id', '=', 1).executeTakeFirst();
}

export async function saveAlarmSetting(db: Db, row: Selectable<AlarmSettingTable>): Promise<void> {
  await db
    .insertInto('alarm_setting')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...row }))
    .execute();
}

/** Every medium with its overrides, if any. */
export async function listMediumSettings(db: Db) {
  return db
    .selectFrom('medium')
    .leftJoin('medium_alarm_setting as s', 's.medium', 'medium.name')
    .select([
      'medium.name as medium',
      'medium.unit as unit',
      's.silent_after_s as silentAfterS',
      's.expected_interval_s as expectedIntervalS',
    ])
    .orderBy('medium.name')
    .execute();
}

export async function existingMedia(db: Db, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await db.selectFrom('medium').select('name').where('name', 'in', names).execute();
  return new Set(rows.map((r) => r.name));
}

export async function saveMediumSetting(db: Db, row: Selectable<MediumAlarmSettingTable>): Promise<void> {
  if (row.silent_after_s === null && row.expected_interval_s === null) {
    await db.deleteFrom('medium_alarm_setting').where('medium', '=', row.medium).execute();
    return;
  }
  await db
    .insertInto('medium_alarm_setting')
    .values(row)
    .onConflict((oc) => oc.column('medium').doUpdateSet({ ...row }))
    .execute();
}

// --- Incidents ----------------------------------------------------------------------------------

export type IncidentRow = Selectable<IncidentTable>;

export async function listOpenIncidents(db: Db): Promise<IncidentRow[]> {
  return db.selectFrom('incident').selectAll().where('status', '=', 'open').orderBy('id').execute();
}

/** Opens an incident and records its first event, in one transaction; the id, or throws on a duplicate. */
export async function insertIncident(
  db: Db,
  row: Insertable<IncidentTable>,
  event: Omit<Insertable<IncidentEventTable>, 'incident_id'>,
): Promise<number> {
  const inserted = await db.insertInto('incident').values(row).returning('id').executeTakeFirstOrThrow();
  await db
    .insertInto('incident_event')
    .values({ ...event, incident_id: inserted.id })
    .execute();
  return inserted.id;
}

/** Changes an incident only while it is open; whether it was. */
export async function updateOpenIncident(
  db: Db,
  id: number,
  values: Updateable<IncidentTable>,
): Promise<boolean> {
  const r = await db
    .updateTable('incident')
    .set(values)
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function updateIncident(db: Db, id: number, values: Updateable<IncidentTable>): Promise<void> {
  await db.updateTable('incident').set(values).where('id', '=', id).execute();
}

export async function insertIncidentEvent(db: Db, event: Insertable<IncidentEventTable>): Promise<void> {
  await db.insertInto('incident_event').values(event).execute();
}

/**
 * Takes the open incidents whose e-mail is still to be sent, so that one replica sends it:
 * the ids it took.
 */
export async function claimIncidentMail(db: Db, ids: readonly number[], now: number): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .updateTable('incident')
    .set({ mail_sent_at: now })
    .where('id', 'in', ids)
    .where('mail_sent_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Open incidents the contacts (`mail`) or the webhook have not been told of yet. */
export async function listUnnotified(
  db: Db,
  channels: { mail: boolean; webhook: boolean; maxAttempts: number },
  limit: number,
): Promise<IncidentRow[]> {
  return db
    .selectFrom('incident')
    .selectAll()
    .where('status', '=', 'open')
    .where((eb) =>
      eb.or([
        ...(channels.mail ? [eb('mail_sent_at', 'is', null)] : []),
        ...(channels.webhook
          ? [eb.and([eb('webhook_sent_at', 'is', null), eb('notify_attempts', '<', channels.maxAttempts)])]
          : []),
      ]),
    )
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function markNotified(
  db: Db,
  ids: readonly number[],
  values: { webhook?: boolean; now: number },
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('incident')
    .set((eb) => ({
      notified_at: eb.fn.coalesce('notified_at', eb.val(values.now)),
      ...(values.webhook ? { webhook_sent_at: values.now } : {}),
      updated_at: values.now,
    }))
    .where('id', 'in', ids)
    .execute();
}

export async function countFailedWebhook(db: Db, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('incident')
    .set((eb) => ({ notify_attempts: eb('notify_attempts', '+', 1) }))
    .where('id', 'in', ids)
    .execute();
}

function selectIncidents(db: Db) {
  return db
    .selectFrom('incident')
    .innerJoin('gateway', 'gateway.id', 'incident.gateway_id')
    .leftJoin('sensor', 'sensor.id', 'incident.sensor_id')
    .leftJoin('dwelling', 'dwelling.id', 'incident.dwelling_id')
    .leftJoin('building', 'building.id', 'incident.building_id')
    .leftJoin('app_user', 'app_user.id', 'incident.assignee_id')
    .select([
      'incident.id as id',
      'incident.kind as kind',
      'incident.quality_check as qualityCheck',
      'incident.status as status',
      'incident.gateway_id as gatewayId',
      'gateway.sn as sn',
      'incident.sensor_id as sensorId',
      'sensor.channel as channel',
      'sensor.device as device',
      'incident.medium as medium',
      'incident.dwelling_id as dwellingId',
      'dwelling.label as dwellingLabel',
      'incident.building_id as buildingId',
      'building.code as buildingCode',
      'building.address as address',
      'incident.last_seen_at as lastSeenAt',
      'incident.silent_since as silentSince',
      'incident.silent_after_s as silentAfterS',
      'incident.opened_at as openedAt',
      'incident.notified_at as notifiedAt',
      'incident.assignee_id as assigneeId',
      'app_user.name as assigneeName',
      'incident.closed_at as closedAt',
      'incident.close_reason as closeReason',
      'incident.returned_at as returnedAt',
      'incident.outage_ms as outageMs',
    ]);
}

export type IncidentView = Awaited<ReturnType<ReturnType<typeof selectIncidents>['executeTakeFirstOrThrow']>>;

export async function listIncidents(
  db: Db,
  filter: { status?: 'open' | 'closed'; buildingId?: number; gatewayId?: number; ids?: readonly number[] },
  page: { before?: number; limit: number },
): Promise<IncidentView[]> {
  let q = selectIncidents(db);
  if (filter.status) q = q.where('incident.status', '=', filter.status);
  if (filter.buildingId !== undefined) q = q.where('incident.building_id', '=', filter.buildingId);
  if (filter.gatewayId !== undefined) q = q.where('incident.gateway_id', '=', filter.gatewayId);
  if (filter.ids) {
    if (filter.ids.length === 0) return [];
    q = q.where('incident.id', 'in', filter.ids);
  }
  if (page.before !== undefined) q = q.where('incident.id', '<', page.before);
  return q.orderBy('incident.id', 'desc').limit(page.limit).execute();
}

export async function findIncident(db: Db, id: number): Promise<IncidentView | undefined> {
  return selectIncidents(db).where('incident.id', '=', id).executeTakeFirst();
}

export async function listIncidentEvents(db: Db, incidentId: number, limit: number) {
  return db
    .selectFrom('incident_event')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('id')
    .limit(limit)
    .execute();
}

export async function isAssignable(db: Db, userId: number): Promise<boolean> {
  const row = await db
    .selectFrom('app_user')
    .innerJoin('user_role', 'user_role.user_id', 'app_user.id')
    .select('app_user.id')
    .where('app_user.id', '=', userId)
    .where('app_user.active', '=', 1)
    .where('user_role.role', 'in', ['installer', 'admin'])
    .executeTakeFirst();
  return row !== undefined;
}

export async function userName(db: Db, userId: number): Promise<string | undefined> {
  return (await db.selectFrom('app_user').select('name').where('id', '=', userId).executeTakeFirst())?.name;
}
