/**
 * node --import tsx bench/query-groups.ts [-- --dwellings N] [--runs N] [--db sqlite,postgres]
 * (run at the end of `npm run bench:query`, with its defaults)
 *
 * A district's hourly mean of temperature over 30 days and over a year, read from the group
 * rollups, beside the same mean computed from every member sensor's hours (what
 * `/readings/group` did before the rollups; it refused groups over 5,000 sensors), in one process
 * over SQLite and PostgreSQL (127.0.0.1:5432, trust auth; CIOP_BENCH_POSTGRES_URL overrides).
 *
 * The district: `dwellings` dwellings in buildings of 40, each with a gateway and a temperature
 * sensor. Every sensor reports once a day for a year, sensor i at hour i mod 24, so that each
 * hour of the year has readings from about dwellings/24 dwellings; the rollup read depends on
 * the hours of the range (one row an hour), not on the dwellings. Also printed: the job's first
 * run (the backfill) and a run after one new reading from every sensor.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import pino from 'pino';
import { systemPrincipal } from '../src/server/access/visibility.ts';
import { loadConfig } from '../src/server/config.ts';
import { GROUP_ROLLUP_JOB } from '../src/server/modules/readings/group-rollup.service.ts';
import { openPlatform, type Platform } from '../src/server/platform.ts';
import { insertBuilding, insertDistrict, insertDwellingsWithGateways } from './lib/registry.ts';

const { values } = parseArgs({
  strict: false,
  options: {
    dwellings: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '20' },
    db: { type: 'string', default: 'sqlite,postgres' },
  },
});
// Run after bench/query.bench.ts, whose options mean other things: only this file's own are read.
const standalone = process.argv[1]?.endsWith('query-groups.ts');
const option = (name: 'dwellings' | 'runs' | 'db', fallback: string) =>
  standalone ? String(values[name] ?? fallback) : fallback;
const DWELLINGS = Number(option('dwellings', '10000'));
const RUNS = Number(option('runs', '20'));
const DIALECTS = option('db', 'sqlite,postgres').split(',') as ('sqlite' | 'postgres')[];
const PER_BUILDING = 40;
const H = 3_600_000;
const DAY = 24 * H;
const YEAR_START = Date.UTC(2025, 0, 1);
const DAYS = 365;
const READER = systemPrincipal('bench: district means');

const serial = (i: number) => `B0${i.toString(16).toUpperCase().padStart(14, '0')}`;

async function fresh(dialect: 'sqlite' | 'postgres'): Promise<{ url: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'ciop-bench-groups-'));
    return {
      url: `sqlite:${path.join(dir, 'ciop.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const server = process.env.CIOP_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `ciop_bench_groups_${process.pid}`;
  const run = async (q: string) => {
    const c = new pg.Client({ connectionString: server });
    await c.connect();
    await c.query(q);
    await c.end();
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** The district, its buildings and dwellings, and a registered gateway in each dwelling. */
async function register(platform: Platform): Promise<number> {
  const db = platform.database.db;
  const now = Date.now();
  const district = await insertDistrict(db, 'BENCH-GROUPS', 'Bench', 'Bench', now);
  for (let b = 0; b * PER_BUILDING < DWELLINGS; b++) {
    const building = await insertBuilding(
      db,
      { district, code: `BENCH_G${b}`, address: `Bench ${b}`, latitude: 42.85, longitude: -2.67 },
      now,
    );
    const first = b * PER_BUILDING;
    const count = Math.min(PER_BUILDING, DWELLINGS - first);
    await insertDwellingsWithGateways(
      db,
      building,
      Array.from({ length: count }, (_, i) => ({
        label: `${i}`,
        floor: Math.floor(i / 4),
        areaM2: 70,
        serial: serial(first + i),
      })),
      now,
    );
  }
  return district;
}

/** A year of daily temperatures from every sensor, sensor i at hour i mod 24. */
async function load(platform: Platform): Promise<void> {
  const batch: { sn: string; channel: string; device: string; medium: string; ts: number; value: number }[] =
    [];
  for (let day = 0; day < DAYS; day++) {
    for (let i = 0; i < DWELLINGS; i++) {
      const ts = YEAR_START + day * DAY + (i % 24) * H + 600_000;
      const value = Math.round((20 + 3 * Math.sin((2 * Math.PI * day) / DAYS) + (i % 7) / 10) * 10) / 10;
      batch.push({ sn: serial(i), channel: '1', device: '1', medium: 'temperature', ts, value });
      if (batch.length === 50_000) await platform.ingest.writeJson(batch.splice(0));
    }
  }
  if (batch.length > 0) await platform.ingest.writeJson(batch.splice(0));
  await platform.engine.flush();
}

async function median(runs: number, fn: () => Promise<void>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

interface Row {
  name: string;
  loadS: number;
  backfillS: number;
  hourS: number;
  rows: number;
  rolled: [number, number];
  members: [number, number];
}

const ranges = [
  { label: '30 d', from: YEAR_START + 300 * DAY, to: YEAR_START + 330 * DAY - 1, runs: RUNS },
  { label: 'year', from: YEAR_START, to: YEAR_START + DAYS * DAY - 1, runs: RUNS },
];

const rows: Row[] = [];
for (const dialect of DIALECTS) {
  const database = await fresh(dialect);
  const config = loadConfig(
    {},
    {
      databaseUrl: database.url,
      logLevel: 'silent',
      sqliteSync: 'normal',
      mqttPort: 0,
      ingestMinTime: Date.UTC(2000, 0, 1),
      ingestMaxNewSeries: 1_000_000,
      ingestNewSeriesPerMinute: 0,
    },
  );
  const platform = await openPlatform(config, pino({ level: 'silent' }));
  try {
    const districtId = await register(platform);
    const loadS = (await timed(() => load(platform))) / 1000;
    const group = (from: number, to: number) => async () => {
      const g = await platform.readings.group({ districtId }, 'temperature', from, to, 'hour', READER);
      if (g.members !== DWELLINGS) throw new Error(`expected ${DWELLINGS} members, got ${g.members}`);
    };
    // The members' computation: before the job's first run, group computes from them.
    const members: number[] = [];
    for (const r of ranges) members.push(await median(Math.min(3, r.runs), group(r.from, r.to)));
    const backfillS = (await timed(() => platform.scheduler.run(GROUP_ROLLUP_JOB))) / 1000;
    const rolled: number[] = [];
    for (const r of ranges) rolled.push(await median(r.runs, group(r.from, r.to)));
    // One more hour of the city: a reading from every sensor, then the job's run over it.
    const next = YEAR_START + DAYS * DAY + 600_000;
    for (let at = 0; at < DWELLINGS; at += 50_000)
      await platform.ingest.writeJson(
        Array.from({ length: Math.min(50_000, DWELLINGS - at) }, (_, k) => ({
          sn: serial(at + k),
          channel: '1',
          device: '1',
          medium: 'temperature',
          ts: next,
          value: 21,
        })),
      );
    await platform.engine.flush();
    const hourS = (await timed(() => platform.scheduler.run(GROUP_ROLLUP_JOB))) / 1000;
    const stored = await platform.database.db
      .selectFrom('group_hour')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    rows.push({
      name: `CIOP ${dialect}`,
      loadS,
      backfillS,
      hourS,
      rows: Number(stored.n),
      rolled: rolled as [number, number],
      members: members as [number, number],
    });
  } finally {
    await platform.close();
    await database.drop();
  }
}

const load1 = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
console.log(
  `\nGroup means: a district of ${DWELLINGS.toLocaleString('en')} dwellings (one temperature sensor each, a reading a day for a year: ${(DWELLINGS * DAYS).toLocaleString('en')} points), hourly mean, median of ${RUNS} runs in process (3 for the members' computation); load average ${load1}\n`,
);
console.log(
  'server           rollups 30 d   rollups year   members 30 d   members year   job: first run   job: one hour   rows',
);
for (const r of rows)
  console.log(
    `${r.name.padEnd(15)}  ${r.rolled[0].toFixed(2).padStart(9)} ms   ${r.rolled[1].toFixed(2).padStart(9)} ms   ${r.members[0].toFixed(0).padStart(9)} ms   ${r.members[1].toFixed(0).padStart(9)} ms   ${r.backfillS.toFixed(1).padStart(12)} s   ${r.hourS.toFixed(2).padStart(11)} s   ${r.rows.toLocaleString('en')}`,
  );
console.log(
  '\ngoal: from the rollups, under 10 ms for 30 days and under 50 ms for a year, on both databases',
);
