/**
 * npm run bench:city [-- --dwellings N] [--cities C] [--db sqlite|postgres] [--replicas R]
 *                        [--minutes M] [--speed X] [--residents N] [--readers N] [--batch N]
 *                        [--jobs all|none|a,b] [--without a,b] [--job-replica]
 *
 * A whole city, simulated: `dwellings` dwellings (default 110,000) in buildings of 40 and
 * districts of 5,500, each with a gateway and four sensors (temperature, humidity, CO2, power)
 * reading every 10 minutes, registered through CIOP's own registry tables and its ingest (the
 * first reading of each sensor registers it), then written at the city's real rate × `speed`
 * (default 144: a simulated day in 10 minutes) for `minutes` of wall time through the HTTP line
 * protocol (`POST /write`, batches of `batch` lines, as forwarders send them), with every job of
 * the platform running on the simulated clock in `replicas` server processes sharing one database
 * (bench/lib/city-replica.ts; jobs claimed once across them). Meanwhile `readers` concurrent
 * residents, drawn at random among `residents` accounts, open the home app's compare page (their
 * dwelling, building and district for each of the four media, and the comfort of the three, over
 * the last week).
 *
 * Printed: the ingest rate held beside the rate asked, each job's lag behind the data in
 * simulated time (goal: under a minute), the compare page's p99 per request and per page, the
 * replicas' RSS, and the bytes stored per sensor per year (extrapolated from what the run stored).
 * `--cities C` registers C such cities on one database (PostgreSQL only with `--replicas` > 1).
 * `--job-replica` (with `--replicas` 2 or more) has replica 0 run every job and get no traffic,
 * and the others run none, as replicas started with `CIOP_JOBS=off` behind nginx.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { BY_SYSTEM } from '../src/server/audit/by.ts';
import { loadConfig, type Config } from '../src/server/config.ts';
import { openPlatform, type Platform } from '../src/server/platform.ts';
import { freePort } from '../src/server/testing/ports.ts';
import { folderBytes } from './lib/servers.ts';
import { MEDIA } from './lib/load.ts';
import { insertBuilding, insertDistrict, insertDwellingsWithGateways } from './lib/registry.ts';

const { values } = parseArgs({
  options: {
    dwellings: { type: 'string', default: '110000' },
    cities: { type: 'string', default: '1' },
    db: { type: 'string', default: 'sqlite' },
    replicas: { type: 'string', default: '1' },
    minutes: { type: 'string', default: '10' },
    speed: { type: 'string', default: '144' },
    residents: { type: 'string', default: '50' },
    readers: { type: 'string', default: '2' },
    batch: { type: 'string', default: '5000' },
    writers: { type: 'string', default: '4' },
    jobs: { type: 'string', default: 'all' },
    without: { type: 'string', default: '' },
    'job-replica': { type: 'boolean', default: false },
  },
});
/** Replica 0 runs every job and is sent no traffic; the others run none (`CIOP_JOBS=off`). */
const JOB_REPLICA = values['job-replica'] === true;
const DWELLINGS = Number(values.dwellings);
const CITIES = Number(values.cities);
const DIALECT = values.db as 'sqlite' | 'postgres';
const REPLICAS = Number(values.replicas);
const MINUTES = Number(values.minutes);
const SPEED = Number(values.speed);
const RESIDENTS = Number(values.residents);
const READERS = Number(values.readers);
const BATCH = Number(values.batch);
const WRITERS = Number(values.writers);
if (!['sqlite', 'postgres'].includes(DIALECT)) throw new Error(`--db: sqlite or postgres, not ${DIALECT}`);
if (DIALECT === 'sqlite' && REPLICAS > 1)
  throw new Error('--replicas: replicas share a PostgreSQL database; use --db postgres');
if (JOB_REPLICA && REPLICAS < 2)
  throw new Error('--job-replica: one replica runs the jobs and the others answer; use --replicas 2 or more');
for (const [name, v] of Object.entries({ DWELLINGS, CITIES, REPLICAS, MINUTES, SPEED, BATCH, WRITERS }))
  if (!(v > 0)) throw new Error(`--${name.toLowerCase()}: a positive number, not ${String(v)}`);

const PER_BUILDING = 40;
const PER_DISTRICT = 5_500;
const STEP = 600_000;
const DAY = 86_400_000;
const YEAR = 365 * DAY;
const TOTAL_DWELLINGS = DWELLINGS * CITIES;
const SENSORS = TOTAL_DWELLINGS * MEDIA.length;
const SPAN = MINUTES * 60_000 * SPEED;
const PASSWORD = 'city simulation resident 2026';
// Jobs that reach services outside the machine (feeds, utilities, backups) are left out.
const SKIP = [
  ...(values.without ? values.without.split(',') : []),
  'news-fetch',
  'datadis-fetch',
  'fleet-poll',
  'gtfs-rt-poll',
  'vendor-refill',
  'backup',
];

const serial = (i: number) => `C1${i.toString(16).toUpperCase().padStart(14, '0')}`;
/** A sensor's reading at a slot: short decimals varying smoothly over the day, as rooms do. */
function valueOf(medium: number, dwelling: number, slot: number): string {
  const wave = Math.sin((2 * Math.PI * (slot % 144)) / 144 + dwelling);
  switch (medium) {
    case 0:
      return (20 + wave * 2 + ((dwelling * 7 + slot) % 5) / 10).toFixed(1);
    case 1:
      return (50 + wave * 8 + ((dwelling + slot) % 3)).toFixed(1);
    case 2:
      return String(Math.round(600 + wave * 250 + ((dwelling * 13 + slot) % 40)));
    default:
      return String(Math.round(300 + Math.abs(wave) * 900 + ((dwelling * 31 + slot * 17) % 200)));
  }
}

const pct = (sorted: number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits });

// ---------------------------------------------------------------------------------------------
// The database
const PG_ADMIN = process.env.CIOP_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dir = mkdtempSync(path.join(tmpdir(), 'ciop-bench-city-'));
let databaseUrl = `sqlite:${path.join(dir, 'ciop.db')}`;
const pgName = `ciop_bench_city_${process.pid}`;
async function pgAdmin(q: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  await c.query(q);
  await c.end();
}
if (DIALECT === 'postgres') {
  await pgAdmin(`CREATE DATABASE ${pgName}`);
  const u = new URL(PG_ADMIN);
  u.pathname = `/${pgName}`;
  databaseUrl = u.toString();
}
async function diskBytes(): Promise<number> {
  if (DIALECT === 'sqlite') return folderBytes(dir);
  const c = new pg.Client({ connectionString: databaseUrl });
  await c.connect();
  const { rows } = await c.query('SELECT pg_database_size(current_database())::bigint AS b');
  await c.end();
  return Number(rows[0].b);
}
async function cleanUp(): Promise<void> {
  if (DIALECT === 'postgres') await pgAdmin(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`);
  rmSync(dir, { recursive: true, force: true });
}

const configOverrides: Partial<Config> = {
  databaseUrl,
  logLevel: 'warn',
  sqliteSync: 'normal',
  ingestMinTime: Date.UTC(2000, 0, 1),
  ingestMaxNewSeries: SENSORS * 2,
  ingestNewSeriesPerMinute: 0,
  ingestToken: 'bench-city-token',
  accessTokenTtlS: 86_400,
  rateLimitPerMinute: 0,
  // The residents log in together at the start, from one address.
  authRatePerMinute: 1_000_000,
};

// The simulated clock starts at a midnight, far enough back that the whole run stays in the past.
const SIM_START = Math.floor((Date.now() - SPAN - DAY) / DAY) * DAY;

// ---------------------------------------------------------------------------------------------
// The city: districts, buildings, dwellings and their gateways, through the registry's tables.
interface Resident {
  email: string;
  dwelling: number;
  building: number;
  district: number;
  token?: string;
}

async function register(platform: Platform): Promise<{ residents: Resident[]; dwellingIds: number[] }> {
  const db = platform.database.db;
  const now = Date.now();
  const places: { dwelling: number; building: number; district: number }[] = [];
  let index = 0;
  for (let c = 0; c < CITIES; c++) {
    for (let d = 0; d * PER_DISTRICT < DWELLINGS; d++) {
      const district = await insertDistrict(
        db,
        `CITY${c}-D${d}`,
        `City ${c} district ${d}`,
        `City ${c}`,
        now,
      );
      const inDistrict = Math.min(PER_DISTRICT, DWELLINGS - d * PER_DISTRICT);
      for (let b = 0; b * PER_BUILDING < inDistrict; b++) {
        const building = await insertBuilding(
          db,
          {
            district,
            code: `CITY${c}_D${d}_B${b}`,
            address: `Street ${b}, district ${d}, city ${c}`,
            latitude: 42.85 + c * 0.1 + d * 0.01,
            longitude: -2.67 + b * 0.0005,
          },
          now,
        );
        const count = Math.min(PER_BUILDING, inDistrict - b * PER_BUILDING);
        const dwellings = await insertDwellingsWithGateways(
          db,
          building,
          Array.from({ length: count }, (_, i) => ({
            label: `${Math.floor(i / 4)}${'ABCD'[i % 4]}`,
            floor: Math.floor(i / 4),
            areaM2: 60 + (i % 5) * 10,
            serial: serial(index + i),
          })),
          now,
        );
        for (const dwelling of dwellings) places.push({ dwelling, building, district });
        index += count;
      }
    }
  }
  // Residents of random dwellings, with accounts as an admin creates them.
  const residents: Resident[] = [];
  const { accounts } = platform.auth;
  for (let r = 0; r < Math.min(RESIDENTS, places.length); r++) {
    const place = places[Math.floor(Math.random() * places.length)];
    const email = `resident${r}@city.example`;
    await accounts.create(
      {
        email,
        name: `Resident ${r}`,
        roles: ['resident'],
        language: 'en',
        dwellingIds: [place.dwelling],
        password: PASSWORD,
      },
      BY_SYSTEM,
    );
    residents.push({ email, ...place });
  }
  return { residents, dwellingIds: places.map((p) => p.dwelling) };
}

/** The line for sensor k at slot j (its reading time spreads the sensors over the 10 minutes). */
function line(k: number, j: number): { text: string; at: number } {
  const dwelling = k >> 2;
  const m = k & 3;
  const at = SIM_START + j * STEP + Math.floor((k * STEP) / SENSORS);
  return {
    text: `forwarder_data,SN=${serial(dwelling)},channel=1,device=${m + 1},medium=${MEDIA[m]} value=${valueOf(m, dwelling, j)} ${at}`,
    at,
  };
}

// ---------------------------------------------------------------------------------------------
console.log(
  `City simulation: ${fmt(CITIES)} × ${fmt(DWELLINGS)} dwellings = ${fmt(SENSORS)} sensors on ${DIALECT}, ${REPLICAS} replica(s)${JOB_REPLICA ? ' (replica 0 runs the jobs, the others answer)' : ''}, ${MINUTES} min at ${SPEED}× (${(SPAN / 3_600_000).toFixed(1)} simulated hours); ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
);
const setupConfig = loadConfig({}, { ...configOverrides, mqttPort: 0 });
const setup = await openPlatform(setupConfig, pino({ level: 'warn' }));
let t = performance.now();
const { residents } = await register(setup);
const registerS = (performance.now() - t) / 1000;
// The first reading of each sensor, one slot before the run, registers the sensor.
t = performance.now();
for (let k = 0; k < SENSORS; k += 50_000) {
  const batch = [];
  for (let i = k; i < Math.min(SENSORS, k + 50_000); i++) {
    const m = i & 3;
    batch.push({
      sn: serial(i >> 2),
      channel: '1',
      device: String(m + 1),
      medium: MEDIA[m],
      ts: SIM_START - STEP + Math.floor((i * STEP) / SENSORS),
      value: Number(valueOf(m, i >> 2, -1)),
    });
  }
  await setup.ingest.writeJson(batch);
}
await setup.engine.flush();
const sensorsS = (performance.now() - t) / 1000;
// The city has been running: every job's first run (the group rollups' backfill among them) is
// made before the simulated clock starts, and timed.
const firstRuns: string[] = [];
for (const name of setup.scheduler.jobNames) {
  if (SKIP.includes(name) || (values.jobs !== 'all' && !values.jobs?.split(',').includes(name))) continue;
  const began = performance.now();
  await setup.scheduler.run(name, SIM_START);
  firstRuns.push(`${name} ${((performance.now() - began) / 1000).toFixed(1)} s`);
}
await setup.close();
console.log(
  `registered ${fmt(TOTAL_DWELLINGS)} dwellings and ${residents.length} residents in ${registerS.toFixed(1)} s; ${fmt(SENSORS)} sensors by their first reading (in-process ingest) in ${sensorsS.toFixed(1)} s`,
);
console.log(`first runs of the jobs, before the clock starts: ${firstRuns.join(', ')}`);
const bytesBefore = await diskBytes();

// ---------------------------------------------------------------------------------------------
// The replicas
interface JobRun {
  job: string;
  due: number;
  finished: number;
  wallMs: number;
  error?: string;
}
const runs: JobRun[] = [];
/** Runs begun and not finished, by job: when they fell due (simulated) and began (wall). */
const started = new Map<string, { due: number; wall: number }>();
const errors: string[] = [];
const WALL_START = Date.now() + 5_000 + REPLICAS * 15_000;
const replicas: {
  child: ChildProcess;
  url: string;
  rss: number[];
  jobs: { name: string; every: string }[];
  loopDelay?: { p50: number; p99: number; max: number };
}[] = [];
for (let r = 0; r < REPLICAS; r++) {
  const port = await freePort();
  const child = fork(path.join(import.meta.dirname, 'lib', 'city-replica.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      CIOP_CITY_SIM: JSON.stringify({
        simStart: SIM_START,
        wallStart: WALL_START,
        speed: SPEED,
        port,
        config: configOverrides,
        skip: SKIP,
        only:
          JOB_REPLICA && r > 0
            ? []
            : values.jobs === 'all'
              ? undefined
              : values.jobs === 'none'
                ? []
                : values.jobs?.split(','),
      }),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replica: (typeof replicas)[number] = { child, url: `http://127.0.0.1:${port}`, rss: [], jobs: [] };
  await new Promise<void>((resolve, reject) => {
    child.on(
      'message',
      (
        m: JobRun & {
          ready?: boolean;
          started?: string;
          ended?: string;
          jobs?: { name: string; every: string }[];
          loopDelay?: { p50: number; p99: number; max: number };
        },
      ) => {
        if (m.started) started.set(m.started, { due: m.due, wall: Date.now() });
        else if (m.ended) started.delete(m.ended);
        else if (m.loopDelay) replica.loopDelay = m.loopDelay;
        else if (m.ready) {
          replica.jobs = m.jobs ?? [];
          resolve();
        } else if (m.error) errors.push(`${m.job}: ${m.error}`);
        else if (m.job) runs.push(m);
      },
    );
    child.once('exit', (code) => reject(new Error(`replica ${r} ended with ${code}`)));
  });
  replicas.push(replica);
}
/** The replicas traffic goes to: with `--job-replica`, all but the one running the jobs. */
const serving = JOB_REPLICA ? replicas.slice(1) : replicas;
// A failed run leaves no replica behind.
process.on('exit', () => {
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL');
});
const simNow = () => SIM_START + (Date.now() - WALL_START) * SPEED;

// The residents log in as the home app does.
for (const [i, resident] of residents.entries()) {
  const res = await fetch(`${serving[i % serving.length].url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: resident.email, password: PASSWORD }),
  });
  if (!res.ok) throw new Error(`resident ${resident.email} cannot log in: ${res.status} ${await res.text()}`);
  resident.token = ((await res.json()) as { accessToken: string }).accessToken;
}

if (Date.now() < WALL_START) await sleep(WALL_START - Date.now());
for (const r of replicas) r.child.send({ start: true });
const WALL_END = WALL_START + MINUTES * 60_000;
const SIM_END = SIM_START + SPAN;

// Memory: each replica's resident set, every 2 s.
const rssOf = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
};
const sampler = setInterval(() => {
  for (const r of replicas) if (r.child.pid && r.child.exitCode === null) r.rss.push(rssOf(r.child.pid));
}, 2_000);

// ---------------------------------------------------------------------------------------------
// Ingest: every sensor's reading once it is due in simulated time, in batches, over HTTP.
let acknowledged = 0;
let refused = 0;
let slot = 0;
let sensor = 0;
let newestSent = SIM_START;
const batchMs: number[] = [];
function nextBatch(): string | undefined {
  const upTo = Math.min(simNow(), SIM_END);
  const lines: string[] = [];
  while (lines.length < BATCH) {
    const l = line(sensor, slot);
    if (l.at > upTo) break;
    lines.push(l.text);
    newestSent = l.at;
    if (++sensor === SENSORS) {
      sensor = 0;
      slot++;
    }
  }
  return lines.length > 0 ? lines.join('\n') : undefined;
}
async function writer(w: number): Promise<void> {
  const url = `${serving[w % serving.length].url}/write?precision=ms`;
  const headers = { authorization: 'Token bench-city-token' };
  while (Date.now() < WALL_END) {
    const body = nextBatch();
    if (!body) {
      await sleep(20);
      continue;
    }
    const n = body.split('\n').length;
    const began = performance.now();
    const res = await fetch(url, { method: 'POST', headers, body });
    batchMs.push(performance.now() - began);
    // A write the server gave up on (408 when it could not read the body in time) is counted.
    if (res.status !== 204) {
      refused += n;
      if (refused === n) errors.push(`write refused: ${res.status} ${await res.text()}`);
      else await res.arrayBuffer();
      continue;
    }
    acknowledged += n;
  }
}

// The compare page: the dwelling, building and district for each medium, then the comfort of the
// three, six requests at a time as a browser does.
const requestMs: number[] = [];
const pageMs: number[] = [];
let failedReads = 0;
let withheld = 0;
let unanswered = 0;
async function reader(): Promise<void> {
  while (Date.now() < WALL_END) {
    const resident = residents[Math.floor(Math.random() * residents.length)];
    const base = serving[Math.floor(Math.random() * serving.length)].url;
    const to = Math.floor(simNow());
    const from = to - 7 * DAY;
    const urls = [
      ...MEDIA.flatMap((medium) =>
        [
          `dwelling=${resident.dwelling}`,
          `building=${resident.building}`,
          `district=${resident.district}`,
        ].map(
          (scope) => `/api/v1/readings/group?${scope}&medium=${medium}&from=${from}&to=${to}&interval=hour`,
        ),
      ),
      `/api/v1/comfort/dwellings/${resident.dwelling}?from=${from}&to=${to}&interval=day&limit=10000`,
      `/api/v1/comfort/buildings/${resident.building}?from=${from}&to=${to}&interval=day&limit=10000`,
      `/api/v1/comfort/districts/${resident.district}?from=${from}&to=${to}&interval=day&limit=10000`,
    ];
    const headers = { authorization: `Bearer ${resident.token}` };
    const began = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < urls.length) {
          const u = urls[next++];
          const t0 = performance.now();
          let res: Response;
          try {
            // A request still unanswered at the end of the run is counted as unanswered.
            res = await fetch(base + u, {
              headers,
              signal: AbortSignal.timeout(Math.max(1, WALL_END - Date.now())),
            });
            await res.arrayBuffer();
          } catch {
            unanswered++;
            continue;
          }
          requestMs.push(performance.now() - t0);
          // A building or district with too few homes reporting is withheld, as the page expects.
          if (res.status === 403 && u.includes('/comfort/')) withheld++;
          else if (!res.ok) {
            failedReads++;
            if (failedReads <= 3) errors.push(`GET ${u}: ${res.status}`);
          }
        }
      }),
    );
    pageMs.push(performance.now() - began);
    await sleep(250);
  }
}

const progress = setInterval(() => {
  const behind = (simNow() - newestSent) / 1000;
  console.log(
    `  t=${((Date.now() - WALL_START) / 1000).toFixed(0)} s  simulated ${new Date(simNow()).toISOString().slice(5, 16)}  acknowledged ${fmt(acknowledged)} (${fmt(acknowledged / ((Date.now() - WALL_START) / 1000))}/s)  ingest behind ${behind.toFixed(0)} s simulated  job runs ${runs.length}  pages ${pageMs.length}  RSS ${replicas.map((r) => fmt((r.rss.at(-1) ?? 0) / 2 ** 20)).join('+')} MB`,
  );
}, 30_000);
const wallBegan = performance.now();
await Promise.all([
  ...Array.from({ length: WRITERS }, (_, w) => writer(w)),
  ...Array.from({ length: READERS }, () => reader()),
]);
const wallS = (performance.now() - wallBegan) / 1000;
clearInterval(progress);
const simulatedMs = newestSent - SIM_START;
const lagAtEnd = simNow() - newestSent;

// Let the jobs' last runs finish, then stop the replicas (each flushes what it holds).
const stoppedAt = simNow();
for (const r of replicas) r.child.send({ stop: true });
await Promise.all(replicas.map((r) => new Promise((resolve) => r.child.once('exit', resolve))));
clearInterval(sampler);
if (DIALECT === 'postgres') await pgAdmin('SELECT 1'); // (autovacuum runs on its own; sizes are as they stand)
const bytesAfter = await diskBytes();

// ---------------------------------------------------------------------------------------------
const asked = (SENSORS / 600) * SPEED;
console.log(
  `\nCity simulation: ${fmt(CITIES)} cit${CITIES > 1 ? 'ies' : 'y'} × ${fmt(DWELLINGS)} dwellings (${fmt(SENSORS)} sensors, 10-minute readings: ${fmt(SENSORS / 600)} points/s real) on ${DIALECT} with ${REPLICAS} replica(s)${JOB_REPLICA ? ' (replica 0 the jobs)' : ''}, ${SPEED}× for ${wallS.toFixed(0)} s = ${(simulatedMs / 3_600_000).toFixed(1)} simulated hours; load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const sortedBatch = [...batchMs].sort((a, b) => a - b);
console.log(
  `ingest (HTTP line protocol, ${fmt(BATCH)}-line batches, ${WRITERS} writers): held ${fmt(acknowledged / wallS)} points/s of ${fmt(asked)} asked (${((100 * acknowledged) / wallS / asked).toFixed(0)} %); ${fmt(acknowledged)} points acknowledged, ${fmt(refused)} refused; behind the simulated clock at the end by ${fmt(lagAtEnd / 1000)} s; batch p50 ${pct(sortedBatch, 50).toFixed(0)} ms, p99 ${pct(sortedBatch, 99).toFixed(0)} ms, max ${(sortedBatch.at(-1) ?? NaN).toFixed(0)} ms`,
);
console.log(
  '\njob (every, simulated)                       runs   run p50    run max   busy   lag p50 (sim)   lag max (sim)   < 1 min',
);
console.log(
  `(left out: ${SKIP.filter((n) => replicas.some((r) => r.jobs.some((j) => j.name === n))).join(', ') || 'none'})`,
);
const every = new Map(replicas.flatMap((r) => r.jobs.map((j) => [j.name, j.every] as const)));
for (const [name, period] of every) {
  if (SKIP.includes(name)) continue;
  const own = runs.filter((r) => r.job === name);
  const lags = own.map((r) => (r.finished - r.due) / 1000).sort((a, b) => a - b);
  const wall = own.map((r) => r.wallMs).sort((a, b) => a - b);
  const going = started.get(name);
  if (going)
    console.log(
      `${`${name} (${period})`.padEnd(40)}  a run still going at the end, for ${fmt((Date.now() - going.wall) / 1000)} s: lag over ${fmt((stoppedAt - going.due) / 1000)} s simulated`,
    );
  if (own.length === 0) {
    if (going) continue;
    console.log(`${`${name} (${period})`.padEnd(40)}  not run`);
    continue;
  }
  // A run still pending at the end lags at least from its due time to the end.
  console.log(
    `${`${name} (${period})`.padEnd(40)}  ${String(own.length).padStart(6)}  ${pct(wall, 50).toFixed(0).padStart(6)} ms  ${(wall.at(-1) ?? 0).toFixed(0).padStart(7)} ms  ${((100 * wall.reduce((a, b) => a + b, 0)) / 1000 / wallS).toFixed(0).padStart(3)} %  ${pct(lags, 50).toFixed(0).padStart(11)} s  ${(lags.at(-1) ?? 0).toFixed(0).padStart(13)} s   ${(lags.at(-1) ?? 0) < 60 ? 'yes' : 'NO'}`,
  );
}
const sortedReq = [...requestMs].sort((a, b) => a - b);
const sortedPage = [...pageMs].sort((a, b) => a - b);
console.log(
  `\ncompare page (${READERS} residents at a time, ${residents.length} accounts; 15 requests a page, 6 at a time): ${fmt(pageMs.length)} pages, request p50 ${pct(sortedReq, 50).toFixed(0)} ms, p99 ${pct(sortedReq, 99).toFixed(0)} ms; page p50 ${pct(sortedPage, 50).toFixed(0)} ms, p99 ${pct(sortedPage, 99).toFixed(0)} ms; ${failedReads} failed, ${unanswered} unanswered at the end, ${withheld} comfort means withheld (too few homes with comfort hours)`,
);
for (const [i, r] of replicas.entries()) {
  const s = [...r.rss].sort((a, b) => a - b);
  console.log(
    `replica ${i}: RSS median ${fmt(pct(s, 50) / 2 ** 20)} MB, peak ${fmt((s.at(-1) ?? NaN) / 2 ** 20)} MB; event loop delay p50 ${r.loopDelay?.p50.toFixed(0)} ms, p99 ${r.loopDelay?.p99.toFixed(0)} ms, max ${r.loopDelay?.max.toFixed(0)} ms`,
  );
}
const stored = bytesAfter - bytesBefore;
console.log(
  `stored: ${fmt(stored / 2 ** 20, 1)} MB more for ${fmt(acknowledged)} points = ${(stored / acknowledged).toFixed(1)} bytes/point, ${fmt((stored / SENSORS) * (YEAR / simulatedMs))} bytes per sensor per year (extrapolated from ${(simulatedMs / 3_600_000).toFixed(1)} simulated hours, with everything the jobs derived)`,
);
if (errors.length > 0) console.log(`errors: ${errors.slice(0, 10).join('; ')}`);
await cleanUp();
process.exit(0);
