import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database, NewsFeedTable } from '../../db/schema.ts';
import type { ParsedItem, Validators } from './news.fetcher.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type FeedRow = Omit<NewsFeedTable, 'id'> & { id: number; items: number };

export async function listFeeds(db: Db): Promise<FeedRow[]> {
  return db
    .selectFrom('news_feed')
    .selectAll('news_feed')
    .select((eb) =>
      eb
        .selectFrom('news_item')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('news_item.feed_id', '=', 'news_feed.id')
        .as('items'),
    )
    .orderBy('news_feed.id')
    .execute() as Promise<FeedRow[]>;
}

export async function findFeed(db: Db, id: number): Promise<FeedRow | undefined> {
  return (await listFeeds(db)).find((f) => f.id === id);
}

export async function findFeedByUrl(db: Db, url: string): Promise<{ id: number } | undefined> {
  return db.selectFrom('news_feed').select('id').where('url', '=', url).executeTakeFirst();
}

export async function insertFeed(
  db: Db,
  feed: { url: string; title: string; language: string | null; enabled: boolean },
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('news_feed')
    .values({
      url: feed.url,
      title: feed.title,
      language: feed.language,
      enabled: feed.enabled ? 1 : 0,
      consecutive_failures: 0,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateFeed(
  db: Db,
  id: number,
  patch: { url?: string; title?: string; language?: string | null; enabled?: boolean },
  now: number,
): Promise<void> {
  await db
    .updateTable('news_feed')
    .set({
      ...(patch.url !== undefined ? { url: patch.url, etag: null, last_modified: null } : {}),
      ...(patch.title !== undefined ? { title: patch.title } : {}),
      ...(patch.language !== undefined ? { language: patch.language } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled ? 1 : 0 } : {}),
      updated_at: now,
    })
    .where('id', '=', id)
    .execute();
}

export async function deleteFeed(db: Db, id: number): Promise<boolean> {
  await db.deleteFrom('news_item').where('feed_id', '=', id).execute();
  const result = await db.deleteFrom('news_feed').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function listEnabledFeedIds(db: Db): Promise<number[]> {
  const rows = await db.selectFrom('news_feed').select('id').where('enabled', '=', 1).orderBy('id').execute();
  return rows.map((r) => r.id);
}

export async function countEnabledFeeds(db: Db): Promise<number> {
  const row = await db
    .selectFrom('news_feed')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('enabled', '=', 1)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Records a fetch that succeeded: the new validators (on 200) and the feed's own title and language. */
export async function recordSuccess(
  db: Db,
  id: number,
  outcome:
    | { status: 'not-modified' }
    | { status: 'ok'; validators: Validators; title: string | null; language: string | null },
  now: number,
): Promise<void> {
  await db
    .updateTable('news_feed')
    .set({
      last_fetched_at: now,
      last_success_at: now,
      last_status: outcome.status,
      consecutive_failures: 0,
      ...(outcome.status === 'ok'
        ? {
            etag: outcome.validators.etag,
            last_modified: outcome.validators.lastModified,
            feed_title: outcome.title,
            feed_language: outcome.language,
          }
        : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function recordFailure(db: Db, id: number, message: string, now: number): Promise<void> {
  await db
    .updateTable('news_feed')
    .set((eb) => ({
      last_fetched_at: now,
      last_status: 'error' as const,
      last_error: message.slice(0, 1000),
      last_error_at: now,
      consecutive_failures: eb('consecutive_failures', '+', 1),
    }))
    .where('id', '=', id)
    .execute();
}

/**
 * Stores a feed's items; an item already kept (same feed, same key) is updated in place, so
 * fetching the same feed again, from any replica, adds nothing.
 */
export async function upsertItems(
  db: Db,
  feedId: number,
  language: string | null,
  items: (ParsedItem & { publishedAt: number })[],
  now: number,
): Promise<void> {
  for (let i = 0; i < items.length; i += 200) {
    const chunk = items.slice(i, i + 200);
    await db
      .insertInto('news_item')
      .values(
        chunk.map((item) => ({
          feed_id: feedId,
          item_key: item.key,
          title: item.title,
          link: item.link,
          summary: item.summary,
          image_url: item.imageUrl,
          language,
          published_at: item.publishedAt,
          fetched_at: now,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['feed_id', 'item_key']).doUpdateSet((eb) => ({
          title: eb.ref('excluded.title'),
          link: eb.ref('excluded.link'),
          summary: eb.ref('excluded.summary'),
          image_url: eb.ref('excluded.image_url'),
          language: eb.ref('excluded.language'),
        })),
      )
      .execute();
  }
}

/** Item keys a feed already has, among `keys`. */
export async function knownItemKeys(db: Db, feedId: number, keys: string[]): Promise<Set<string>> {
  const known = new Set<string>();
  for (let i = 0; i < keys.length; i += 500) {
    const rows = await db
      .selectFrom('news_item')
      .select('item_key')
      .where('feed_id', '=', feedId)
      .where('item_key', 'in', keys.slice(i, i + 500))
      .execute();
    for (const r of rows) known.add(r.item_key);
  }
  return known;
}

export async function deleteItemsBefore(db: Db, before: number): Promise<number> {
  const result = await db.deleteFrom('news_item').where('published_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export interface ItemRow {
  id: number;
  title: string;
  link: string | null;
  summary: string;
  imageUrl: string | null;
  language: string | null;
  publishedAt: number;
  source: string;
}

/**
 * The newest items of enabled feeds. With `lang`, only items in that language (the admin's
 * setting for the feed, else what the feed declares) or in no declared language.
 */
export async function listItems(db: Db, limit: number, lang?: string): Promise<ItemRow[]> {
  let q = db
    .selectFrom('news_item')
    .innerJoin('news_feed', 'news_feed.id', 'news_item.feed_id')
    .select([
      'news_item.id as id',
      'news_item.title as title',
      'news_item.link as link',
      'news_item.summary as summary',
      'news_item.image_url as imageUrl',
      'news_item.published_at as publishedAt',
    ])
    .select((eb) => [
      eb.fn.coalesce('news_feed.language', 'news_item.language').as('language'),
      sql<string>`coalesce(nullif(${eb.ref('news_feed.title')}, ''), ${eb.ref('news_feed.feed_title')}, ${eb.ref('news_feed.url')})`.as(
        'source',
      ),
    ])
    .where('news_feed.enabled', '=', 1);
  if (lang) {
    q = q.where((eb) =>
      eb.or([
        eb(eb.fn.coalesce('news_feed.language', 'news_item.language'), '=', lang),
        eb(eb.fn.coalesce('news_feed.language', 'news_item.language'), 'is', null),
      ]),
    );
  }
  return q.orderBy('news_item.published_at', 'desc').orderBy('news_item.id', 'desc').limit(limit).execute();
}
