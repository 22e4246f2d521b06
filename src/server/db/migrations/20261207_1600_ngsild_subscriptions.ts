import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // NGSI-LD subscriptions: what is watched (the subscription as given, in CIOP's terms), whose it
  // is (what its owner saw when subscribing narrows every notification), and how delivery went.
  await db.schema
    .createTable('ngsild_subscription')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner_kind', 'text', (c) => c.notNull())
    .addColumn('owner_id', 'bigint', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('context', 'text', (c) => c.notNull())
    .addColumn('is_active', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    // The change feed's position when it was made: it notifies of changes after it only.
    .addColumn('feed_position', 'bigint', (c) => c.notNull())
    .addColumn('times_sent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('times_failed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text')
    .addColumn('last_notification', 'bigint')
    .addColumn('last_success', 'bigint')
    .addColumn('last_failure', 'bigint')
    .addColumn('last_failure_reason', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ngsild_subscription_owner')
    .on('ngsild_subscription')
    .columns(['owner_kind', 'owner_id'])
    .execute();
  // Notifications waiting to be delivered, or delivered again after a failure.
  await t
    .withId(db.schema.createTable('ngsild_notification'))
    .addColumn('subscription_id', 'text', (c) =>
      c.notNull().references('ngsild_subscription.id').onDelete('cascade'),
    )
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('ngsild_notification_next')
    .on('ngsild_notification')
    .column('next_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('ngsild_notification').execute();
  await db.schema.dropTable('ngsild_subscription').execute();
}
