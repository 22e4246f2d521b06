import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../testing/databases.ts';
import {
  adminHeader,
  type Broker,
  buildReplicaServer,
  publishAtRate,
  type Replica,
  replicaMessage,
  startMosquitto,
  startReplica,
  storedValues,
} from '../testing/mqtt-replicas.ts';
import { freePort } from '../testing/ports.ts';

const SN = 'CC0000000000B001';
const T = Date.UTC(2026, 0, 1);
const COUNT = 6000;
const PER_SECOND = 1000;

/**
 * Two `ciop serve` replicas on one PostgreSQL database share an external Mosquitto through the
 * default shared subscription. One is killed (SIGKILL) while a gateway publishes at 1,000 QoS 1
 * messages a second, then started again as it would be by its supervisor: every message the
 * broker acknowledged to the publisher ends up stored.
 */
describe('MQTT through an external broker, a replica killed mid-stream', () => {
  let database: TestDatabase;
  let broker: Broker;
  let server: Awaited<ReturnType<typeof buildReplicaServer>>;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await buildReplicaServer();
    // The broker limits the README asks for: queues long enough for a replica's restart.
    broker = await startMosquitto({ max_queued_messages: 100_000 });
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await broker?.stop();
    await database?.drop();
    server?.remove();
  });

  it('stores every message the broker acknowledged', async () => {
    const ports = [await freePort(), await freePort()];
    const env = {
      CIOP_MQTT_URL: broker.url,
      CIOP_INGEST_TOKEN: 'replica-test',
      CIOP_FLUSH_INTERVAL_MS: '500',
    };
    // One after the other: the first one migrates the empty database and creates the admin.
    for (const port of ports) replicas.push(await startReplica(server.command, database.url, port, env));

    let restarted = false;
    const run = await publishAtRate(
      broker.url,
      'ciop/gw/ms',
      COUNT,
      PER_SECOND,
      (i) => replicaMessage(SN, T, i),
      async (progress) => {
        while (progress() < COUNT / 4) await new Promise((r) => setTimeout(r, 20));
        await replicas[0].kill();
        // Restarted as a supervisor would: same host, same port, same configuration.
        replicas[0] = await startReplica(server.command, database.url, ports[0], env);
        restarted = true;
      },
    );
    expect(restarted).toBe(true);
    const acknowledged = run.acknowledged.flatMap((ok, i) => (ok ? [i] : []));
    expect(acknowledged.length).toBeGreaterThan(COUNT * 0.9);

    const headers = await adminHeader(replicas[1].url);
    let missing: number[];
    const until = Date.now() + 20_000;
    for (;;) {
      const stored = await storedValues(replicas[1].url, headers, SN, T, T + COUNT * 1000);
      missing = acknowledged.filter((i) => !stored.has(i));
      if (missing.length === 0 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(
      missing.length,
      `${missing.length} of ${acknowledged.length} acknowledged messages were not stored (first: ${missing.slice(0, 10).join(', ')})\n` +
        `broker log:\n${broker.log().slice(-3000)}`,
    ).toBe(0);
  }, 120_000);
});
