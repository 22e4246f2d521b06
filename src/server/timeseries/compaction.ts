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
import { groupPayloads, type SeriesGroups } from './write-batch.ts';
import type { BlockPoints } from './block-codec.ts';
import { HOUR_MS } from '#common/time.ts';

/**
 * The CPU side of one compaction: groups the log entries' readings by series, then merges each
 * series' readings into the blocks the storage loaded for it.
 */
export function compactionWork(isCumulative: (seriesId: number) => boolean): CompactionWork {
  let groups: SeriesGroups | undefined;
  let ranges: BlockRange[] = [];
  let texts: TextReading[] = [];
  return {
    plan(entries: LogEntry[]) {
      groups = groupPayloads(entries.map((e) => e.payload));
      texts = entries.flatMap((e) => (e.texts ? (JSON.parse(e.texts) as TextReading[]) : []));
      ranges = [];
      const { ids, starts, times } = groups;
      for (let g = 0; g < ids.length; g++) {
        let from = Infinity;
        let to = -Infinity;
        for (let i = starts[g]; i < starts[g + 1]; i++) {
          const t = times[i];
          if (t < from) from = t;
          if (t > to) to = t;
        }
        ranges.push({ seriesId: ids[g], from, to, withPrevious: isCumulative(ids[g]) });
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
      const { ids, starts, times, values } = groups as SeriesGroups;
      for (let g = 0; g < ids.length; g++) {
        const seriesId = ids[g];
        const merge = mergeIntoBlocks(
          seriesId,
          loaded.get(seriesId) ?? [],
          inTimeOrder(times.subarray(starts[g], starts[g + 1]), values.subarray(starts[g], starts[g + 1])),
          isCumulative(seriesId),
          previous.get(seriesId),
        );
        for (const block of merge.removed) result.removed.push(block);
        for (const block of merge.added) result.added.push(block);
        for (const drop of merge.drops) result.drops.push(drop);
      }
      return result;
    },
  };
}

/**
 * A series' new readings sorted, the last written of a repeated time kept. Readings of live
 * data come in time order already: they are used as they are, without a copy.
 */
function inTimeOrder(times: Float64Array, values: Float64Array): BlockPoints {
  for (let i = 1; i < times.length; i++) if (times[i] <= times[i - 1]) return sortUnique(times, values);
  return { times, values };
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

/**
 * Log entries compacted per transaction: bounds memory and how long a transaction holds locks.
 * SQLite also stops at `READINGS_PER_COMPACTION` (timeseries-sqlite.ts), so that many small
 * batches make one transaction and a few big ones too.
 */
export const ENTRIES_PER_COMPACTION = 20;
/** The same on SQLite, whose transactions stop at a number of readings first. */
export const SQLITE_ENTRIES_PER_COMPACTION = 1000;

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
      // A transaction may stop short of the entries asked for: the log is empty when one finds none.
      if (ids.length === 0) return all;
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
