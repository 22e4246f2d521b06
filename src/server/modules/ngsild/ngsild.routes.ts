import {
  type FastifyPluginAsyncTypebox,
  type Static,
  type TSchema,
  Type,
} from '@fastify/type-provider-typebox';
import type { MachineScope, Role } from '#common/api/access.ts';
import { READ_READINGS } from '../../access/readers.ts';
import { type Access, type Principal, principalOf, type ScopeDeclaration } from '../../plugins/access.ts';
import { type ActiveContext, CIOP_CONTEXT, ciopTerm } from './context.ts';
import { CORE_CONTEXT } from './core-context.ts';
import { contextOf, ngsiLdHttp, sendLd } from './ngsild.http.ts';
import { ngsiLdError } from './ngsild-errors.ts';
import {
  DEFAULT_LIMIT,
  type EntityQueryParams,
  integerParam,
  MAX_LIMIT,
  renderEntity,
  renderOptions,
} from './ngsild.service.ts';
import { parseTemporalQuery, type TemporalParams } from './temporal.ts';
import { MAX_ATTEMPTS, type SubscriptionBody as SubscriptionInput } from './subscriptions.service.ts';

const tags = ['ngsi-ld'];

/** Who reads NGSI-LD entities: whom reads readings, and the transport operator (buses, chargers). */
export const READ_NGSILD: Access = {
  roles: [...(READ_READINGS as { roles: readonly Role[] }).roles, 'transport'],
  scopes: [...((READ_READINGS as { scopes: readonly MachineScope[] }).scopes ?? [])],
};

/**
 * An entity id names a dwelling, a building, a device or a measurement; whom does not see it is
 * answered ResourceNotFound, as for an id that does not exist.
 */
export const ENTITY_SCOPE = [
  { at: 'params.entityId', kind: 'dwelling', outsider: 'refuse' },
] as const satisfies readonly ScopeDeclaration[];

const text = (description: string) => Type.Optional(Type.String({ description }));

export const EntityQuery = {
  id: text('Entity ids, comma-separated (`urn:ngsi-ld:Building:5`).'),
  type: text('Entity types, comma-separated, short names under the request’s @context.'),
  idPattern: text('A regular expression the ids match.'),
  attrs: text('Attributes to return (and entities to keep: those holding one of them).'),
  q: text(
    'Query language of §4.9: `temperature>20;refDwelling=="urn:ngsi-ld:Dwelling:3"`, `|`, `()`, `..`, `~=`.',
  ),
  georel: text('near;maxDistance==m, near;minDistance==m, within, intersects.'),
  geometry: text('Point or Polygon.'),
  coordinates: text('GeoJSON coordinates of the geometry, as JSON ([lon,lat] for a Point).'),
  geoproperty: text('location (the one CIOP holds).'),
  options: text('keyValues (simplified), sysAttrs.'),
  format: text('normalized, keyValues or simplified.'),
};

const description = (what: string) =>
  `${what} (ETSI GS CIM 009 V1.8.1). Answers application/json with the @context in a Link header, or application/ld+json with it in the body; send a Link header naming the core context, ${CIOP_CONTEXT['@context'][0]}, or CIOP’s own at /ngsi-ld/v1/contexts/ciop. Every answer holds only what the caller sees.`;

/** NGSI-LD context information consumption: entities, types, attributes, and the contexts CIOP serves. */
export const ngsildRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ngsild } = app.platform;
  ngsiLdHttp(app);

  app.get(
    '/contexts/core',
    {
      schema: { tags, summary: 'The NGSI-LD core @context (V1.8.1), served locally' },
      config: { access: 'public' },
    },
    async (_request, reply) => reply.type('application/ld+json').send(JSON.stringify(CORE_CONTEXT)),
  );
  app.get(
    '/contexts/ciop',
    {
      schema: {
        tags,
        summary: 'CIOP’s @context: its entity types and attributes with their Smart Data Models IRIs',
      },
      config: { access: 'public' },
    },
    async (_request, reply) => reply.type('application/ld+json').send(JSON.stringify(CIOP_CONTEXT)),
  );

  app.get(
    '/entities',
    {
      schema: {
        tags,
        summary: 'Query entities',
        description: description(
          `Entities by type, id, idPattern, attrs, q and geo-query (near, within, intersects with a Point or Polygon). Paged by offset and limit (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT}); count=true gives the number of matches in NGSILD-Results-Count — offset paging is CIOP's documented exception to cursor paging, as the standard asks`,
        ),
        querystring: Type.Object({
          ...EntityQuery,
          limit: text(`Entities a page, 0 to ${MAX_LIMIT} (0 only with count=true).`),
          offset: text('Entities skipped.'),
          count: text('true: the number of matches in the NGSILD-Results-Count header.'),
        }),
      },
      config: { access: READ_NGSILD },
    },
    async (request, reply) => {
      const context = contextOf(request);
      const params = request.query as EntityQueryParams;
      const limit = integerParam('limit', params.limit, 0) ?? DEFAULT_LIMIT;
      const offset = integerParam('offset', params.offset, 0) ?? 0;
      const count = params.count === 'true';
      if (limit > MAX_LIMIT)
        throw ngsiLdError(
          'TooManyResults',
          `limit: at most ${MAX_LIMIT} entities an answer; page with offset.`,
        );
      if (limit === 0 && !count) throw ngsiLdError('BadRequestData', 'limit=0 is for count=true only.');
      const selection = ngsild.selection(params, context);
      const found = await ngsild.select(principalOf(request), selection);
      if (count) reply.header('NGSILD-Results-Count', String(found.length));
      const options = renderOptions(params, selection.attrs);
      const page = found.slice(offset, offset + limit).map((e) => renderEntity(e, context, options));
      return sendLd(request, reply, page, context);
    },
  );

  app.get(
    '/entities/:entityId',
    {
      schema: {
        tags,
        summary: 'Retrieve an entity',
        description: description(
          'One entity by its id (`urn:ngsi-ld:<Type>:<id>`); `attrs` keeps those attributes',
        ),
        params: Type.Object({ entityId: Type.String({ description: 'urn:ngsi-ld:<Type>:<id>' }) }),
        querystring: Type.Object({
          attrs: EntityQuery.attrs,
          options: EntityQuery.options,
          format: EntityQuery.format,
          type: EntityQuery.type,
        }),
      },
      config: { access: READ_NGSILD, scope: ENTITY_SCOPE },
    },
    async (request, reply) => {
      const context = contextOf(request);
      const entity = await ngsild.entity(principalOf(request), request.params.entityId);
      const attrs = request.query.attrs
        ?.split(',')
        .filter((a) => a !== '')
        .map((a) => ciopTerm(a, context) ?? `?${a}`);
      const options = renderOptions(request.query, attrs ? new Set(attrs) : undefined);
      return sendLd(request, reply, renderEntity(entity, context, options), context);
    },
  );

  const details = Type.Object({ details: text('true: each one with its details.') });

  /** A GET of the types and attributes the caller sees, answered in the request's @context. */
  const describe = <P extends TSchema, Q extends TSchema>(
    url: string,
    summary: string,
    what: string,
    shape: { params?: P; querystring?: Q },
    answer: (
      principal: Principal,
      context: ActiveContext,
      params: Static<P>,
      query: Static<Q>,
    ) => Promise<unknown>,
  ) =>
    app.get<{ Params: Static<P>; Querystring: Static<Q> }>(
      url,
      {
        schema: { tags, summary, description: description(what), ...shape },
        config: { access: READ_NGSILD },
      },
      async (request, reply) => {
        const context = contextOf(request);
        const body = await answer(principalOf(request), context, request.params, request.query);
        return sendLd(request, reply, body, context);
      },
    );

  describe(
    '/types',
    'Entity types',
    'The types of the entities the caller sees',
    { querystring: details },
    (p, c, _, q) => ngsild.types(p, c, q.details === 'true'),
  );
  describe(
    '/types/:type',
    'One entity type',
    'How many entities of a type the caller sees, and their attributes',
    { params: Type.Object({ type: Type.String() }) },
    (p, c, params) => ngsild.typeInfo(p, c, params.type),
  );
  describe(
    '/attributes',
    'Attributes',
    'The attributes of the entities the caller sees',
    { querystring: details },
    (p, c, _, q) => ngsild.attributes(p, c, q.details === 'true'),
  );
  describe(
    '/attributes/:attrId',
    'One attribute',
    'How many entities the caller sees hold an attribute, and of which types',
    { params: Type.Object({ attrId: Type.String() }) },
    (p, c, params) => ngsild.attributeInfo(p, c, params.attrId),
  );
};

const TemporalQueryParams = {
  timerel: text('before, after or between.'),
  timeAt: text(
    'DateTime (ISO 8601): readings before it (excluded), from it (after), from it to endTimeAt (between).',
  ),
  endTimeAt: text('DateTime (ISO 8601), excluded; with timerel=between.'),
  lastN: text('The last N readings of each attribute.'),
  timeproperty: text('observedAt (the one CIOP’s readings have).'),
  aggrMethods: text('With options=aggregatedValues: totalCount, sum, avg, min, max, comma-separated.'),
  aggrPeriodDuration: text(
    'ISO 8601 duration of whole hours (PT1H, PT6H: from the hourly rollups) or whole days (P1D, P7D, P1W: local days of the city’s time zone); P0D (the default): the whole range.',
  ),
};

const temporalDescription = (what: string) =>
  description(
    `${what}. The measured attributes (numValue, temperature, relativeHumidity, co2) over time: each reading as an instance (normalized), as [value, observedAt] pairs (options=temporalValues), or aggregated into periods as [value, start, end] (options=aggregatedValues with aggrMethods and aggrPeriodDuration); aggregation periods start at the first hour of the range (whole hours) or at local midnight (whole days)`,
  );

/** NGSI-LD temporal evolution of entities (§5.7.3, §5.7.4), read from CIOP's time-series store. */
export const temporalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ngsild, clock } = app.platform;
  ngsiLdHttp(app);

  app.get(
    '/entities',
    {
      schema: {
        tags,
        summary: 'Query the temporal evolution of entities',
        description: temporalDescription(
          'Entities selected as by /ngsi-ld/v1/entities, paged by offset and limit',
        ),
        querystring: Type.Object({
          ...EntityQuery,
          ...TemporalQueryParams,
          limit: text(`Entities a page, 0 to ${MAX_LIMIT} (0 only with count=true).`),
          offset: text('Entities skipped.'),
          count: text('true: the number of matches in the NGSILD-Results-Count header.'),
        }),
      },
      config: { access: READ_NGSILD },
    },
    async (request, reply) => {
      const context = contextOf(request);
      const params = request.query as EntityQueryParams & TemporalParams;
      const temporal = parseTemporalQuery(params, clock.now());
      const limit = integerParam('limit', params.limit, 0) ?? DEFAULT_LIMIT;
      const offset = integerParam('offset', params.offset, 0) ?? 0;
      const count = params.count === 'true';
      if (limit > MAX_LIMIT)
        throw ngsiLdError(
          'TooManyResults',
          `limit: at most ${MAX_LIMIT} entities an answer; page with offset.`,
        );
      if (limit === 0 && !count) throw ngsiLdError('BadRequestData', 'limit=0 is for count=true only.');
      const selection = ngsild.selection(params, context);
      const found = await ngsild.select(principalOf(request), selection);
      if (count) reply.header('NGSILD-Results-Count', String(found.length));
      const page = [];
      for (const entity of found.slice(offset, offset + limit))
        page.push(await ngsild.temporal(entity, temporal, context, selection.attrs));
      return sendLd(request, reply, page, context);
    },
  );

  app.get(
    '/entities/:entityId',
    {
      schema: {
        tags,
        summary: 'Retrieve the temporal evolution of an entity',
        description: temporalDescription('One entity by its id'),
        params: Type.Object({ entityId: Type.String({ description: 'urn:ngsi-ld:<Type>:<id>' }) }),
        querystring: Type.Object({
          attrs: EntityQuery.attrs,
          options: EntityQuery.options,
          format: EntityQuery.format,
          ...TemporalQueryParams,
        }),
      },
      config: { access: READ_NGSILD, scope: ENTITY_SCOPE },
    },
    async (request, reply) => {
      const context = contextOf(request);
      const temporal = parseTemporalQuery(request.query, clock.now());
      const entity = await ngsild.entity(principalOf(request), request.params.entityId);
      const attrs = request.query.attrs
        ?.split(',')
        .filter((a) => a !== '')
        .map((a) => ciopTerm(a, context) ?? `?${a}`);
      const body = await ngsild.temporal(entity, temporal, context, attrs ? new Set(attrs) : undefined);
      return sendLd(request, reply, body, context);
    },
  );
};

const SubscriptionParams = Type.Object({
  subscriptionId: Type.String({ description: 'The subscription’s URI' }),
});
const SubscriptionBody = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      'A Subscription (§5.2.12): type, entities [{type, id | idPattern}], watchedAttributes, q, notification {attributes, format, endpoint {uri, accept}}, throttling (s), expiresAt, isActive, subscriptionName, description.',
  },
);

/** NGSI-LD subscriptions (§5.8): notifications of changed readings to an HTTP endpoint. */
export const subscriptionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ngsildSubscriptions: subscriptions } = app.platform;
  ngsiLdHttp(app);
  const who = 'Each caller sees and changes their own subscriptions (an admin, everyone’s).';

  app.post(
    '/',
    {
      schema: {
        tags,
        summary: 'Create a subscription',
        description: `${who} When an entity's readings change (a DeviceMeasurement's numValue, an IndoorEnvironmentObserved's or WeatherObserved's temperature, relativeHumidity or co2), every active subscription watching it (entities, watchedAttributes, q) whose owner sees it gets one notification, POSTed to notification.endpoint.uri, at most one per throttling seconds; a failed delivery is tried again after 5 s, doubling up to an hour, ${MAX_ATTEMPTS} times at most. notification.status, timesSent, timesFailed, lastSuccess and lastFailure record it. The endpoint is any http or https URI the server can reach.`,
        body: SubscriptionBody,
      },
      config: { access: READ_NGSILD },
    },
    async (request, reply) => {
      const context = contextOf(request);
      const id = await subscriptions.create(principalOf(request), request.body as SubscriptionInput, context);
      return reply.status(201).header('location', `/ngsi-ld/v1/subscriptions/${id}`).send();
    },
  );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Query subscriptions',
        description: `${who} Paged by offset and limit; count=true gives NGSILD-Results-Count.`,
        querystring: Type.Object({
          limit: text(`Subscriptions a page, 0 to ${MAX_LIMIT}.`),
          offset: text('Subscriptions skipped.'),
          count: text('true: the number of subscriptions in NGSILD-Results-Count.'),
        }),
      },
      config: { access: READ_NGSILD },
    },
    async (request, reply) => {
      const context = contextOf(request);
      const limit = integerParam('limit', request.query.limit, 0) ?? DEFAULT_LIMIT;
      const offset = integerParam('offset', request.query.offset, 0) ?? 0;
      if (limit > MAX_LIMIT) throw ngsiLdError('TooManyResults', `limit: at most ${MAX_LIMIT}.`);
      const all = await subscriptions.list(principalOf(request));
      if (request.query.count === 'true') reply.header('NGSILD-Results-Count', String(all.length));
      return sendLd(request, reply, all.slice(offset, offset + limit), context);
    },
  );

  app.get(
    '/:subscriptionId',
    {
      schema: { tags, summary: 'Retrieve a subscription', description: who, params: SubscriptionParams },
      config: { access: READ_NGSILD },
    },
    async (request, reply) => {
      const context = contextOf(request);
      return sendLd(
        request,
        reply,
        await subscriptions.get(principalOf(request), request.params.subscriptionId),
        context,
      );
    },
  );

  app.patch(
    '/:subscriptionId',
    {
      schema: {
        tags,
        summary: 'Update a subscription',
        description: `${who} The members given replace the subscription's (notification's are merged); the whole is checked again.`,
        params: SubscriptionParams,
        body: SubscriptionBody,
      },
      config: { access: READ_NGSILD },
    },
    async (request, reply) => {
      const context = contextOf(request);
      await subscriptions.update(
        principalOf(request),
        request.params.subscriptionId,
        request.body as SubscriptionInput,
        context,
      );
      return reply.status(204).send();
    },
  );

  app.delete(
    '/:subscriptionId',
    {
      schema: { tags, summary: 'Delete a subscription', description: who, params: SubscriptionParams },
      config: { access: READ_NGSILD },
    },
    async (request, reply) => {
      await subscriptions.delete(principalOf(request), request.params.subscriptionId);
      return reply.status(204).send();
    },
  );
};

/** Who may write measurements through NGSI-LD: as for the ingest endpoints. */
const WRITE_MEASUREMENTS: Access = { roles: ['admin'], scopes: ['ingest:write', 'admin'] };

/** NGSI-LD batch entity operations: the upsert of measurements (§5.6.8). */
export const entityOperationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ngsildUpsert, clock } = app.platform;
  ngsiLdHttp(app);

  app.post(
    '/upsert',
    {
      schema: {
        tags,
        summary: 'Upsert DeviceMeasurements: readings into the ingest pipeline',
        description:
          'A list of DeviceMeasurement entities (`urn:ngsi-ld:DeviceMeasurement:<sensor>`) of sensors CIOP knows and the caller may write (a machine token restricted to gateways, theirs); each `numValue` instance (`value`, `observedAt`; else the entity’s `dateObserved`, else now) is stored as a reading of the sensor, as through the ingest endpoints. 204 when every entity was taken; 207 with a BatchOperationResult (`success`, `errors`) otherwise.',
        body: Type.Array(Type.Unknown()),
      },
      config: { access: WRITE_MEASUREMENTS },
    },
    async (request, reply) => {
      const context = contextOf(request);
      const result = await ngsildUpsert.upsert(principalOf(request), request.body, context, clock.now());
      if (result.errors.length === 0) return reply.status(204).send();
      return reply.status(207).type('application/json').send(JSON.stringify(result));
    },
  );
};
