import type { LastReading, StoredBlock, TextReading, TimeSeriesIo } from './timeseries-io.ts';
import { type BlockPoints, decodeHours, decodePoints, type HourRollup, rollupHours } from './block-codec.ts';
import { mergePoints, sortUnique } from './block-merge.ts';
import { inProcessLogWriter, type LogWriter } from './compaction.ts';
import { encodeBatch, type WriteBatch } from './write-batch.ts';
import { HOUR_MS } from '#common/time.ts';

/**
 * Readings acknowledged but not yet compacted: the batches as written, in arrival order, with
 * their log ids. Keeping the batches (typed arrays, off the JavaScript heap) makes a write O(1)
 * and spares the garbage collector; a read scans them for its series, which is cheap for a
 * second or two of writes.
 */
interface HeadEntry {
  logId: number;
  batch: WriteBatch;
}

export interface EngineOptions {
  /** How often the log is compacted, ms. */
  flushIntervalMs: number;
  /** Compact early once this many readings wait in memory. */
  maxHeadPoints?: number;
  /** Whether a series is a cumulative meter (its hourly rollups then carry the increase). */
  isCumulative: (seriesId: number) => boolean;
  onError?: (error: unknown) => void;
  /** Told how long each compaction that compacted something took, seconds. */
  onCompaction?: (seconds: number) => void;
}

/**
 * The time-series engine. A write is appended to a durable log and acknowledged; the log is
 * compacted in the background into per-series blocks (sorted, compressed, with hourly
 * rollups). Readings not yet compacted are kept in memory and merged into every read, so a
 * reader on the same process sees a write as soon as it is acknowledged.
 */
export class TimeSeriesEngine {
  private head: HeadEntry[] = [];
  private headPoints = 0;
  private flushRunning: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly maxHeadPoints: number;
  /**
   * Entries the last compaction compacted that were not in memory: appended by another replica,
   * or appended here with the append's answer still on its way.
   */
  private compactedEarly = new Set<number>();

  /**
   * `io` serves reads; `writer` takes appends and compactions (by default in the process,
   * through `io`).
   */
  constructor(
    readonly io: TimeSeriesIo,
    private readonly options: EngineOptions,
    private readonly writer: LogWriter = inProcessLogWriter(io, options.isCumulative),
  ) {
    this.maxHeadPoints = options.maxHeadPoints ?? 1_000_000;
  }

  /** Compacts what an earlier run left in the log, then compacts on a timer. */
  async start(): Promise<void> {
    await this.flush();
    this.timer = setInterval(() => {
      // A tick during a compaction waits for the next one: under sustained load compactions then
      // come one interval apart, each taking more readings a series, instead of back to back.
      if (this.flushRunning) return;
      this.flush().catch((error) => this.options.onError?.(error));
    }, this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Whether it has started and not stopped: it compacts on its timer. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Stops the timer, compacts what is left and stops the writer. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.flush();
    } finally {
      await this.writer.close();
    }
  }

  /** Stores a batch durably. Resolves once it would survive a crash. */
  async write(batch: WriteBatch, texts: TextReading[] = []): Promise<void> {
    const n = batch.seriesIds.length;
    if (n === 0 && texts.length === 0) return;
    const logId = await this.writer.append(encodeBatch(batch), texts);
    // The compaction thread may have compacted the entry, and its answer arrived, before the
    // append thread's answer: the batch is in the blocks already.
    if (this.compactedEarly.delete(logId)) return;
    if (n > 0) this.head.push({ logId, batch });
    this.headPoints += n;
    if (this.headPoints >= this.maxHeadPoints && !this.flushRunning) {
      this.flush().catch((error) => this.options.onError?.(error));
    }
  }

  /** Compacts the whole log now. Concurrent calls share one run. */
  flush(): Promise<void> {
    if (this.flushRunning) return this.flushRunning.then(() => this.flush());
    this.flushRunning = this.runFlush().finally(() => {
      this.flushRunning = undefined;
    });
    return this.flushRunning;
  }

  private async runFlush(): Promise<void> {
    const began = performance.now();
    const ids = await this.writer.compactAll();
    if (!ids || ids.length === 0) return; // nothing to do, or another replica is compacting
    this.options.onCompaction?.((performance.now() - began) / 1000);
    // Forget what is now in the blocks; batches compacted by another replica stay (harmless) until
    // this replica compacts again.
    const compacted = new Set(ids);
    const known = new Set(this.head.map((e) => e.logId));
    this.compactedEarly = new Set(ids.filter((id) => !known.has(id)));
    const kept = this.head.filter((e) => !compacted.has(e.logId));
    this.head = kept;
    this.headPoints = kept.reduce((sum, e) => sum + e.batch.seriesIds.length, 0);
  }

  /** Batches not yet compacted, oldest first. */
  private headBatches(): WriteBatch[] {
    return this.head.map((e) => e.batch);
  }

  /** Readings in memory for a series within [from, to], sorted, last write winning. */
  private headPointsOf(seriesId: number, from: number, to: number): BlockPoints | undefined {
    const times: number[] = [];
    const values: number[] = [];
    for (const batch of this.headBatches()) {
      const ids = batch.seriesIds;
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] !== seriesId) continue;
        const t = batch.times[i];
        if (t >= from && t <= to) {
          times.push(t);
          values.push(batch.values[i]);
        }
      }
    }
    return times.length > 0 ? sortUnique(times, values) : undefined;
  }

  /** Raw readings of a series within [from, to] (epoch ms, inclusive), in time order. */
  async readPoints(seriesId: number, from: number, to: number): Promise<BlockPoints> {
    const blocks = await this.io.readBlocks(seriesId, from, to);
    let points = clip(concatBlocks(blocks), from, to);
    const head = this.headPointsOf(seriesId, from, to);
    if (head) points = mergePoints(points, head);
    return points;
  }

  /**
   * Raw readings of a series within [from, to] as compacted, leaving out those still in memory:
   * for the jobs that follow the change feed, which reports them once they are compacted. A read
   * costs one block query, however many readings wait in memory.
   */
  async readCompactedPoints(seriesId: number, from: number, to: number): Promise<BlockPoints> {
    return clip(concatBlocks(await this.io.readBlocks(seriesId, from, to)), from, to);
  }

  /** Hourly rollups of a series for the hours starting within [from, to]. */
  async readHours(seriesId: number, from: number, to: number): Promise<HourRollup[]> {
    const hourFrom = Math.floor(from / HOUR_MS) * HOUR_MS;
    const hourTo = Math.floor(to / HOUR_MS) * HOUR_MS + HOUR_MS - 1;
    const blocks = await this.io.readBlocks(seriesId, hourFrom, hourTo);
    const head = this.headPointsOf(seriesId, hourFrom, hourTo);
    const stored: HourRollup[] = [];
    for (const block of blocks) {
      for (const h of decodeHours(block.t0, block.data)) {
        if (h.hour >= hourFrom && h.hour <= hourTo) stored.push(h);
      }
    }
    if (!head) return stored;
    // Hours touched by readings still in memory are rolled up again from their points.
    const touched = new Set<number>();
    for (const t of head.times) touched.add(Math.floor(t / HOUR_MS) * HOUR_MS);
    const points = clip(concatBlocks(blocks), hourFrom, hourTo);
    const inTouched = filterPoints(points, (t) => touched.has(Math.floor(t / HOUR_MS) * HOUR_MS));
    const redone = rollupHours(mergePoints(inTouched, head), this.options.isCumulative(seriesId));
    return [...stored.filter((h) => !touched.has(h.hour)), ...redone].sort((a, b) => a.hour - b.hour);
  }

  /** The latest reading of each series, compacted or not. */
  async latest(seriesIds: number[]): Promise<Map<number, LastReading>> {
    const out = await this.io.latest(seriesIds);
    const wanted = new Set(seriesIds);
    for (const batch of this.headBatches()) {
      for (let i = 0; i < batch.seriesIds.length; i++) {
        const id = batch.seriesIds[i];
        if (!wanted.has(id)) continue;
        const known = out.get(id);
        if (!known || batch.times[i] >= known.t) out.set(id, { t: batch.times[i], v: batch.values[i] });
      }
    }
    return out;
  }

  /** The last reading strictly before `t`, compacted or not. */
  async readingBefore(seriesId: number, t: number): Promise<LastReading | undefined> {
    let best: LastReading | undefined;
    const [block] = await this.io.readBlocks(seriesId, t - 1, t - 1);
    if (block) {
      const p = decodePoints(block.t0, block.data);
      for (let i = p.times.length - 1; i >= 0 && !best; i--) {
        if (p.times[i] < t) best = { t: p.times[i], v: p.values[i] };
      }
      best ??= await this.io.lastReadingBeforeBlock(seriesId, block.t0);
    }
    const head = this.headPointsOf(seriesId, -Infinity, t - 1);
    if (head) {
      const last = head.times.length - 1;
      if (!best || head.times[last] >= best.t) best = { t: head.times[last], v: head.values[last] };
    }
    return best;
  }

  /** Readings waiting in memory, for monitoring. */
  get pendingPoints(): number {
    return this.headPoints;
  }
}

function concatBlocks(blocks: StoredBlock[]): BlockPoints {
  if (blocks.length === 1) return decodePoints(blocks[0].t0, blocks[0].data);
  const parts = blocks.map((b) => decodePoints(b.t0, b.data));
  const n = parts.reduce((sum, p) => sum + p.times.length, 0);
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  let at = 0;
  for (const p of parts) {
    times.set(p.times, at);
    values.set(p.values, at);
    at += p.times.length;
  }
  return { times, values };
}

function clip(points: BlockPoints, from: number, to: number): BlockPoints {
  let start = 0;
  while (start < points.times.length && points.times[start] < from) start++;
  let end = points.times.length;
  while (end > start && points.times[end - 1] > to) end--;
  return { times: points.times.subarray(start, end), values: points.values.subarray(start, end) };
}

function filterPoints(points: BlockPoints, keep: (t: number) => boolean): BlockPoints {
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < points.times.length; i++) {
    if (keep(points.times[i])) {
      times.push(points.times[i]);
      values.push(points.values[i]);
    }
  }
  return { times: Float64Array.from(times), values: Float64Array.from(values) };
}
