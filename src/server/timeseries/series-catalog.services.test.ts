import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { openPlatform, type Platform } from '../platform.ts';
import { createTestDatabase, type TestDatabase } from '../testing/databases.ts';

const T = Date.UTC(2026, 9, 1);
const line = (g: number, m: string) =>
  `forwarder_data,SN=${(0xc0de000000000000n + BigInt(g)).toString(16).toUpperCase()},channel=1,device=1,medium=${m} value=${g} ${T}`;

/**
 * Two replicas on PostgreSQL (the scale-out deployment; SQLite is one process) meet the same new
 * gateways in opposite orders: neither may fail or duplicate.
 */
describe('creating series from two replicas at once', () => {
  let database: TestDatabase;
  const replicas: Platform[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const config = loadConfig(
        {},
        { databaseUrl: database.url, logLevel: 'silent', ingestToken: 'tok', flushIntervalMs: 60_000 },
      );
      replicas.push(await openPlatform(config, pino({ level: 'silent' })));
    }
  });
  afterAll(async () => {
    for (const p of replicas) await p.close();
    await database.drop();
  });

  it('creates every gateway, sensor and series once', async () => {
    const gateways = Array.from({ length: 300 }, (_, g) => g);
    const body = (order: number[]) =>
      order.flatMap((g) => ['temperature', 'humidity'].map((m) => line(g, m))).join('\n');
    const [a, b] = replicas;
    await Promise.all([
      a.ingest.writeLineProtocol(body(gateways), 'ms'),
      b.ingest.writeLineProtocol(body([...gateways].reverse()), 'ms'),
      a.ingest.writeLineProtocol(body([...gateways.slice(150), ...gateways.slice(0, 150)]), 'ms'),
    ]);
    const db = a.database.db;
    const count = async (table: 'gateway' | 'sensor' | 'series') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('gateway')).toBe(300);
    expect(await count('sensor')).toBe(600);
    expect(await count('series')).toBe(600);
    // Each series is its own sensor's: the serial number, medium and key of the two agree.
    const rows = await db
      .selectFrom('series')
      .innerJoin('sensor', 'sensor.id', 'series.sensor_id')
      .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
      .select(['series.key', 'gateway.sn', 'sensor.medium'])
      .execute();
    expect(rows).toHaveLength(600);
    for (const row of rows)
      expect(row.key).toContain(`SN=${row.sn},channel=1,device=1,medium=${row.medium} `);
  });
});
