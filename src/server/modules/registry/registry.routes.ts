import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import {
  BuildingCreateSchema,
  BuildingListQuery,
  BuildingPageSchema,
  BuildingPatchSchema,
  BuildingSchema,
  DistrictCreateSchema,
  DistrictListQuery,
  DistrictPageSchema,
  DistrictPatchSchema,
  DistrictSchema,
  DwellingCreateSchema,
  DwellingListQuery,
  DwellingPageSchema,
  DwellingPatchSchema,
  DwellingSchema,
  FeatureDefinitionCreateSchema,
  FeatureDefinitionListQuery,
  FeatureDefinitionPageSchema,
  FeatureDefinitionPatchSchema,
  FeatureDefinitionSchema,
  GatewayAssignmentsSchema,
  GatewayCreateSchema,
  GatewayListQuery,
  GatewayPageSchema,
  GatewayPatchSchema,
  GatewaySchema,
  MediumCreateSchema,
  MediumListQuery,
  MediumPageSchema,
  MediumPatchSchema,
  MediumSchema,
  NAME_PATTERN,
  SensorCreateSchema,
  SensorListQuery,
  SensorPageSchema,
  SensorPatchSchema,
  SensorSchema,
  WeatherStationCreateSchema,
  WeatherStationListQuery,
  WeatherStationPageSchema,
  WeatherStationPatchSchema,
  WeatherStationSchema,
} from '#common/api/registry.ts';
import { type Access, principalOf } from '../../plugins/access.ts';

/** Who reads the registry; the service narrows ESCOs, residents and restricted tokens to their own. */
export const READ_REGISTRY: Access = {
  roles: ['admin', 'installer', 'municipal', 'kpi', 'planner', 'esco', 'resident'],
  scopes: ['read', 'admin'],
};
/** Who places things: buildings, dwellings, gateways, sensors and weather stations. */
export const WRITE_REGISTRY: Access = {
  roles: ['admin', 'installer'],
  scopes: ['admin'],
  unrestrictedMachinesOnly: true,
};
/** Who changes what the registry is made of: districts, media, feature definitions. */
export const ADMIN_REGISTRY: Access = { roles: ['admin'], scopes: ['admin'], unrestrictedMachinesOnly: true };

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const NameParams = Type.Object({ name: Type.String({ pattern: NAME_PATTERN }) });
const KeyParams = Type.Object({ key: Type.String({ pattern: NAME_PATTERN }) });
const Deleted = Type.Null({ description: 'Deleted.' });

const PAGINATION =
  'Ordered by id; `limit` items a page (default 50, at most 500); pass the answer’s `next` as `cursor` for the next page.';
const DELETE_409 = 'Refused with 409, naming what to remove first, while it still has children or readings.';

/** REST CRUD of the registry, under /api/v1. */
export const registryRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const registry = app.platform.registry;

  // --- Districts ------------------------------------------------------------------------------
  {
    const tags = ['districts'];
    app.get(
      '/districts',
      {
        schema: {
          tags,
          summary: 'List districts',
          description: PAGINATION,
          querystring: DistrictListQuery,
          response: { 200: DistrictPageSchema },
        },
        config: { access: READ_REGISTRY },
      },
      async (request) => registry.listDistricts(request.query),
    );
    app.get(
      '/districts/:id',
      {
        schema: { tags, summary: 'One district', params: IdParams, response: { 200: DistrictSchema } },
        config: { access: READ_REGISTRY, scope: [{ at: 'params.id', outsider: 'open' }] },
      },
      async (request) => registry.getDistrict(request.params.id),
    );
    app.post(
      '/districts',
      {
        schema: {
          tags,
          summary: 'Create a district',
          body: DistrictCreateSchema,
          response: { 201: DistrictSchema },
        },
        config: { access: ADMIN_REGISTRY, audit: 'registry' },
      },
      async (request, reply) =>
        reply.code(201).send(await registry.createDistrict(request.body, principalOf(request))),
    );
    app.patch(
      '/districts/:id',
      {
        schema: {
          tags,
          summary: 'Change a district',
          params: IdParams,
          body: DistrictPatchSchema,
          response: { 200: DistrictSchema },
        },
        config: { access: ADMIN_REGISTRY, audit: 'registry' },
      },
      async (request) => registry.updateDistrict(request.params.id, request.body, principalOf(request)),
    );
    app.delete(
      '/districts/:id',
      {
        schema: {
          tags,
          summary: 'Delete a district',
          description: DELETE_409,
          params: IdParams,
          response: { 204: Deleted },
        },
        config: { access: ADMIN_REGISTRY, audit: 'registry' },
      },
      async (request, reply) => {
        await registry.deleteDistrict(request.params.id, principalOf(request));
        return reply.code(204).send(null);
      },
    );
  }

  // --- Buildings ------------------------------------------------------------------------------
  {
    const tags = ['buildings'];
    app.get(
      '/buildings',
      {
        schema: {
          tags,
          summary: 'List buildings',
          description: `Filter by district, code prefix, carrier (main or secondary) and text in the address. ${PAGINATION}`,
          querystring: BuildingListQuery,
          response: { 200: BuildingPageSchema },
        },
        config: { access: READ_REGISTRY, scope: [{ at: 'query.district', outsider: 'narrow' }] },
      },
      async (request) => registry.listBuildings(request.query, principalOf(request)),
    );
    app.get(
      '/buildings/:id',
      {
        schema: { tags, summary: 'One building', params: IdParams, response: { 200: BuildingSchema } },
        config: { access: READ_REGISTRY, scope: ['params.id'] },
      },
      async (request) => registry.getBuilding(request.params.id, principalOf(request)),
    );
    app.post(
      '/buildings',
      {
        schema: {
          tags,
          summary: 'Create a building',
          description:
            'Features are checked against /api/v1/feature-definitions: an unknown key or a value of the wrong type is refused (400) naming the feature.',
          body: BuildingCreateSchema,
          response: { 201: BuildingSchema },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request, reply) =>
        reply.code(201).send(await registry.createBuilding(request.body, principalOf(request))),
    );
    app.patch(
      '/buildings/:id',
      {
        schema: {
          tags,
          summary: 'Change a building',
          description:
            'Fields left out stay as they are; `features` sets the features it names (null removes one).',
          params: IdParams,
          body: BuildingPatchSchema,
          response: { 200: BuildingSchema },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request) => registry.updateBuilding(request.params.id, request.body, principalOf(request)),
    );
    app.delete(
      '/buildings/:id',
      {
        schema: {
          tags,
          summary: 'Delete a building',
          description: DELETE_409,
          params: IdParams,
          response: { 204: Deleted },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request, reply) => {
        await registry.deleteBuilding(request.params.id, principalOf(request));
        return reply.code(204).send(null);
      },
    );
  }

  // --- Dwellings ------------------------------------------------------------------------------
  {
    const tags = ['dwellings'];
    app.get(
      '/dwellings',
      {
        schema: {
          tags,
          summary: 'List dwellings',
          description: PAGINATION,
          querystring: DwellingListQuery,
          response: { 200: DwellingPageSchema },
        },
        config: {
          access: READ_REGISTRY,
          scope: [
            { at: 'query.building', outsider: 'narrow' },
            { at: 'query.district', outsider: 'narrow' },
          ],
        },
      },
      async (request) => registry.listDwellings(request.query, principalOf(request)),
    );
    app.get(
      '/dwellings/:id',
      {
        schema: { tags, summary: 'One dwelling', params: IdParams, response: { 200: DwellingSchema } },
        config: { access: READ_REGISTRY, scope: ['params.id'] },
      },
      async (request) => registry.getDwelling(request.params.id, principalOf(request)),
    );
    app.post(
      '/dwellings',
      {
        schema: {
          tags,
          summary: 'Create a dwelling',
          body: DwellingCreateSchema,
          response: { 201: DwellingSchema },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request, reply) =>
        reply.code(201).send(await registry.createDwelling(request.body, principalOf(request))),
    );
    app.patch(
      '/dwellings/:id',
      {
        schema: {
          tags,
          summary: 'Change a dwelling',
          params: IdParams,
          body: DwellingPatchSchema,
          response: { 200: DwellingSchema },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request) => registry.updateDwelling(request.params.id, request.body, principalOf(request)),
    );
    app.delete(
      '/dwellings/:id',
      {
        schema: {
          tags,
          summary: 'Delete a dwelling',
          description: DELETE_409,
          params: IdParams,
          response: { 204: Deleted },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request, reply) => {
        await registry.deleteDwelling(request.params.id, principalOf(request));
        return reply.code(204).send(null);
      },
    );
  }

  // --- Gateways -------------------------------------------------------------------------------
  {
    const tags = ['gateways'];
    app.get(
      '/gateways',
      {
        schema: {
          tags,
          summary: 'List gateways',
          description: `Filter by status (registered or unregistered: known only from its readings), dwelling, building or serial-number prefix. ${PAGINATION}`,
          querystring: GatewayListQuery,
          response: { 200: GatewayPageSchema },
        },
        config: {
          access: READ_REGISTRY,
          scope: [
            { at: 'query.dwelling', outsider: 'narrow' },
            { at: 'query.building', outsider: 'narrow' },
          ],
        },
      },
      async (request) => registry.listGateways(request.query, principalOf(request)),
    );
    app.get(
      '/gateways/:id',
      {
        schema: { tags, summary: 'One gateway', params: IdParams, response: { 200: GatewaySchema } },
        config: { access: READ_REGISTRY, scope: ['params.id'] },
      },
      async (request) => registry.getGateway(request.params.id, principalOf(request)),
    );
    app.get(
      '/gateways/:id/assignments',
      {
        schema: {
          tags,
          summary: 'Which dwelling the gateway served when',
          params: IdParams,
          response: { 200: GatewayAssignmentsSchema },
        },
        config: { access: READ_REGISTRY, scope: ['params.id'] },
      },
      async (request) => registry.gatewayAssignments(request.params.id, principalOf(request)),
    );
    app.post(
      '/gateways',
      {
        schema: {
          tags,
          summary: 'Create a gateway before it reports',
          description:
            'With `dwellingId` it is registered at once. A gateway that already reported exists (unregistered): register it with PATCH.',
          body: GatewayCreateSchema,
          response: { 201: GatewaySchema },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request, reply) =>
        reply.code(201).send(await registry.createGateway(request.body, principalOf(request))),
    );
    app.patch(
      '/gateways/:id',
      {
        schema: {
          tags,
          summary: 'Register, move or unregister a gateway, or edit its notes',
          description:
            'Set `dwellingId` to register or move it (null unregisters). Its first registration takes every earlier reading along; a move or an unregistration takes effect at `since` (default now), and readings before it stay with the earlier dwelling.',
          params: IdParams,
          body: GatewayPatchSchema,
          response: { 200: GatewaySchema },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request) => registry.updateGateway(request.params.id, request.body, principalOf(request)),
    );
    app.delete(
      '/gateways/:id',
      {
        schema: {
          tags,
          summary: 'Delete a gateway that never reported',
          description: `${DELETE_409} A gateway with readings is kept: unregister it instead.`,
          params: IdParams,
          response: { 204: Deleted },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request, reply) => {
        await registry.deleteGateway(request.params.id, principalOf(request));
        return reply.code(204).send(null);
      },
    );
  }

  // --- Sensors --------------------------------------------------------------------------------
  {
    const tags = ['sensors'];
    app.get(
      '/sensors',
      {
        schema: {
          tags,
          summary: 'List sensors',
          description: `Filter by gateway, medium, or the dwelling or building their gateway serves now. ${PAGINATION}`,
          querystring: SensorListQuery,
          response: { 200: SensorPageSchema },
        },
        config: {
          access: READ_REGISTRY,
          scope: [
            { at: 'query.gateway', outsider: 'narrow' },
            { at: 'query.dwelling', outsider: 'narrow' },
            { at: 'query.building', outsider: 'narrow' },
          ],
        },
      },
      async (request) => registry.listSensors(request.query, principalOf(request)),
    );
    app.get(
      '/sensors/:id',
      {
        schema: { tags, summary: 'One sensor', params: IdParams, response: { 200: SensorSchema } },
        config: { access: READ_REGISTRY, scope: ['params.id'] },
      },
      async (request) => registry.getSensor(request.params.id, principalOf(request)),
    );
    app.post(
      '/sensors',
      {
        schema: {
          tags,
          summary: 'Create a sensor before its readings arrive',
          description:
            'Readings that arrive later with the same gateway, channel, device and medium are its readings.',
          body: SensorCreateSchema,
          response: { 201: SensorSchema },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request, reply) =>
        reply.code(201).send(await registry.createSensor(request.body, principalOf(request))),
    );
    app.patch(
      '/sensors/:id',
      {
        schema: {
          tags,
          summary: "Change a sensor's label or unit",
          params: IdParams,
          body: SensorPatchSchema,
          response: { 200: SensorSchema },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request) => registry.updateSensor(request.params.id, request.body, principalOf(request)),
    );
    app.delete(
      '/sensors/:id',
      {
        schema: {
          tags,
          summary: 'Delete a sensor without readings',
          description: DELETE_409,
          params: IdParams,
          response: { 204: Deleted },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request, reply) => {
        await registry.deleteSensor(request.params.id, principalOf(request));
        return reply.code(204).send(null);
      },
    );
  }

  // --- Weather stations -----------------------------------------------------------------------
  {
    const tags = ['weather stations'];
    app.get(
      '/weather-stations',
      {
        schema: {
          tags,
          summary: 'List weather stations',
          description: `District-wide outdoor data: every reader sees every station. ${PAGINATION}`,
          querystring: WeatherStationListQuery,
          response: { 200: WeatherStationPageSchema },
        },
        config: { access: READ_REGISTRY, scope: [{ at: 'query.district', outsider: 'open' }] },
      },
      async (request) => registry.listWeatherStations(request.query),
    );
    app.get(
      '/weather-stations/:id',
      {
        schema: {
          tags,
          summary: 'One weather station',
          params: IdParams,
          response: { 200: WeatherStationSchema },
        },
        config: { access: READ_REGISTRY },
      },
      async (request) => registry.getWeatherStation(request.params.id),
    );
    app.post(
      '/weather-stations',
      {
        schema: {
          tags,
          summary: 'Create a weather station',
          description:
            'Its gateway (which carries its readings) must serve no dwelling; it counts as registered.',
          body: WeatherStationCreateSchema,
          response: { 201: WeatherStationSchema },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request, reply) =>
        reply.code(201).send(await registry.createWeatherStation(request.body, principalOf(request))),
    );
    app.patch(
      '/weather-stations/:id',
      {
        schema: {
          tags,
          summary: 'Change a weather station',
          params: IdParams,
          body: WeatherStationPatchSchema,
          response: { 200: WeatherStationSchema },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request) => registry.updateWeatherStation(request.params.id, request.body, principalOf(request)),
    );
    app.delete(
      '/weather-stations/:id',
      {
        schema: {
          tags,
          summary: 'Delete a weather station',
          description:
            'Its gateway and readings stay; the gateway becomes unregistered unless it serves a dwelling.',
          params: IdParams,
          response: { 204: Deleted },
        },
        config: { access: WRITE_REGISTRY, audit: 'registry' },
      },
      async (request, reply) => {
        await registry.deleteWeatherStation(request.params.id, principalOf(request));
        return reply.code(204).send(null);
      },
    );
  }

  // --- Media ----------------------------------------------------------------------------------
  {
    const tags = ['media'];
    app.get(
      '/media',
      {
        schema: {
          tags,
          summary: 'List media (what sensors measure)',
          description:
            'The open list of measured quantities, each with its unit and whether it is cumulative. Ordered by name; paginated like the other lists.',
          querystring: MediumListQuery,
          response: { 200: MediumPageSchema },
        },
        config: { access: READ_REGISTRY },
      },
      async (request) => registry.listMedia(request.query),
    );
    app.get(
      '/media/:name',
      {
        schema: { tags, summary: 'One medium', params: NameParams, response: { 200: MediumSchema } },
        config: { access: READ_REGISTRY },
      },
      async (request) => registry.getMedium(request.params.name),
    );
    app.post(
      '/media',
      {
        schema: { tags, summary: 'Add a medium', body: MediumCreateSchema, response: { 201: MediumSchema } },
        config: { access: ADMIN_REGISTRY, audit: 'registry' },
      },
      async (request, reply) =>
        reply.code(201).send(await registry.createMedium(request.body, principalOf(request))),
    );
    app.patch(
      '/media/:name',
      {
        schema: {
          tags,
          summary: 'Change a medium',
          description:
            'A new unit reaches the sensors that had the old one. `cumulative` can only change before readings of the medium are stored.',
          params: NameParams,
          body: MediumPatchSchema,
          response: { 200: MediumSchema },
        },
        config: { access: ADMIN_REGISTRY, audit: 'registry' },
      },
      async (request) => registry.updateMedium(request.params.name, request.body, principalOf(request)),
    );
    app.delete(
      '/media/:name',
      {
        schema: {
          tags,
          summary: 'Delete a medium no sensor measures',
          description: DELETE_409,
          params: NameParams,
          response: { 204: Deleted },
        },
        config: { access: ADMIN_REGISTRY, audit: 'registry' },
      },
      async (request, reply) => {
        await registry.deleteMedium(request.params.name, principalOf(request));
        return reply.code(204).send(null);
      },
    );
  }

  // --- Feature definitions --------------------------------------------------------------------
  {
    const tags = ['feature definitions'];
    app.get(
      '/feature-definitions',
      {
        schema: {
          tags,
          summary: 'List the typed building features',
          description: 'Ordered by key; paginated like the other lists.',
          querystring: FeatureDefinitionListQuery,
          response: { 200: FeatureDefinitionPageSchema },
        },
        config: { access: READ_REGISTRY },
      },
      async (request) => registry.listFeatureDefinitions(request.query),
    );
    app.get(
      '/feature-definitions/:key',
      {
        schema: {
          tags,
          summary: 'One feature definition',
          params: KeyParams,
          response: { 200: FeatureDefinitionSchema },
        },
        config: { access: READ_REGISTRY },
      },
      async (request) => registry.getFeatureDefinition(request.params.key),
    );
    app.post(
      '/feature-definitions',
      {
        schema: {
          tags,
          summary: 'Define a building feature',
          body: FeatureDefinitionCreateSchema,
          response: { 201: FeatureDefinitionSchema },
        },
        config: { access: ADMIN_REGISTRY, audit: 'registry' },
      },
      async (request, reply) =>
        reply.code(201).send(await registry.createFeatureDefinition(request.body, principalOf(request))),
    );
    app.patch(
      '/feature-definitions/:key',
      {
        schema: {
          tags,
          summary: 'Change a feature definition',
          description: 'Its type can only change while no building holds the feature.',
          params: KeyParams,
          body: FeatureDefinitionPatchSchema,
          response: { 200: FeatureDefinitionSchema },
        },
        config: { access: ADMIN_REGISTRY, audit: 'registry' },
      },
      async (request) =>
        registry.updateFeatureDefinition(request.params.key, request.body, principalOf(request)),
    );
    app.delete(
      '/feature-definitions/:key',
      {
        schema: {
          tags,
          summary: 'Delete a feature definition no building uses',
          description: DELETE_409,
          params: KeyParams,
          response: { 204: Deleted },
        },
        config: { access: ADMIN_REGISTRY, audit: 'registry' },
      },
      async (request, reply) => {
        await registry.deleteFeatureDefinition(request.params.key, principalOf(request));
        return reply.code(204).send(null);
      },
    );
  }
};
