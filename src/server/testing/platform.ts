import pino from 'pino';
import { type AppOptions, buildApp, type App } from '../app.ts';
import { type Config, loadConfig } from '../config.ts';
import type { AnyModule } from '../module.ts';
import { MODULES } from '../modules/index.ts';
import { openPlatform, type Platform } from '../platform.ts';
import { BY_SYSTEM } from '../audit/by.ts';
import { openTestDatabase } from './databases.ts';

export interface TestPlatform {
  platform: Platform;
  app: App;
  /** Headers carrying the ingest token. */
  ingestHeaders: Record<string, string>;
  /** Headers of a machine that may read every reading. */
  readerHeaders: Record<string, string>;
  close(): Promise<void>;
}

/** A whole CIOP over a fresh database of the tier's dialect, for tests over HTTP (`app.inject`). */
export async function openTestPlatform(
  overrides: Partial<Config> = {},
  appOptions: AppOptions = {},
  modules: readonly AnyModule[] = MODULES,
): Promise<TestPlatform> {
  const db = await openTestDatabase();
  await db.handle.close();
  const config = loadConfig(
    {},
    {
      databaseUrl: db.url,
      logLevel: 'silent',
      flushIntervalMs: 60_000,
      ingestToken: 'test-ingest-token',
      mqttPort: 0,
      // Tests log in many times from one address; the rate-limit tests set their own limits.
      rateLimitPerMinute: 0,
      authRatePerMinute: 0,
      accountRequestsPerHour: 0,
      ...overrides,
    },
  );
  const platform = await openPlatform(config, pino({ level: 'silent' }), modules);
  const reader = await platform.auth.machineTokens.issue(
    { name: 'test reader', scopes: ['read'] },
    BY_SYSTEM,
  );
  const app = await buildApp(platform, appOptions);
  await app.ready();
  return {
    platform,
    app,
    ingestHeaders: { authorization: `Bearer ${platform.ingestToken}` },
    readerHeaders: { authorization: `Bearer ${reader.token}` },
    close: async () => {
      await app.close();
      await platform.close();
      await db.drop();
    },
  };
}
