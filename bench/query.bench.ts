/**
 * npm run bench:query [-- --gateways N] [--days N] [--runs N] [--db sqlite,postgres] [--no-influx]
 * (then bench/query-influxql.ts, bench/query-ngsild.ts and bench/query-groups.ts, with their own
 * defaults)
 *
 * Hourly min/max/avg of one sensor over 30 days, and the hourly mean of a 10-gateway group over
 * 30 days, median of 20 runs over HTTP, for CIOP (SQLite, PostgreSQL) beside InfluxDB 1.6 when the
 * Debian package is installed. Loads `gateways` × 4 sensors × `days` of 10-minute readings first.
 */
import { parseArgs } from 'node:util';
import { adminHeaders, type BenchServer, startCiop, startInfluxdb } from './lib/servers.ts';
import { forwarderBodies, LOAD_START, sendAll, serialOf, STEP_MS } from './lib/load.ts';
import { get } from './lib/http.ts';

const getJson = async (url: string, headers: Record<string, string> = {}): Promise<unknown> =>
  JSON.parse(await get(url, headers));

const { values } = parseArgs({
  options: {
    gateways: { type: 'string', default: '100' },
    days: { type: 'string', default: '30' },
    runs: { type: 'string', default: '20' },
    db: { type: 'string', default: 'sqlite,postgres' },
    'no-influx': { type: 'boolean', default: false },
  },
});
const gateways = Number(values.gateways);
const days = Number(values.days);
const runs = Number(values.runs);
const points = gateways * 4 * days * 144;
const from = LOAD_START;
const to = LOAD_START + days * 86_400_000 - 1;
const GROUP = 10;

async function median(run: () => Promise<void>): Promise<number> {
  await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function load(server: BenchServer, url: string): Promise<void> {
  const headers: Record<string, string> = { 'content-type': 'text/plain' };
  if (server.authorization) headers.authorization = server.authorization;
  await sendAll(url, headers, forwarderBodies(gateways, points, 5000), 2);
}

interface Result {
  name: string;
  single: number;
  group: number;
}

async function benchCiop(dialect: 'sqlite' | 'postgres'): Promise<Result> {
  const server = await startCiop(dialect);
  try {
    await load(server, `${server.url}/api/v2/write?precision=ns`);
    const admin = await adminHeaders(server.url);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: number };
    };
    // A building whose ten dwellings each have one of the loaded gateways: the group.
    const district = await post('/api/v1/districts', { code: 'BENCH', name: 'Bench', city: 'Bench' });
    const building = await post('/api/v1/buildings', {
      districtId: district.id,
      code: 'BENCH_1',
      address: 'Bench 1',
      latitude: 42.85,
      longitude: -2.67,
    });
    for (let g = 0; g < GROUP; g++) {
      const dwelling = await post('/api/v1/dwellings', {
        buildingId: building.id,
        label: `${g} Izq.`,
        floor: g,
      });
      const { items } = (await getJson(`${server.url}/api/v1/gateways?sn=${serialOf(g)}`, admin)) as {
        items: { id: number }[];
      };
      const res = await fetch(`${server.url}/api/v1/gateways/${items[0].id}`, {
        method: 'PATCH',
        headers: admin,
        body: JSON.stringify({ dwellingId: dwelling.id }),
      });
      if (!res.ok) throw new Error(`register gateway: ${res.status} ${await res.text()}`);
    }
    const token = (await post('/api/v1/admin/tokens', {
      name: 'bench reader',
      scopes: ['read'],
    })) as unknown as { token: string };
    const reader = { authorization: `Bearer ${token.token}` };
    const sensor = `sn=${serialOf(3)}&channel=1&device=1&medium=temperature`;
    const single = await median(async () => {
      const body = (await getJson(
        `${server.url}/api/v1/readings/aggregate?${sensor}&from=${from}&to=${to}&interval=hour`,
        reader,
      )) as { buckets: unknown[] };
      if (body.buckets.length !== days * 24)
        throw new Error(`expected ${days * 24} hours, got ${body.buckets.length}`);
    });
    const group = await median(async () => {
      const body = (await getJson(
        `${server.url}/api/v1/readings/group?building=${building.id}&medium=temperature&from=${from}&to=${to}&interval=hour`,
        reader,
      )) as { members: number };
      if (body.members !== GROUP) throw new Error(`expected ${GROUP} members, got ${body.members}`);
    });
    return { name: server.name, single, group };
  } finally {
    await server.stop();
  }
}

async function benchInflux(): Promise<Result | undefined> {
  const influx = await startInfluxdb();
  if (!influx) return undefined;
  try {
    await load(influx, `${influx.url}/write?db=bench&precision=ns`);
    const query = (q: string) => async () => {
      const body = (await getJson(`${influx.url}/query?db=bench&epoch=ms&q=${encodeURIComponent(q)}`)) as {
        results: { series?: { values: unknown[] }[]; error?: string }[];
      };
      if (body.results[0].error) throw new Error(`InfluxDB: ${JSON.stringify(body)}`);
    };
    const range = `time >= ${from}ms AND time <= ${to}ms`;
    const single = await median(
      query(
        `SELECT min(value), max(value), mean(value) FROM forwarder_data WHERE "SN" = '${serialOf(3)}' AND medium = 'temperature' AND ${range} GROUP BY time(1h)`,
      ),
    );
    const serials = Array.from({ length: GROUP }, (_, g) => serialOf(g)).join('|');
    const group = await median(
      query(
        `SELECT mean(value) FROM forwarder_data WHERE "SN" =~ /^(${serials})$/ AND medium = 'temperature' AND ${range} GROUP BY time(1h)`,
      ),
    );
    return { name: influx.name, single, group };
  } finally {
    await influx.stop();
  }
}

const results: Result[] = [];
for (const dialect of values.db.split(',') as ('sqlite' | 'postgres')[])
  results.push(await benchCiop(dialect));
if (!values['no-influx']) {
  const influx = await benchInflux();
  if (influx) results.push(influx);
  else console.log('InfluxDB is not installed (apt-get install -y influxdb): no reference run.');
}

console.log(
  `\nquery: ${gateways} gateways × 4 sensors × ${days} days of 10-minute readings (${points.toLocaleString('en')} points), median of ${runs} runs over HTTP (one kept-alive connection)\n`,
);
console.log('server            1 sensor, hourly, 30 d   10-gateway group, hourly, 30 d');
for (const r of results) {
  console.log(
    `${r.name.padEnd(16)}  ${r.single.toFixed(2).padStart(14)} ms   ${r.group.toFixed(2).padStart(22)} ms`,
  );
}
console.log(`\ngoal: under 5 ms median for the single sensor (step ${STEP_MS / 60_000} min)`);

// Grafana's InfluxQL query over 30 days and over a year, CIOP beside InfluxDB 1.6 in turns.
await import('./query-influxql.ts');

// An NGSI-LD temporal query with hourly aggregation over a year for one entity.
await import('./query-ngsild.ts');

// A district's mean from the group rollups beside the members' computation.
await import('./query-groups.ts');
