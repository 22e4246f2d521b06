import { HOUR_MS } from '#common/time.ts';
/**
 * Storage of the time-series engine: the durable ingest log and the series blocks. One
 * implementation per engine (timeseries-sqlite.ts, timeseries-postgres.ts); the engine itself
 * (modules/readings) is dialect-neutral.
 */

/** A stored block: the readings of one series from hour `t0` until the next block's `t0`. */
export interface StoredBlock {
  seriesId: number;
  /** Start of the first hour the block covers, epoch ms. */
  t0: number;
  /** Time of the block's last reading, epoch ms. */
  t1: number;
  n: number;
  lastValue: number;
  data: Uint8Array;
}

/** A drop of a cumulative meter: a reset or a replacement. */
export interface CounterDrop {
  seriesId: number;
  t: number;
  previousT: number;
  previousValue: number;
  value: number;
}

/** A reading of a text field: kept as given, outside the numeric blocks. */
export interface TextReading {
  seriesId: number;
  t: number;
  value: string;
}

/** A batch on its way into the log: its encoded readings and its text readings. */
export interface LogAppend {
  payload: Uint8Array | undefined;
  texts: TextReading[];
}

export interface LogEntry {
  id: number;
  payload: Uint8Array;
  /** JSON array of TextReading, or null. */
  texts: string | null;
}

/** The blocks a compaction must load for one series: those covering readings in [from, to]. */
export interface BlockRange {
  seriesId: number;
  from: number;
  to: number;
  /** Also fetch the last reading before the loaded blocks (cumulative meters). */
  withPrevious: boolean;
}

export interface LastReading {
  t: number;
  v: number;
}

/** The hours of a series a compaction changed, epoch ms of their starts, inclusive. */
export interface SeriesChange {
  seriesId: number;
  hourFrom: number;
  hourTo: number;
}

/** What a compaction writes. */
export interface CompactionResult {
  removed: StoredBlock[];
  added: StoredBlock[];
  drops: CounterDrop[];
  changes: SeriesChange[];
  texts: TextReading[];
}

/** A recorded change, with its position in the change feed. */
export interface RecordedChange extends SeriesChange {
  id: number;
}

/**
 * The CPU side of a compaction, called by the storage inside its transaction. Synchronous so
 * that SQLite can run a whole compaction without yielding the event loop to a writer.
 */
export interface CompactionWork {
  plan(entries: LogEntry[]): BlockRange[];
  merge(loaded: Map<number, StoredBlock[]>, previous: Map<number, LastReading>): CompactionResult;
}

export interface TimeSeriesIo {
  /**
   * Appends batches (their readings and text readings) to the log in one transaction; durable
   * on return. Returns each batch's log id.
   */
  appendLog(entries: LogAppend[], receivedAt: number): Promise<number[]>;
  /**
   * Compacts up to `maxEntries` log entries into blocks in one transaction; returns the ids of
   * the entries compacted (none when the log is empty), or undefined when another replica is
   * compacting.
   */
  compact(work: CompactionWork, maxEntries: number): Promise<number[] | undefined>;
  /** Entries waiting in the log. */
  logSize(): Promise<number>;
  /** Blocks of a series that may hold readings in [from, to], in time order. */
  readBlocks(seriesId: number, from: number, to: number): Promise<StoredBlock[]>;
  /** The latest stored reading of each series that has one. */
  latest(seriesIds: number[]): Promise<Map<number, LastReading>>;
  /** The last reading of the block before the one starting at `t0` (all its readings are before `t0`). */
  lastReadingBeforeBlock(seriesId: number, t0: number): Promise<LastReading | undefined>;
  readTexts(seriesId: number, from: number, to: number, limit: number): Promise<TextReading[]>;
  counterDrops(seriesIds: number[], from: number, to: number, limit: number): Promise<CounterDrop[]>;
  /** Changes recorded by the (at most `limit`) compactions after position `after`, oldest first. */
  changesSince(after: number, limit: number): Promise<RecordedChange[]>;
  /** Forgets changes recorded before `before` (epoch ms). */
  pruneChanges(before: number): Promise<void>;
  /**
   * Makes the space of compacted log entries and of rewritten blocks reusable, at most as often
   * as is worth it; called after every round of compactions, even one that found nothing to do.
   * Storages that do this on their own leave it out.
   */
  reclaim?(): Promise<void>;
  /** Bytes the engine's data takes on disk (the whole database file for SQLite). */
  storageBytes(): Promise<number>;
}

/** Earliest time any query can name, epoch ms. */
export const MIN_TIME = -8_640_000_000_000_000;

/** A ts_block row as both engines return it. */
export interface BlockRow {
  series_id: number;
  t0: number;
  t1: number;
  n: number;
  last_v: number;
  data: Uint8Array;
}

export const toBlock = (r: BlockRow): StoredBlock => ({
  seriesId: r.series_id,
  t0: r.t0,
  t1: r.t1,
  n: r.n,
  lastValue: r.last_v,
  data: r.data,
});

/**
 * Packs a compaction's changes: their count, then per series the differences from the previous
 * change's series id and first hour (zigzag varints) and the count of further hours (varint);
 * hours since 1970. A compaction's series come in near order and cover the same hours, so a
 * change costs about three bytes.
 */
export function encodeChanges(changes: SeriesChange[]): Uint8Array {
  const out: number[] = [];
  const uvarint = (n: number) => {
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
  };
  const svarint = (n: number) => uvarint(n >= 0 ? n * 2 : -n * 2 - 1);
  uvarint(changes.length);
  let seriesId = 0;
  let hour = 0;
  for (const c of changes) {
    const from = c.hourFrom / HOUR_MS;
    svarint(c.seriesId - seriesId);
    svarint(from - hour);
    uvarint(c.hourTo / HOUR_MS - from);
    seriesId = c.seriesId;
    hour = from;
  }
  return Uint8Array.from(out);
}

export function decodeChanges(id: number, data: Uint8Array): RecordedChange[] {
  let at = 0;
  const uvarint = () => {
    let result = 0;
    let factor = 1;
    for (;;) {
      const b = data[at++];
      if (b === undefined) throw new Error(`change feed entry ${id} is truncated`);
      result += (b & 0x7f) * factor;
      if (b < 0x80) return result;
      factor *= 0x80;
    }
  };
  const svarint = () => {
    const z = uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  };
  const count = uvarint();
  const out: RecordedChange[] = new Array(count);
  let seriesId = 0;
  let hour = 0;
  for (let i = 0; i < count; i++) {
    seriesId += svarint();
    hour += svarint();
    out[i] = { id, seriesId, hourFrom: hour * HOUR_MS, hourTo: (hour + uvarint()) * HOUR_MS };
  }
  return out;
}
