import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chunksToLinesIterable, InfluxDB } from '@influxdata/influxdb-client';
import { InfluxDB as Influx1 } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';

/**
 * The differential test: the same points written to CIOP and to a real InfluxDB 1.6 (Debian's
 * `influxdb`, which `.ci/run` installs), then every statement of `testdata/statements.txt`
 * answered by both and compared: same statements, series, tags and columns, and values equal
 * within 1e-9.
 */

const T0 = Date.UTC(2026, 9, 1);
const H = 3_600_000;
const STATEMENTS = readFileSync(new URL('./testdata/statements.txt', import.meta.url), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** The points both are given, as line protocol in ms. */
function lines(): string {
  const out: string[] = [];
  let seed = 7;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (const sn of ['00000000000000A1', '00000000000000A2', '00000000000000A3'])
    for (const [medium, base] of [
      ['temperature', 20],
      ['humidity', 55],
    ] as const)
      for (let t = T0; t < T0 + 2 * 86_400_000; t += 433_000) {
        const gap = sn.endsWith('A3') && medium === 'temperature' && t >= T0 + 5 * H && t < T0 + 8 * H;
        if (!gap)
          out.push(
            `forwarder_data,SN=${sn},channel=1,device=1,medium=${medium} value=${(base + random() * 10).toFixed(3)} ${t}`,
          );
      }
  for (let t = T0; t < T0 + 2 * 86_400_000; t += 600_000)
    out.push(`weather,station=vit wind=${(random() * 12).toFixed(2)} ${t}`);
  // Across the end of summer time in Madrid (2026-10-25 01:00 UTC), starting later than the rest.
  for (let t = Date.UTC(2026, 9, 23, 5); t < Date.UTC(2026, 9, 28); t += 1_800_000)
    out.push(`meter,site=bilbao energy=${(random() * 3).toFixed(3)} ${t}`);
  return out.join('\n');
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });

const influxd = spawnSync('influxd', ['version']).status === 0;

describe.skipIf(!influxd)('InfluxQL answers against InfluxDB 1.6', () => {
  let t: TestPlatform;
  let dir: string;
  let server: ChildProcess;
  let influxUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ciop-influxd-'));
    const [rpc, http] = [await freePort(), await freePort()];
    writeFileSync(
      join(dir, 'influxdb.conf'),
      [
        'reporting-disabled = true',
        `bind-address = "127.0.0.1:${rpc}"`,
        '[meta]',
        `  dir = "${dir}/meta"`,
        '[data]',
        `  dir = "${dir}/data"`,
        `  wal-dir = "${dir}/wal"`,
        '  query-log-enabled = false',
        '[http]',
        `  bind-address = "127.0.0.1:${http}"`,
        '  log-enabled = false',
        '[monitor]',
        '  store-enabled = false',
        '[continuous_queries]',
        '  enabled = false',
        '[subscriber]',
        '  enabled = false',
      ].join('\n'),
    );
    server = spawn('influxd', ['-config', join(dir, 'influxdb.conf')], { stdio: 'ignore' });
    influxUrl = `http://127.0.0.1:${http}`;
    for (let i = 0; ; i++) {
      const up = await fetch(`${influxUrl}/ping`).then(
        (r) => r.status === 204,
        () => false,
      );
      if (up) break;
      if (i > 300) throw new Error('influxd did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    const create = await fetch(`${influxUrl}/query`, {
      method: 'POST',
      body: new URLSearchParams({ q: 'CREATE DATABASE ciop' }),
    });
    expect(create.status).toBe(200);
    const body = lines();
    const written = await fetch(`${influxUrl}/write?db=ciop&precision=ms`, { method: 'POST', body });
    expect(written.status, await written.text()).toBe(204);

    t = await openTestPlatform();
    const res = await t.app.inject({
      method: 'POST',
      url: '/write?db=ciop&precision=ms',
      headers: t.ingestHeaders,
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(204);
    await t.platform.engine.flush();
  }, 60_000);

  afterAll(async () => {
    server?.kill();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the influx and @influxdata/influxdb-client libraries get the same answers from CIOP as from InfluxDB', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    const ciopPort = typeof address === 'object' && address ? address.port : 0;
    const token = t.readerHeaders.authorization.slice('Bearer '.length);
    const influxPort = Number(new URL(influxUrl).port);
    const q = `SELECT mean("value") FROM "forwarder_data" WHERE "medium" = 'temperature' AND time >= '2026-10-01T00:00:00Z' AND time < '2026-10-01T06:00:00Z' GROUP BY time(1h), "SN" fill(linear)`;
    // influx (node-influx), as Node-RED and many scripts use it: u and p, rows and raw answers.
    const node = (port: number) =>
      new Influx1({ host: '127.0.0.1', port, database: 'ciop', username: 'reader', password: token });
    const [ciop1, influx1] = [node(ciopPort), node(influxPort)];
    const rows = await ciop1.query(q);
    expect(rows.length).toBe(18);
    expectClose(JSON.parse(JSON.stringify(rows)), JSON.parse(JSON.stringify(await influx1.query(q))));
    expect(rows.groups().map((g) => g.tags)).toEqual((await influx1.query(q)).groups().map((g) => g.tags));
    expect(await ciop1.queryRaw('SHOW SERIES FROM "weather"', { precision: 'ms' })).toEqual(
      await influx1.queryRaw('SHOW SERIES FROM "weather"', { precision: 'ms' }),
    );
    expect((await ciop1.getMeasurements()).sort()).toEqual((await influx1.getMeasurements()).sort());
    expect(await ciop1.getSeries({ measurement: 'weather' })).toEqual(
      await influx1.getSeries({ measurement: 'weather' }),
    );
    // @influxdata/influxdb-client: Token auth, the 1.x /query path through its transport, whole
    // and chunked.
    const client = (port: number) => new InfluxDB({ url: `http://127.0.0.1:${port}`, token });
    const path = (extra: string) => `/query?db=ciop&epoch=ms${extra}&q=${encodeURIComponent(q)}`;
    const whole = async (port: number) =>
      (await client(port).transport.request(path(''), '', { method: 'GET' })) as unknown;
    const answer = await whole(ciopPort);
    expectClose(answer, await whole(influxPort));
    const chunked = async (port: number) => {
      const lines: unknown[] = [];
      const bytes = client(port).transport.iterate(path('&chunked=true&chunk_size=4'), '', {
        method: 'GET',
      });
      for await (const line of chunksToLinesIterable(bytes)) if (line.trim()) lines.push(JSON.parse(line));
      return lines;
    };
    const lines = await chunked(ciopPort);
    expect(lines.length).toBe(6);
    expectClose(lines, await chunked(influxPort));
  });

  it('holds enough statements', () => {
    expect(STATEMENTS.length).toBeGreaterThanOrEqual(60);
  });

  it.each(STATEMENTS)('%s', async (line) => {
    const params = new URLSearchParams({ db: 'ciop' });
    const q = line.replace(/^\[([^\]]+)\]\s*/, (_m, list: string) => {
      for (const pair of list.split(/\s+/)) {
        const [key, value] = pair.split('=');
        params.set(key, value);
      }
      return '';
    });
    params.set('q', q);
    const influx = await fetch(`${influxUrl}/query?${params}`);
    const influxText = await influx.text();
    const res = await t.app.inject({ method: 'GET', url: `/query?${params}`, headers: t.readerHeaders });
    expect(res.statusCode, res.body).toBe(influx.status);
    expect(influx.status, influxText).toBe(200);
    // A chunked answer is a JSON object a line; a whole one, one object.
    const expectedLines = influxText.trim().split('\n');
    const actualLines = res.body.trim().split('\n');
    expect(actualLines.length, res.body).toBe(expectedLines.length);
    for (let l = 0; l < expectedLines.length; l++) {
      const expected = JSON.parse(expectedLines[l]) as { results: Result[] };
      const actual = JSON.parse(actualLines[l]) as { results: Result[] };
      expect(actual.results.length).toBe(expected.results.length);
      for (let i = 0; i < expected.results.length; i++) {
        const [a, e] = [actual.results[i], expected.results[i]];
        expect(a.statement_id).toBe(e.statement_id);
        expect(a.partial, 'partial').toBe(e.partial);
        expect(a.error, JSON.stringify(a.error)).toBe(e.error);
        expect((a.series ?? []).map(shape)).toEqual((e.series ?? []).map(shape));
        const av = (a.series ?? []).flatMap((s) => s.values);
        const ev = (e.series ?? []).flatMap((s) => s.values);
        expect(av.length).toBe(ev.length);
        for (let r = 0; r < ev.length; r++) {
          expect(av[r].length, `row ${r}`).toBe(ev[r].length);
          for (let c = 0; c < ev[r].length; c++) {
            const [x, y] = [av[r][c], ev[r][c]];
            if (typeof x === 'number' && typeof y === 'number')
              expect(Math.abs(x - y), `row ${r} column ${c}: ${x} ≠ ${y}`).toBeLessThanOrEqual(
                1e-9 * Math.max(1, Math.abs(y)),
              );
            else expect(x, `row ${r} column ${c}`).toEqual(y);
          }
        }
      }
    }
  });
});

interface Result {
  statement_id: number;
  error?: string;
  partial?: boolean;
  series?: {
    name: string;
    tags?: Record<string, string>;
    columns: string[];
    values: unknown[][];
    partial?: boolean;
  }[];
}

const shape = (s: NonNullable<Result['series']>[number]) => ({
  name: s.name,
  tags: s.tags,
  columns: s.columns,
  partial: s.partial,
});

/** Deep equality, numbers equal within 1e-9 (sums of hours and of points differ in the last bits). */
function expectClose(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(Math.abs(actual - expected), `${path}: ${actual} ≠ ${expected}`).toBeLessThanOrEqual(
      1e-9 * Math.max(1, Math.abs(expected)),
    );
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), path).toBe(true);
    expect((actual as unknown[]).length, path).toBe(expected.length);
    expected.forEach((e, i) => expectClose((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (expected && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [k, e] of Object.entries(expected))
      expectClose((actual as Record<string, unknown>)[k], e, `${path}.${k}`);
  } else expect(actual, path).toEqual(expected);
}
