/**
 * A batch of numeric readings on its way to the store, in columns, and its binary form in the
 * ingest log: [u32 n][n × u32 series id][n × f64 time ms][n × f64 value].
 */
export interface WriteBatch {
  seriesIds: Uint32Array;
  times: Float64Array;
  values: Float64Array;
}

/** A reading of a text field: kept as given, outside the numeric blocks. */
export interface TextReading {
  seriesId: number;
  t: number;
  value: string;
}

export function createBatch(size: number): WriteBatch {
  return { seriesIds: new Uint32Array(size), times: new Float64Array(size), values: new Float64Array(size) };
}

/** The first `n` readings of a batch (a view, no copy). */
export function sliceBatch(batch: WriteBatch, n: number): WriteBatch {
  return {
    seriesIds: batch.seriesIds.subarray(0, n),
    times: batch.times.subarray(0, n),
    values: batch.values.subarray(0, n),
  };
}

export function encodeBatch(batch: WriteBatch): Uint8Array {
  const n = batch.seriesIds.length;
  const out = new Uint8Array(4 + n * 20);
  const view = new DataView(out.buffer);
  view.setUint32(0, n, true);
  out.set(new Uint8Array(batch.seriesIds.buffer, batch.seriesIds.byteOffset, n * 4), 4);
  // Float64 columns need 8-byte alignment to be viewed in place, so copy through DataView.
  let pos = 4 + n * 4;
  for (let i = 0; i < n; i++, pos += 8) view.setFloat64(pos, batch.times[i], true);
  for (let i = 0; i < n; i++, pos += 8) view.setFloat64(pos, batch.values[i], true);
  return out;
}

/**
 * The readings of log entries grouped by series, in columns: the readings of the `g`-th series
 * (`ids[g]`, in order of first appearance) are at [starts[g], starts[g + 1]) of `times` and
 * `values`, in arrival order.
 */
export interface SeriesGroups {
  ids: Uint32Array;
  /** One more than `ids`: the last is the number of readings. */
  starts: Uint32Array;
  times: Float64Array;
  values: Float64Array;
}

/**
 * Groups the readings of encoded batches (as `encodeBatch` makes them) by series, keeping arrival
 * order within a series. Reads the payloads in place and fills a few arrays for all of them: a
 * compaction handles hundreds of thousands of readings, and arrays per series or per batch made
 * most of its garbage.
 */
export function groupPayloads(payloads: Uint8Array[]): SeriesGroups {
  let total = 0;
  const views: DataView[] = [];
  for (const payload of payloads) {
    const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    const n = view.getUint32(0, true);
    if (payload.byteLength !== 4 + n * 20) throw new Error('ingest log entry is truncated');
    views.push(view);
    total += n;
  }
  // First pass: each reading's group, and each group's size.
  const groupOf = new Uint32Array(total);
  const indexOf = new Map<number, number>();
  let ids: Uint32Array = new Uint32Array(64);
  let counts: Uint32Array = new Uint32Array(64);
  let groups = 0;
  let r = 0;
  for (const view of views) {
    const n = view.getUint32(0, true);
    for (let i = 0, pos = 4; i < n; i++, pos += 4) {
      const id = view.getUint32(pos, true);
      let g = indexOf.get(id);
      if (g === undefined) {
        g = groups++;
        indexOf.set(id, g);
        if (g === ids.length) {
          ids = grownU32(ids);
          counts = grownU32(counts);
        }
        ids[g] = id;
      }
      counts[g]++;
      groupOf[r++] = g;
    }
  }
  const starts = new Uint32Array(groups + 1);
  for (let g = 0; g < groups; g++) starts[g + 1] = starts[g] + counts[g];
  // Second pass: each reading to the next free place of its group (`counts` becomes the cursor).
  for (let g = 0; g < groups; g++) counts[g] = starts[g];
  const times = new Float64Array(total);
  const values = new Float64Array(total);
  r = 0;
  for (const view of views) {
    const n = view.getUint32(0, true);
    let timePos = 4 + n * 4;
    let valuePos = timePos + n * 8;
    for (let i = 0; i < n; i++, timePos += 8, valuePos += 8) {
      const at = counts[groupOf[r++]]++;
      times[at] = view.getFloat64(timePos, true);
      values[at] = view.getFloat64(valuePos, true);
    }
  }
  return { ids: ids.subarray(0, groups), starts, times, values };
}

function grownU32(array: Uint32Array): Uint32Array {
  const next = new Uint32Array(array.length * 2);
  next.set(array);
  return next;
}
