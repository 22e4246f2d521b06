import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CSRF_COOKIE } from '#common/api/auth.ts';
import { ExportLinkSchema, type ExportQuery, ExportQuerySchema } from '#common/api/installations.ts';
import { type Principal, principalOf } from '../../plugins/access.ts';
import { audit } from '../../audit/audit.service.ts';
import { READ_READINGS } from '../../access/readers.ts';

const tags = ['exports'];

const DESCRIPTION =
  'Columns `sn,channel,device,medium,time,value` (time in ISO 8601, UTC), exactly what `POST /api/v1/ingest/csv` takes, so an export goes back in as it is; hourly and daily figures add `count,min,max` and give the mean (cumulative meters: the consumption) as `value`. One sensor after another, in time order. Streamed: any period, in flat memory. Every export is recorded in the audit log.';

export const exportsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { exports } = app.platform;

  const send = async (
    request: FastifyRequest,
    reply: FastifyReply,
    query: ExportQuery,
    principal: Principal,
  ) => {
    const plan = await exports.plan(query, principal);
    await audit(request, 'data.export', {
      actor: principal,
      target:
        'dwellingId' in plan.scope
          ? { type: 'dwelling', id: plan.scope.dwellingId }
          : { type: 'building', id: plan.scope.buildingId },
      detail: {
        media: plan.media,
        from: new Date(plan.from).toISOString(),
        to: new Date(plan.to).toISOString(),
        interval: plan.interval,
        format: plan.format,
        sensors: new Set(plan.members.map((m) => m.sensorId)).size,
      },
    });
    return reply
      .header('content-type', plan.contentType)
      .header('content-disposition', `attachment; filename="${plan.filename}"`)
      .header('cache-control', 'no-store')
      .send(exports.stream(plan));
  };

  app.get(
    '/exports',
    {
      schema: {
        tags,
        summary: 'Download the readings of a dwelling or building (CSV or XLSX)',
        description: DESCRIPTION,
        querystring: ExportQuerySchema,
        produces: ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
      },
      config: { access: READ_READINGS, scope: ['query.dwelling', 'query.building'] },
      exposeHeadRoute: false,
    },
    async (request, reply) => send(request, reply, request.query, principalOf(request)),
  );

  app.post(
    '/exports/links',
    {
      schema: {
        tags,
        summary: 'A single-use link to download an export from a browser',
        description:
          'The query as for `GET /api/v1/exports`, checked now as the caller. The link works once, within a minute, and only for whoever asked for it: the same machine token, or the same login session (its access token, or in a browser its `ciop_csrf` cookie). Anyone else gets 403.',
        body: ExportQuerySchema,
        response: { 201: ExportLinkSchema },
      },
      config: { access: READ_READINGS, scope: ['body.dwelling', 'body.building'] },
    },
    async (request, reply) =>
      reply.status(201).send(await exports.createLink(request.body, principalOf(request))),
  );

  app.get(
    '/exports/download/:token',
    {
      schema: {
        tags,
        summary: 'Download an export through a link of `POST /api/v1/exports/links`',
        description: DESCRIPTION,
        params: Type.Object({ token: Type.String({ minLength: 1, maxLength: 100 }) }),
      },
      // A browser's navigation carries no access token: the link, made by someone allowed for
      // this export only, is checked against the session cookie the navigation does carry. Once
      // only (a HEAD request, such as a link preview, must not spend it).
      config: { access: 'public' },
      exposeHeadRoute: false,
    },
    async (request, reply) => {
      const { query, principal } = await exports.redeemLink(request.params.token, {
        principal: request.principal,
        sessionCookie: request.cookies[CSRF_COOKIE],
      });
      return send(request, reply, query, principal);
    },
  );
};
