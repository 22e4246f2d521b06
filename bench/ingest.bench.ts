/**
 * npm run bench:ingest [-- --points N | --full] [--db sqlite,postgres] [--no-influx] [--breakdown]
 *
 * Line protocol over HTTP, the forwarders' shape (1,000 gateways × 4 sensors, 10-minute
 * readings, in time order), 5,000 lines a request, 2 concurrent writers. Prints points/s end to
 * end (HTTP, parse, durable store) and bytes on disk per point once compacted, for CIOP on SQLite
 * and on PostgreSQL, beside InfluxDB 1.6 when the Debian package is installed.
 */
import { parseArgs } from 'node:util';
import { type BenchServer, startCiop, startInfluxdb } from './lib/servers.ts';
import { forwarderBodies, sendAll } from './lib/load.ts';

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '2000000' },
    full: { type: 'boolean', default: false },
    db: { type: 'string', default: 'sqlite,postgres' },
    'no-influx': { type: 'boolean', default: false },
    breakdown: { type: 'boolean', default: false },
    gateways: { type: 'string', default: '1000' },
    writers: { type: 'string', default: '2' },
    lines: { type: 'string', default: '5000' },
  },
});
const points = values.full ? 17_280_000 : Number(values.points);
const gateways = Number(values.gateways);
const writers = Number(values.writers);
const linesPerRequest = Number(values.lines);

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
  if (values.breakdown && server.breakdown) {
    console.log(`${server.name}, where the bytes go:`);
    for (const line of await server.breakdown()) console.log(`  ${line}`);
  }
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
