import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { openPlatform, type Platform } from '../platform.ts';
import { createTestDatabase, type TestDatabase } from '../testing/databases.ts';
import { seedDemo, seedDemoIfNeeded } from './demo.ts';

/**
 * A demo seed killed part-way (SIGKILL: no clean-up of any kind) and started again ends with
 * the history an uninterrupted seed writes, sensor by sensor. The seed is cut twice: once in
 * `ciop demo`, and once more while `ciop start` is finishing it; then what `ciop start` runs
 * before it serves finishes it.
 */

const BIN = path.join(import.meta.dirname, '../../../bin/ciop.mjs');
const DAYS = 3;
const STEP_MS = 600_000;

const databases: TestDatabase[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const db of databases) await db.drop();
});

/**
 * Runs `ciop args…` until its output matches `until`, then sends it `signal` and waits for it
 * to end. Returns its output.
 */
async function runUntil(
  env: NodeJS.ProcessEnv,
  args: string[],
  until: RegExp,
  signal: NodeJS.Signals,
): Promise<string> {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ciop ${args.join(' ')}: no ${until} within 240 s:\n${out}`)),
      240_000,
    );
    const read = (d: Buffer) => {
      out += d.toString();
      if (until.test(out)) {
        clearTimeout(timer);
        child.kill(signal);
        resolve();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ciop ${args.join(' ')} ended (${code}) before ${until}:\n${out}`));
    });
  });
  await exited;
  return out;
}

/** The seed's state as stored (read without opening the platform, which would compact the log). */
async function seedState(
  url: string,
): Promise<{ now: number; days: number; gatewaysDone: number; done: boolean }> {
  const handle = openDatabase(url);
  try {
    const row = await handle.db
      .selectFrom('instance_setting')
      .select('value')
      .where('key', '=', 'demo_seed')
      .executeTakeFirstOrThrow();
    return JSON.parse(row.value);
  } finally {
    await handle.close();
  }
}

/** Per series (by key): how many readings lie in [from, to], and their sum. */
async function history(platform: Platform, from: number, to: number): Promise<Map<string, string>> {
  const series = await platform.database.db.selectFrom('series').select(['id', 'key']).execute();
  const out = new Map<string, string>();
  for (const s of series) {
    const points = await platform.engine.readPoints(s.id, from, to);
    const sum = points.values.reduce((a, v) => a + v, 0);
    out.set(s.key, `${points.times.length} readings, sum ${sum.toFixed(3)}`);
  }
  return out;
}

const configOf = (url: string) =>
  loadConfig({}, { databaseUrl: url, logLevel: 'silent', flushIntervalMs: 60_000, mqttPort: 0 });

describe('the demo seed', () => {
  it('finishes after being killed part-way, twice, with the history of an uninterrupted seed', async () => {
    const db = await createTestDatabase();
    databases.push(db);
    const env = {
      ...process.env,
      CIOP_DATABASE_URL: db.url,
      CIOP_LOG_LEVEL: 'info',
      CIOP_PORT: '0',
      CIOP_MQTT_PORT: '0',
      CIOP_HOST: '127.0.0.1',
      CIOP_INGEST_TOKEN: 'demo-resume-test-token',
    };

    // Killed at once after its first progress line: some gateways have their history, most not.
    await runUntil(env, ['demo', '--days', String(DAYS), '--no-kpi'], /"msg":"demo history"/, 'SIGKILL');
    const cut = await seedState(db.url);
    expect(cut.done).toBe(false);
    expect(cut.gatewaysDone).toBeGreaterThanOrEqual(20);
    expect(cut.days).toBe(DAYS);

    // `ciop start` takes the seed up where it was, and is killed again while at it.
    const second = await runUntil(env, ['start'], /"msg":"demo history"/, 'SIGKILL');
    expect(second).toContain('resuming the demo seed that was cut short');
    const cutAgain = await seedState(db.url);
    expect(cutAgain.done).toBe(false);
    expect(cutAgain.gatewaysDone).toBeGreaterThan(cut.gatewaysDone);

    // An uninterrupted seed with the same clock, for comparison.
    const refDb = await createTestDatabase();
    databases.push(refDb);
    const reference = await openPlatform(configOf(refDb.url), pino({ level: 'silent' }));
    const resumed = await openPlatform(configOf(db.url), pino({ level: 'silent' }));
    try {
      // The next start finishes it, with what `ciop start` runs before it serves.
      expect(await seedDemoIfNeeded(resumed)).toBe('resumed');
      expect(await seedState(db.url)).toMatchObject({ now: cut.now, days: DAYS, done: true });
      expect(await seedDemoIfNeeded(resumed)).toBe('present');
      await seedDemo(reference, { days: DAYS, now: cut.now });
      const end = Math.floor(cut.now / STEP_MS) * STEP_MS;
      const from = end - DAYS * 86_400_000;
      const expected = await history(reference, from, end);
      const actual = await history(resumed, from, end);
      expect(expected.size).toBeGreaterThan(400);
      const temperature = [...expected.keys()].filter((k) => k.includes('medium=temperature'));
      expect(temperature.length).toBeGreaterThan(100);
      for (const [key, summary] of expected) expect(actual.get(key), key).toBe(summary);
      expect(
        [...expected.values()].filter((v) => !v.startsWith('0 ')).length,
        'series with history',
      ).toBeGreaterThan(400);
    } finally {
      await reference.close();
      await resumed.close();
    }
  }, 600_000);
});
