import type { CounterDrop, StoredBlock } from './timeseries-io.ts';
import { appendToBlock, type BlockPoints, decodePoints, encodeBlock } from './block-codec.ts';
import { HOUR_MS } from '#common/time.ts';

/** Most readings a block holds before it is split (at an hour boundary). */
export const MAX_BLOCK_POINTS = 1024;

/**
 * Sorts new points by time, keeping the last written value of a repeated time (a replay
 * overwrites). Returns fresh arrays.
 */
export function sortUnique(times: ArrayLike<number>, values: ArrayLike<number>): BlockPoints {
  const n = times.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (times[i] <= times[i - 1]) sorted = false;
  if (!sorted) order.sort((a, b) => times[a] - times[b] || a - b);
  const outT = new Float64Array(n);
  const outV = new Float64Array(n);
  let m = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (m > 0 && outT[m - 1] === times[i]) {
      outV[m - 1] = values[i];
    } else {
      outT[m] = times[i];
      outV[m] = values[i];
      m++;
    }
  }
  return { times: outT.subarray(0, m), values: outV.subarray(0, m) };
}

/** Merges two sorted unique point sets; on equal times `newer` wins. */
export function mergePoints(older: BlockPoints, newer: BlockPoints): BlockPoints {
  const a = older;
  const b = newer;
  const times = new Float64Array(a.times.length + b.times.length);
  const values = new Float64Array(times.length);
  let i = 0;
  let j = 0;
  let m = 0;
  while (i < a.times.length || j < b.times.length) {
    if (j >= b.times.length || (i < a.times.length && a.times[i] < b.times[j])) {
      times[m] = a.times[i];
      values[m++] = a.values[i++];
    } else {
      if (i < a.times.length && a.times[i] === b.times[j]) i++;
      times[m] = b.times[j];
      values[m++] = b.values[j++];
    }
  }
  return { times: times.subarray(0, m), values: values.subarray(0, m) };
}

/**
 * Cuts sorted points into blocks at hour boundaries, each with at most MAX_BLOCK_POINTS
 * readings unless a single hour holds more.
 */
export function splitIntoBlocks(seriesId: number, points: BlockPoints, cumulative: boolean): StoredBlock[] {
  const { times, values } = points;
  const blocks: StoredBlock[] = [];
  let start = 0;
  while (start < times.length) {
    // Grow the block hour by hour while it stays within the limit.
    let end = start;
    for (;;) {
      const hourEnd = (Math.floor(times[end] / HOUR_MS) + 1) * HOUR_MS;
      let next = end;
      while (next < times.length && times[next] < hourEnd) next++;
      if (end > start && next - start > MAX_BLOCK_POINTS) break;
      end = next;
      if (end >= times.length || end - start >= MAX_BLOCK_POINTS) break;
    }
    const slice = { times: times.subarray(start, end), values: values.subarray(start, end) };
    const t0 = Math.floor(times[start] / HOUR_MS) * HOUR_MS;
    blocks.push({
      seriesId,
      t0,
      t1: times[end - 1],
      n: end - start,
      lastValue: values[end - 1],
      data: encodeBlock(t0, slice, cumulative),
    });
    start = end;
  }
  return blocks;
}

/** Drops in a cumulative meter's sorted readings, `before` being the reading preceding them. */
export function findCounterDrops(
  seriesId: number,
  points: BlockPoints,
  before: { t: number; v: number } | undefined,
): CounterDrop[] {
  const drops: CounterDrop[] = [];
  let prevT = before?.t;
  let prevV = before?.v;
  for (let i = 0; i < points.times.length; i++) {
    const v = points.values[i];
    if (prevV !== undefined && prevT !== undefined && v < prevV) {
      drops.push({ seriesId, t: points.times[i], previousT: prevT, previousValue: prevV, value: v });
    }
    prevT = points.times[i];
    prevV = v;
  }
  return drops;
}

/** The outcome of merging new readings into a series' existing blocks. */
export interface SeriesMerge {
  removed: StoredBlock[];
  added: StoredBlock[];
  drops: CounterDrop[];
}

/**
 * Merges new readings into the blocks that cover their time range (as loaded by the store:
 * every block overlapping it plus the one before) and re-cuts them.
 */
export function mergeIntoBlocks(
  seriesId: number,
  existing: StoredBlock[],
  incoming: BlockPoints,
  cumulative: boolean,
  previous?: { t: number; v: number },
): SeriesMerge {
  // Readings in time order after the newest block's last one, with room left in it: append
  // them to its bytes, as most compactions of live data can.
  const last = existing[existing.length - 1];
  if (
    existing.length === 1 &&
    incoming.times.length > 0 &&
    incoming.times[0] > last.t1 &&
    last.n + incoming.times.length <= MAX_BLOCK_POINTS
  ) {
    const data = appendToBlock(last.t0, last.data, incoming, cumulative);
    if (data) {
      const n = incoming.times.length;
      const block: StoredBlock = {
        seriesId,
        t0: last.t0,
        t1: incoming.times[n - 1],
        n: last.n + n,
        lastValue: incoming.values[n - 1],
        data,
      };
      const drops = cumulative ? findCounterDrops(seriesId, incoming, { t: last.t1, v: last.lastValue }) : [];
      return { removed: existing, added: [block], drops };
    }
  }
  let merged: BlockPoints = { times: new Float64Array(0), values: new Float64Array(0) };
  for (const block of existing) merged = mergePoints(merged, decodePoints(block.t0, block.data));
  merged = mergePoints(merged, incoming);
  const drops = cumulative ? findCounterDrops(seriesId, merged, previous) : [];
  return { removed: existing, added: splitIntoBlocks(seriesId, merged, cumulative), drops };
}
