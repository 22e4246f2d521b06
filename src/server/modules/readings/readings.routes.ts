import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import {
  AggregateSchema,
  CoverageSchema,
  FlaggedQuery,
  GroupSchema,
  IntervalSchema,
  LatestSchema,
  RangeQuery,
  RawReadingsSchema,
  ScopeQuery,
  SensorSelectorQuery,
} from '#common/api/readings.ts';
import { principalOf, type ScopeDeclaration } from '../../plugins/access.ts';
import { READ_READINGS } from '../../access/readers.ts';
import { badRequest } from '../../plugins/errors.ts';
import type { Scope } from '../../places/places.store.ts';
import type { SensorSelector } from './readings.service.ts';

const tags = ['readings'];

/**
 * Per-sensor answers: a dwelling, building or gateway is refused to whom may not see it; a
 * district is narrowed in the query to the dwellings the caller sees.
 */
const INDIVIDUAL_SCOPE = [
  'query.dwelling',
  'query.building',
  'query.gateway',
  { at: 'query.district', outsider: 'narrow' },
] as const satisfies readonly ScopeDeclaration[];

function selectorOf(q: {
  sensor?: number;
  sn?: string;
  channel?: string;
  device?: string;
  medium?: string;
}): SensorSelector {
  if (q.sensor !== undefined) return { sensorId: q.sensor };
  if (q.sn && q.channel !== undefined && q.device !== undefined && q.medium) {
    return { sn: q.sn, channel: q.channel, device: q.device, medium: q.medium };
  }
  throw badRequest(
    'Name the sensor: either `sensor` (its id) or all of `sn`, `channel`, `device` and `medium`.',
  );
}

function scopeOf(q: { dwelling?: number; building?: number; district?: number; gateway?: number }): Scope {
  const given = [
    q.dwelling !== undefined && { dwellingId: q.dwelling },
    q.building !== undefined && { buildingId: q.building },
    q.district !== undefined && { districtId: q.district },
    q.gateway !== undefined && { gatewayId: q.gateway },
  ].filter(Boolean) as Scope[];
  if (given.length !== 1)
    throw badRequest('Name exactly one of `dwelling`, `building`, `district` or `gateway`.');
  return given[0];
}

export const readingsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const readings = app.platform.readings;

  app.get(
    '/readings',
    {
      schema: {
        tags,
        summary: 'Raw readings of one sensor',
        description:
          'Readings in time order, a page at a time (at most 10,000). Name the sensor by id or by the tags the forwarder wrote.',
        querystring: Type.Object({
          ...SensorSelectorQuery,
          ...RangeQuery,
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
        }),
        response: { 200: RawReadingsSchema },
      },
      config: { access: READ_READINGS, scope: ['query.sensor'] },
    },
    async (request) =>
      readings.raw(
        selectorOf(request.query),
        request.query.from,
        request.query.to,
        request.query.limit ?? 1000,
        principalOf(request),
      ),
  );

  app.get(
    '/readings/aggregate',
    {
      schema: {
        tags,
        summary: 'Hourly, daily or monthly aggregates of one sensor',
        description:
          'Count, min, max, average and sum per interval, from the stored hourly rollups; consumption for cumulative meters. At most 20,000 intervals.',
        querystring: Type.Object({
          ...SensorSelectorQuery,
          ...RangeQuery,
          interval: IntervalSchema,
          ...FlaggedQuery,
        }),
        response: { 200: AggregateSchema },
      },
      config: { access: READ_READINGS, scope: ['query.sensor'] },
    },
    async (request) =>
      readings.aggregate(
        selectorOf(request.query),
        request.query.from,
        request.query.to,
        request.query.interval,
        principalOf(request),
        request.query.flagged ?? 'exclude',
      ),
  );

  app.get(
    '/readings/group',
    {
      schema: {
        tags,
        summary: 'Average of one medium across a dwelling, building or district',
        description:
          "Per interval, the mean of the member sensors' means (each sensor weighs the same), with the lowest and highest member. A building's or district's mean is read from its hourly rollups, where each member-hour weighs the same: per hour the mean of the member means; over a day or month the mean of the member hourly means (for cumulative meters, the consumption over the most members with readings in one hour), lowest and highest being member hourly values. The rollups follow new readings within about a minute.",
        querystring: Type.Object({
          ...ScopeQuery,
          medium: Type.String(),
          ...RangeQuery,
          interval: IntervalSchema,
          ...FlaggedQuery,
        }),
        response: { 200: GroupSchema },
      },
      config: {
        access: READ_READINGS,
        scope: [
          'query.dwelling',
          'query.gateway',
          { at: 'query.building', outsider: 'aggregate' },
          { at: 'query.district', outsider: 'aggregate' },
        ],
      },
    },
    async (request) =>
      readings.group(
        scopeOf(request.query),
        request.query.medium,
        request.query.from,
        request.query.to,
        request.query.interval,
        principalOf(request),
        request.query.flagged ?? 'exclude',
      ),
  );

  app.get(
    '/readings/latest',
    {
      schema: {
        tags,
        summary: 'Latest reading and last-seen time of the sensors and gateways of a scope',
        querystring: Type.Object(ScopeQuery),
        response: { 200: LatestSchema },
      },
      config: { access: READ_READINGS, scope: INDIVIDUAL_SCOPE },
    },
    async (request) => readings.latest(scopeOf(request.query), principalOf(request)),
  );

  app.get(
    '/readings/coverage',
    {
      schema: {
        tags,
        summary: 'Share of expected readings present, per sensor and day',
        description: 'For the missing-data heatmap. At most 400 days.',
        querystring: Type.Object({
          ...ScopeQuery,
          ...RangeQuery,
          expectedIntervalS: Type.Optional(
            Type.Integer({
              minimum: 1,
              maximum: 86_400,
              default: 600,
              description: 'How often the sensors report, s',
            }),
          ),
        }),
        response: { 200: CoverageSchema },
      },
      config: { access: READ_READINGS, scope: INDIVIDUAL_SCOPE },
    },
    async (request) =>
      readings.coverage(
        scopeOf(request.query),
        request.query.from,
        request.query.to,
        request.query.expectedIntervalS ?? 600,
        principalOf(request),
      ),
  );
};
