import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ProblemSchema } from '#common/api/problem.ts';
import { accessPlugin } from './plugins/access.ts';
import { jwtAuthenticator, machineAuthenticator } from './modules/auth/credentials.ts';
import { adminRoutes } from './modules/auth/admin.routes.ts';
import { authRoutes } from './modules/auth/auth.routes.ts';
import { securityPlugin } from './plugins/security.ts';
import { errorsPlugin, frameworkErrors, MAX_PARAM_LENGTH } from './plugins/errors.ts';
import { compressionPlugin } from './plugins/compression.ts';
import { integerParamsPlugin } from './plugins/integer-params.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import type { Platform } from './platform.ts';
import { readingsRoutes } from './modules/readings/readings.routes.ts';
import { ingestRoutes } from './modules/readings/ingest.routes.ts';
import { systemRoutes } from './modules/system/system.routes.ts';
import { registryRoutes } from './modules/registry/registry.routes.ts';
import { registryImportRoutes } from './modules/registry/registry-import.routes.ts';
import { newsRoutes } from './modules/news/news.routes.ts';
import { portalRoutes } from './modules/portal/portal.routes.ts';
import { homeRoutes } from './modules/home/home.routes.ts';
import { kpiRoutes } from './modules/kpi/kpi.routes.ts';
import { kpiInputRoutes } from './modules/kpi/kpi-inputs.routes.ts';
import { webRoutes, type WebOptions } from './modules/web/web.routes.ts';
import { comfortRoutes } from './modules/comfort/comfort.routes.ts';
import { installationsRoutes } from './modules/installations/installations.routes.ts';
import { alarmsRoutes } from './modules/installations/alarms.routes.ts';
import { exportsRoutes } from './modules/installations/exports.routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    platform: Platform;
  }
}

export type App = FastifyInstance;

/** CIOP_TRUST_PROXY as Fastify takes it: a number of hops becomes a function of the hop. */
function trustProxyOption(value: boolean | number | string) {
  return typeof value === 'number' ? (_address: string, hop: number) => hop < value : value;
}

export interface AppOptions {
  /** Where the built web applications are (default `dist/web`). */
  web?: WebOptions;
}

/** Builds the HTTP application over an open platform; never listens by itself. */
export async function buildApp(platform: Platform, options: AppOptions = {}): Promise<App> {
  const app = Fastify({
    loggerInstance: platform.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    // Ingest answers hundreds of requests a second: log failures, not every request.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: trustProxyOption(platform.config.trustProxy),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('platform', platform);
  app.addSchema(ProblemSchema);
  await app.register(errorsPlugin);
  await app.register(compressionPlugin);
  await app.register(securityPlugin, { config: platform.config });
  await app.register(accessPlugin);
  await app.register(integerParamsPlugin);
  await app.register(openapiPlugin);
  // Changes made through routes that ask for it land in the audit log: who, what, when, from where.
  app.addHook('onResponse', async (request, reply) => {
    const area = request.routeOptions.config.audit;
    if (!area || reply.statusCode >= 400 || request.method === 'GET') return;
    const id = (request.params as { id?: string | number } | undefined)?.id;
    await platform.auth.audit.record({
      action: `${area}.${request.method.toLowerCase()}`,
      actor: request.principal,
      ip: request.ip,
      target: { type: request.routeOptions.url ?? request.url, id: id ?? '' },
      detail: { status: reply.statusCode },
    });
  });
  // API response times, for the platform's own ICT KPIs.
  app.addHook('onResponse', async (request, reply) => {
    if (request.url.startsWith('/api/')) platform.kpi.responseTimes.record(reply.elapsedTime);
  });
  app.authenticators.push(jwtAuthenticator(platform));
  app.authenticators.push(machineAuthenticator(platform));

  await app.register(systemRoutes);
  await app.register(ingestRoutes);
  await app.register(readingsRoutes, { prefix: '/api/v1' });
  await app.register(registryRoutes, { prefix: '/api/v1' });
  await app.register(registryImportRoutes, { prefix: '/api/v1' });
  await app.register(authRoutes, { prefix: '/api/v1' });
  await app.register(adminRoutes, { prefix: '/api/v1/admin' });
  await app.register(newsRoutes, { prefix: '/api/v1' });
  await app.register(portalRoutes, { prefix: '/api/v1' });
  await app.register(installationsRoutes, { prefix: '/api/v1' });
  await app.register(alarmsRoutes, { prefix: '/api/v1' });
  await app.register(exportsRoutes, { prefix: '/api/v1' });
  await app.register(homeRoutes, { prefix: '/api/v1' });
  await app.register(kpiRoutes, { prefix: '/api/v1' });
  await app.register(kpiInputRoutes, { prefix: '/api/v1' });
  await app.register(webRoutes, options.web ?? {});
  await app.register(comfortRoutes, { prefix: '/api/v1' });
  return app;
}
