import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  // Alarm settings as admins edit them; without a row the defaults of the configuration apply.
  // One row (id 1).
  await db.schema
    .createTable('alarm_setting')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('silent_after_s', 'bigint', (c) => c.notNull())
    .addColumn('contacts', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('mail_language', 'text', (c) => c.notNull().defaultTo('en'))
    .addColumn('webhook_url', 'text')
    .addColumn('expected_interval_s', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Per-medium overrides: how long a sensor of the medium may stay silent, how often it reports.
  await db.schema
    .createTable('medium_alarm_setting')
    .addColumn('medium', 'text', (c) => c.primaryKey().references('medium.name').onDelete('cascade'))
    .addColumn('silent_after_s', 'bigint')
    .addColumn('expected_interval_s', 'integer')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // One incident per silent device. `device_key` names the device (`gateway:12`, `sensor:34`);
  // at most one incident per device is open, whichever replica opens it (the partial index).
  await t
    .withId(db.schema.createTable('incident'))
    .addColumn('device_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('gateway_id', 'bigint', (c) => c.notNull().references('gateway.id').onDelete('cascade'))
    .addColumn('sensor_id', 'bigint', (c) => c.references('sensor.id').onDelete('cascade'))
    .addColumn('dwelling_id', 'bigint', (c) => c.references('dwelling.id').onDelete('set null'))
    .addColumn('building_id', 'bigint', (c) => c.references('building.id').onDelete('set null'))
    .addColumn('medium', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint')
    .addColumn('silent_since', 'bigint', (c) => c.notNull())
    .addColumn('silent_after_s', 'bigint', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('notified_at', 'bigint')
    .addColumn('mail_sent_at', 'bigint')
    .addColumn('webhook_sent_at', 'bigint')
    .addColumn('notify_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('assignee_id', 'bigint', (c) => c.references('app_user.id').onDelete('set null'))
    .addColumn('closed_at', 'bigint')
    .addColumn('close_reason', 'text')
    .addColumn('returned_at', 'bigint')
    .addColumn('outage_ms', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incident_open_device_uq')
    .on('incident')
    .column('device_key')
    .unique()
    .where(sql<boolean>`status = 'open'`)
    .execute();
  await db.schema.createIndex('incident_status_idx').on('incident').columns(['status', 'id']).execute();
  await db.schema.createIndex('incident_gateway_idx').on('incident').column('gateway_id').execute();

  // What happened to an incident: opened, notified, assigned, commented, closed.
  await t
    .withId(db.schema.createTable('incident_event'))
    .addColumn('incident_id', 'bigint', (c) => c.notNull().references('incident.id').onDelete('cascade'))
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor_kind', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'bigint')
    .addColumn('actor_name', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema
    .createIndex('incident_event_incident_idx')
    .on('incident_event')
    .columns(['incident_id', 'id'])
    .execute();

  // Single-use links with which a browser downloads an export (the request itself is streamed
  // straight to the file, so it carries no Authorization header).
  await t
    .withId(db.schema.createTable('export_link'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['export_link', 'incident_event', 'incident', 'medium_alarm_setting', 'alarm_setting'])
    await db.schema.dropTable(table).execute();
}
