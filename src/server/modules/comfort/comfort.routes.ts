import rateLimit from '@fastify/rate-limit';
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  AdaptiveRequestSchema,
  AdaptiveResponseSchema,
  BuildingComfortSettingsSchema,
  BuildingDwellingsComfortSchema,
  BuildingDwellingsQuery,
  ComfortPairSchema,
  ComfortPointSchema,
  ComfortRangeQuery,
  ComfortSettingsSchema,
  DwellingComfortSchema,
  GroupComfortSchema,
  MAX_PMV_BATCH,
  PmvRequestSchema,
  PmvResponseSchema,
} from '#common/api/comfort.ts';
import { type Access, principalOf } from '../../plugins/access.ts';
import { answerAdaptive } from './adaptive-request.ts';
import { answerPmv } from './pmv-request.ts';

/** Who reads stored comfort; the service narrows residents and ESCOs to their own, in the query. */
export const READ_COMFORT: Access = {
  roles: ['admin', 'installer', 'esco', 'municipal', 'kpi', 'planner', 'resident'],
  scopes: ['read', 'admin'],
};
/** Who pairs sensors into comfort points. */
const MANAGE_POINTS: Access = { roles: ['admin', 'installer'], scopes: ['admin'] };
/** Who sets a building's comfort assumptions (an ESCO only for its buildings). */
const MANAGE_SETTINGS: Access = { roles: ['admin', 'installer', 'esco'], scopes: ['admin'] };

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

const tags = ['comfort'];

/** A 10,000-input batch is about 0.7 MB of JSON; leave room for long decimals. */
const PMV_BODY_LIMIT = 4 * 1024 * 1024;

/** Whom the PMV calculator counts requests of: a signed-in caller by id, anyone else by address. */
function rateKey(request: FastifyRequest): string {
  const p = request.principal;
  return p ? `${p.kind}:${p.id}` : `ip:${request.ip}`;
}

export const comfortRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const perMinute = app.platform.config.comfortRateLimit;
  // Encapsulated here, per route: the rest of the API keeps its own limits (or none).
  await app.register(rateLimit, { global: false });
  // The calculators count requests per caller, ten times as many with a credential.
  const calculatorRateLimit = {
    max: (request: FastifyRequest) => (request.principal ? perMinute * 10 : perMinute),
    timeWindow: 60_000,
    keyGenerator: rateKey,
  };

  app.post(
    '/comfort/pmv',
    {
      bodyLimit: PMV_BODY_LIMIT,
      // fast-json-stringify spends 40–180 ms on the nullable and single-or-batch unions of a
      // 10,000-row answer, JSON.stringify about 6 ms. answerPmv builds the answer field by field
      // from a closed set, so the schema has nothing to strip here; it still documents the answer.
      serializerCompiler: () => (data) => JSON.stringify(data),
      schema: {
        tags,
        summary: 'PMV and PPD of one input or a batch (ISO 7730, ASHRAE 55)',
        description:
          `Fanger's PMV and PPD by ISO 7730:2005 or ANSI/ASHRAE 55-2023 (cooling effect of elevated air speed through SET), ` +
          `with the ISO 7730 category, ASHRAE 55 compliance, the resident colour and the validity check of the standard ` +
          `(reported, never clamped; \`strict\` refuses instead). Send the fields of one input, or up to ${MAX_PMV_BATCH.toLocaleString('en-US')} ` +
          'inputs as `inputs` with the options beside them. PMV and PPD are unrounded: classification uses the unrounded values.\n\n' +
          'Access: public, because it is pure computation over the caller’s own numbers (nothing stored is read). ' +
          `It is rate-limited per caller: ${perMinute} requests a minute without a credential (by address), ten times that with one.`,
        body: PmvRequestSchema,
        response: { 200: PmvResponseSchema },
      },
      config: {
        access: 'public',
        rateLimit: calculatorRateLimit,
      },
    },
    async (request) => answerPmv(request.body),
  );

  app.post(
    '/comfort/adaptive',
    {
      schema: {
        tags,
        summary: 'Adaptive comfort of a naturally ventilated space (ASHRAE 55, EN 16798-1)',
        description:
          'The comfortable operative temperature follows the running mean outdoor temperature: ANSI/ASHRAE 55-2023 §5.4 ' +
          '(80 % and 90 % acceptability) and EN 16798-1:2019 Annex B (categories I–III), both answered, with the elevated ' +
          'air-speed allowance. Give the running mean `trm`, or `outdoor`: the daily mean outdoor temperatures, newest first. ' +
          'A running mean outside a model’s range is reported (`withinValidity`), never clamped.\n\n' +
          `Access: public, pure computation, rate-limited like the PMV calculator (${perMinute} requests a minute without a credential).`,
        body: AdaptiveRequestSchema,
        response: { 200: AdaptiveResponseSchema },
      },
      config: {
        access: 'public',
        rateLimit: calculatorRateLimit,
      },
    },
    async (request) => answerAdaptive(request.body),
  );

  const comfort = app.platform.comfort;
  const readDescription =
    'From the stored hourly comfort (ISO 7730:2005 PMV/PPD of each comfort point, computed by the comfort job from the hourly ' +
    'mean temperature and humidity with the building’s seasonal assumptions). Hours are UTC hours, days are cut in the city time zone. ' +
    'At most 20,000 intervals a range and `limit` (default 1,000) a page; `next` starts the next page.';

  app.get(
    '/comfort/dwellings/:id',
    {
      schema: {
        tags,
        summary: 'Comfort of a dwelling: each comfort point’s series and the dwelling mean',
        description: `${readDescription} Residents read their own dwellings, ESCOs the dwellings of their buildings.`,
        params: IdParams,
        querystring: ComfortRangeQuery,
        response: { 200: DwellingComfortSchema },
      },
      config: { access: READ_COMFORT, scope: ['params.id'] },
    },
    async (request) => comfort.dwelling(request.params.id, request.query, principalOf(request)),
  );

  app.get(
    '/comfort/buildings/:id',
    {
      schema: {
        tags,
        summary: 'Average comfort of a building and the share of hours in each category',
        description: `${readDescription} Every point-hour weighs the same. Residents read the buildings they live in, ESCOs their buildings.`,
        params: IdParams,
        querystring: ComfortRangeQuery,
        response: { 200: GroupComfortSchema },
      },
      config: { access: READ_COMFORT, scope: [{ at: 'params.id', outsider: 'aggregate' }] },
    },
    async (request) => comfort.group({ buildingId: request.params.id }, request.query, principalOf(request)),
  );

  app.get(
    '/comfort/buildings/:id/dwellings',
    {
      // Tens of thousands of nullable numbers: JSON.stringify writes them several times faster than
      // the schema's serialiser; the service builds the answer field by field, so nothing is to strip.
      serializerCompiler: () => (data) => JSON.stringify(data),
      schema: {
        tags,
        summary: 'Comfort of every dwelling of a building, side by side (the heat strip)',
        description:
          `${readDescription.split(' At most')[0]} Every dwelling's mean PMV, PPD, temperature and humidity over the same ` +
          'hours or days, answered from one query: at most 20,000 intervals, in one answer. ESCOs read the dwellings of their ' +
          'buildings; a resident gets only their own dwelling of the building.',
        params: IdParams,
        querystring: BuildingDwellingsQuery,
        response: { 200: BuildingDwellingsComfortSchema },
      },
      config: { access: READ_COMFORT, scope: ['params.id'] },
    },
    async (request) => comfort.buildingDwellings(request.params.id, request.query, principalOf(request)),
  );

  app.get(
    '/comfort/districts/:id',
    {
      schema: {
        tags,
        summary: 'Average comfort of a district and the share of hours in each category',
        description: `${readDescription} Every point-hour weighs the same. Open to every reader: residents compare their dwelling with it.`,
        params: IdParams,
        querystring: ComfortRangeQuery,
        response: { 200: GroupComfortSchema },
      },
      config: { access: READ_COMFORT, scope: [{ at: 'params.id', outsider: 'aggregate' }] },
    },
    async (request) => comfort.group({ districtId: request.params.id }, request.query, principalOf(request)),
  );

  app.get(
    '/comfort/dwellings/:id/points',
    {
      schema: {
        tags,
        summary: 'The comfort points of a dwelling (temperature and humidity sensor pairs)',
        params: IdParams,
        response: { 200: Type.Array(ComfortPointSchema) },
      },
      config: { access: READ_COMFORT, scope: ['params.id'] },
    },
    async (request) => comfort.points(request.params.id, principalOf(request)),
  );

  app.put(
    '/comfort/dwellings/:id/points',
    {
      schema: {
        tags,
        summary: 'Pair a temperature sensor with a humidity sensor of the dwelling',
        description:
          'Replaces the automatic pair of the temperature sensor (same gateway and channel, or the dwelling’s only humidity sensor). ' +
          'The point’s history is computed again by the next run of the comfort job.',
        params: IdParams,
        body: ComfortPairSchema,
        response: { 200: ComfortPointSchema },
      },
      config: {
        access: MANAGE_POINTS,
        scope: ['params.id', 'body.temperatureSensorId', 'body.humiditySensorId'],
      },
    },
    async (request) => comfort.setPair(request.params.id, request.body, principalOf(request)),
  );

  app.delete(
    '/comfort/dwellings/:id/points/:pointId',
    {
      schema: {
        tags,
        summary: 'Remove a comfort point and its hours',
        description:
          'The automatic pairing rules apply to its temperature sensor again at the next run of the comfort job.',
        params: Type.Object({ id: Type.Integer({ minimum: 1 }), pointId: Type.Integer({ minimum: 1 }) }),
        response: { 204: Type.Null() },
      },
      config: { access: MANAGE_POINTS, scope: ['params.id'] },
    },
    async (request, reply) => {
      await comfort.deletePair(request.params.id, request.params.pointId, principalOf(request));
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/comfort/buildings/:id/settings',
    {
      schema: {
        tags,
        summary: 'A building’s comfort assumptions: its overrides and what applies',
        params: IdParams,
        response: { 200: BuildingComfortSettingsSchema },
      },
      config: { access: MANAGE_SETTINGS, scope: ['params.id'] },
    },
    async (request) => comfort.settings(request.params.id, principalOf(request)),
  );

  app.put(
    '/comfort/buildings/:id/settings',
    {
      schema: {
        tags,
        summary:
          'Set a building’s comfort assumptions (clothing per season, activity, air speed, summer dates)',
        description:
          'Null keeps the configured default. The building’s comfort history is computed again with them by the next run of the comfort job.',
        params: IdParams,
        body: ComfortSettingsSchema,
        response: { 200: BuildingComfortSettingsSchema },
      },
      config: { access: MANAGE_SETTINGS, scope: ['params.id'] },
    },
    async (request) => comfort.updateSettings(request.params.id, request.body, principalOf(request)),
  );
};
