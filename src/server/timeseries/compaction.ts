import type {
  BlockRange,
  CompactionResult,
  CompactionWork,
  LastReading,
  LogEntry,
  StoredBlock,
  TextReading,
  TimeSeriesIo,
} from './timeseries-io.ts';
import { mergeIntoBlocks, sortUnique } from './block-merge.ts';
import { decodeBatch, groupBySeries } from './write-batch.ts';
import { HOUR_MS } from '#common/time.ts';

/**
 * The CPU side of one compaction: groups the log entries' readings by series, then merges each
 * series' readings into the blocks the storage loaded for it.
 */
export function compactionWork(isCumulative: (seriesId: number) => boolean): CompactionWork {
  let groups: ReturnType<typeof groupBySeries> = new Map();
  let ranges: BlockRange[] = [];
  let texts: TextReading[] = [];
  return {
    plan(entries: LogEntry[]) {
      groups = groupBySeries(entries.map((e) => decodeBatch(e.payload)));
      texts = entries.flatMap((e) => (e.texts ? (JSON.parse(e.texts) as TextReading[]) : []));
      ranges = [];
      for (const [seriesId, g] of groups) {
        let from = Infinity;
        let to = -Infinity;
        for (const t of g.times) {
          if (t < from) from = t;
          if (t > to) to = t;
        }
        ranges.push({ seriesId, from, to, withPrevious: isCumulative(seriesId) });
      }
      return ranges;
    },
    merge(loaded: Map<number, StoredBlock[]>, previous: Map<number, LastReading>): CompactionResult {
      const result: CompactionResult = { removed: [], added: [], drops: [], changes: [], texts };
      for (const { seriesId, from, to } of ranges) {
        result.changes.push({
          seriesId,
          hourFrom: Math.floor(from / HOUR_MS) * HOUR_MS,
          hourTo: Math.floor(to / HOUR_MS) * HOUR_MS,
        });
      }
      for (const [seriesId, g] of groups) {
        const merge = mergeIntoBlocks(
          seriesId,
          loaded.get(seriesId) ?? [],
          sortUnique(g.times, g.values),
          isCumulative(seriesId),
          previous.get(seriesId),
        );
        result.removed.push(...merge.removed);
        result.added.push(...merge.added);
        result.drops.push(...merge.drops);
      }
      return result;
    },
  };
}

/**
 * Where the engine appends batches and has the log compacted. Two kinds: in the process
 * (PostgreSQL, whose driver is asynchronous already) and in a worker thread (SQLite, whose
 * statements would otherwise hold the event loop during every fsync and compaction).
 */
export interface LogWriter {
  /** Appends a batch durably; resolves to its log id (0 for text readings only). */
  append(payload: Uint8Array | undefined, texts: TextReading[]): Promise<number>;
  /** Compacts the whole log; the ids compacted, or undefined when another replica is compacting. */
  compactAll(): Promise<number[] | undefined>;
  close(): Promise<void>;
}

/** Log entries compacted per transaction: bounds memory and how long a transaction holds locks. */
export const ENTRIES_PER_COMPACTION = 20;

/** Compacts the whole log through `io`, a transaction at a time. */
export async function compactAll(
  io: TimeSeriesIo,
  isCumulative: (seriesId: number) => boolean,
): Promise<number[] | undefined> {
  const all: number[] = [];
  try {
    for (;;) {
      const ids = await io.compact(compactionWork(isCumulative), ENTRIES_PER_COMPACTION);
      if (ids === undefined) return all.length > 0 ? all : undefined;
      all.push(...ids);
      if (ids.length < ENTRIES_PER_COMPACTION) return all;
      if (all.length % (ENTRIES_PER_COMPACTION * 10) === 0 && io.reclaim) await io.reclaim();
    }
  } finally {
    // Also when nothing was compacted: space left by earlier compactions may be reclaimable now.
    if (io.reclaim) await io.reclaim();
  }
}

/** Appends and compacts in the process, through the storage's own statements. */
export function inProcessLogWriter(io: TimeSeriesIo, isCumulative: (seriesId: number) => boolean): LogWriter {
  return {
    append: async (payload, texts) => (await io.appendLog([{ payload, texts }], Date.now()))[0],
    compactAll: () => compactAll(io, isCumulative),
    close: async () => undefined,
  };
}
