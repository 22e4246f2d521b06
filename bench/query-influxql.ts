/**
 * node --import tsx bench/query-influxql.ts [-- --gateways N] [--days N] [--runs N] [--db sqlite,postgres] [--no-influx]
 * (run at the end of `npm run bench:query`, with its defaults)
 *
 * Grafana's query of one gateway through the InfluxDB 1.x query API,
 * `SELECT mean("value") FROM "forwarder_data" WHERE "SN" = '…' AND $timeFilter GROUP BY time(1h) fill(null)`,
 * over the last 30 days and over a year, median of `runs` over HTTP, for CIOP beside InfluxDB 1.6
 * (Debian's `influxd`, started on free ports) in the same run. Loads `gateways` × 4 sensors ×
 * `days` of 10-minute readings into each first; the gateway's 4 series are averaged per hour.
 */
import { parseArgs } from 'node:util';
import { adminHeaders, type BenchServer, startCiop, startInfluxdb } from './lib/servers.ts';
import { forwarderBodies, sendAll, serialOf } from './lib/load.ts';
import { closeConnections, get } from './lib/http.ts';

const { values } = parseArgs({
  strict: false,
  options: {
    gateways: { type: 'string', default: '5' },
    days: { type: 'string', default: '365' },
    runs: { type: 'string', default: '20' },
    db: { type: 'string', default: 'sqlite' },
    'no-influx': { type: 'boolean', default: false },
  },
});
// Run after bench/query.bench.ts, whose options mean other things: only this file's own are read.
const standalone = process.argv[1]?.endsWith('query-influxql.ts');
const option = (name: 'gateways' | 'days' | 'runs' | 'db', fallback: string) =>
  standalone ? String(values[name] ?? fallback) : fallback;
const gateways = Number(option('gateways', '5'));
const days = Number(option('days', '365'));
const runs = Number(option('runs', '20'));
const dialects = option('db', 'sqlite').split(',') as ('sqlite' | 'postgres')[];
const noInflux = standalone && values['no-influx'] === true;
const points = gateways * 4 * days * 144;
// A year up to the last midnight: readings in the future are refused.
const START = Math.floor(Date.now() / 86_400_000) * 86_400_000 - days * 86_400_000;
const end = START + days * 86_400_000 - 1;
const RANGES = [
  { label: '30 days', from: end + 1 - 30 * 86_400_000, hours: 30 * 24 },
  { label: `${days} days`, from: START, hours: days * 24 },
];
const SN = serialOf(Math.min(3, gateways - 1));

/** The query as Grafana sends it, `$timeFilter` filled in for an absolute range. */
const grafanaQuery = (from: number) =>
  `SELECT mean("value") FROM "forwarder_data" WHERE "SN" = '${SN}' AND time >= ${from}ms and time <= ${end}ms GROUP BY time(1h) fill(null)`;

interface Answer {
  results: { error?: string; series?: { values: unknown[][] }[] }[];
}

interface Target {
  name: string;
  url: string;
  db: string;
  headers: Record<string, string>;
  loadS: number;
  stop(): Promise<void>;
}

/** One timed request, ms; the answer checked. */
async function timed(target: Target, q: string, check: (body: Answer) => void): Promise<number> {
  const url = `${target.url}/query?db=${target.db}&epoch=ms&q=${encodeURIComponent(q)}`;
  const started = performance.now();
  const text = await get(url, target.headers);
  const elapsed = performance.now() - started;
  check(JSON.parse(text) as Answer);
  return elapsed;
}

const medianOf = (times: number[]) => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];

async function load(server: BenchServer, url: string): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'text/plain' };
  if (server.authorization) headers.authorization = server.authorization;
  return sendAll(url, headers, forwarderBodies(gateways, points, 5000, START), 2);
}

async function ciopTarget(dialect: 'sqlite' | 'postgres'): Promise<Target> {
  const server = await startCiop(dialect);
  try {
    const loadMs = await load(server, `${server.url}/write?db=ciop&precision=ns`);
    const admin = await adminHeaders(server.url);
    const res = await fetch(`${server.url}/api/v1/admin/tokens`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'grafana', scopes: ['read'] }),
    });
    if (!res.ok) throw new Error(`token: ${res.status} ${await res.text()}`);
    const { token } = (await res.json()) as { token: string };
    return {
      name: server.name,
      url: server.url,
      db: 'ciop',
      headers: { authorization: `Token ${token}` },
      loadS: loadMs / 1000,
      stop: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

async function influxTarget(): Promise<Target | undefined> {
  const influx = await startInfluxdb();
  if (!influx) return undefined;
  try {
    const loadMs = await load(influx, `${influx.url}/write?db=bench&precision=ns`);
    return {
      name: influx.name,
      url: influx.url,
      db: 'bench',
      headers: {},
      loadS: loadMs / 1000,
      stop: () => influx.stop(),
    };
  } catch (error) {
    await influx.stop();
    throw error;
  }
}

const queries = [
  // The floor: a statement that reads nothing, through the same authentication and HTTP.
  { label: 'SHOW DATABASES', q: 'SHOW DATABASES', check: () => {} },
  ...RANGES.map((range) => ({
    label: range.label,
    q: grafanaQuery(range.from),
    check: (body: Answer) => {
      const rows = body.results[0].series?.[0].values.length;
      if (rows !== range.hours)
        throw new Error(`expected ${range.hours} hours, got ${rows}: ${JSON.stringify(body).slice(0, 300)}`);
    },
  })),
];

const targets: Target[] = [];
let reference = '';
const times: number[][][] = [];
try {
  for (const dialect of dialects) targets.push(await ciopTarget(dialect));
  if (noInflux) reference = 'InfluxDB reference skipped (--no-influx).';
  else {
    const influx = await influxTarget();
    if (influx) targets.push(influx);
    else
      reference =
        'InfluxDB 1.6 is not installed (apt-get install -y influxdb): no reference run, CIOP alone.';
  }
  // Let CIOP compact its ingest log into series blocks and their hourly rollups.
  await new Promise((r) => setTimeout(r, 5000));
  // The servers take turns request by request, so that a busy machine slows them alike.
  for (const _ of targets) times.push(queries.map(() => []));
  for (let run = -1; run < runs; run++)
    for (let k = 0; k < queries.length; k++)
      for (let s = 0; s < targets.length; s++) {
        const ms = await timed(targets[s], queries[k].q, queries[k].check);
        if (run >= 0) times[s][k].push(ms); // the first round warms up
      }
} finally {
  for (const t of targets) await t.stop();
  closeConnections();
}

console.log(
  `\nInfluxQL, Grafana's query of one gateway (4 series) per hour: ${gateways} gateways × 4 sensors × ${days} days of 10-minute readings (${points.toLocaleString('en')} points), median of ${runs} runs over HTTP (one kept-alive connection each, the servers taking turns)`,
);
console.log(`  ${grafanaQuery(RANGES[0].from).replace(/time >= .*ms and time <= \d+ms/, '$timeFilter')}\n`);
if (reference) console.log(reference);
console.log(`server            load     ${queries.map((q) => q.label.padStart(14)).join('  ')}`);
for (const [s, t] of targets.entries())
  console.log(
    `${t.name.padEnd(16)}  ${t.loadS.toFixed(1).padStart(5)} s  ${times[s].map((list) => `${medianOf(list).toFixed(2).padStart(11)} ms`).join('  ')}`,
  );
console.log('\ngoal: CIOP ≤ InfluxDB for both ranges, and under 5 ms for 30 days');
