import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { openPlatform } from './platform.ts';

const run = promisify(execFile);
const BIN = path.join(import.meta.dirname, '../../bin/ciop.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'ciop-cli-'));
const env = {
  ...process.env,
  CIOP_DATABASE_URL: `sqlite:${path.join(dir, 'ciop.db')}`,
  CIOP_LOG_LEVEL: 'silent',
  CIOP_INGEST_TOKEN: 'cli-test-ingest-token',
};
const ciop = async (...args: string[]) => (await run(process.execPath, [BIN, ...args], { env })).stdout;

/** A platform over the same database, as another process would open it. */
async function withApp<T>(fn: (app: Awaited<ReturnType<typeof buildApp>>) => Promise<T>): Promise<T> {
  const platform = await openPlatform(loadConfig(env, { logLevel: 'silent' }), pino({ level: 'silent' }));
  const app = await buildApp(platform);
  try {
    return await fn(app);
  } finally {
    await app.close();
    await platform.close();
  }
}

const login = (app: Awaited<ReturnType<typeof buildApp>>, email: string, password: string) =>
  app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the ciop command', () => {
  it('prints the first admin password once, on the console and not in the log', async () => {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { ...env, CIOP_LOG_LEVEL: 'info', CIOP_PORT: '0', CIOP_MQTT_PORT: '0', CIOP_HOST: '127.0.0.1' },
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start within 30 s:\n${out}`)), 30_000);
        child.stdout.on('data', () => {
          if (/Server listening|"msg":"subscribed to MQTT"/.test(out) && out.includes('password:')) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.once('exit', (code) => reject(new Error(`ciop serve exited with ${code}:\n${out}`)));
      });
    } finally {
      if (child.exitCode === null) {
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    }
    const password = /password: (\S+)/.exec(out)![1];
    expect(out).toContain('e-mail:   admin@localhost');
    const logLines = out.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.some((l) => l.includes(password))).toBe(false);
    expect(out.split(password).length - 1).toBe(1);
    await withApp(async (app) =>
      expect((await login(app, 'admin@localhost', password)).statusCode).toBe(200),
    );
  }, 60_000);

  it('adds a user, sets a new password, and rotates the signing key', async () => {
    const added = await ciop(
      'user',
      'add',
      '--email',
      'Nerea@Example.org',
      '--name',
      'Nerea',
      '--roles',
      'kpi,planner',
    );
    expect(added).toMatch(/created user \d+ <Nerea@Example.org> with roles kpi, planner/);
    const first = /password: (\S+)/.exec(added)![1];
    const token = await withApp(async (app) => {
      const res = await login(app, 'nerea@example.org', first);
      expect(res.statusCode).toBe(200);
      return res.json().accessToken as string;
    });

    const second = (await ciop('user', 'password', 'nerea@example.org')).trim();
    expect(second).toMatch(/^[\w-]{20}$/);
    await withApp(async (app) => {
      expect((await login(app, 'nerea@example.org', first)).statusCode).toBe(401);
      expect((await login(app, 'nerea@example.org', second)).statusCode).toBe(200);
    });

    const me = (app: Awaited<ReturnType<typeof buildApp>>, access: string) =>
      app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: `Bearer ${access}` } });
    const fresh = await withApp(async (app) => {
      const res = await login(app, 'nerea@example.org', second);
      expect((await me(app, res.json().accessToken)).statusCode).toBe(200);
      return res.json().accessToken as string;
    });
    expect(await ciop('rotate-secrets')).toContain('every access token issued before stops working');
    await withApp(async (app) => {
      expect((await me(app, fresh)).statusCode).toBe(401);
      expect((await me(app, token)).statusCode).toBe(401);
    });
  }, 60_000);

  it('refuses what it cannot do with a message', async () => {
    await expect(
      ciop('user', 'add', '--email', 'x@example.org', '--name', 'X', '--roles', 'mayor'),
    ).rejects.toMatchObject({
      stderr: expect.stringContaining('unknown role(s) mayor'),
    });
    await expect(ciop('user', 'password', 'nobody@example.org')).rejects.toMatchObject({
      stderr: expect.stringContaining('There is no account with the e-mail nobody@example.org'),
    });
  }, 60_000);
});
