import type { FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/database.ts';
import type { Database } from './db/schema.ts';
import type { Principal } from './plugins/access.ts';
import type { Job } from './plugins/scheduler.ts';
import type { Scheduler } from './plugins/scheduler.ts';
import type { AuditService } from './audit/audit.service.ts';
import type { Clock } from './clock.ts';
import type { MailService } from './mail/mail.service.ts';
import type { SeriesCatalog } from './timeseries/series-catalog.ts';
import type { TimeSeriesEngine } from './timeseries/timeseries-engine.ts';
import type { Metrics } from './observability/metrics.ts';
import type { Readiness } from './observability/readiness.ts';

/**
 * What every module is handed before any module opens: configuration, the database, the
 * time-series engine, the scheduler and the shared services (audit log, e-mail).
 */
export interface Core {
  config: Config;
  logger: Logger;
  database: DatabaseHandle;
  db: Kysely<Database>;
  engine: TimeSeriesEngine;
  catalog: SeriesCatalog;
  scheduler: Scheduler;
  /** The time the audit log, e-mail and accounts read; tests replace `clock.now`. */
  clock: Clock;
  audit: AuditService;
  mail: MailService;
  /** The token forwarders write with until machine tokens are issued. */
  ingestToken: string;
  /** Time the platform opened, epoch ms. */
  startedAt: number;
  /** The instance's Prometheus metrics, which modules add to. */
  metrics: Metrics;
  /** What must be up before this instance takes traffic; modules and the server add checks. */
  readiness: Readiness;
}

/**
 * The services of every module, by name. Each module adds the names it opens from its own
 * `index.ts`, by declaration merging:
 *
 * ```ts
 * declare module '../../module.ts' {
 *   interface Services { news: NewsService }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface Services {}

/** What a module's `open` and `jobs` are handed: the core and the services of the modules before it. */
export type ModuleDeps = Core & Services;

/** Checks a presented secret (bearer token, InfluxDB token, MQTT password) and names its holder; undefined when it does not know it. */
export type SecretVerifier = (secret: string) => Promise<Principal | undefined>;

/** One route plugin of a module and where it is mounted (default `/api/v1`). */
export interface ModuleRoutes {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Fastify plugins of any type provider
  plugin: FastifyPluginAsync<any>;
  prefix?: string;
}

/** A server module: one feature, one folder, one entry in `modules/index.ts`. */
export interface ModuleDefinition<S extends Partial<Services>> {
  /** A short name, used in errors and logs. */
  id: string;
  /**
   * Opens the module's services over the core and the services of the modules before it in the
   * list (reading a later module's service fails at start, naming both). The names it returns
   * become `platform.<name>`.
   */
  open(deps: ModuleDeps): S | Promise<S>;
  /** Plugins registered on the whole app before any route: hooks, authenticators. */
  plugins?: readonly FastifyPluginAsync[];
  /** Route plugins, each under its prefix. */
  routes?: readonly ModuleRoutes[];
  /** Scheduled work; each job runs once across replicas. */
  jobs?(services: S, deps: ModuleDeps): readonly Job[];
  /**
   * Seeds this module's part of the demo after the demo district exists (`ciop start` on an
   * empty database, and on every start after, so a module added later fills in its part). It
   * must do nothing when its part is already there.
   */
  demo?(services: S, deps: ModuleDeps, now: number): Promise<void>;
  /** Machine secrets this module knows (tried after the ingest token). */
  secretVerifier?(services: S): SecretVerifier;
  /** Releases what `open` took, in reverse list order. */
  close?(services: S): Promise<void>;
}

/** A module as the platform holds it in its list. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the list holds modules of every service type
export type AnyModule = ModuleDefinition<any>;

/** Declares a server module (the server's counterpart of the web's `defineApp`). */
export function defineModule<S extends Partial<Services>>(module: ModuleDefinition<S>): ModuleDefinition<S> {
  return module;
}
