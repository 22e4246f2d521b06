/**
 * npm run bench:ingest [-- --points N | --full] [--db sqlite,postgres] [--no-influx]
 *
 * Line protocol over HTTP, the forwarders' shape (1,000 gateways × 4 sensors, 10-minute
 * readings, in time order), 5,000 lines a request, 2 concurrent writers. Prints points/s end to
 * end (HTTP, parse, durable store) and bytes on disk per point once compacted, for CIOP on SQLite
 * and on PostgreSQL, beside InfluxDB 1.6 when the Debian package is installed.
 *
 * npm run bench:ingest -- --latency [--db sqlite|postgres] [--clients 50] [--lines 100] [--seconds 60]
 *
 * Ingest latency: `ciop start` (the demo district seeded, its live simulator publishing, every
 * job running), then 50 clients each writing 100-line batches in a loop for a minute, while one
 * more client asks the health endpoint every 100 ms. Prints p50/p99/max of the batches and the
 * health endpoint's p99 beside the goal: p99 ≤ 50 ms and no request over 1 s.
 */
import { parseArgs } from 'node:util';
import { type BenchServer, startCiop, startInfluxdb } from './lib/servers.ts';
import { forwarderBodies, quantile, sendAll, STEP_MS, type Timed, writeFor } from './lib/load.ts';
import { closeConnections, get } from './lib/http.ts';

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '2000000' },
    full: { type: 'boolean', default: false },
    db: { type: 'string', default: 'sqlite,postgres' },
    'no-influx': { type: 'boolean', default: false },
    gateways: { type: 'string', default: '1000' },
    writers: { type: 'string', default: '2' },
    lines: { type: 'string' },
    latency: { type: 'boolean', default: false },
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
  },
});
const points = values.full ? 17_280_000 : Number(values.points);
const gateways = Number(values.gateways);
const writers = Number(values.writers);
const linesPerRequest = Number(values.lines ?? (values.latency ? 100 : 5000));

if (values.latency) {
  await latency();
  process.exit(0);
}

interface Result {
  name: string;
  pointsPerS: number;
  settledS: number;
  bytesPerPoint: number;
}

async function waitUntilCompacted(server: BenchServer): Promise<void> {
  if (!server.name.startsWith('CIOP')) return;
  for (;;) {
    const health = (await (await fetch(`${server.url}/api/v1/health`)).json()) as { pendingReadings: number };
    if (health.pendingReadings === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function run(server: BenchServer, writeUrl: string): Promise<Result> {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (server.authorization) headers.authorization = server.authorization;
  const elapsed = await sendAll(
    writeUrl,
    headers,
    forwarderBodies(gateways, points, linesPerRequest),
    writers,
  );
  const started = performance.now();
  await waitUntilCompacted(server);
  const settled = elapsed + (performance.now() - started);
  // Let background housekeeping land: CIOP gives the emptied log's and the write-ahead files'
  // space back within 10 s of the log emptying; InfluxDB snapshots its cache.
  await new Promise((r) => setTimeout(r, 12_000));
  const bytes = await server.diskBytes();
  if (process.env.CIOP_BENCH_LIST) console.log(server.name, await server.files?.());
  return {
    name: server.name,
    pointsPerS: points / (elapsed / 1000),
    settledS: settled / 1000,
    bytesPerPoint: bytes / points,
  };
}

const results: Result[] = [];
for (const dialect of values.db.split(',') as ('sqlite' | 'postgres')[]) {
  const server = await startCiop(dialect);
  try {
    results.push(await run(server, `${server.url}/api/v2/write?org=city&bucket=ciop&precision=ns`));
  } finally {
    await server.stop();
  }
}
if (!values['no-influx']) {
  const influx = await startInfluxdb();
  if (influx) {
    try {
      results.push(await run(influx, `${influx.url}/write?db=bench&precision=ns`));
    } finally {
      await influx.stop();
    }
  } else {
    console.log('InfluxDB is not installed (apt-get install -y influxdb): no reference run.');
  }
}

const reference = results.find((r) => r.name.startsWith('InfluxDB'));
console.log(
  `\ningest: ${points.toLocaleString('en')} points, ${gateways} gateways × 4 sensors, ${linesPerRequest} lines/request, ${writers} writers\n`,
);
console.log('server            points/s   vs InfluxDB   compacted after   bytes/point');
for (const r of results) {
  const ratio = reference ? `${(r.pointsPerS / reference.pointsPerS).toFixed(2)}×` : '–';
  console.log(
    `${r.name.padEnd(16)} ${Math.round(r.pointsPerS).toLocaleString('en').padStart(9)}   ${ratio.padStart(11)}   ${r.settledS.toFixed(1).padStart(13)} s   ${r.bytesPerPoint.toFixed(1).padStart(11)}`,
  );
}

/** The ingest latency under many small writers while the demo's simulator and the jobs run. */
async function latency(): Promise<void> {
  const GOAL_P99_MS = 50;
  const GOAL_MAX_MS = 1000;
  const clients = Number(values.clients);
  const seconds = Number(values.seconds);
  const rows: string[] = [];
  for (const dialect of values.db.split(',') as ('sqlite' | 'postgres')[]) {
    const seeding = performance.now();
    const server = await startCiop(dialect, {}, { command: 'start' });
    const seededS = (performance.now() - seeding) / 1000;
    try {
      // Recent readings, so that every job (rollups, comfort hours, KPIs, alarms, silent devices)
      // sees them as today's.
      const start = Math.floor((Date.now() - 3 * 86_400_000) / STEP_MS) * STEP_MS;
      const headers = { 'content-type': 'text/plain; charset=utf-8', authorization: server.authorization };
      const health: Timed[] = [];
      let writing = true;
      const began = performance.now();
      const watcher = (async () => {
        while (writing) {
          const sent = performance.now();
          await get(`${server.url}/api/v1/health`);
          health.push({ at: sent - began, ms: performance.now() - sent });
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const batches = await writeFor(
        `${server.url}/api/v2/write?org=city&bucket=ciop&precision=ns`,
        headers,
        forwarderBodies(gateways, Number.POSITIVE_INFINITY, linesPerRequest, start),
        clients,
        seconds * 1000,
      );
      writing = false;
      await watcher;
      const ms = batches.map((b) => b.ms);
      const p99 = quantile(ms, 0.99);
      const max = Math.max(...ms);
      const slowest = [...batches]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 5)
        .map((b) => `${b.ms.toFixed(0)} ms at ${(b.at / 1000).toFixed(1)} s`);
      rows.push(
        [
          server.name.padEnd(16),
          Math.round((batches.length * linesPerRequest) / seconds)
            .toLocaleString('en')
            .padStart(9),
          quantile(ms, 0.5).toFixed(1).padStart(8),
          p99.toFixed(1).padStart(8),
          max.toFixed(0).padStart(8),
          quantile(
            health.map((h) => h.ms),
            0.99,
          )
            .toFixed(1)
            .padStart(11),
          `   ${p99 <= GOAL_P99_MS && max <= GOAL_MAX_MS ? 'met' : 'not met'}`,
        ].join(' '),
      );
      console.log(
        `${server.name}: demo seeded and serving after ${seededS.toFixed(0)} s; ${batches.length.toLocaleString('en')} batches; slowest: ${slowest.join(', ')}`,
      );
    } finally {
      closeConnections();
      await server.stop();
    }
  }
  console.log(
    `\ningest latency: ${clients} clients each writing ${linesPerRequest}-line batches in a loop for ${seconds} s (${gateways} gateways × 4 sensors), with \`ciop start\`'s demo simulator and jobs running; the health endpoint asked every 100 ms meanwhile\n`,
  );
  console.log(
    'server            points/s   p50 ms   p99 ms   max ms   health p99   goal: p99 ≤ 50 ms, max ≤ 1 s',
  );
  for (const row of rows) console.log(row);
}
