import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import {
  FeedInputSchema,
  FeedListSchema,
  FeedPatchSchema,
  FeedSchema,
  NewsListSchema,
  NewsQuery,
} from '#common/api/news.ts';
import type { Access } from '../../plugins/access.ts';

/** Feeds, and their failures, are for admins only. */
const ADMIN: Access = { roles: ['admin'], scopes: ['admin'] };
const tags = ['news'];
const problems = { 400: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' }, 409: { $ref: 'Problem#' } };
const FeedParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const newsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const news = app.platform.news;

  app.get(
    '/news',
    {
      schema: {
        tags,
        summary: 'The newest headlines of the local news channel (public; for the carousel and the TV)',
        querystring: NewsQuery,
        response: { 200: NewsListSchema },
      },
      config: { access: 'public' },
    },
    async (request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return news.listItems(request.query.limit ?? 20, request.query.lang);
    },
  );

  app.get(
    '/news/feeds',
    {
      schema: {
        tags,
        summary: 'The configured feeds, with how their last fetch went (admins)',
        response: { 200: FeedListSchema },
      },
      config: { access: ADMIN },
    },
    async () => ({ feeds: await news.listFeeds() }),
  );

  app.post(
    '/news/feeds',
    {
      schema: {
        tags,
        summary: 'Add an RSS or Atom feed (admins)',
        body: FeedInputSchema,
        response: { 201: FeedSchema, ...problems },
      },
      config: { access: ADMIN },
    },
    async (request, reply) => reply.status(201).send(await news.createFeed(request.body)),
  );

  app.patch(
    '/news/feeds/:id',
    {
      schema: {
        tags,
        summary: 'Change a feed (admins)',
        params: FeedParams,
        body: FeedPatchSchema,
        response: { 200: FeedSchema, ...problems },
      },
      config: { access: ADMIN },
    },
    async (request) => news.updateFeed(request.params.id, request.body),
  );

  app.delete(
    '/news/feeds/:id',
    {
      schema: {
        tags,
        summary: 'Remove a feed and its headlines (admins)',
        params: FeedParams,
        response: { 204: Type.Null(), 404: { $ref: 'Problem#' } },
      },
      config: { access: ADMIN },
    },
    async (request, reply) => {
      await news.deleteFeed(request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/news/feeds/:id/fetch',
    {
      schema: {
        tags,
        summary: 'Fetch a feed now and say how it went (admins)',
        params: FeedParams,
        response: {
          200: Type.Object({
            feedId: Type.Integer(),
            status: Type.Union([Type.Literal('ok'), Type.Literal('not-modified'), Type.Literal('error')]),
            added: Type.Integer({ description: 'Headlines not kept before' }),
            error: Type.Optional(Type.String()),
          }),
          404: { $ref: 'Problem#' },
        },
      },
      config: { access: ADMIN },
    },
    async (request) => news.fetchOne(request.params.id),
  );
};
