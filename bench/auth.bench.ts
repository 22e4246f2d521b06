/**
 * Auth benchmark: logins per second (argon2id) and the overhead of authentication on a small
 * GET, over real HTTP. Run with `npm run bench:auth`; `CIOP_BENCH_DATABASE_URL=postgres://…`
 * runs it on PostgreSQL (the database must exist and be empty), otherwise on a temporary SQLite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { verify } from '@node-rs/argon2';
import pino from 'pino';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { BY_SYSTEM } from '../src/server/audit/by.ts';
import { ARGON2_PARAMS, hashPassword } from '../src/server/modules/auth/passwords.ts';
import { openPlatform } from '../src/server/platform.ts';

const GET_REQUESTS = Number(process.env.CIOP_BENCH_REQUESTS ?? 20_000);
const GET_CLIENTS = 16;
const LOGIN_SECONDS = 4;
const PASSWORD = 'benchmark password 2026';

const dir = mkdtempSync(path.join(tmpdir(), 'ciop-bench-auth-'));
const databaseUrl = process.env.CIOP_BENCH_DATABASE_URL ?? `sqlite:${path.join(dir, 'ciop.db')}`;
const config = loadConfig(
  {},
  {
    databaseUrl,
    logLevel: 'silent',
    mqttPort: 0,
    ingestToken: 'bench-ingest-token',
    rateLimitPerMinute: 0,
    authRatePerMinute: 0,
    loginMaxFailures: 1_000_000,
  },
);
const platform = await openPlatform(config, pino({ level: 'silent' }));
const app = await buildApp(platform);
await app.listen({ port: 0, host: '127.0.0.1' });
const port = (app.server.address() as { port: number }).port;
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

function call(
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: url, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** Runs `task` from `clients` concurrent loops, `total` times in all; latencies in ms. */
async function load(total: number, clients: number, task: () => Promise<void>) {
  const latencies: number[] = [];
  let next = 0;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next++ < total) {
        const t0 = performance.now();
        await task();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - began) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: latencies.length / seconds,
    mean: latencies.reduce((s, x) => s + x, 0) / latencies.length,
    p50: latencies[Math.floor(latencies.length * 0.5)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}

/** Runs `task` from `clients` loops for `seconds`. */
async function forSeconds(seconds: number, clients: number, task: () => Promise<void>) {
  let n = 0;
  const until = performance.now() + seconds * 1000;
  const began = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) {
        await task();
        n++;
      }
    }),
  );
  return n / ((performance.now() - began) / 1000);
}

const fmt = (x: number, digits = 0) => x.toFixed(digits).padStart(8);

try {
  await platform.auth.accounts.create(
    { email: 'bench@example.org', name: 'Bench', roles: ['kpi'], password: PASSWORD },
    BY_SYSTEM,
  );
  const machine = await platform.auth.machineTokens.issue({ name: 'bench', scopes: ['read'] }, BY_SYSTEM);
  const loginBody = JSON.stringify({ email: 'bench@example.org', password: PASSWORD });
  const login = async () => {
    const res = await call('POST', '/api/v1/auth/login', { 'content-type': 'application/json' }, loginBody);
    if (res.status !== 200) throw new Error(`login answered ${res.status}: ${res.body}`);
  };

  console.log(
    `CIOP auth benchmark — ${platform.database.dialect}, Node ${process.version}, ${availableParallelism()} cores`,
  );
  console.log(
    `\nLogins (argon2id m=${ARGON2_PARAMS.memoryCost} KiB, t=${ARGON2_PARAMS.timeCost}, p=${ARGON2_PARAMS.parallelism})`,
  );
  const hash = await hashPassword(PASSWORD);
  const verifyOne = async () => {
    if (!(await verify(hash, PASSWORD))) throw new Error('verify failed');
  };
  await forSeconds(0.5, 1, verifyOne);
  const verifySerial = await forSeconds(LOGIN_SECONDS / 2, 1, verifyOne);
  const verifyParallel = await forSeconds(LOGIN_SECONDS / 2, availableParallelism(), verifyOne);
  await forSeconds(0.5, 1, login);
  const loginSerial = await forSeconds(LOGIN_SECONDS, 1, login);
  const loginParallel = await forSeconds(LOGIN_SECONDS, availableParallelism() * 2, login);
  console.log('                                             per s   ms each');
  console.log(
    `  argon2id verify alone, 1 at a time       ${fmt(verifySerial, 1)}  ${fmt(1000 / verifySerial, 1)}`,
  );
  console.log(`  argon2id verify alone, ${availableParallelism()} at a time       ${fmt(verifyParallel, 1)}`);
  console.log(
    `  POST /api/v1/auth/login, 1 client        ${fmt(loginSerial, 1)}  ${fmt(1000 / loginSerial, 1)}`,
  );
  console.log(
    `  POST /api/v1/auth/login, ${availableParallelism() * 2} clients       ${fmt(loginParallel, 1)}`,
  );

  const grant = JSON.parse(
    (await call('POST', '/api/v1/auth/login', { 'content-type': 'application/json' }, loginBody)).body,
  ) as { accessToken: string };
  const variants: { name: string; headers: Record<string, string> }[] = [
    { name: 'no credential', headers: {} },
    { name: 'access token (JWT)', headers: { authorization: `Bearer ${grant.accessToken}` } },
    { name: 'machine token', headers: { authorization: `Bearer ${machine.token}` } },
  ];
  const url = '/api/v1/health';
  for (const v of variants) {
    const res = await call('GET', url, v.headers);
    if (res.status !== 200) throw new Error(`${v.name}: ${res.status} ${res.body}`);
  }
  // Rounds alternate the variants so that warming up and drift treat them alike; best round kept.
  const best = new Map<string, Awaited<ReturnType<typeof load>>>();
  for (let round = 0; round < 3; round++) {
    for (const v of variants) {
      const r = await load(Math.ceil(GET_REQUESTS / 3), GET_CLIENTS, async () => {
        const res = await call('GET', url, v.headers);
        if (res.status !== 200) throw new Error(`${v.name}: ${res.status}`);
      });
      const prev = best.get(v.name);
      if (!prev || r.perSecond > prev.perSecond) best.set(v.name, r);
    }
  }
  console.log(
    `\nSmall GET ${url} over HTTP, ${GET_REQUESTS} requests per variant, ${GET_CLIENTS} clients (best of 3)`,
  );
  console.log('                          req/s   mean ms    p50 ms    p99 ms   extra per request');
  const base = best.get('no credential')!;
  for (const v of variants) {
    const r = best.get(v.name)!;
    const overhead =
      v.name === 'no credential'
        ? ''
        : `+${((1000 / r.perSecond - 1000 / base.perSecond) * 1000).toFixed(0)} µs`;
    console.log(
      `  ${v.name.padEnd(20)}${fmt(r.perSecond)}  ${fmt(r.mean, 2)}  ${fmt(r.p50, 2)}  ${fmt(r.p99, 2)}   ${overhead}`,
    );
  }
} finally {
  agent.destroy();
  await app.close();
  await platform.close();
  rmSync(dir, { recursive: true, force: true });
}
