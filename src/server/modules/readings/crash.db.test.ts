import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { openPlatform } from '../../platform.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.ts';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const T = Date.UTC(2026, 8, 1);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** SIGKILL the server during a sustained write: after a restart every acknowledged reading is there. */
describe('crash safety', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('keeps every acknowledged point across a SIGKILL', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/ciop.mjs'), 'serve'], {
      cwd: ROOT,
      env: {
        ...process.env,
        CIOP_PORT: String(port),
        CIOP_HOST: '127.0.0.1',
        CIOP_DATABASE_URL: database.url,
        CIOP_INGEST_TOKEN: 'crash',
        CIOP_MQTT_PORT: '0',
        CIOP_LOG_LEVEL: 'silent',
        CIOP_FLUSH_INTERVAL_MS: '300',
      },
      stdio: 'ignore',
    });
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${base}/api/v1/health`)).ok) break;
      } catch {
        if (i > 300) throw new Error('the server did not start');
      }
      await new Promise((r) => setTimeout(r, 100));
    }

    let acknowledged = 0;
    const perBatch = 400;
    const writer = (async () => {
      for (let b = 0; ; b++) {
        const lines = Array.from(
          { length: perBatch },
          (_, i) =>
            `forwarder_data,SN=DEADBEEF00000001,channel=1,device=${i % 4},medium=power value=${b} ${T + (b * perBatch + i) * 1000}`,
        );
        try {
          const res = await fetch(`${base}/api/v2/write?precision=ms`, {
            method: 'POST',
            headers: { authorization: 'Token crash' },
            body: lines.join('\n'),
          });
          if (res.status !== 204) throw new Error(`unexpected ${res.status}`);
          acknowledged = b + 1;
        } catch {
          return; // the server died mid-request: that batch was never acknowledged
        }
      }
    })();
    await new Promise((r) => setTimeout(r, 2500));
    child.kill('SIGKILL');
    await writer;
    expect(acknowledged).toBeGreaterThan(5);

    const platform = await openPlatform(
      loadConfig({}, { databaseUrl: database.url, logLevel: 'silent', ingestToken: 'crash' }),
      pino({ level: 'silent' }),
    );
    try {
      let found = 0;
      for (let device = 0; device < 4; device++) {
        const info = platform.catalog.get(
          `forwarder_data,SN=DEADBEEF00000001,channel=1,device=${device},medium=power value`,
        );
        expect(info).toBeDefined();
        const points = await platform.engine.readPoints(info!.id, T, T + acknowledged * perBatch * 1000);
        found += points.times.length;
      }
      expect(found).toBeGreaterThanOrEqual(acknowledged * perBatch);
    } finally {
      await platform.close();
    }
  }, 60_000);
});
