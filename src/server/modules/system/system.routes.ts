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

/** Health. (The page at `/` is the web applications': src/server/web.) */
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
};
