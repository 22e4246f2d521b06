import { describe, expect, it } from 'vitest';
import { CsvBytes } from './csv-bytes.ts';

const render = (rows: [number, number][]) => {
  const out = new CsvBytes(CsvBytes.sizeFor(rows.length, 2, 1));
  for (const [t, v] of rows) {
    out.bytes(Buffer.from('a,'));
    out.time(t);
    out.number(v);
    out.newline();
  }
  return out.take().toString('latin1');
};

describe('CSV rows written as bytes', () => {
  it('writes times exactly as toISOString and numbers exactly as String', () => {
    const rows: [number, number][] = [];
    let seed = 7;
    const random = () => (seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647;
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor(Date.UTC(1971, 0, 1) + random() * (Date.UTC(2200, 0, 1) - Date.UTC(1971, 0, 1)));
      const kind = i % 9;
      const v =
        kind === 0
          ? Math.round(random() * 5000)
          : kind === 1
            ? Math.round(random() * 1000) / 10
            : kind === 2
              ? -Math.round(random() * 1000) / 100
              : kind === 3
                ? random() * 1e-9
                : kind === 4
                  ? 1e21 * random()
                  : 0.1 + 0.2;
      rows.push([t, v]);
    }
    rows.push(
      [Date.UTC(2024, 1, 29, 23, 59, 59, 999), 0],
      [Date.UTC(2000, 0, 1), 10],
      [Date.UTC(2100, 11, 31, 0, 0, 0, 5), 1e15],
    );
    rows.push([Date.UTC(1969, 11, 31, 23, 0), 7], [Date.UTC(-1, 0, 1), -0.5]);
    for (const v of [
      0.000001,
      0.0000015,
      1e-7,
      999_999_999.5,
      1e9,
      -0,
      1.005,
      100.1,
      0.05,
      -12.000001,
      2 ** 53,
    ])
      rows.push([Date.UTC(2026, 0, 1), v]);
    const expected = rows.map(([t, v]) => `a,${new Date(t).toISOString()},${String(v)}\n`).join('');
    expect(render(rows)).toBe(expected);
  });
});
