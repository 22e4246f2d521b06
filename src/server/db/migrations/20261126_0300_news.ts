import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  // RSS and Atom feeds an admin has configured, with what the last fetch said: the validators
  // for conditional requests (ETag, Last-Modified) and the last failure, for admins only.
  await t
    .withId(db.schema.createTable('news_feed'))
    .addColumn('url', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('language', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('etag', 'text')
    .addColumn('last_modified', 'text')
    .addColumn('feed_title', 'text')
    .addColumn('feed_language', 'text')
    .addColumn('last_fetched_at', 'bigint')
    .addColumn('last_status', 'text')
    .addColumn('last_success_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'bigint')
    .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // Headlines; `item_key` is the item's guid, else its link, else its title: one row per story
  // per feed however often the feed is fetched.
  await t
    .withId(db.schema.createTable('news_item'))
    .addColumn('feed_id', 'bigint', (c) => c.notNull().references('news_feed.id').onDelete('cascade'))
    .addColumn('item_key', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('image_url', 'text')
    .addColumn('language', 'text')
    .addColumn('published_at', 'bigint', (c) => c.notNull())
    .addColumn('fetched_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('news_item_feed_key_uq', ['feed_id', 'item_key'])
    .execute();
  await db.schema.createIndex('news_item_published_idx').on('news_item').column('published_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('news_item').execute();
  await db.schema.dropTable('news_feed').execute();
}
