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

/** Health, and the plain page at `/` until the web applications are built. */
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

  app.get('/', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CIOP — City Information Open Platform</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}a{color:#0b5394}</style></head>
<body><h1>CIOP — City Information Open Platform</h1>
<p>This CIOP instance is running on ${platform.database.dialect === 'sqlite' ? 'its embedded SQLite database' : 'PostgreSQL'}.</p>
<ul><li><a href="/api/docs">API documentation (OpenAPI, Swagger UI)</a></li><li><a href="/api/v1/health">Health</a></li></ul>
</body></html>`;
  });
};
