import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { buildServer, serverStaleReason } from '../../scripts/build-server.mjs';
import { freePort } from '../../src/server/testing/ports.ts';

/** A server under benchmark, reachable over HTTP. */
export interface BenchServer {
  name: string;
  url: string;
  /** Authorization header value for writes. */
  authorization: string;
  /** Bytes its data takes on disk now. */
  diskBytes(): Promise<number>;
  /** Its data files and their sizes, when it keeps files. */
  files?(): Promise<Record<string, number>>;
  /** CPU time its process has used so far (all its threads), seconds; undefined where /proc is not. */
  cpuSeconds(): number | undefined;
  /** Where the bytes go: one line per table (and file), largest first. */
  breakdown?(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Clock ticks per second of /proc's times: USER_HZ, 100 on Linux. */
const CLOCK_TICKS = 100;

/** CPU time (user and system) process `pid` has used so far, seconds, from /proc (Linux). */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  // Fields after the command name: state is the first, utime the 12th, stime the 13th.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Total size of the files under a folder, bytes. */
export function folderBytes(folder: string): number {
  let total = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const full = path.join(folder, entry.name);
    total += entry.isDirectory() ? folderBytes(full) : statSync(full).size;
  }
  return total;
}

async function waitFor(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), graceMs).unref();
  });
}

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TOKEN = 'bench-ingest-token';
/** The first admin of a benchmark instance. */
export const ADMIN = { email: 'bench@ciop.example', password: 'bench admin password 2026' };

/** An admin's bearer headers on a CIOP under benchmark. */
export async function adminHeaders(url: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  });
  if (!res.ok) throw new Error(`cannot log in as the benchmark admin: ${res.status} ${await res.text()}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  return { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' };
}

/**
 * A `ciop serve` child process on a fresh SQLite file or PostgreSQL database; with `command:
 * 'start'`, `ciop start`: the demo district seeded, its live simulator publishing and the jobs
 * running on it.
 */
export async function startCiop(
  dialect: 'sqlite' | 'postgres',
  env: Record<string, string> = {},
  { command = 'serve' }: { command?: 'serve' | 'start' } = {},
): Promise<BenchServer & { databaseUrl: string; pid: number }> {
  // Measure the server as it runs in production: built, not transpiled on the fly.
  const stale = serverStaleReason();
  if (stale) {
    console.log(`building the server (${stale})`);
    await buildServer();
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'ciop-bench-'));
  let databaseUrl = `sqlite:${path.join(dir, 'ciop.db')}`;
  let dropPg: (() => Promise<void>) | undefined;
  if (dialect === 'postgres') {
    const admin = process.env.CIOP_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    const name = `ciop_bench_${Date.now()}`;
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    await c.query(`CREATE DATABASE ${name}`);
    await c.end();
    const u = new URL(admin);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    dropPg = async () => {
      const d = new pg.Client({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    };
  }
  const port = await freePort();
  // CIOP_BENCH_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the server under load.
  const nodeArgs = process.env.CIOP_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'bin', 'ciop.mjs'), command], {
    cwd: ROOT,
    env: {
      ...process.env,
      CIOP_PORT: String(port),
      CIOP_HOST: '127.0.0.1',
      CIOP_DATABASE_URL: databaseUrl,
      CIOP_INGEST_TOKEN: TOKEN,
      CIOP_MQTT_PORT: '0',
      CIOP_LOG_LEVEL: 'warn',
      CIOP_ADMIN_EMAIL: ADMIN.email,
      CIOP_ADMIN_PASSWORD: ADMIN.password,
      CIOP_RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  // Seeding the demo district takes about half a minute on SQLite, longer on PostgreSQL.
  await waitFor(`${url}/api/v1/health`, command === 'start' ? 600_000 : 60_000);
  return {
    name: `CIOP (${dialect})`,
    url,
    databaseUrl,
    pid: child.pid as number,
    authorization: `Token ${TOKEN}`,
    cpuSeconds: () => processCpuSeconds(child.pid),
    files: async () => Object.fromEntries(readdirSync(dir).map((f) => [f, statSync(path.join(dir, f)).size])),
    breakdown: async () => {
      if (dialect === 'sqlite') {
        const lines = readdirSync(dir).map((f) => `file ${f}: ${statSync(path.join(dir, f)).size} bytes`);
        const db = new SQLite(path.join(dir, 'ciop.db'), { readonly: true });
        try {
          const rows = db
            .prepare(
              `SELECT name, sum(pgsize) AS bytes, sum(payload) AS payload, sum(unused) AS unused
               FROM dbstat GROUP BY name ORDER BY bytes DESC LIMIT 12`,
            )
            .all() as { name: string; bytes: number; payload: number; unused: number }[];
          for (const r of rows)
            lines.push(`${r.name}: ${r.bytes} bytes (payload ${r.payload}, unused ${r.unused})`);
          lines.push(`free pages: ${db.pragma('freelist_count', { simple: true })}`);
        } finally {
          db.close();
        }
        return lines;
      }
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        const { rows } = await c.query(
          `SELECT c.relname AS name, pg_total_relation_size(c.oid)::bigint AS total,
                  pg_relation_size(c.oid)::bigint AS heap,
                  coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)::bigint AS toast,
                  pg_indexes_size(c.oid)::bigint AS indexes,
                  s.n_live_tup AS live, s.n_dead_tup AS dead
           FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid
           ORDER BY total DESC LIMIT 12`,
        );
        const lines = rows.map(
          (r) =>
            `${r.name}: ${r.total} bytes (heap ${r.heap}, toast ${r.toast}, indexes ${r.indexes}; ${r.live} live, ${r.dead} dead tuples)`,
        );
        const db = await c.query(
          `SELECT pg_database_size(current_database())::bigint AS db,
                  (SELECT sum(pg_total_relation_size(oid)) FROM pg_class WHERE relkind IN ('r','m') AND relnamespace = 'public'::regnamespace)::bigint AS own`,
        );
        lines.push(`database ${db.rows[0].db} bytes, of which CIOP's tables ${db.rows[0].own}`);
        return lines;
      } finally {
        await c.end();
      }
    },
    diskBytes: async () => {
      if (dialect === 'sqlite') return folderBytes(dir);
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      const { rows } = await c.query('SELECT pg_database_size(current_database())::bigint AS b');
      await c.end();
      return Number(rows[0].b);
    },
    stop: async () => {
      // A profiled server writes its profile as it exits.
      await stopChild(child, nodeArgs.length > 0 ? 120_000 : 15_000);
      await dropPg?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** InfluxDB 1.x (Debian package `influxdb`) on a fresh data folder, when installed. */
/**
 * VictoriaMetrics (Debian package `victoria-metrics`), which takes the same line protocol on
 * `/write`; undefined when it is not installed. It acknowledges a write once it is in memory and
 * flushes to disk about once a second, where CIOP acknowledges only durable data: its bytes are
 * read after a forced flush.
 */
export async function startVictoriaMetrics(): Promise<BenchServer | undefined> {
  const binary = '/usr/bin/victoria-metrics';
  if (!existsSync(binary)) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'victoria-bench-'));
  const port = await freePort();
  const child = spawn(
    binary,
    [
      `-storageDataPath=${dir}`,
      `-httpListenAddr=127.0.0.1:${port}`,
      // The benchmark's readings start in the past: keep them all.
      '-retentionPeriod=100y',
      '-loggerLevel=ERROR',
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`, 30_000);
  return {
    name: 'VictoriaMetrics',
    url,
    authorization: '',
    cpuSeconds: () => processCpuSeconds(child.pid),
    diskBytes: async () => {
      await fetch(`${url}/internal/force_flush`);
      return folderBytes(dir);
    },
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startInfluxdb(): Promise<BenchServer | undefined> {
  if (!existsSync('/usr/bin/influxd')) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'influx-bench-'));
  const port = await freePort();
  const rpcPort = await freePort();
  mkdirSync(path.join(dir, 'meta'));
  const conf = path.join(dir, 'influxdb.conf');
  writeFileSync(
    conf,
    `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:${port}"
  log-enabled = false
  max-body-size = 0
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
`,
  );
  const child = spawn('/usr/bin/influxd', ['-config', conf], { stdio: ['ignore', 'ignore', 'ignore'] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/ping`, 30_000);
  const res = await fetch(`${url}/query`, {
    method: 'POST',
    body: new URLSearchParams({ q: 'CREATE DATABASE bench' }),
  });
  if (!res.ok) throw new Error(`InfluxDB: cannot create the database: ${await res.text()}`);
  return {
    name: 'InfluxDB 1.6',
    url,
    authorization: '',
    cpuSeconds: () => processCpuSeconds(child.pid),
    diskBytes: async () => folderBytes(path.join(dir, 'data')) + folderBytes(path.join(dir, 'wal')),
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
