import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PublicContactSchema, PublicSummarySchema } from '#common/api/portal.ts';

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

  const { config } = app.platform;
  app.get(
    '/public/contact',
    {
      schema: {
        tags: ['public'],
        summary: "Who runs this CIOP and how to reach them (the instance's CIOP_CONTACT_* settings)",
        response: { 200: PublicContactSchema },
      },
      config: { access: 'public' },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      return {
        name: config.contactName ?? null,
        email: config.contactEmail ?? null,
        phone: config.contactPhone ?? null,
        address: config.contactAddress ?? null,
      };
    },
  );
};
