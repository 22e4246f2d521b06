import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Feed, FeedInput, FeedPatch, Language, NewsList } from '#common/api/news.ts';
import type { Database } from '../../db/schema.ts';
import { conflict, notFound } from '../../plugins/errors.ts';
import { FeedFetchError, type FetchOptions, fetchFeed } from './news.fetcher.ts';
import * as store from './news.store.ts';
import { DAY_MS } from '#common/time.ts';

export interface NewsOptions {
  /** Items older than this many days are dropped. */
  retentionDays: number;
  fetch?: Partial<FetchOptions>;
}

const DEFAULT_FETCH: FetchOptions = {
  timeoutMs: 15_000,
  maxBytes: 5 * 1024 * 1024,
  userAgent: 'CIOP news channel (+https://github.com/ciop)',
};

/** What one fetch of one feed did. */
export interface FetchReport {
  feedId: number;
  status: 'ok' | 'not-modified' | 'error';
  /** Items the feed had that were not kept before. */
  added: number;
  error?: string;
}

/**
 * The local news channel: feeds an admin configures, fetched periodically with conditional
 * requests, their items de-duplicated and kept for `retentionDays`. Fetch failures are recorded
 * on the feed for admins; viewers only ever see the items that were fetched.
 */
export class NewsService {
  private readonly fetchOptions: FetchOptions;
  /** Set by `ciop serve`: a new feed is then fetched at once, so the admin sees whether it works. */
  live = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    private readonly options: NewsOptions,
    private readonly clock: () => number = Date.now,
  ) {
    this.fetchOptions = { ...DEFAULT_FETCH, ...options.fetch };
  }

  async listFeeds(): Promise<Feed[]> {
    return (await store.listFeeds(this.db)).map(feedOf);
  }

  async getFeed(id: number): Promise<Feed> {
    const row = await store.findFeed(this.db, id);
    if (!row) throw notFound(`There is no news feed ${id}.`);
    return feedOf(row);
  }

  async createFeed(input: FeedInput): Promise<Feed> {
    const url = input.url.trim();
    const existing = await store.findFeedByUrl(this.db, url);
    if (existing) throw conflict(`url: feed ${existing.id} already reads ${url}.`);
    const id = await store.insertFeed(
      this.db,
      {
        url,
        title: input.title?.trim() ?? '',
        language: input.language ?? null,
        enabled: input.enabled ?? true,
      },
      this.clock(),
    );
    if (this.live && input.enabled !== false) void this.fetchOne(id).catch(() => undefined);
    return this.getFeed(id);
  }

  async updateFeed(id: number, patch: FeedPatch): Promise<Feed> {
    await this.getFeed(id);
    if (patch.url !== undefined) {
      const other = await store.findFeedByUrl(this.db, patch.url.trim());
      if (other && other.id !== id) throw conflict(`url: feed ${other.id} already reads ${patch.url}.`);
    }
    await store.updateFeed(
      this.db,
      id,
      { ...patch, url: patch.url?.trim(), title: patch.title?.trim() },
      this.clock(),
    );
    return this.getFeed(id);
  }

  async deleteFeed(id: number): Promise<void> {
    if (!(await store.deleteFeed(this.db, id))) throw notFound(`There is no news feed ${id}.`);
  }

  /**
   * The newest headlines for the carousel and the TV. With `lang`, those in that language or in
   * none declared; when no headline is in that language at all (an English page in a city whose
   * feeds are Spanish and Basque), those of every language, rather than an empty channel.
   */
  async listItems(limit: number, lang?: Language): Promise<NewsList> {
    let rows = await store.listItems(this.db, limit + 20, lang);
    if (lang && rows.length === 0) rows = await store.listItems(this.db, limit + 20);
    // Two feeds may carry the same story: show it once, from the first feed that had it.
    const seen = new Set<string>();
    const items = rows
      .filter((r) => {
        const key = r.link ?? `${r.source}\u0000${r.title}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .slice(0, limit);
    return { items, feeds: await store.countEnabledFeeds(this.db) };
  }

  /**
   * Fetches one feed now. Never throws for a failing feed: the failure is recorded on it.
   * Idempotent: items are keyed by feed and guid/link, so a repeated or concurrent fetch (another
   * replica) adds nothing twice.
   */
  async fetchOne(id: number): Promise<FetchReport> {
    const feed = await store.findFeed(this.db, id);
    if (!feed) throw notFound(`There is no news feed ${id}.`);
    const now = this.clock();
    try {
      const outcome = await fetchFeed(
        feed.url,
        { etag: feed.etag, lastModified: feed.last_modified },
        this.fetchOptions,
      );
      if (outcome.status === 'not-modified') {
        await store.recordSuccess(this.db, id, outcome, now);
        return { feedId: id, status: 'not-modified', added: 0 };
      }
      const cutoff = now - this.options.retentionDays * DAY_MS;
      const items = outcome.feed.items
        // A date in the future is a wrong clock; keep the item, dated when it was seen.
        .map((item) => ({ ...item, publishedAt: Math.min(item.publishedAt ?? now, now) }))
        .filter((item) => item.publishedAt >= cutoff);
      const unique = [...new Map(items.map((item) => [item.key, item])).values()];
      const known = await store.knownItemKeys(
        this.db,
        id,
        unique.map((i) => i.key),
      );
      await this.db.transaction().execute(async (trx) => {
        await store.upsertItems(trx, id, outcome.feed.language, unique, now);
        await store.recordSuccess(
          trx,
          id,
          {
            status: 'ok',
            validators: outcome.validators,
            title: outcome.feed.title,
            language: outcome.feed.language,
          },
          now,
        );
      });
      return { feedId: id, status: 'ok', added: unique.filter((i) => !known.has(i.key)).length };
    } catch (error) {
      if (!(error instanceof FeedFetchError)) throw error;
      await store.recordFailure(this.db, id, error.message, now);
      // Logged when a feed starts failing, not on every retry: a dead feed must not flood the log.
      const log = feed.consecutive_failures === 0 ? 'warn' : 'debug';
      this.logger[log]({ feedId: id, url: feed.url, reason: error.message }, 'news feed fetch failed');
      return { feedId: id, status: 'error', added: 0, error: error.message };
    }
  }

  /** Fetches every enabled feed, one after the other, then drops items past retention. */
  async fetchAll(): Promise<FetchReport[]> {
    const reports: FetchReport[] = [];
    for (const id of await store.listEnabledFeedIds(this.db)) {
      try {
        reports.push(await this.fetchOne(id));
      } catch (error) {
        this.logger.error({ err: error, feedId: id }, 'news feed could not be stored');
      }
    }
    await this.purge();
    return reports;
  }

  /** Drops items older than the retention time; returns how many. */
  async purge(): Promise<number> {
    return store.deleteItemsBefore(this.db, this.clock() - this.options.retentionDays * DAY_MS);
  }
}

function feedOf(row: store.FeedRow): Feed {
  return {
    id: row.id,
    url: row.url,
    title: row.title || row.feed_title || new URL(row.url).hostname,
    language: (row.language as Language | null) ?? null,
    enabled: row.enabled === 1,
    createdAt: row.created_at,
    lastFetchedAt: row.last_fetched_at,
    lastStatus: row.last_status,
    lastSuccessAt: row.last_success_at,
    lastError: row.last_error,
    lastErrorAt: row.last_error_at,
    consecutiveFailures: row.consecutive_failures,
    items: Number(row.items),
  };
}
