import pino, { type Logger } from 'pino';
import type { Config } from './config.ts';
import { createTimeSeriesIo, type DatabaseHandle, migrateToLatest, openDatabase } from './db/database.ts';
import { generateSecret, ingestTokenVerifier, type SecretVerifier } from './modules/auth/ingest-token.ts';
import { type AuthServices, openAuth } from './modules/auth/auth.services.ts';
import { buildingsOfGateways } from './modules/auth/machine-tokens.store.ts';
import type { Principal } from './plugins/access.ts';
import { Scheduler } from './plugins/scheduler.ts';
import { IngestService } from './modules/readings/ingest.service.ts';
import { ReadingsService } from './modules/readings/readings.service.ts';
import { RegistryImportService } from './modules/registry/registry-import.service.ts';
import { RegistryService } from './modules/registry/registry.service.ts';
import { findGatewaysBySerial } from './modules/registry/registry.store.ts';
import { SeriesCatalog } from './modules/readings/series-catalog.ts';
import { TimeSeriesEngine } from './modules/readings/timeseries-engine.ts';
import { inProcessLogWriter } from './modules/readings/compaction.ts';
import { workerLogWriter } from './modules/readings/worker-log-writer.ts';
import { getOrCreateSetting } from './modules/system/instance-settings.store.ts';
import { NewsService } from './modules/news/news.service.ts';
import { PortalService } from './modules/portal/portal.service.ts';
import { comfortJob } from './modules/comfort/comfort.jobs.ts';
import { ComfortService } from './modules/comfort/comfort.service.ts';
import { type InstallationServices, openInstallations } from './modules/installations/installations.jobs.ts';
import { HomeService } from './modules/home/home.service.ts';
import { type KpiServices, openKpi } from './modules/kpi/kpi-services.ts';
import { comfortSourceOf } from './modules/kpi/comfort.calculator.ts';

/** Everything a running CIOP holds: configuration, database, engine and services. */
export interface Platform {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  engine: TimeSeriesEngine;
  catalog: SeriesCatalog;
  ingest: IngestService;
  readings: ReadingsService;
  registry: RegistryService;
  registryImport: RegistryImportService;
  /** Accounts, sessions, machine tokens, account requests, e-mail and the audit log. */
  auth: AuthServices;
  /** The local news channel (fetched by the `news-fetch` job). */
  news: NewsService;
  /** Headline figures of the landing portal. */
  portal: PortalService;
  /** Stored comfort: comfort points, their hourly PMV/PPD, dwelling, building and district views. */
  comfort: ComfortService;
  /** Registration of installations, their live status and the missing-data heatmap. */
  installations: InstallationServices['installations'];
  /** Incidents of silent gateways and sensors (job `silent-devices`). */
  alarms: InstallationServices['alarms'];
  alarmSettings: InstallationServices['alarmSettings'];
  /** Streamed data downloads. */
  exports: InstallationServices['exports'];
  /** The resident's home views computed on the server: before and after, tips. */
  home: HomeService;
  /** The KPI evaluation tool: catalogue and store, calculators, conversion factors, inputs. */
  kpi: KpiServices;
  /** The token forwarders write with until machine tokens are issued. */
  ingestToken: string;
  /** Who checks machine secrets (HTTP tokens, MQTT passwords); the first that knows one answers. */
  secretVerifiers: SecretVerifier[];
  verifySecret(secret: string): Promise<Principal | undefined>;
  /** Scheduled jobs; they run once across replicas. */
  scheduler: Scheduler;
  /** Time the platform opened, epoch ms. */
  startedAt: number;
  close(): Promise<void>;
}

export function createLogger(config: Config): Logger {
  return pino({ level: config.logLevel });
}

/** Opens the database (migrating it), loads the series catalog and starts the engine. */
export async function openPlatform(config: Config, logger: Logger = createLogger(config)): Promise<Platform> {
  const database = openDatabase(config.databaseUrl, { sqliteSync: config.sqliteSync });
  try {
    await migrateToLatest(database);
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
      },
      // SQLite statements are synchronous: appends and compactions run in a storage thread.
      database.sqliteFile
        ? workerLogWriter(database.sqliteFile, config.sqliteSync)
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
    const scheduler = new Scheduler(database, logger, config.timezone);
    scheduler.add({
      name: 'prune-series-changes',
      everyMs: 3_600_000,
      // Derived-data jobs read the change feed within minutes; a week is ample.
      run: async (now) => engine.io.pruneChanges(now - 7 * 86_400_000),
    });
    const auth = await openAuth(database.db, config, logger);
    const secretVerifiers: SecretVerifier[] = [
      ingestTokenVerifier(ingestToken),
      (secret) => auth.machineTokens.verify(secret),
    ];
    const news = new NewsService(database.db, logger, {
      retentionDays: config.newsRetentionDays,
    });
    scheduler.add({
      name: 'news-fetch',
      everyMs: config.newsFetchIntervalS * 1000,
      run: async () => {
        await news.fetchAll();
      },
    });
    const comfort = new ComfortService(database.db, engine, config, logger);
    scheduler.add(comfortJob(comfort, config.comfortIntervalS * 1000));
    const registry = new RegistryService(database.db);
    const operations = openInstallations({
      db: database.db,
      engine,
      catalog,
      registry,
      auth,
      scheduler,
      config,
      logger,
    });
    const readings = new ReadingsService(database.db, engine, catalog, config.timezone);
    const registryImport = new RegistryImportService(database.db);
    const kpi = await openKpi({
      db: database.db,
      config,
      logger,
      engine,
      readings,
      registryImport,
      audit: auth.audit,
      scheduler,
    });
    kpi.calculators.useComfort(comfortSourceOf(comfort));
    return {
      config,
      logger,
      database,
      engine,
      catalog,
      ingest: new IngestService(
        catalog,
        engine,
        {
          minTime: config.ingestMinTime,
          maxFutureS: config.ingestMaxFutureS,
          line: {
            lineBytes: config.ingestMaxLineBytes,
            fields: config.ingestMaxFieldsPerLine,
            tags: config.ingestMaxTags,
            keyBytes: config.ingestMaxKeyBytes,
          },
          maxNewSeries: config.ingestMaxNewSeries,
          newSeriesPerMinute: config.ingestNewSeriesPerMinute,
        },
        {
          buildingsOf: (gatewayIds) => buildingsOfGateways(database.db, gatewayIds),
          bySerial: (serials) => findGatewaysBySerial(database.db, serials),
        },
      ),
      readings,
      registry,
      registryImport,
      auth,
      news,
      portal: new PortalService(database.db, engine, logger),
      comfort,
      ...operations,
      home: new HomeService(database.db, readings, config.timezone),
      kpi,
      ingestToken,
      secretVerifiers,
      verifySecret: async (secret) => {
        for (const verify of secretVerifiers) {
          const principal = await verify(secret);
          if (principal) return principal;
        }
        return undefined;
      },
      scheduler,
      startedAt: Date.now(),
      close: async () => {
        await scheduler.stop();
        await auth.close();
        await engine.stop();
        io.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
