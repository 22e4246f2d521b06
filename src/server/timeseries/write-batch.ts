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

export function decodeBatch(payload: Uint8Array): WriteBatch {
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const n = view.getUint32(0, true);
  if (payload.byteLength !== 4 + n * 20) throw new Error('ingest log entry is truncated');
  const batch = createBatch(n);
  let pos = 4;
  for (let i = 0; i < n; i++, pos += 4) batch.seriesIds[i] = view.getUint32(pos, true);
  for (let i = 0; i < n; i++, pos += 8) batch.times[i] = view.getFloat64(pos, true);
  for (let i = 0; i < n; i++, pos += 8) batch.values[i] = view.getFloat64(pos, true);
  return batch;
}

/** Groups a batch's readings by series, keeping arrival order within a series. */
export function groupBySeries(batches: WriteBatch[]): Map<number, { times: number[]; values: number[] }> {
  const groups = new Map<number, { times: number[]; values: number[] }>();
  for (const batch of batches) {
    for (let i = 0; i < batch.seriesIds.length; i++) {
      const id = batch.seriesIds[i];
      let group = groups.get(id);
      if (!group) {
        group = { times: [], values: [] };
        groups.set(id, group);
      }
      group.times.push(batch.times[i]);
      group.values.push(batch.values[i]);
    }
  }
  return groups;
}
