import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PublicSummarySchema } from '#common/api/portal.ts';

export const portalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const portal = app.platform.portal;

  app.get(
    '/public/summary',
    {
      schema: {
        tags: ['public'],
        summary: 'Headline figures of the district for the landing portal (cached, at most 10 minutes old)',
        response: { 200: PublicSummarySchema },
      },
      config: { access: 'public' },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return portal.summary();
    },
  );
};
