/**
 * node --import tsx bench/query-ngsild.ts [-- --days N] [--runs N] [--db sqlite,postgres]
 * (run at the end of `npm run bench:query`, with its defaults)
 *
 * An NGSI-LD temporal query with hourly aggregation over a year for one entity: the
 * DeviceMeasurement of one temperature sensor,
 * `GET /ngsi-ld/v1/temporal/entities/{id}?timerel=between&…&options=aggregatedValues&aggrMethods=avg,min,max&aggrPeriodDuration=PT1H`,
 * median of `runs` over HTTP (one kept-alive connection). Loads 1 gateway × 4 sensors × `days` of
 * 10-minute readings first. Goal: under 50 ms on SQLite.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { adminHeaders, startCiop } from './lib/servers.ts';
import { forwarderBodies, sendAll } from './lib/load.ts';
import { closeConnections, get } from './lib/http.ts';

const { values } = parseArgs({
  strict: false,
  options: {
    days: { type: 'string', default: '365' },
    runs: { type: 'string', default: '20' },
    db: { type: 'string', default: 'sqlite' },
  },
});
// Run after bench/query.bench.ts, whose options mean other things: only this file's own are read.
const standalone = process.argv[1]?.endsWith('query-ngsild.ts');
const option = (name: 'days' | 'runs' | 'db', fallback: string) =>
  standalone ? String(values[name] ?? fallback) : fallback;
const days = Number(option('days', '365'));
const runs = Number(option('runs', '20'));
const dialects = option('db', 'sqlite').split(',') as ('sqlite' | 'postgres')[];
const GATEWAYS = 1;
const points = GATEWAYS * 4 * days * 144;
// Up to the last midnight: readings in the future are refused.
const START = Math.floor(Date.now() / 86_400_000) * 86_400_000 - days * 86_400_000;
const END = START + days * 86_400_000;

const medianOf = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];

interface Row {
  name: string;
  loadS: number;
  ms: number;
  floorMs: number;
}

async function bench(dialect: 'sqlite' | 'postgres'): Promise<Row> {
  const server = await startCiop(dialect);
  try {
    const loadMs = await sendAll(
      `${server.url}/write?db=ciop&precision=ns`,
      { 'content-type': 'text/plain', authorization: server.authorization! },
      forwarderBodies(GATEWAYS, points, 5000, START),
      2,
    );
    const admin = await adminHeaders(server.url);
    const res = await fetch(`${server.url}/api/v1/admin/tokens`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'ngsi-ld', scopes: ['read'] }),
    });
    if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`);
    const headers = { authorization: `Bearer ${((await res.json()) as { token: string }).token}` };
    // Let CIOP compact its ingest log into series blocks and their hourly rollups.
    await new Promise((r) => setTimeout(r, 5000));
    const q = encodeURIComponent('controlledProperty=="temperature"');
    const [entity] = JSON.parse(
      await get(`${server.url}/ngsi-ld/v1/entities?type=DeviceMeasurement&q=${q}&limit=1`, headers),
    ) as { id: string }[];
    if (!entity) throw new Error('no DeviceMeasurement of a temperature sensor');
    const url =
      `${server.url}/ngsi-ld/v1/temporal/entities/${entity.id}?timerel=between` +
      `&timeAt=${new Date(START).toISOString()}&endTimeAt=${new Date(END).toISOString()}` +
      '&options=aggregatedValues&aggrMethods=avg,min,max&aggrPeriodDuration=PT1H';
    const times: number[] = [];
    const floor: number[] = [];
    for (let run = -1; run < runs; run++) {
      // The floor: the entity itself, through the same authentication and HTTP.
      let started = performance.now();
      await get(`${server.url}/ngsi-ld/v1/entities/${entity.id}`, headers);
      if (run >= 0) floor.push(performance.now() - started);
      started = performance.now();
      const text = await get(url, headers);
      const elapsed = performance.now() - started;
      const hours = (JSON.parse(text) as { numValue: { avg: unknown[] } }).numValue.avg.length;
      if (hours !== days * 24) throw new Error(`expected ${days * 24} hours, got ${hours}`);
      if (run >= 0) times.push(elapsed); // the first run warms up
    }
    return { name: server.name, loadS: loadMs / 1000, ms: medianOf(times), floorMs: medianOf(floor) };
  } finally {
    await server.stop();
  }
}

const rows: Row[] = [];
try {
  for (const dialect of dialects) rows.push(await bench(dialect));
} finally {
  closeConnections();
}

console.log(
  `\nNGSI-LD temporal query, one DeviceMeasurement aggregated per hour (avg, min, max; ${days * 24} periods from the hourly rollups) over ${days} days: ${GATEWAYS} gateway × 4 sensors of 10-minute readings (${points.toLocaleString('en')} points), median of ${runs} runs over HTTP (one kept-alive connection)\n`,
);
console.log('server            load     retrieve entity   temporal, PT1H');
for (const r of rows)
  console.log(
    `${r.name.padEnd(16)}  ${r.loadS.toFixed(1).padStart(5)} s  ${r.floorMs.toFixed(2).padStart(12)} ms  ${r.ms.toFixed(2).padStart(11)} ms`,
  );
console.log(
  `\ngoal: the temporal query under 50 ms on SQLite (load average ${loadavg()[0].toFixed(1)} at the end)`,
);
