import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildServer } from './build-server.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');

describe('the server build', () => {
  // Inside the repository, so that the built files find node_modules as dist/server does.
  mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  const out = mkdtempSync(path.join(ROOT, '.tmp', 'server-build-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('runs without a transpiler: it migrates a new database from the built migrations', async () => {
    await buildServer(ROOT, out);
    expect(readdirSync(path.join(out, 'migrations')).filter((f) => f.endsWith('.js')).length).toBe(
      readdirSync(path.join(ROOT, 'src/server/db/migrations')).filter((f) => f.endsWith('.ts')).length,
    );
    const db = path.join(out, 'data', 'ciop.db');
    const script = `import(${JSON.stringify(pathToFileURL(path.join(out, 'main.js')).href)}).then((m) => m.main(['migrate']))`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, CIOP_DATABASE_URL: `sqlite:${db}`, CIOP_LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/applied: 20261126_0001_registry/);
  }, 60_000);
});
