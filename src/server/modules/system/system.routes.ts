import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import { ping } from '../../db/database.ts';

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  database: Type.String({ description: 'sqlite or postgres' }),
  uptimeS: Type.Number({ description: 'Seconds since start' }),
  pendingReadings: Type.Integer({
    description: 'Acknowledged readings not yet compacted into series blocks',
  }),
});

const ReadySchema = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Record(Type.String(), Type.Boolean(), {
    description: 'Each part this instance needs: database, migrations, engine, broker',
  }),
});

/** Who may scrape the metrics: a machine token with the `metrics` scope, or an admin. */
const SCRAPE = { roles: ['admin' as const], scopes: ['metrics' as const, 'admin' as const] };

/**
 * Health (alive), readiness (ready for traffic) and metrics. (The page at `/` is the web
 * applications': src/server/web.)
 */
export const systemRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const platform = app.platform;

  app.get(
    '/api/v1/health',
    {
      schema: {
        tags: ['system'],
        summary: 'Is this instance up, and is its database answering?',
        response: { 200: HealthSchema, 503: HealthSchema },
      },
      config: { access: 'public' },
    },
    async (_request, reply) => {
      let status: 'ok' | 'degraded' = 'ok';
      try {
        await ping(platform.database);
      } catch {
        status = 'degraded';
      }
      return reply.status(status === 'ok' ? 200 : 503).send({
        status,
        database: platform.database.dialect,
        uptimeS: Math.round((Date.now() - platform.startedAt) / 1000),
        pendingReadings: platform.engine.pendingPoints,
      });
    },
  );

  app.get(
    '/api/v1/ready',
    {
      schema: {
        tags: ['system'],
        summary: 'Is this instance ready for traffic?',
        description:
          'Ready when its database answers, its migrations are applied, its time-series engine runs and (when serving) its MQTT subscriber is connected; 503 otherwise, naming what is not. `/api/v1/health` answers whether it is alive.',
        response: { 200: ReadySchema, 503: ReadySchema },
      },
      config: { access: 'public' },
    },
    async (_request, reply) => {
      const answer = await platform.readiness.evaluate();
      return reply.status(answer.ready ? 200 : 503).send(answer);
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['system'],
        summary: 'Metrics in the Prometheus text format',
        description:
          'HTTP requests by route and status with durations, ingest points and batches by protocol, the pending log, compactions, job runs and failures, MQTT connections, the database pool, process memory and event-loop lag. Needs a machine token with the `metrics` scope (or an admin).',
        produces: ['text/plain'],
      },
      config: { access: SCRAPE },
    },
    async (_request, reply) =>
      reply.header('content-type', platform.metrics.contentType).send(await platform.metrics.text()),
  );
};
