import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';

const T = Date.UTC(2026, 10, 2, 10, 0, 0);
const SN = '00112233445566AA';
const line = (sn: string, medium: string, v: string | number, t = T) =>
  `forwarder_data,SN=${sn},channel=1,device=1,medium=${medium} value=${v} ${t}`;

describe('ingest over HTTP', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform();
  });
  afterAll(async () => {
    await t.close();
  });

  const writeV2 = (body: string | Buffer, headers: Record<string, string> = {}, precision = 'ms') =>
    t.app.inject({
      method: 'POST',
      url: `/api/v2/write?org=city&bucket=ciop&precision=${precision}`,
      headers: { authorization: `Token ${t.platform.ingestToken}`, ...headers },
      body,
    });

  async function rawOf(sn: string, medium: string) {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings?sn=${sn}&channel=1&device=1&medium=${medium}&from=${T - 86_400_000}&to=${T + 86_400_000}`,
      headers: t.readerHeaders,
    });
    return res;
  }

  it('refuses a write without a valid token', async () => {
    const none = await t.app.inject({
      method: 'POST',
      url: '/api/v2/write?precision=ms',
      body: line(SN, 'temperature', 20),
    });
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toContain('application/problem+json');
    const wrong = await writeV2(line(SN, 'temperature', 20), { authorization: 'Token nope' });
    expect(wrong.statusCode).toBe(401);
  });

  it('stores nothing of a batch with one bad line, and says where', async () => {
    const body = [
      line(SN, 'co2', 500),
      line(SN, 'co2', 'NaN', T + 1000),
      line(SN, 'co2', 520, T + 2000),
    ].join('\n');
    const res = await writeV2(body);
    expect(res.statusCode).toBe(400);
    const problem = res.json();
    expect(problem.errors[0].where).toMatch(/^line 2, column \d+$/);
    expect(
      t.platform.catalog.get(`forwarder_data,SN=${SN},channel=1,device=1,medium=co2 value`),
    ).toBeUndefined();
  });

  it('refuses readings from a clock that reset to 1970 or from the far future', async () => {
    const old = await writeV2(line(SN, 'power', 100, 5_000));
    expect(old.statusCode).toBe(400);
    expect(old.json().detail).toContain('before 2000-01-01');
    const future = await writeV2(line(SN, 'power', 100, Date.now() + 3 * 86_400_000));
    expect(future.statusCode).toBe(400);
    expect(future.json().detail).toContain('in the future');
  });

  it('accepts gzip bodies and every precision', async () => {
    const lines = [line(SN, 'humidity', 50, T / 1000)];
    expect((await writeV2(gzipSync(lines.join('\n')), { 'content-encoding': 'gzip' }, 's')).statusCode).toBe(
      204,
    );
    expect((await writeV2(line(SN, 'humidity', 51, (T + 600_000) * 1_000_000), {}, 'ns')).statusCode).toBe(
      204,
    );
    const res = await rawOf(SN, 'humidity');
    expect(res.json().points).toEqual([
      { t: T, v: 50 },
      { t: T + 600_000, v: 51 },
    ]);
    const bad = await writeV2(line(SN, 'humidity', 50), {}, 'fortnights');
    expect(bad.statusCode).toBe(400);
    // Hours exist in the 1.x API only, as in InfluxDB.
    expect((await writeV2(line(SN, 'humidity', 52, T / 3_600_000 + 1), {}, 'h')).statusCode).toBe(400);
    const v1 = await t.app.inject({
      method: 'POST',
      url: '/write?db=ciop&precision=h',
      headers: t.ingestHeaders,
      body: line(SN, 'humidity', 52, T / 3_600_000 + 1),
    });
    expect(v1.statusCode, v1.body).toBe(204);
  });

  it('keeps readings of an unregistered gateway and creates it as unregistered', async () => {
    const sn = 'FEEDFACE00000001';
    expect((await writeV2(line(sn, 'temperature', 19.5))).statusCode).toBe(204);
    const gateway = await t.platform.database.db
      .selectFrom('gateway')
      .selectAll()
      .where('sn', '=', sn)
      .executeTakeFirstOrThrow();
    expect(gateway.dwelling_id).toBeNull();
    expect((await rawOf(sn, 'temperature')).json().points).toEqual([{ t: T, v: 19.5 }]);
  });

  it('maps a lower-case serial number to the same gateway and sensor', async () => {
    const sn = 'ABCDEF0123456789';
    await writeV2(line(sn, 'temperature', 20, T));
    await writeV2(line(sn.toLowerCase(), 'temperature', 21, T + 1000));
    expect((await rawOf(sn, 'temperature')).json().points.map((p: { v: number }) => p.v)).toEqual([20, 21]);
  });

  it('accepts any measurement, keeping numbers as series and strings as text', async () => {
    const body = 'cpu,host=server01,region=eu usage_idle=98.5,usage_user=12i,up=true,state="running" ' + T;
    const res = await writeV2(body);
    expect(res.body).toBe('');
    expect(res.statusCode).toBe(204);
    const key = (field: string) => `cpu,host=server01,region=eu ${field}`;
    for (const f of ['usage_idle', 'usage_user', 'up'])
      expect(t.platform.catalog.get(key(f))?.valueType).toBe('number');
    const text = t.platform.catalog.get(key('state'));
    expect(text?.valueType).toBe('text');
    await t.platform.engine.flush();
    const stored = await t.platform.engine.io.readTexts(text!.id, T, T, 10);
    expect(stored).toEqual([{ seriesId: text!.id, t: T, value: 'running' }]);
    const conflict = await writeV2('cpu,host=server01,region=eu state=3 ' + (T + 1));
    expect(conflict.statusCode).toBe(400);
    expect(conflict.json().detail).toContain('field type conflict');
  });

  it('writes JSON readings and reads them back by sensor tags', async () => {
    const sn = 'C0FFEE0000000001';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: t.ingestHeaders,
      payload: {
        readings: [
          { sn, channel: 1, device: 1, medium: 'co2', ts: T, value: 640 },
          {
            sn,
            channel: '1',
            device: '1',
            medium: 'co2',
            ts: new Date(T + 600_000).toISOString(),
            value: 700,
          },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ stored: 2 });
    expect((await rawOf(sn, 'co2')).json().points).toEqual([
      { t: T, v: 640 },
      { t: T + 600_000, v: 700 },
    ]);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: t.ingestHeaders,
      payload: { readings: [{ sn, channel: 1, device: 1, medium: 'co2', ts: T, value: 'x' }] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].where).toContain('readings.0.value');
  });

  it('back-fills history from CSV keeping the original times, idempotently', async () => {
    const sn = 'C0FFEE0000000002';
    const csv = [
      'sn,channel,device,medium,time,value',
      ...[0, 1, 2].map((i) => `${sn},1,1,temperature,${new Date(T + i * 600_000).toISOString()},${20 + i}`),
    ].join('\n');
    const post = () =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/ingest/csv',
        headers: { ...t.ingestHeaders, 'content-type': 'text/csv' },
        body: csv,
      });
    expect((await post()).json()).toEqual({ stored: 3 });
    expect((await post()).json()).toEqual({ stored: 3 });
    await t.platform.engine.flush();
    expect((await rawOf(sn, 'temperature')).json().points.map((p: { v: number }) => p.v)).toEqual([
      20, 21, 22,
    ]);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest/csv',
      headers: { ...t.ingestHeaders, 'content-type': 'text/csv' },
      body: `${csv}\n${sn},1,1,temperature,yesterday,1`,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].where).toBe('row 5, column time');
  });

  describe('a refused batch leaves no trace', () => {
    const v1 = (body: string) =>
      t.app.inject({ method: 'POST', url: '/write?db=x&precision=s', headers: t.ingestHeaders, body });
    const S = T / 1000;
    const sensorLine = (sn: string, value: string, s: number) =>
      `forwarder_data,SN=${sn},channel=1,device=1,medium=temperature value=${value} ${s}`;

    async function registryOf(sn: string) {
      const db = t.platform.database.db;
      const gateway = await db.selectFrom('gateway').selectAll().where('sn', '=', sn).executeTakeFirst();
      const sensors = gateway
        ? await db.selectFrom('sensor').selectAll().where('gateway_id', '=', gateway.id).execute()
        : [];
      const series = await db
        .selectFrom('series')
        .select(['key', 'value_type'])
        .where('key', 'like', `forwarder_data,SN=${sn},%`)
        .execute();
      return { gateway, sensors, series };
    }

    it('a number, then a string of the same new series: refused at line 2, and numbers go in after', async () => {
      const sn = 'B0B0B0B000000001';
      const res = await v1([sensorLine(sn, '21.5', S), sensorLine(sn, '"x"', S + 1)].join('\n'));
      expect(res.statusCode).toBe(400);
      const problem = res.json();
      expect(problem.detail).toMatch(/^Nothing was stored: line 2: field type conflict/);
      expect(problem.errors.map((e: { where: string }) => e.where)).toEqual(['line 2']);
      expect(await registryOf(sn)).toEqual({ gateway: undefined, sensors: [], series: [] });
      expect((await v1(sensorLine(sn, '22', S + 2))).statusCode).toBe(204);
      expect((await registryOf(sn)).series).toEqual([
        { key: `forwarder_data,SN=${sn},channel=1,device=1,medium=temperature value`, value_type: 'number' },
      ]);
      expect((await rawOf(sn, 'temperature')).json().points).toEqual([{ t: T + 2000, v: 22 }]);
    });

    it('a number, a string, a number: no gateway, sensor or series is created', async () => {
      const sn = 'B0B0B0B000000002';
      const res = await v1(
        [sensorLine(sn, '21.5', S), sensorLine(sn, '"x"', S + 1), sensorLine(sn, '21.7', S + 2)].join('\n'),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { where: string }) => e.where)).toEqual(['line 2']);
      expect(await registryOf(sn)).toEqual({ gateway: undefined, sensors: [], series: [] });
    });

    it('a reading of a known series of the other type: refused at its line', async () => {
      const sn = 'B0B0B0B000000003';
      expect((await v1(sensorLine(sn, '20', S))).statusCode).toBe(204);
      const res = await v1([`other,host=a v=1 ${S}`, sensorLine(sn, '"x"', S + 1)].join('\n'));
      expect(res.statusCode).toBe(400);
      expect(res.json().errors.map((e: { where: string }) => e.where)).toEqual(['line 2']);
      expect(t.platform.catalog.get('other,host=a v')).toBeUndefined();
    });
  });

  describe('impossible times', () => {
    const json = (ts: string, at = 0) => {
      const good = `{"sn": "C0FFEE00000000AA", "channel": 1, "device": 1, "medium": "co2", "ts": ${T}, "value": 1}`;
      const bad = `{"sn": "C0FFEE00000000AA", "channel": 1, "device": 1, "medium": "co2", "ts": ${ts}, "value": 1}`;
      const items = [good, good, good];
      items[at] = bad;
      return t.app.inject({
        method: 'POST',
        url: '/api/v1/ingest',
        headers: { ...t.ingestHeaders, 'content-type': 'application/json' },
        body: `{"readings": [${items.join(',')}]}`,
      });
    };

    for (const ts of ['1e308', '9007199254740993', '8640000000000001', '-8640000000000001']) {
      it(`answers 400 naming the item for "ts": ${ts}`, async () => {
        for (const at of [0, 2]) {
          const res = await json(ts, at);
          expect(res.statusCode, res.body).toBe(400);
          expect(res.headers['content-type']).toContain('application/problem+json');
          // The schema names it readings.N.ts; a number read as text, readings[N].ts.
          expect(res.json().detail).toMatch(new RegExp(`readings(\\.${at}|\\[${at}\\])\\.ts`));
        }
        expect(
          t.platform.catalog.get(`forwarder_data,SN=C0FFEE00000000AA,channel=1,device=1,medium=co2 value`),
        ).toBeUndefined();
      });
    }

    it('answers 400 for an ISO time no date can hold, and for one that is only far away', async () => {
      const far = await json('"+275760-09-13T00:00:00.001Z"', 1);
      expect(far.statusCode).toBe(400);
      expect(far.json().errors[0].where).toBe('readings[1].ts');
      const future = await json('"9999-12-31T23:59:59Z"', 1);
      expect(future.statusCode).toBe(400);
      expect(future.json().detail).toContain(
        'readings[1]: time 9999-12-31T23:59:59.000Z is more than 86400 s in the future',
      );
    });
  });

  it('answers 413 for a body over the limit', async () => {
    const big = 'x'.repeat(26 * 1024 * 1024);
    const res = await writeV2(big);
    expect(res.statusCode).toBe(413);
  });
});
