import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { ProblemSchema } from '#common/api/problem.ts';
import { accessPlugin } from './plugins/access.ts';
import { machineAuthenticator } from './modules/auth/credentials.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { openapiPlugin } from './plugins/openapi.ts';
import type { Platform } from './platform.ts';
import { readingsRoutes } from './modules/readings/readings.routes.ts';
import { ingestRoutes } from './modules/readings/ingest.routes.ts';
import { systemRoutes } from './modules/system/system.routes.ts';
import { comfortRoutes } from './modules/comfort/comfort.routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    platform: Platform;
  }
}

export type App = FastifyInstance;

/** Builds the HTTP application over an open platform; never listens by itself. */
export async function buildApp(platform: Platform): Promise<App> {
  const app = Fastify({
    loggerInstance: platform.logger as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    trustProxy: true,
    // Ingest answers hundreds of requests a second: log failures, not every request.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.decorate('platform', platform);
  app.addSchema(ProblemSchema);
  await app.register(errorsPlugin);
  await app.register(accessPlugin);
  await app.register(openapiPlugin);
  app.authenticators.push(machineAuthenticator(platform));

  await app.register(systemRoutes);
  await app.register(ingestRoutes);
  await app.register(readingsRoutes, { prefix: '/api/v1' });
  await app.register(comfortRoutes, { prefix: '/api/v1' });
  return app;
}
