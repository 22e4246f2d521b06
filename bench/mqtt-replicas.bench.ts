/**
 * npm run bench:mqtt-replicas [-- --rate 1000 --seconds 10 --runs 2]
 *
 * MQTT messages lost when a replica is killed. Two `ciop serve` replicas (built, on one fresh
 * PostgreSQL database) share a Mosquitto of their own through the default shared subscription; a
 * gateway publishes QoS 1 line-protocol messages at `rate` messages/s for `seconds` s; a quarter
 * of the way through one replica is killed (SIGKILL) and started again at once, as a supervisor
 * would. Prints, per run, the messages the broker acknowledged to the publisher and how many of
 * them were never stored. Run with the README's broker limits, and for reference with Mosquitto's
 * defaults (max_queued_messages 1000). Goal: 0 lost with the README's limits.
 */
import { parseArgs } from 'node:util';

process.env.CIOP_TEST_DATABASE = 'postgres';
process.env.CIOP_TEST_POSTGRES_URL ??=
  process.env.CIOP_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
// Read after the dialect is set: the helper picks it when it loads.
const { createTestDatabase } = await import('../src/server/testing/databases.ts');
const {
  adminHeader,
  buildReplicaServer,
  publishAtRate,
  replicaMessage,
  startMosquitto,
  startReplica,
  storedValues,
} = await import('../src/server/testing/mqtt-replicas.ts');
const { freePort } = await import('../src/server/testing/ports.ts');

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    runs: { type: 'string', default: '2' },
  },
});
const rate = Number(values.rate);
const count = Math.round(rate * Number(values.seconds));
const runs = Number(values.runs);
const SN = 'CC0000000000BE01';
const T = Date.UTC(2026, 0, 1);

interface Outcome {
  acknowledged: number;
  lost: number;
  rate: number;
  restartS: number;
}

async function run(brokerSettings: Record<string, number>): Promise<Outcome> {
  const database = await createTestDatabase();
  const broker = await startMosquitto(brokerSettings);
  const replicas: Awaited<ReturnType<typeof startReplica>>[] = [];
  try {
    const ports = [await freePort(), await freePort()];
    const env = { CIOP_MQTT_URL: broker.url, CIOP_INGEST_TOKEN: 'bench', CIOP_LOG_LEVEL: 'error' };
    for (const port of ports) replicas.push(await startReplica(server.command, database.url, port, env));
    let restartS = 0;
    const published = await publishAtRate(
      broker.url,
      'ciop/gw/ms',
      count,
      rate,
      (i) => replicaMessage(SN, T, i),
      async (progress) => {
        while (progress() < count / 4) await new Promise((r) => setTimeout(r, 10));
        await replicas[0].kill();
        const started = performance.now();
        replicas[0] = await startReplica(server.command, database.url, ports[0], env);
        restartS = (performance.now() - started) / 1000;
      },
    );
    const acknowledged = published.acknowledged.flatMap((ok, i) => (ok ? [i] : []));
    // Wait until every acknowledged message is stored, or nothing more has come for 10 s.
    const headers = await adminHeader(replicas[1].url);
    let lost = acknowledged.length;
    let quietSince = performance.now();
    while (lost > 0 && performance.now() - quietSince < 10_000) {
      await new Promise((r) => setTimeout(r, 500));
      const stored = await storedValues(replicas[1].url, headers, SN, T, T + count * 1000);
      const now = acknowledged.filter((i) => !stored.has(i)).length;
      if (now < lost) quietSince = performance.now();
      lost = now;
    }
    return { acknowledged: acknowledged.length, lost, rate: published.rate, restartS };
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await broker.stop();
    await database.drop();
  }
}

const README_LIMITS = { max_queued_messages: 1_000_000, max_queued_bytes: 0 };
const MOSQUITTO_DEFAULTS = {};
const server = await buildReplicaServer();
console.log(
  `2 replicas on PostgreSQL, ${count.toLocaleString('en')} QoS 1 messages at ${rate.toLocaleString('en')} messages/s, ` +
    `one replica killed (SIGKILL) and restarted a quarter of the way, node ${process.version}`,
);
let worst = 0;
try {
  for (const [name, settings] of [
    ["CIOP, the README's broker limits", README_LIMITS],
    ['reference: Mosquitto defaults', MOSQUITTO_DEFAULTS],
  ] as const) {
    for (let i = 1; i <= runs; i++) {
      const o = await run(settings);
      if (settings === README_LIMITS) worst = Math.max(worst, o.lost);
      console.log(
        `${`${name}, run ${i}`.padEnd(40)} ${o.acknowledged.toLocaleString('en').padStart(7)} acknowledged` +
          `  ${o.lost.toLocaleString('en').padStart(6)} lost  (${Math.round(o.rate).toLocaleString('en')} messages/s sent, restart ${o.restartS.toFixed(1)} s)`,
      );
    }
  }
} finally {
  server.remove();
}
console.log(`goal 0 acknowledged messages lost with the README's limits: ${worst === 0 ? 'met' : 'NOT met'}`);
