import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ProblemSchema } from '#common/api/problem.ts';
import { accessPlugin } from './plugins/access.ts';
import { securityPlugin } from './plugins/security.ts';
import { errorsPlugin, frameworkErrors, MAX_PARAM_LENGTH } from './plugins/errors.ts';
import { compressionPlugin } from './plugins/compression.ts';
import { integerParamsPlugin } from './plugins/integer-params.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import { auditPlugin } from './audit/audit.plugin.ts';
import type { AnyModule } from './module.ts';
import type { Platform } from './platform.ts';
import { webRoutes, type WebOptions } from './web/web.routes.ts';

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

/** Registers a module's route plugins, each under its prefix (default `/api/v1`). */
export async function registerRoutes(app: FastifyInstance, module: AnyModule): Promise<void> {
  for (const routes of module.routes ?? [])
    await app.register(routes.plugin, { prefix: routes.prefix ?? '/api/v1' });
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
  await app.register(auditPlugin);
  for (const module of platform.modules)
    for (const plugin of module.plugins ?? []) await app.register(plugin);
  for (const module of platform.modules)
    for (const routes of module.routes ?? [])
      await app.register(routes.plugin, { prefix: routes.prefix ?? '/api/v1' });
  await app.register(webRoutes, options.web ?? {});
  return app;
}
