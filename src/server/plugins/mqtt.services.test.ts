import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { openPlatform, type Platform } from '../platform.ts';
import { createTestDatabase, type TestDatabase } from '../testing/databases.ts';
import { MqttIngest } from './mqtt.ts';
import { eventually } from '../testing/eventually.ts';

const BROKER = process.env.CIOP_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883';
const T = Date.UTC(2026, 10, 1, 12);

describe('two replicas share an external broker (Mosquitto) through a shared subscription', () => {
  let database: TestDatabase;
  const replicas: { platform: Platform; ingest: MqttIngest }[] = [];
  const topic = `ciop-test-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const config = loadConfig(
        {},
        {
          databaseUrl: database.url,
          mqttUrl: BROKER,
          mqttTopic: `${topic}/#`,
          mqttShareGroup: `g${topic}`,
          // Each replica its own session; gone a minute after the test.
          mqttClientId: `${topic}-${i}`,
          mqttSessionExpiryS: 60,
          ingestToken: 'tok',
          logLevel: 'silent',
          flushIntervalMs: 200,
        },
      );
      const platform = await openPlatform(config, pino({ level: 'silent' }));
      replicas.push({
        platform,
        ingest: await MqttIngest.start(
          config,
          platform.ingest,
          (s) => platform.verifySecret(s),
          pino({ level: 'silent' }),
          'tok',
        ),
      });
    }
  });
  afterAll(async () => {
    for (const r of replicas) {
      await r.ingest.stop();
      await r.platform.close();
    }
    await database.drop();
  });

  it('stores every message exactly once, split between the replicas', async () => {
    const client = await mqtt.connectAsync(BROKER, { protocolVersion: 5 });
    const n = 60;
    for (let i = 0; i < n; i++) {
      await client.publishAsync(
        `${topic}/gw/ms`,
        `forwarder_data,SN=CC00000000000001,channel=1,device=1,medium=power value=${i} ${T + i * 1000}`,
        { qos: 1 },
      );
    }
    await client.endAsync();
    const [a, b] = replicas.map((r) => r.platform);
    await eventually(async () => {
      await a.engine.flush();
      await b.engine.flush();
      const series = await a.database.db
        .selectFrom('series')
        .select('id')
        .where('key', '=', 'forwarder_data,SN=CC00000000000001,channel=1,device=1,medium=power value')
        .executeTakeFirstOrThrow();
      const points = await a.engine.readPoints(series.id, T, T + n * 1000);
      expect(Array.from(points.values)).toEqual(Array.from({ length: n }, (_, i) => i));
    }, 20_000);
    // Both replicas took part: each wrote some of the batches.
    const heads = replicas.map((r) => r.ingest.received);
    expect(heads[0] + heads[1]).toBe(n);
    expect(Math.min(...heads)).toBeGreaterThan(0);
  });
});

describe('a replica removed for good (session expiry 0) hands over what its session holds', () => {
  let database: TestDatabase;
  const replicas: { platform: Platform; ingest: MqttIngest }[] = [];
  const topic = `ciop-test-leave-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    database = await createTestDatabase();
    for (const expiry of [0, 60]) {
      const config = loadConfig(
        {},
        {
          databaseUrl: database.url,
          mqttUrl: BROKER,
          mqttTopic: `${topic}/#`,
          mqttShareGroup: `g${topic}`,
          mqttClientId: `${topic}-${expiry}`,
          mqttSessionExpiryS: expiry,
          ingestToken: 'tok',
          logLevel: 'silent',
          flushIntervalMs: 200,
        },
      );
      const platform = await openPlatform(config, pino({ level: 'silent' }));
      replicas.push({
        platform,
        ingest: await MqttIngest.start(
          config,
          platform.ingest,
          (s) => platform.verifySecret(s),
          pino({ level: 'silent' }),
          'tok',
        ),
      });
    }
  });
  afterAll(async () => {
    for (const r of replicas) {
      await r.ingest.stop();
      await r.platform.close();
    }
    await database.drop();
  });

  it('stores every acknowledged message although the replica stops mid-stream', async () => {
    const client = await mqtt.connectAsync(BROKER, { protocolVersion: 5 });
    const n = 600;
    const acknowledged: Promise<unknown>[] = [];
    const publish = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        acknowledged.push(
          client.publishAsync(
            `${topic}/gw/ms`,
            `forwarder_data,SN=CC00000000000002,channel=1,device=1,medium=power value=${i} ${T + i * 1000}`,
            { qos: 1 },
          ),
        );
      }
    };
    publish(0, n / 2);
    // The replica stops while messages are on their way to it, as when it is scaled down.
    await eventually(async () => expect(replicas[0].ingest.received).toBeGreaterThan(0));
    const stopped = replicas[0].ingest.stop();
    publish(n / 2, n);
    await Promise.all(acknowledged);
    await stopped;
    await client.endAsync();
    expect(replicas[0].ingest.received).toBeGreaterThan(0);
    const b = replicas[1].platform;
    await eventually(async () => {
      await b.engine.flush();
      const series = await b.database.db
        .selectFrom('series')
        .select('id')
        .where('key', '=', 'forwarder_data,SN=CC00000000000002,channel=1,device=1,medium=power value')
        .executeTakeFirstOrThrow();
      const points = await b.engine.readPoints(series.id, T, T + n * 1000);
      expect(points.values.length).toBe(n);
    }, 20_000);
  });
});

describe('every replica away at once', () => {
  it('stores, once they are back, what the broker acknowledged meanwhile', async () => {
    const database = await createTestDatabase();
    const topic = `ciop-test-away-${process.pid}-${Date.now()}`;
    const configs = [0, 1].map((i) =>
      loadConfig(
        {},
        {
          databaseUrl: database.url,
          mqttUrl: BROKER,
          mqttTopic: `${topic}/#`,
          mqttShareGroup: `g${topic}`,
          mqttClientId: `${topic}-${i}`,
          mqttSessionExpiryS: 60,
          ingestToken: 'tok',
          logLevel: 'silent',
          flushIntervalMs: 200,
        },
      ),
    );
    const platform = await openPlatform(configs[0], pino({ level: 'silent' }));
    const start = () =>
      Promise.all(
        configs.map((config) =>
          MqttIngest.start(
            config,
            platform.ingest,
            (s) => platform.verifySecret(s),
            pino({ level: 'silent' }),
            'tok',
          ),
        ),
      );
    try {
      // Both subscribe once, then stop: their sessions stay with the broker.
      for (const ingest of await start()) await ingest.stop();
      const client = await mqtt.connectAsync(BROKER, { protocolVersion: 5 });
      const n = 200;
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          client.publishAsync(
            `${topic}/gw/ms`,
            `forwarder_data,SN=CC00000000000003,channel=1,device=1,medium=power value=${i} ${T + i * 1000}`,
            { qos: 1 },
          ),
        ),
      );
      await client.endAsync();
      const back = await start();
      try {
        await eventually(async () => {
          await platform.engine.flush();
          const series = await platform.database.db
            .selectFrom('series')
            .select('id')
            .where('key', '=', 'forwarder_data,SN=CC00000000000003,channel=1,device=1,medium=power value')
            .executeTakeFirstOrThrow();
          const points = await platform.engine.readPoints(series.id, T, T + n * 1000);
          expect(points.values.length).toBe(n);
        }, 20_000);
      } finally {
        for (const ingest of back) await ingest.stop();
      }
    } finally {
      await platform.close();
      await database.drop();
    }
  });
});
