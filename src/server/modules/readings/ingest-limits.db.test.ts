import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../config.ts';
import { HttpProblem } from '../../plugins/errors.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';

const T = Date.UTC(2026, 10, 2, 10, 0, 0);

/** A platform over HTTP and a real socket. */
async function listening(overrides: Partial<Config> = {}): Promise<{ t: TestPlatform; url: string }> {
  const t = await openTestPlatform(overrides);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.app.server.address();
  return { t, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

/** What a refused batch must leave as it was. */
async function traces(t: TestPlatform) {
  const db = t.platform.database.db;
  const count = async (table: 'series' | 'gateway' | 'sensor' | 'medium') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    series: await count('series'),
    gateways: await count('gateway'),
    sensors: await count('sensor'),
    media: await count('medium'),
    pendingReadings: t.platform.engine.pendingPoints,
  };
}

const serial = (i: number) => (0xd00d000000000000n + BigInt(i)).toString(16).toUpperCase();
const forwarderLine = (i: number, medium = 'temperature', value = 20, ms = T) =>
  `forwarder_data,SN=${serial(i)},channel=1,device=1,medium=${medium} value=${value} ${ms}`;

describe('a wide line (the default limits)', () => {
  let t: TestPlatform;
  let url: string;
  beforeAll(async () => {
    ({ t, url } = await listening());
  });
  afterAll(async () => {
    await t.close();
  });

  it('is refused whole, naming the line and the limit, while the server keeps answering', async () => {
    // About 20 MB of readings of known series, then one line of 100,000 fields: the scan of
    // the readings takes a while, and the last line would create 100,000 series.
    const known = [0, 1, 2, 3].map((i) => forwarderLine(i, 'co2', 400));
    const write = (body: string | Buffer) =>
      fetch(`${url}/api/v2/write?precision=ms`, {
        method: 'POST',
        headers: { authorization: `Token ${t.platform.ingestToken}`, 'content-type': 'text/plain' },
        body,
      });
    expect((await write(known.join('\n'))).status).toBe(204);
    const lines: string[] = [];
    for (let i = 0; i < 215_000; i++) lines.push(forwarderLine(i % 4, 'co2', 400 + (i % 50), T + i * 1000));
    const wide = `bomb,host=x value=1,${Array.from({ length: 100_000 }, (_, i) => `f${i}=1`).join(',')} ${T}`;
    // Encoded beforehand: client and server share this process, and only the server is measured.
    const body = Buffer.from(`${lines.join('\n')}\n${wide}`);
    expect(body.length).toBeGreaterThan(20_000_000);
    const before = await traces(t);
    for (let i = 0; i < 3; i++) await (await fetch(`${url}/api/v1/health`)).arrayBuffer();

    const latencies: number[] = [];
    let writing = true;
    const poll = (async () => {
      while (writing) {
        const started = performance.now();
        const res = await fetch(`${url}/api/v1/health`);
        await res.arrayBuffer();
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    // Let the poller reach the server before the body does.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const res = await write(body);
    writing = false;
    await poll;

    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { detail: string; errors: { where: string; message: string }[] };
    expect(problem.detail).toContain('line 215001');
    expect(problem.detail).toContain('more than 1000 fields on one line (CIOP_INGEST_MAX_FIELDS_PER_LINE)');
    expect(problem.detail).toContain('Nothing was stored');
    expect(problem.errors[0].where).toMatch(/^line 215001, column \d+$/);
    expect(await traces(t)).toEqual(before);
    expect(t.platform.catalog.get('bomb,host=x f0')).toBeUndefined();
    // The health endpoint answered throughout, every time within half a second.
    expect(latencies.length).toBeGreaterThan(3);
    expect(Math.max(...latencies)).toBeLessThan(500);
  }, 120_000);

  it('refuses a series of too many tags, and a key too long, naming the setting', async () => {
    const before = await traces(t);
    const tags = Array.from({ length: 65 }, (_, i) => `t${i}=v`).join(',');
    const res = await t.app.inject({
      method: 'POST',
      url: '/write?db=x&precision=ms',
      headers: t.ingestHeaders,
      body: `ok v=1 ${T}\nmany,${tags} v=1 ${T}`,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toMatch(
      /^line 2, column \d+: more than 64 tags in one series \(CIOP_INGEST_MAX_TAGS\)/,
    );
    const long = await t.app.inject({
      method: 'POST',
      url: '/write?db=x&precision=ms',
      headers: t.ingestHeaders,
      body: `m,host=${'h'.repeat(1025)} v=1 ${T}`,
    });
    expect(long.statusCode).toBe(400);
    expect(long.json().detail).toContain(
      'takes 1025 bytes; at most 1024 are allowed (CIOP_INGEST_MAX_KEY_BYTES)',
    );
    expect(await traces(t)).toEqual(before);
  });
});

describe('new series', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform({ ingestMaxNewSeries: 50, ingestNewSeriesPerMinute: 120 });
  });
  afterAll(async () => {
    await t.close();
  });

  const lines = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => forwarderLine(from + i)).join('\n');
  const writeLines = (body: string, headers = t.ingestHeaders) =>
    t.app.inject({ method: 'POST', url: '/write?db=x&precision=ms', headers, body });
  const readings = (from: number, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      sn: serial(from + i),
      channel: 1,
      device: 1,
      medium: 'humidity',
      ts: T,
      value: 50,
    }));

  it('are at most CIOP_INGEST_MAX_NEW_SERIES per request, over line protocol, JSON and MQTT', async () => {
    const before = await traces(t);
    // Readings of series that exist do not count.
    expect((await writeLines(lines(1000, 10))).statusCode).toBe(204);
    const after10 = await traces(t);
    expect(after10.series).toBe(before.series + 10);
    const refused = await writeLines(`${lines(1000, 10)}\n${lines(2000, 51)}`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json().detail).toBe(
      'Nothing was stored: line 61: the batch would create more than 50 new series (CIOP_INGEST_MAX_NEW_SERIES); send fewer at once.',
    );
    const json = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: t.ingestHeaders,
      payload: { readings: readings(3000, 51) },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().errors[0]).toMatchObject({ where: 'readings[50]' });
    expect(json.json().detail).toContain('CIOP_INGEST_MAX_NEW_SERIES');
    const mqtt = t.platform.ingest.writeMqtt('ciop/gw/ms', Buffer.from(lines(4000, 51)));
    await expect(mqtt).rejects.toThrow(/line 51: the batch would create more than 50 new series/);
    const mqttJson = t.platform.ingest.writeMqtt('ciop/gw', Buffer.from(JSON.stringify(readings(5000, 51))));
    await expect(mqttJson).rejects.toBeInstanceOf(HttpProblem);
    expect(await traces(t)).toEqual(after10);
  });

  it('are at most CIOP_INGEST_NEW_SERIES_PER_MINUTE per token a minute: 429 with Retry-After', async () => {
    const token = await headersAs(t, { scopes: ['ingest:write'] });
    expect((await writeLines(lines(10_000, 50), token)).statusCode).toBe(204);
    expect((await writeLines(lines(10_050, 50), token)).statusCode).toBe(204);
    const before = await traces(t);
    const refused = await writeLines(`${lines(10_000, 5)}\n${lines(10_100, 21)}`, token);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // The first new series beyond the 20 the token may still create.
    expect(refused.json().errors[0].where).toBe('line 26');
    expect(refused.json().detail).toContain('CIOP_INGEST_NEW_SERIES_PER_MINUTE');
    expect(await traces(t)).toEqual(before);
    // Within what is left, and for readings of existing series, the token still writes.
    expect((await writeLines(`${lines(10_000, 100)}\n${lines(10_100, 20)}`, token)).statusCode).toBe(204);
    expect((await writeLines(lines(10_200, 1), token)).statusCode).toBe(429);
    // Other writers have their own minute: the ingest token, and MQTT.
    expect((await writeLines(lines(20_000, 50))).statusCode).toBe(204);
    await t.platform.ingest.writeMqtt('ciop/gw/ms', Buffer.from(lines(30_000, 50)));
    expect((await traces(t)).series).toBe(before.series + 20 + 50 + 50);
  });
});
