import { gzipSync } from 'node:zlib';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';

/** Bodies sent; with the seed, every run sends the same ones. */
const BODIES = 3000;
const SEED = 0x5eed_2026;
const T = Date.UTC(2026, 9, 1);

/** mulberry32: a small PRNG whose sequence depends on its seed only. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)];

const SERIALS = Array.from({ length: 6 }, (_, i) => `F022${i.toString(16).padStart(12, '0').toUpperCase()}`);
const MEDIA = ['temperature', 'humidity', 'co2', 'power'];
const PRECISIONS = [
  { name: 'ns', scale: 1_000_000n },
  { name: 'us', scale: 1_000n },
  { name: 'ms', scale: 1n },
  { name: 's', scale: 1n },
] as const;

/** A valid line as the forwarders (or Telegraf-like agents) send it, at `ms`. */
function validLine(ms: number, precision: (typeof PRECISIONS)[number]): string {
  const time = precision.name === 's' ? String(Math.floor(ms / 1000)) : String(BigInt(ms) * precision.scale);
  const value = (15 + int(2000) / 100).toFixed(2);
  switch (int(4)) {
    case 0:
    case 1:
      return `forwarder_data,SN=${pick(SERIALS)},channel=${1 + int(2)},device=1,medium=${pick(MEDIA)} value=${value} ${time}`;
    case 2:
      return `cpu,host=h${int(3)},region=eu usage=${value},idle=${int(100)}i,up=true,state="ok" ${time}`;
    default:
      return `weather\\ station,place=Plaza\\,\\ 1 temp=${value},rain=${int(5)}u ${time}`;
  }
}

const ALPHABET = [
  ',',
  '=',
  ' ',
  '\\',
  '"',
  '\n',
  '\r',
  '\t',
  '#',
  '0',
  '9',
  '.',
  '-',
  '+',
  'e',
  'i',
  'u',
  'T',
  'f',
  'x',
  '\u0000',
  'é',
  '🍭',
];
const ODD_VALUES = [
  '1e400',
  '-1e400',
  '99999999999999999999i',
  '18446744073709551616u',
  '9223372036854775808i',
  '-1u',
  '1e308',
  '-0',
  '0x10',
  '1_000',
  'NaN',
  'inf',
  '-Infinity',
  '""',
  '"a\\"b"',
  'tru',
  '.',
  '1.',
  '.5',
];
const ODD_TIMES = ['99999999999999999999', '-9223372036854775807', '0', '1.5', '17e8', '', ' 1 2', 'now'];

/** One mutation of a body of lines. */
function mutate(lines: string[]): void {
  const at = int(lines.length);
  const line = lines[at];
  switch (int(14)) {
    case 0: {
      // Flip a character.
      const p = int(line.length + 1);
      lines[at] = line.slice(0, p) + pick(ALPHABET) + line.slice(p + 1);
      break;
    }
    case 1:
      lines[at] = line.slice(0, int(line.length));
      break;
    case 2:
      // Duplicate a field, perhaps with another type.
      lines[at] = line.replace(
        / (\w+)=([^ ,]+)/,
        (m, k: string, v: string) => `${m},${k}=${pick([v, '"s"', 'true', '7i'])}`,
      );
      break;
    case 3:
      lines[at] = line.replace(
        /=([^ ,=]+)( \S+)?$/,
        (m, _v: string, time = '') => `=${pick(ODD_VALUES)}${time}`,
      );
      break;
    case 4: {
      const p = int(line.length + 1);
      lines[at] = `${line.slice(0, p)}\\${line.slice(p)}`;
      break;
    }
    case 5:
      // The same series with another type on a later line.
      lines.push(
        line.replace(
          / (\w+)=[^ ,]+/,
          (_m, k: string) => ` ${k}=${pick(['"text"', 'false', '3i', '4u', '5.5'])}`,
        ),
      );
      break;
    case 6:
      lines[at] = line.replace(/ \S+$/, ` ${pick(ODD_TIMES)}`);
      break;
    case 7: {
      // Too many fields, too many tags, or a key too long for the limits of this platform.
      const kind = int(3);
      if (kind === 0)
        lines[at] = line.replace(
          / (\S+) /,
          (_m, f: string) => ` ${f},${Array.from({ length: 20 }, (_, i) => `x${i}=1`).join(',')} `,
        );
      else if (kind === 1)
        lines[at] = line.replace(
          /^([^ ]+)/,
          (key) => `${key},${Array.from({ length: 6 }, (_, i) => `k${i}=v`).join(',')}`,
        );
      else lines[at] = line.replace(/^([^ ,]+)/, (m) => m + 'm'.repeat(60));
      break;
    }
    case 8:
      // Now and then a flood of new series, more than one batch may create.
      if (int(4) === 0) for (let i = 0; i < 201; i++) lines.push(`flood,n=${int(1e9)} v=1`);
      else lines.push(`${lines[0]}\n${line}`);
      break;
    case 9:
      lines.push(line);
      break;
    case 10:
      lines[at] = line.replace(/SN=([0-9A-F]+)/, (_m, sn: string) => `SN=${sn.toLowerCase()}`);
      break;
    case 11:
      // A new sensor, or a new measurement: what an accepted batch may create.
      lines[at] = line
        .replace(/medium=\w+/, `medium=m${int(40)}`)
        .replace(/^cpu,host=h\d/, `cpu,host=n${int(40)}`);
      break;
    case 12:
      lines.splice(at, 0, pick(['', '# comment', '   ', 'm', ',x=1 v=1', 'm v=1 1 2']));
      break;
    default:
      lines[at] = line.replace(/,/, '  ,');
  }
}

describe('line protocol fuzzing over HTTP', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform({
      sqliteSync: 'normal',
      ingestMaxFieldsPerLine: 20,
      ingestMaxTags: 8,
      ingestMaxKeyBytes: 64,
      ingestMaxNewSeries: 200,
      ingestNewSeriesPerMinute: 400,
    });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Everything a refused batch must leave as it was. */
  async function snapshot(): Promise<string> {
    const { rows } = await sql<Record<string, number>>`
      SELECT
        (SELECT count(*) FROM series) AS series,
        (SELECT count(*) FROM series WHERE value_type = 'text') AS text_series,
        (SELECT count(*) FROM gateway) AS gateways,
        (SELECT count(first_seen_at) FROM gateway) AS gateways_seen,
        (SELECT count(*) FROM sensor) AS sensors,
        (SELECT count(*) FROM medium) AS media
    `.execute(t.platform.database.db);
    return JSON.stringify({ ...rows[0], readings: t.platform.engine.pendingPoints });
  }

  it(`answers ${BODIES} mutated bodies without a 5xx, and a refused one leaves no trace`, async () => {
    const statuses = new Map<number, number>();
    let before = await snapshot();
    for (let b = 0; b < BODIES; b++) {
      const precision = pick(PRECISIONS);
      const lines = Array.from({ length: 1 + int(6) }, (_, i) =>
        validLine(T + (b * 10 + i) * 1000, precision),
      );
      for (let m = int(3); m >= 0; m--) mutate(lines);
      let body: string | Buffer = lines.join(pick(['\n', '\n', '\r\n']));
      const headers: Record<string, string> = { ...t.ingestHeaders };
      if (int(20) === 0) body = Buffer.concat([Buffer.from(body), Buffer.from([0xff, 0xfe, 0x80])]);
      if (int(20) === 0) {
        body = gzipSync(body);
        headers['content-encoding'] = 'gzip';
      }
      const url =
        int(2) === 0
          ? `/api/v2/write?org=o&bucket=b&precision=${precision.name}`
          : `/write?db=x&precision=${precision.name === 'ns' ? 'n' : precision.name === 'us' ? 'u' : precision.name}`;
      const res = await t.app.inject({ method: 'POST', url, headers, body });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      const after = await snapshot();
      const context = `body ${b}: ${res.statusCode} ${res.body}\n${typeof body === 'string' ? body : '(bytes)'}`;
      expect(res.statusCode, context).toBeLessThan(500);
      if (res.statusCode === 204) {
        before = after;
      } else {
        expect(res.headers['content-type'], context).toContain('application/problem+json');
        expect(after, context).toBe(before);
      }
    }
    // The bodies reached every kind of answer: stored, refused, and refused for the rate of new
    // series once the first 400 of this minute were made.
    expect(statuses.get(204)).toBeGreaterThan(BODIES / 10);
    expect(statuses.get(400)).toBeGreaterThan(BODIES / 10);
    expect(statuses.get(429)).toBeGreaterThan(0);
  }, 60_000);
});
