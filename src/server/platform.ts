import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';
import {
  type DatabaseHandle,
  migrateToLatest,
  openDatabase,
  pendingMigrations,
  ping,
} from './db/database.ts';
import { Metrics } from './observability/metrics.ts';
import { Readiness } from './observability/readiness.ts';
import { createTimeSeriesIo } from './timeseries/open-io.ts';
import type { AnyModule, Core, ModuleDeps, SecretVerifier, Services } from './module.ts';
import { MODULES } from './modules/index.ts';
import { generateSecret, ingestTokenVerifier } from './modules/auth/ingest-token.ts';
import type { Principal } from './plugins/access.ts';
import { Scheduler } from './plugins/scheduler.ts';
import { AuditService } from './audit/audit.service.ts';
import { systemClock } from './clock.ts';
import { MailService } from './mail/mail.service.ts';
import { getOrCreateSetting } from './settings/instance-settings.store.ts';
import { consumeChanges } from './timeseries/change-feed.ts';
import { inProcessLogWriter } from './timeseries/compaction.ts';
import { SeriesCatalog } from './timeseries/series-catalog.ts';
import { TimeSeriesEngine } from './timeseries/timeseries-engine.ts';
import { workerLogWriter } from './timeseries/worker-log-writer.ts';

/** Everything a running CIOP holds: the core, and the services of every module by name. */
export type Platform = Core &
  Services & {
    /** The modules it opened, in order (the app registers their plugins and routes). */
    modules: readonly AnyModule[];
    /** Seeds every module's part of the demo, in list order (each does nothing when present). */
    seedModuleDemos(now: number): Promise<void>;
    /** Who checks machine secrets (HTTP tokens, MQTT passwords); the first that knows one answers. */
    verifySecret(secret: string): Promise<Principal | undefined>;
    close(): Promise<void>;
  };

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel });
}

/**
 * The services opened so far, as a module sees them: reading a module's service that has not
 * opened yet (it comes later in the list) fails at start, naming both.
 */
function depsFor(module: AnyModule, core: Core, services: Record<string, unknown>): ModuleDeps {
  return new Proxy({ ...core, ...services } as ModuleDeps, {
    get(target, name, receiver) {
      if (typeof name === 'string' && !(name in target))
        throw new Error(
          `module ${module.id} reads "${name}", which no module before it in modules/index.ts opens`,
        );
      return Reflect.get(target, name, receiver);
    },
  });
}

/**
 * Opens the database (migrating it), the time-series engine and the shared services, then every
 * module in the list, and schedules their jobs.
 */
export async function openPlatform(
  config: Config,
  logger: Logger = createLogger(config),
  modules: readonly AnyModule[] = MODULES,
): Promise<Platform> {
  const database = openDatabase(config.databaseUrl, { sqliteSync: config.sqliteSync });
  const opened: { module: AnyModule; services: object }[] = [];
  let core: Core | undefined;
  let closeIo = () => {};
  const close = async () => {
    await core?.scheduler.stop();
    for (const { module, services } of opened.reverse()) await module.close?.(services);
    if (core) {
      await core.mail.drain();
      core.mail.close();
      await core.engine.stop();
      closeIo();
    }
    await database.close();
  };
  try {
    ({ core, closeIo } = await openCore(config, logger, database));
    const services: Record<string, unknown> = {};
    const verifiers: SecretVerifier[] = [ingestTokenVerifier(core.ingestToken)];
    const demos: ((now: number) => Promise<void>)[] = [];
    for (const module of modules) {
      const deps = depsFor(module, core, services);
      const own = (await module.open(deps)) as Record<string, unknown>;
      for (const name of Object.keys(own)) {
        if (name in services || name in core)
          throw new Error(
            `module ${module.id} opens "${name}", which another module or the core already has`,
          );
      }
      Object.assign(services, own);
      opened.push({ module, services: own });
      for (const job of module.jobs?.(own, deps) ?? []) core.scheduler.add(job);
      if (module.secretVerifier) verifiers.push(module.secretVerifier(own));
      const { demo } = module;
      if (demo) demos.push((now) => demo(own, deps, now));
    }
    return {
      ...core,
      ...(services as unknown as Services),
      modules,
      seedModuleDemos: async (now) => {
        for (const demo of demos) await demo(now);
      },
      verifySecret: async (secret) => {
        for (const verify of verifiers) {
          const principal = await verify(secret);
          if (principal) return principal;
        }
        return undefined;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The core every module is handed: the series catalog and engine, the scheduler, audit and mail. */
async function openCore(
  config: Config,
  logger: Logger,
  database: DatabaseHandle,
): Promise<{ core: Core; closeIo(): void }> {
  await migrateToLatest(database);
  const metrics = new Metrics();
  const catalog = new SeriesCatalog(database.db);
  await catalog.load();
  const io = createTimeSeriesIo(database);
  const isCumulative = (id: number) => catalog.isCumulative(id);
  const engine = new TimeSeriesEngine(
    io,
    {
      flushIntervalMs: config.flushIntervalMs,
      isCumulative,
      onError: (error) =>
        logger.error({ err: error }, 'compaction failed; the readings stay in the log and are retried'),
      onCompaction: (seconds) => metrics.compacted(seconds),
    },
    // SQLite statements are synchronous: appends and compactions run in a storage thread.
    database.sqliteFile
      ? workerLogWriter(database.sqliteFile, config.sqliteSync, database.sqliteWaiters)
      : inProcessLogWriter(io, isCumulative),
  );
  await engine.start();
  let ingestToken = config.ingestToken;
  if (!ingestToken) {
    const stored = await getOrCreateSetting(database.db, 'ingest_token', () => generateSecret());
    ingestToken = stored.value;
    if (stored.created)
      logger.info(
        'generated an ingest token for this instance (CIOP_INGEST_TOKEN overrides it); `ciop ingest-token` prints it',
      );
  }
  const scheduler = new Scheduler(
    database,
    logger,
    config.timezone,
    (consumer, handle) => consumeChanges(database.db, io, consumer, handle),
    (job, seconds, failed) => metrics.jobRan(job, seconds, failed),
  );
  metrics.gauge(
    'ciop_pending_readings',
    'Acknowledged readings not yet compacted',
    () => engine.pendingPoints,
  );
  const pool = database.pool;
  if (pool) {
    metrics.gauge('ciop_db_pool_connections', 'Connections the PostgreSQL pool holds', () => pool.totalCount);
    metrics.gauge('ciop_db_pool_idle', 'Idle connections of the PostgreSQL pool', () => pool.idleCount);
    metrics.gauge('ciop_db_pool_waiting', 'Queries waiting for a pooled connection', () => pool.waitingCount);
  }
  const readiness = new Readiness();
  readiness.add({ name: 'database', check: async () => (await ping(database), true) });
  readiness.add({
    name: 'migrations',
    check: async () => (await pendingMigrations(database)).length === 0,
  });
  readiness.add({ name: 'engine', check: () => engine.running });
  scheduler.add({
    name: 'prune-series-changes',
    everyMs: 3_600_000,
    // Derived-data jobs read the change feed within minutes; a week is ample. Claims of job runs
    // matter only while replicas may still reach the same run.
    run: async (now) => {
      await engine.io.pruneChanges(now - 7 * 86_400_000);
      await database.db
        .deleteFrom('job_run')
        .where('claimed_at', '<', now - 7 * 86_400_000)
        .execute();
    },
  });
  const clock = systemClock();
  const core: Core = {
    config,
    logger,
    database,
    db: database.db,
    engine,
    catalog,
    scheduler,
    clock,
    audit: new AuditService(database.db, clock),
    mail: new MailService(database.db, { smtpUrl: config.smtpUrl, from: config.mailFrom }, clock, logger),
    ingestToken,
    startedAt: Date.now(),
    metrics,
    readiness,
  };
  return { core, closeIo: () => io.close() };
}
