import { describe, expect, it } from 'vitest';
import { createBatch, encodeBatch, groupPayloads } from './write-batch.ts';

function batchOf(readings: Array<[number, number, number]>) {
  const batch = createBatch(readings.length);
  readings.forEach(([id, t, v], i) => {
    batch.seriesIds[i] = id;
    batch.times[i] = t;
    batch.values[i] = v;
  });
  return encodeBatch(batch);
}

describe('groupPayloads', () => {
  it('groups the readings of several batches by series, in order of first appearance and of arrival', () => {
    const readings: Array<Array<[number, number, number]>> = [
      [
        [7, 3000, 1.5],
        [2, 1000, -2],
        [7, 1000, 2.5],
      ],
      [],
      [
        [9, 5, 0.1],
        [2, 1000, 3],
        [7, 2000, 4],
      ],
    ];
    // Many series: the group arrays grow.
    const many: Array<[number, number, number]> = Array.from({ length: 300 }, (_, i) => [
      1000 + (i % 150),
      i,
      i,
    ]);
    readings.push(many);
    const groups = groupPayloads(readings.map(batchOf));
    const expected = new Map<number, Array<[number, number]>>();
    for (const batch of readings)
      for (const [id, t, v] of batch) {
        if (!expected.has(id)) expected.set(id, []);
        expected.get(id)!.push([t, v]);
      }
    expect([...groups.ids]).toEqual([...expected.keys()]);
    const got = [...groups.ids].map((_, g) =>
      Array.from({ length: groups.starts[g + 1] - groups.starts[g] }, (_, i) => [
        groups.times[groups.starts[g] + i],
        groups.values[groups.starts[g] + i],
      ]),
    );
    expect(got).toEqual([...expected.values()]);
    expect(groups.starts[groups.ids.length]).toBe(306);
  });

  it('reads a payload at any offset of its buffer', () => {
    const payload = batchOf([
      [1, 10, 0.5],
      [1, 20, 0.25],
    ]);
    const shifted = new Uint8Array(payload.length + 3);
    shifted.set(payload, 3);
    const groups = groupPayloads([shifted.subarray(3)]);
    expect([...groups.times]).toEqual([10, 20]);
    expect([...groups.values]).toEqual([0.5, 0.25]);
  });

  it('refuses a truncated entry', () => {
    const payload = batchOf([[1, 10, 0.5]]);
    expect(() => groupPayloads([payload.subarray(0, payload.length - 1)])).toThrow(
      'ingest log entry is truncated',
    );
  });
});
