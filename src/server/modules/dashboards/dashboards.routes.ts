import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import {
  AnomalyListSchema,
  AnomalyThresholdsSchema,
  DashboardBodySchema,
  DashboardSchema,
  DashboardSummarySchema,
  DashboardUpdateSchema,
  DashboardVersionSchema,
  PanelQueryAnswerSchema,
  PanelQueryBatchSchema,
} from '#common/api/dashboards.ts';
import { EpochMs } from '#common/api/time.ts';
import { type Access, principalOf } from '../../plugins/access.ts';

/** ESCO members and administrators (who see every organisation's dashboards). */
const DASHBOARDS: Access = { roles: ['esco', 'admin'] };

const tags = ['dashboards'];
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Range = {
  from: EpochMs('Start of the range, inclusive'),
  to: EpochMs('End of the range, inclusive'),
};
const OrganisationQuery = Type.Object({
  organisationId: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Administrators: the organisation. Others: their own.' }),
  ),
});

export const dashboardsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { dashboards, anomalies, buildingViews } = app.platform.dashboards;

  app.get(
    '/dashboards/buildings/:id/anomalies',
    {
      schema: {
        tags,
        summary: 'What needs a look in a building, newest first',
        description:
          'Found per local week by the anomaly job from the hourly data: dwellings too cold or too hot for more than ' +
          'the threshold’s occupied hours, humid days (mould risk), hours of CO2 above the limit, a dwelling whose daily ' +
          'mean temperature departs from the others’, a sensor stuck at one value. With the thresholds that applied.',
        params: IdParams,
        querystring: Type.Object({
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
        }),
        response: { 200: AnomalyListSchema },
      },
      config: { access: DASHBOARDS, scope: ['params.id'] },
    },
    async (request) => anomalies.list(request.params.id, principalOf(request), request.query.limit),
  );

  app.get(
    '/dashboards/anomaly-thresholds',
    {
      schema: {
        tags,
        summary: 'The anomaly thresholds of the caller’s organisation',
        querystring: OrganisationQuery,
        response: {
          200: Type.Object({ organisationId: Type.Integer(), thresholds: AnomalyThresholdsSchema }),
        },
      },
      config: { access: DASHBOARDS, scope: [{ at: 'query.organisationId', outsider: 'refuse' }] },
    },
    async (request) => anomalies.thresholds(principalOf(request), request.query.organisationId),
  );

  app.put(
    '/dashboards/anomaly-thresholds',
    {
      schema: {
        tags,
        summary: 'Set the anomaly thresholds of the caller’s organisation',
        description:
          'The anomalies of the organisation’s buildings over the last 8 weeks are found again at once.',
        querystring: OrganisationQuery,
        body: AnomalyThresholdsSchema,
        response: {
          200: Type.Object({ organisationId: Type.Integer(), thresholds: AnomalyThresholdsSchema }),
        },
      },
      config: { access: DASHBOARDS, scope: [{ at: 'query.organisationId', outsider: 'refuse' }] },
    },
    async (request) =>
      anomalies.setThresholds(principalOf(request), request.body, request.query.organisationId),
  );

  app.get(
    '/dashboards/buildings/:id/context',
    {
      schema: {
        tags,
        summary: 'A building’s dwellings, its district’s outdoor temperature, retrofit date and incidents',
        params: IdParams,
        querystring: Type.Object({
          ...Range,
          interval: Type.Optional(Type.Union([Type.Literal('hour'), Type.Literal('day')])),
        }),
      },
      config: { access: DASHBOARDS, scope: ['params.id'] },
    },
    async (request) => buildingViews.context(request.params.id, request.query, principalOf(request)),
  );

  app.get(
    '/dashboards/buildings/:id/energy',
    {
      schema: {
        tags,
        summary: 'Energy of a building and its dwellings per day or month, per m² and per heating degree day',
        description:
          'kWh from the dwellings’ cumulative `energy` meters; degree days on base 15 °C from the district weather station; ' +
          'before and after the building’s `retrofit_date` feature.',
        params: IdParams,
        querystring: Type.Object({
          ...Range,
          interval: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('month')])),
        }),
      },
      config: { access: DASHBOARDS, scope: ['params.id'] },
    },
    async (request) => buildingViews.energy(request.params.id, request.query, principalOf(request)),
  );

  app.get(
    '/dashboards',
    {
      schema: {
        tags,
        summary: 'The dashboards of the caller’s organisation (administrators: all)',
        response: { 200: Type.Array(DashboardSummarySchema) },
      },
      config: { access: DASHBOARDS },
    },
    async (request) => dashboards.list(principalOf(request)),
  );

  app.post(
    '/dashboards',
    {
      schema: {
        tags,
        summary: 'Create a dashboard (also: import one from its JSON)',
        description:
          'Checked against the schema (at most 30 panels, 8 queries a panel) and against what the organisation looks ' +
          'after: an unknown medium or KPI, or a building outside the organisation, is refused with 400 naming the JSON path.',
        body: DashboardBodySchema,
        response: { 201: DashboardSchema },
      },
      config: { access: DASHBOARDS },
    },
    async (request, reply) =>
      reply.status(201).send(await dashboards.create(request.body, principalOf(request))),
  );

  app.post(
    '/dashboards/query',
    {
      // Long series of nullable numbers: JSON.stringify writes them several times faster than the
      // schema's serialiser; the service builds every result field by field, so nothing is to strip.
      serializerCompiler: () => (data) => JSON.stringify(data),
      schema: {
        tags,
        summary: 'Answer a batch of panel queries',
        description:
          'Sources: `readings` (a medium), `comfort` (PMV, PPD, a category share, ASHRAE 55 compliance), `kpi` (a KPI code); ' +
          'over a district, building, dwelling or sensor (or the variables `$building`, `$dwelling`). The interval, unless ' +
          'set, follows the range: raw readings up to 2 days, hours up to 31 days, days beyond. Every place must be one the ' +
          'caller sees (403 naming it); means follow the privacy rule of the readings and comfort APIs.',
        body: PanelQueryBatchSchema,
        response: { 200: PanelQueryAnswerSchema },
      },
      config: { access: DASHBOARDS },
    },
    async (request) => dashboards.query(request.body, principalOf(request)),
  );

  app.get(
    '/dashboards/:id',
    {
      schema: { tags, summary: 'A dashboard', params: IdParams, response: { 200: DashboardSchema } },
      config: { access: DASHBOARDS },
    },
    async (request) => dashboards.get(request.params.id, principalOf(request)),
  );

  app.put(
    '/dashboards/:id',
    {
      schema: {
        tags,
        summary: 'Save a dashboard as a new version',
        description:
          'The owner (or an administrator) saves; a save based on an older version than the stored one gets 409.',
        params: IdParams,
        body: DashboardUpdateSchema,
        response: { 200: DashboardSchema },
      },
      config: { access: DASHBOARDS },
    },
    async (request) => dashboards.update(request.params.id, request.body, principalOf(request)),
  );

  app.delete(
    '/dashboards/:id',
    {
      schema: {
        tags,
        summary: 'Delete a dashboard and its versions',
        params: IdParams,
        response: { 204: Type.Null() },
      },
      config: { access: DASHBOARDS },
    },
    async (request, reply) => {
      await dashboards.remove(request.params.id, principalOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/dashboards/:id/clone',
    {
      schema: {
        tags,
        summary: 'Clone a dashboard into one of the caller’s own',
        params: IdParams,
        response: { 201: DashboardSchema },
      },
      config: { access: DASHBOARDS },
    },
    async (request, reply) =>
      reply.status(201).send(await dashboards.clone(request.params.id, principalOf(request))),
  );

  app.get(
    '/dashboards/:id/versions',
    {
      schema: {
        tags,
        summary: 'The saved versions of a dashboard, newest first',
        params: IdParams,
        response: { 200: Type.Array(DashboardVersionSchema) },
      },
      config: { access: DASHBOARDS },
    },
    async (request) => dashboards.versions(request.params.id, principalOf(request)),
  );

  app.post(
    '/dashboards/:id/versions/:version/restore',
    {
      schema: {
        tags,
        summary: 'Save an earlier version as the newest one',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }), version: Type.Integer({ minimum: 1 }) }),
        body: Type.Object({ baseVersion: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }),
        response: { 200: DashboardSchema },
      },
      config: { access: DASHBOARDS },
    },
    async (request) =>
      dashboards.restore(
        request.params.id,
        request.params.version,
        request.body.baseVersion,
        principalOf(request),
      ),
  );
};
