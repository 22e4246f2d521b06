import { createHash, randomBytes } from 'node:crypto';
import { type EventEmitter, once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import type ExcelJS from 'exceljs';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import {
  AGGREGATE_COLUMNS,
  EXPORT_COLUMNS,
  type ExportFormat,
  type ExportInterval,
  type ExportQuery,
} from '#common/api/installations.ts';
import { areaReach, placeVisibility, type Visibility, visibilityOf } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, forbidden, notFound } from '../../plugins/errors.ts';
import type { SessionsService } from '../auth/sessions.service.ts';
import { foldHours } from '../../timeseries/aggregate.ts';
import { type HourRollup, rollupHours } from '../../timeseries/block-codec.ts';
import { intervalBoundaries } from '../../timeseries/calendar.ts';
import { type FlaggedReadings, type FlaggedRun, without } from '../../timeseries/flagged-readings.ts';
import type { SeriesCatalog } from '../../timeseries/series-catalog.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import type { RegistryService } from '../registry/registry.service.ts';
import * as places from '../../places/places.store.ts';
import type { ScopedSeries } from '../../places/places.store.ts';
import { CsvBytes } from './csv-bytes.ts';
import { hoursWithin } from './hours-within.ts';
import { describeSensors } from './installations.store.ts';
import { HOUR_MS, DAY_MS } from '#common/time.ts';

/** A download link works this long, once. */
export const LINK_TTL_MS = 60_000;
/** Bytes of sheet XML that may wait for the zip before the writer waits for it. */
const ZIP_BACKLOG_BYTES = 4 << 20;

/**
 * What the streaming writer of exceljs keeps of a sheet: its XML stream, piped into the zip.
 * Read only to wait for the zip, which exceljs does not do.
 */
interface SheetInternals {
  stream?: { pipes?: (EventEmitter & { _writableState?: { length: number } })[] };
}

/** Rows a sheet of an XLSX export holds before the next sheet begins (Excel stops at 1,048,576). */
export const XLSX_ROWS_PER_SHEET = 1_000_000;

/** Who presents a download link: the credential of the request, if any, and the session cookie. */
export interface LinkHolder {
  principal?: Principal;
  /** The `ciop_csrf` cookie, which a browser sends on a plain navigation. */
  sessionCookie?: string;
}

/** An export resolved: what it covers and how to name it. */
export type ExportScope = { dwellingId: number } | { buildingId: number };

export interface ExportPlan {
  scope: ExportScope;
  scopeName: string;
  media: string[] | null;
  from: number;
  to: number;
  interval: ExportInterval;
  format: ExportFormat;
  /** Hourly and daily figures count flagged readings too. */
  includeFlagged: boolean;
  members: (ScopedSeries & { prefix: string; cumulative: boolean; csvPrefixBytes: Buffer })[];
  filename: string;
  contentType: string;
}

/** The rows of one window of one sensor: columns, not objects, so a large export stays cheap. */
interface Block {
  prefix: readonly [string, string, string, string];
  /** `sn,channel,device,medium,` as CSV bytes. */
  csvPrefixBytes: Buffer;
  times: ArrayLike<number>;
  values: ArrayLike<number>;
  counts?: number[];
  mins?: number[];
  maxs?: number[];
}

/** A CSV field, quoted when it must be. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

const iso = (t: number) => new Date(t).toISOString();

/**
 * A time in a query: epoch ms, a date (the whole day in `zone`: its start for `from`, its last
 * millisecond for `to`), or ISO 8601 with an offset.
 */
export function parseInstant(raw: string, zone: string, edge: 'start' | 'end', field: string): number {
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) {
    const day = DateTime.fromISO(raw, { zone });
    if (!day.isValid) throw badRequest(`${field}: ${raw} is not a date.`);
    return edge === 'start'
      ? day.startOf('day').toMillis()
      : day.plus({ days: 1 }).startOf('day').toMillis() - 1;
  }
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw badRequest(`${field}: ${raw} is not a time.`);
  return t;
}

/**
 * Whether a principal may export the readings of a dwelling (they see it) or a building (they
 * see every dwelling of it): an export is individual readings, never a mean.
 */
async function mayExport(db: Kysely<Database>, visibility: Visibility, scope: ExportScope): Promise<boolean> {
  if ('dwellingId' in scope)
    return (await placeVisibility(db, visibility, 'dwelling', scope.dwellingId)) === 'visible';
  return (await areaReach(db, visibility, scope)) === 'whole';
}

const safeName = (s: string) => s.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '');

/**
 * Data downloads: the readings of a dwelling or building, raw or as hourly or daily figures, in
 * CSV or XLSX, streamed — the engine is read a window of one sensor at a time and each window
 * is written out before the next is read, so memory stays flat whatever the period. The CSV
 * columns are those the CSV back-fill takes, so an export goes back in as it is.
 */
export class ExportsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
    private readonly catalog: SeriesCatalog,
    private readonly timezone: string,
    private readonly sessions: Pick<SessionsService, 'isOpenSession'>,
    private readonly registry: RegistryService,
    private readonly flagged: FlaggedReadings,
  ) {}

  /** Checks a query and who asks, and finds the sensors it covers. */
  async plan(query: ExportQuery, principal: Principal): Promise<ExportPlan> {
    if ((query.dwelling === undefined) === (query.building === undefined))
      throw badRequest('dwelling: name a dwelling or a building (building), one of the two.');
    const scope: ExportScope =
      query.dwelling !== undefined ? { dwellingId: query.dwelling } : { buildingId: query.building! };
    const from = parseInstant(query.from, this.timezone, 'start', 'from');
    const to = parseInstant(query.to, this.timezone, 'end', 'to');
    if (to < from) throw badRequest('to: the period ends before it starts.');
    let scopeName: string;
    if ('dwellingId' in scope) {
      const dwelling = await this.registry.findDwellingIn(this.db, scope.dwellingId);
      if (!dwelling) throw notFound(`There is no dwelling ${scope.dwellingId}.`);
      const building = await this.registry.findBuildingIn(this.db, dwelling.buildingId);
      scopeName = `${building?.code ?? dwelling.buildingId}_${dwelling.label}`;
    } else {
      const building = await this.registry.findBuildingIn(this.db, scope.buildingId);
      if (!building) throw notFound(`There is no building ${scope.buildingId}.`);
      scopeName = building.code;
    }
    const visibility = visibilityOf(principal);
    if (!(await mayExport(this.db, visibility, scope)))
      throw forbidden(
        `You may not download the readings of ${'dwellingId' in scope ? `dwelling ${scope.dwellingId}` : `building ${scope.buildingId}`}.`,
      );
    const media = query.media?.flatMap((m) => m.split(',')).filter(Boolean) ?? [];
    const members = (await places.listScopedSeries(this.db, scope, visibility)).filter(
      (m) => m.from <= to && m.to > from && (media.length === 0 || media.includes(m.medium)),
    );
    const described = new Map(
      (
        await describeSensors(
          this.db,
          members.map((m) => m.sensorId),
        )
      ).map((s) => [s.id, s]),
    );
    const interval = query.interval ?? 'raw';
    const format = query.format ?? 'csv';
    const day = (t: number) => DateTime.fromMillis(t, { zone: this.timezone }).toISODate() ?? '';
    return {
      scope,
      scopeName,
      media: media.length > 0 ? media : null,
      from,
      to,
      interval,
      format,
      includeFlagged: query.flagged === 'include',
      members: members
        .sort((a, b) => a.sensorId - b.sensorId || a.from - b.from)
        .map((m) => {
          const d = described.get(m.sensorId)!;
          const prefix = [d.sn, d.channel, d.device, d.medium] as const;
          return {
            ...m,
            prefix: prefix.join(','),
            csvPrefixBytes: Buffer.from(`${prefix.map(csvField).join(',')},`),
            cumulative: this.catalog.isCumulative(m.seriesId),
          };
        }),
      filename: `ciop_${safeName(scopeName)}_${day(from)}_${day(to)}_${interval}.${format}`,
      contentType:
        format === 'csv'
          ? 'text/csv; charset=utf-8'
          : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    };
  }

  /** The export as a stream of bytes, pulled as the receiver reads. */
  stream(plan: ExportPlan): Readable {
    return plan.format === 'csv' ? Readable.from(this.csv(plan), { objectMode: false }) : this.xlsx(plan);
  }

  /**
   * CSV, a window at a time, as bytes: each window's text is encoded at once, so its strings
   * die young and what waits in the socket's buffer is off the JavaScript heap.
   */
  async *csv(plan: ExportPlan): AsyncGenerator<Buffer> {
    const aggregate = plan.interval !== 'raw';
    yield Buffer.from(`${[...EXPORT_COLUMNS, ...(aggregate ? AGGREGATE_COLUMNS : [])].join(',')}\n`);
    for await (const b of this.blocks(plan)) {
      const n = b.times.length;
      if (n === 0) continue;
      const prefix = b.csvPrefixBytes;
      const out = new CsvBytes(CsvBytes.sizeFor(n, prefix.length, aggregate ? 4 : 1));
      for (let i = 0; i < n; i++) {
        out.bytes(prefix);
        out.time(b.times[i]);
        out.number(b.values[i]);
        if (aggregate) {
          out.number(b.counts![i]);
          out.number(b.mins![i]);
          out.number(b.maxs![i]);
        }
        out.newline();
      }
      yield out.take();
    }
  }

  /**
   * XLSX through exceljs' streaming writer: rows are committed as they are made and the
   * workbook is zipped into the stream; the writer waits whenever the receiver falls behind.
   */
  private xlsx(plan: ExportPlan): Readable {
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    const aggregate = plan.interval !== 'raw';
    const header = [...EXPORT_COLUMNS, ...(aggregate ? AGGREGATE_COLUMNS : [])];
    const write = async () => {
      // Loaded on the first spreadsheet asked for: most servers never make one.
      const { default: excel } = await import('exceljs');
      const workbook: ExcelJS.stream.xlsx.WorkbookWriter = new excel.stream.xlsx.WorkbookWriter({
        stream: out,
        useStyles: false,
        useSharedStrings: false,
      });
      let sheetNumber = 1;
      let sheet = workbook.addWorksheet('readings');
      sheet.addRow(header).commit();
      let rows = 0;
      for await (const b of this.blocks(plan)) {
        for (let i = 0; i < b.times.length; i++) {
          if (rows === XLSX_ROWS_PER_SHEET) {
            sheet.commit();
            sheet = workbook.addWorksheet(`readings ${++sheetNumber}`);
            sheet.addRow(header).commit();
            rows = 0;
          }
          const row: (string | number)[] = [...b.prefix, iso(b.times[i]), b.values[i]];
          if (aggregate) row.push(b.counts![i], b.mins![i], b.maxs![i]);
          sheet.addRow(row).commit();
          rows++;
        }
        // Wait while the zip is behind (exceljs writes a sheet into it without waiting) and while
        // the receiver is.
        const zipInput = (sheet as unknown as SheetInternals).stream?.pipes?.[0];
        if ((zipInput?._writableState?.length ?? 0) > ZIP_BACKLOG_BYTES)
          await once(zipInput as EventEmitter, 'drain');
        if (out.writableNeedDrain) await once(out, 'drain');
      }
      sheet.commit();
      await workbook.commit();
    };
    write().catch((error: unknown) => out.destroy(error as Error));
    return out;
  }

  /** The readings of the plan, one window of one sensor at a time, in sensor then time order. */
  private async *blocks(plan: ExportPlan): AsyncGenerator<Block> {
    for (const m of plan.members) {
      const from = Math.max(plan.from, m.from);
      const to = Math.min(plan.to, m.to - 1);
      if (from > to) continue;
      const prefix = m.prefix.split(',') as unknown as readonly [string, string, string, string];
      if (plan.interval === 'raw') {
        // Windows grow while they are sparse and shrink when dense, so each holds a few thousand readings.
        let start = from;
        let span = DAY_MS;
        while (start <= to) {
          const end = Math.min(to, start + span - 1);
          const points = await this.engine.readPoints(m.seriesId, start, end);
          yield { prefix, csvPrefixBytes: m.csvPrefixBytes, times: points.times, values: points.values };
          start = end + 1;
          if (points.times.length < 5_000 && span < 32 * DAY_MS) span *= 2;
          else if (points.times.length > 20_000 && span > HOUR_MS)
            span = Math.max(HOUR_MS, Math.floor(span / 2));
        }
      } else {
        yield* this.aggregateBlocks(m, from, to, plan.interval, prefix, plan.includeFlagged);
      }
    }
  }

  /** Hourly or daily figures of one sensor, a month of days at a time. */
  private async *aggregateBlocks(
    m: ExportPlan['members'][number],
    from: number,
    to: number,
    interval: 'hour' | 'day',
    prefix: readonly [string, string, string, string],
    includeFlagged: boolean,
  ): AsyncGenerator<Block> {
    const days = intervalBoundaries(from, to, 'day', this.timezone);
    for (let i = 0; i < days.length - 1; i += 31) {
      const windowStart = Math.max(days[i], from);
      const windowEnd = Math.min(days[Math.min(i + 31, days.length - 1)], to + 1);
      const boundaries =
        interval === 'day'
          ? days.slice(i, Math.min(i + 32, days.length))
          : intervalBoundaries(windowStart, windowEnd - 1, 'hour', this.timezone);
      let inSpan = await hoursWithin(this.engine, m.seriesId, windowStart, windowEnd - 1, m.cumulative);
      if (!includeFlagged && inSpan.length > 0) {
        const runs = (await this.flagged.runs([m.seriesId], windowStart, windowEnd - 1)).get(m.seriesId);
        if (runs) inSpan = await this.withoutFlagged(m, inSpan, runs, windowStart, windowEnd - 1);
      }
      const before =
        m.cumulative && inSpan.length > 0
          ? (await this.engine.readingBefore(m.seriesId, inSpan[0].hour))?.v
          : undefined;
      const buckets = foldHours(inSpan, boundaries, m.cumulative, before).filter((b) => b.count > 0);
      yield {
        prefix,
        csvPrefixBytes: m.csvPrefixBytes,
        times: buckets.map((b) => b.start),
        values: buckets.map((b) => (m.cumulative ? (b.consumption ?? 0) : (b.avg as number))),
        counts: buckets.map((b) => b.count),
        mins: buckets.map((b) => b.min as number),
        maxs: buckets.map((b) => b.max as number),
      };
    }
  }

  /** The hours that hold flagged readings rolled up again from their other readings within [from, to]. */
  private async withoutFlagged(
    m: ExportPlan['members'][number],
    hours: HourRollup[],
    runs: FlaggedRun[],
    from: number,
    to: number,
  ): Promise<HourRollup[]> {
    const out: HourRollup[] = [];
    for (const h of hours) {
      const end = h.hour + HOUR_MS - 1;
      if (!runs.some((r) => r.from <= end && r.to >= h.hour)) {
        out.push(h);
        continue;
      }
      const points = await this.engine.readPoints(m.seriesId, Math.max(from, h.hour), Math.min(to, end));
      out.push(...rollupHours(without(points, runs), m.cumulative));
    }
    return out;
  }

  // --- Download links -----------------------------------------------------------------------

  /**
   * A single-use link to download an export within a minute, so that a browser streams it
   * straight to a file. The query is checked now, as the one who asks; the link is theirs alone
   * (see `redeemLink`).
   */
  async createLink(
    query: ExportQuery,
    principal: Principal,
    now = Date.now(),
  ): Promise<{ url: string; expiresAt: number }> {
    await this.plan(query, principal);
    const token = randomBytes(24).toString('base64url');
    const expiresAt = now + LINK_TTL_MS;
    await this.db
      .insertInto('export_link')
      .values({
        token_hash: createHash('sha256').update(token).digest('hex'),
        principal: JSON.stringify(principal),
        query: JSON.stringify(query),
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
      })
      .execute();
    await this.db
      .deleteFrom('export_link')
      .where('expires_at', '<', now - DAY_MS)
      .execute();
    return { url: `/api/v1/exports/download/${token}`, expiresAt };
  }

  /**
   * Whether whoever presents a link is whoever asked for it: the same machine token, or the
   * same login session, shown by its access token (a script) or, on a browser's navigation,
   * which carries no token, by the session's `ciop_csrf` cookie while the session is open. A
   * link that leaks (a shared screen, a proxy's log, a browser's history) is then of no use.
   */
  private async heldBy(maker: Principal, holder: LinkHolder): Promise<boolean> {
    const { principal } = holder;
    if (principal)
      return (
        principal.kind === maker.kind &&
        principal.id === maker.id &&
        (maker.kind === 'machine' || principal.sessionId === maker.sessionId)
      );
    return (
      maker.kind === 'user' &&
      maker.sessionId !== undefined &&
      (await this.sessions.isOpenSession(maker.sessionId, holder.sessionCookie))
    );
  }

  /** Spends a download link presented by `holder`: the export it stands for and who asked for it. */
  async redeemLink(
    token: string,
    holder: LinkHolder,
    now = Date.now(),
  ): Promise<{ query: ExportQuery; principal: Principal }> {
    const hash = createHash('sha256').update(token).digest('hex');
    const gone = () =>
      notFound('This download link is unknown, used or expired; ask for the download again.');
    const link = await this.db
      .selectFrom('export_link')
      .select(['principal', 'query'])
      .where('token_hash', '=', hash)
      .where('used_at', 'is', null)
      .where('expires_at', '>=', now)
      .executeTakeFirst();
    if (!link) throw gone();
    const principal = JSON.parse(link.principal) as Principal;
    if (!(await this.heldBy(principal, holder)))
      throw forbidden(
        'This download link belongs to the session (or machine token) that asked for it, and works only there; ask for the download from your own session.',
      );
    // Spent once: of two presentations at the same moment, one wins.
    const spent = await this.db
      .updateTable('export_link')
      .set({ used_at: now })
      .where('token_hash', '=', hash)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(spent.numUpdatedRows) === 0) throw gone();
    return { query: JSON.parse(link.query) as ExportQuery, principal };
  }
}
