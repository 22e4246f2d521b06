import { InfluxDB, Point } from '@influxdata/influxdb-client';
import { InfluxDB as Influx1 } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';

const T = Date.UTC(2026, 9, 1, 8);

/** The official InfluxDB client libraries write to CIOP unmodified, over a real socket. */
describe('InfluxDB client libraries', () => {
  let t: TestPlatform;
  let url: string;
  beforeAll(async () => {
    t = await openTestPlatform();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(async () => {
    await t.close();
  });

  const readBack = async (sn: string, medium: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings?sn=${sn}&channel=1&device=1&medium=${medium}&from=${T - 86_400_000}&to=${T + 86_400_000}&limit=10000`,
      headers: t.readerHeaders,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().points as { t: number; v: number }[];
  };

  it('@influxdata/influxdb-client (2.x API, Token auth, gzip above 1000 bytes)', async () => {
    const writeApi = new InfluxDB({ url, token: t.platform.ingestToken }).getWriteApi('city', 'ciop', 'ms', {
      batchSize: 500,
      maxRetries: 0,
    });
    for (let i = 0; i < 300; i++) {
      writeApi.writePoint(
        new Point('forwarder_data')
          .tag('SN', 'E1E1E1E1E1E1E1E1')
          .tag('channel', '1')
          .tag('device', '1')
          .tag('medium', 'temperature')
          .floatField('value', 20 + i / 10)
          .timestamp(T + i * 60_000),
      );
    }
    writeApi.writePoint(
      new Point('forwarder_data')
        .tag('SN', 'E1E1E1E1E1E1E1E1')
        .tag('channel', '1')
        .tag('device', '1')
        .tag('medium', 'co2')
        .intField('value', 812)
        .timestamp(T),
    );
    await writeApi.close();
    const points = await readBack('E1E1E1E1E1E1E1E1', 'temperature');
    expect(points).toHaveLength(300);
    expect(points[299]).toEqual({ t: T + 299 * 60_000, v: 49.9 });
    expect(await readBack('E1E1E1E1E1E1E1E1', 'co2')).toEqual([{ t: T, v: 812 }]);
  });

  it('influx (1.x API, Basic auth, nanosecond precision)', async () => {
    const client = new Influx1({
      host: '127.0.0.1',
      port: Number(new URL(url).port),
      database: 'ciop',
      username: 'forwarder',
      password: t.platform.ingestToken,
    });
    await client.writePoints(
      [
        {
          measurement: 'forwarder_data',
          tags: { SN: 'E2E2E2E2E2E2E2E2', channel: '1', device: '1', medium: 'humidity' },
          fields: { value: 55.5 },
          timestamp: new Date(T),
        },
        {
          measurement: 'forwarder_data',
          tags: { SN: 'E2E2E2E2E2E2E2E2', channel: '1', device: '1', medium: 'humidity' },
          fields: { value: 56 },
          timestamp: new Date(T + 600_000),
        },
      ],
      { precision: 'ms' },
    );
    expect(await readBack('E2E2E2E2E2E2E2E2', 'humidity')).toEqual([
      { t: T, v: 55.5 },
      { t: T + 600_000, v: 56 },
    ]);
    const refused = new Influx1({
      host: '127.0.0.1',
      port: Number(new URL(url).port),
      database: 'ciop',
      username: 'forwarder',
      password: 'wrong',
    });
    await expect(refused.writePoints([{ measurement: 'm', fields: { v: 1 } }])).rejects.toThrow(
      /401|not valid/,
    );
  });
});
