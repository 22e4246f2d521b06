import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.ts';
import {
  type ChargeRecord,
  type RawRecord,
  readCharge,
  readCharger,
  readTrip,
  RecordProblem,
  recordKey,
} from './fleet-records.ts';
import type { MobilityIngest } from './mobility-ingest.ts';
import * as store from './mobility.store.ts';

export interface FleetOptions {
  /** Base URL of the platform, e.g. https://fleet.example/api. */
  url: string;
  token: string | undefined;
  /** Wait between polls, ms; after a failure it doubles, up to `maxBackoffMs`. */
  pollIntervalMs: number;
  maxBackoffMs?: number;
  /** Records asked for a page. */
  pageSize?: number;
  /** A request that has not answered after this long fails, ms. */
  timeoutMs?: number;
}

/** The platform's lists, in the order they are read: charges name chargers, so chargers come first. */
export const FLEET_FEEDS = ['chargers', 'trips', 'charges'] as const;
export type FleetFeed = (typeof FLEET_FEEDS)[number];

/** What one poll of one list did. */
export interface FeedReport {
  feed: FleetFeed;
  /** skipped: still backing off after a failure. */
  outcome: 'ok' | 'failed' | 'skipped';
  pages: number;
  stored: number;
  rejected: number;
  error?: string;
}

/** A page of the platform: its records, the position after them, and whether more follow. */
interface FleetPage {
  items: RawRecord[];
  cursor: string | null;
  more: boolean;
}

function pageOf(body: unknown, url: string): FleetPage {
  const b = body as { items?: unknown; cursor?: unknown; more?: unknown };
  if (!b || !Array.isArray(b.items)) throw new Error(`${url} answered without an items list`);
  return {
    items: b.items.filter((i): i is RawRecord => typeof i === 'object' && i !== null),
    cursor: typeof b.cursor === 'string' || typeof b.cursor === 'number' ? String(b.cursor) : null,
    more: b.more === true,
  };
}

/**
 * Polls the bus operator's fleet platform: `GET {url}/chargers` (every charger as it is now),
 * `GET {url}/trips?since=CURSOR&limit=N` and `GET {url}/charges?since=CURSOR&limit=N`, each
 * answering `{ items, cursor, more }`, with `Authorization: Bearer TOKEN`. The cursor of every page
 * is kept once its records are stored, so a record is fetched once; a failed request stops that
 * list until the back-off has passed (the interval, doubled per failure in a row, at most an
 * hour) and the next poll resumes from the last stored page. Records with a missing or impossible
 * field are kept out, counted and listed for admins with the reason; the rest are stored.
 */
export class FleetAdapter {
  private readonly maxBackoffMs: number;
  private readonly pageSize: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ingest: MobilityIngest,
    private readonly options: FleetOptions,
    private readonly logger?: Logger,
  ) {
    this.maxBackoffMs = options.maxBackoffMs ?? 3_600_000;
    this.pageSize = options.pageSize ?? 500;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Reads every list that is not backing off; `now` decides the back-off. */
  async poll(now: number): Promise<FeedReport[]> {
    const reports: FeedReport[] = [];
    for (const feed of FLEET_FEEDS) reports.push(await this.pollFeed(feed, now));
    return reports;
  }

  private async pollFeed(feed: FleetFeed, now: number): Promise<FeedReport> {
    const state = await store.feedState(this.db, feed);
    const report: FeedReport = { feed, outcome: 'ok', pages: 0, stored: 0, rejected: 0 };
    if (state && state.next_at > now) return { ...report, outcome: 'skipped' };
    let cursor = state?.cursor ?? null;
    try {
      for (;;) {
        const page = await this.fetchPage(feed, cursor);
        report.pages++;
        const { stored, rejected } = await this.storePage(feed, page.items, now);
        report.stored += stored;
        report.rejected += rejected;
        if (page.cursor !== null) cursor = page.cursor;
        // The page is stored: from here on, a failure resumes after it.
        await store.saveFeedState(this.db, feed, {
          cursor,
          failures: 0,
          // The job's own interval paces the polls; only failures wait longer.
          next_at: now,
          last_ok_at: now,
          last_error: null,
          stored,
          rejected,
        });
        if (!page.more || feed === 'chargers') break;
      }
      return report;
    } catch (error) {
      const failures = (state?.failures ?? 0) + 1;
      const wait = Math.min(this.options.pollIntervalMs * 2 ** failures, this.maxBackoffMs);
      const message = error instanceof Error ? error.message : String(error);
      await store.saveFeedState(this.db, feed, { failures, next_at: now + wait, last_error: message });
      this.logger?.warn({ feed, failures, waitMs: wait, err: message }, 'fleet platform: a poll failed');
      return { ...report, outcome: 'failed', error: message };
    }
  }

  private async fetchPage(feed: FleetFeed, cursor: string | null): Promise<FleetPage> {
    const url = new URL(`${this.options.url.replace(/\/$/, '')}/${feed}`);
    if (feed !== 'chargers') {
      url.searchParams.set('limit', String(this.pageSize));
      if (cursor !== null) url.searchParams.set('since', cursor);
    }
    const res = await fetch(url, {
      headers: {
        accept: 'application/json',
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`${url.pathname} answered ${res.status} ${res.statusText}`);
    return pageOf(await res.json(), url.pathname);
  }

  /** Stores the good records of a page, and the bad ones' reasons; counts both. */
  private async storePage(
    feed: FleetFeed,
    items: RawRecord[],
    now: number,
  ): Promise<{ stored: number; rejected: number }> {
    const rejections: { record: RawRecord; field: string; reason: string }[] = [];
    const read = <T>(reader: (r: RawRecord) => T): { record: RawRecord; value: T }[] =>
      items.flatMap((record) => {
        try {
          return [{ record, value: reader(record) }];
        } catch (error) {
          if (!(error instanceof RecordProblem)) throw error;
          rejections.push({ record, field: error.field, reason: error.reason });
          return [];
        }
      });
    const values = <T>(pairs: { value: T }[]) => pairs.map((p) => p.value);
    let stored: number;
    if (feed === 'trips') stored = await this.ingest.trips(values(read(readTrip)), 'fleet', now);
    else if (feed === 'chargers')
      stored = await this.ingest.chargers(values(read(readCharger)), 'fleet', now);
    else {
      const charges = read(readCharge);
      const result = await this.ingest.charges(values(charges), 'fleet', now);
      stored = result.stored;
      const unknown = new Set<ChargeRecord>(result.unknownCharger);
      for (const c of charges)
        if (unknown.has(c.value))
          rejections.push({
            record: c.record,
            field: 'charger',
            reason: `no charger with the code ${c.value.charger}`,
          });
    }
    if (rejections.length > 0)
      await store.insertRejections(
        this.db,
        rejections.map((r) => ({
          feed,
          record_key: recordKey(feed, r.record),
          field: r.field,
          reason: r.reason,
          record: JSON.stringify(r.record).slice(0, 4000),
          received_at: now,
        })),
      );
    return { stored, rejected: rejections.length };
  }
}
