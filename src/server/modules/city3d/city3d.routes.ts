import { gunzipSync } from 'node:zlib';
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import {
  AttributeImportReportSchema,
  CITY_REFERENCE_PATTERN,
  CityBuildingSchema,
  CityImportReportSchema,
  CitySearchSchema,
  IndicatorListSchema,
  KpiValuesSchema,
  LinkBodySchema,
} from '#common/api/city3d.ts';
import { KPI_CODE_PATTERN } from '#common/api/kpi.ts';
import type { Access } from '../../plugins/access.ts';
import { badRequest, HttpProblem } from '../../plugins/errors.ts';
import { acceptUploads, mediaTypeOf, SPREADSHEET_UPLOAD } from '../../uploads/uploads.ts';
import { MAX_ZOOM, MIN_ZOOM } from './city3d-tiles.ts';

/** Who reads each building's KPIs: planners, municipal, KPI and admin users, unrestricted readers. */
const READ_BUILDING_KPIS: Access = {
  roles: ['admin', 'planner', 'municipal', 'kpi'],
  scopes: ['read', 'admin'],
  unrestrictedMachinesOnly: true,
};
/** Who loads the cadastre and links it to the registry: planners and admins. */
const WRITE_CITY: Access = { roles: ['admin', 'planner'], scopes: ['admin'], unrestrictedMachinesOnly: true };

const tags = ['city3d'];
const problems = { 400: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' } };
const RefParams = Type.Object({
  ref: Type.String({ pattern: CITY_REFERENCE_PATTERN, description: 'Cadastral reference' }),
});

/** The 3D city's reading routes (public) and the manual link, under /api/v1. */
export const city3dRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const city = app.platform.city3d;

  app.get(
    '/city3d/tiles/:z/:x/:y.pbf',
    {
      schema: {
        tags,
        summary: 'A Mapbox Vector Tile of the city’s buildings (layer `buildings`)',
        description:
          `Zoom ${MIN_ZOOM}–${MAX_ZOOM} (a client overzooms above). Each feature is a footprint with \`ref\` (cadastral reference), ` +
          '`h` (height to draw, m) and the indicators of GET /api/v1/city3d/attributes that it has. Sent gzipped; an empty tile is 204.',
        params: Type.Object({
          z: Type.Integer({ minimum: 0, maximum: MAX_ZOOM }),
          x: Type.Integer({ minimum: 0 }),
          y: Type.Integer({ minimum: 0 }),
        }),
        response: {
          200: Type.Unsafe({ description: 'application/vnd.mapbox-vector-tile, gzip' }),
          204: Type.Null(),
          ...problems,
        },
      },
      config: { access: 'public' },
    },
    async (request, reply) => {
      const { z, x, y } = request.params;
      if (x >= 2 ** z || y >= 2 ** z)
        throw badRequest(`Tile ${z}/${x}/${y} does not exist: x and y go up to ${2 ** z - 1} at zoom ${z}.`);
      const bytes = z < MIN_ZOOM ? undefined : await city.tiles.tile(z, x, y);
      reply.header('cache-control', 'public, max-age=60');
      if (!bytes) return reply.code(204).send(null);
      reply.header('content-type', 'application/vnd.mapbox-vector-tile');
      reply.header('vary', 'accept-encoding');
      // Tiles are kept gzipped; the rare client that takes no gzip gets them unpacked.
      if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
        reply.header('content-encoding', 'gzip');
        return reply.send(bytes);
      }
      return reply.send(gunzipSync(bytes));
    },
  );

  app.get(
    '/city3d/buildings/:ref',
    {
      schema: {
        tags,
        summary: 'One building of the 3D city, with every attribute',
        description:
          'Cadastre data and imported attributes for everyone; the registry building it is and its monthly KPIs only for planners, municipal, KPI and admin users (and unrestricted machine tokens that read): `null` otherwise.',
        params: RefParams,
        response: { 200: CityBuildingSchema, ...problems },
      },
      config: { access: 'public' },
    },
    async (request) => city.getBuilding(request.params.ref, request.principal),
  );

  app.get(
    '/city3d/attributes',
    {
      schema: {
        tags,
        summary: 'The indicators that can colour the city, with unit, help text (en, es, eu) and classes',
        response: { 200: IndicatorListSchema },
      },
      config: { access: 'public' },
    },
    async (request) => city.indicators(request.principal),
  );

  app.get(
    '/city3d/search',
    {
      schema: {
        tags,
        summary: 'Buildings whose reference or address contains a text (at most 10)',
        querystring: Type.Object({ q: Type.String({ minLength: 2, maxLength: 100 }) }),
        response: { 200: CitySearchSchema, ...problems },
      },
      config: { access: 'public' },
    },
    async (request) => city.search(request.query.q),
  );

  app.get(
    '/city3d/kpi-values',
    {
      schema: {
        tags,
        summary:
          'The latest value of a building KPI for each monitored building of the city, to colour it by',
        description:
          'Each item names the building’s feature id in the tiles. Only for planners, municipal, KPI and admin users and unrestricted machine tokens that read.',
        querystring: Type.Object({
          kpi: Type.String({ pattern: KPI_CODE_PATTERN, description: 'KPI code' }),
        }),
        response: { 200: KpiValuesSchema, ...problems },
      },
      config: { access: READ_BUILDING_KPIS },
    },
    async (request) => city.kpiValues(request.query.kpi),
  );

  app.put(
    '/city3d/buildings/:ref/link',
    {
      schema: {
        tags,
        summary: 'Link a building of the city to a registry building by hand (or keep it unlinked)',
        params: RefParams,
        body: LinkBodySchema,
        response: { 200: CityBuildingSchema, ...problems },
      },
      config: { access: WRITE_CITY, scope: [{ at: 'body.building', outsider: 'refuse' }], audit: 'city3d' },
    },
    async (request) => city.link(request.params.ref, request.body.building),
  );
};

/** Media types the building import reads. */
const BUILDING_TYPES = [
  'application/geo+json',
  'application/json',
  'application/gml+xml',
  'application/xml',
  'text/xml',
];
/** The largest building file, bytes (the cadastre of a city of 250,000 people is about 60 MB of GML). */
export const MAX_BUILDING_BYTES = 200 * 1024 * 1024;

/** The building import: a GeoJSON or GML file as the body, under /api/v1. */
export const city3dImportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const city = app.platform.city3d;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: MAX_BUILDING_BYTES },
    (request: FastifyRequest, body: Buffer, done: (error: Error | null, body?: Buffer) => void) => {
      const type = mediaTypeOf(request.headers['content-type']);
      if (!BUILDING_TYPES.includes(type))
        return done(
          new HttpProblem(
            415,
            `The body ${type ? `is of type ${type}` : 'has no type'}; send GeoJSON or GML (${BUILDING_TYPES.join(', ')}).`,
          ),
        );
      done(null, body);
    },
  );

  app.post(
    '/city3d/buildings/import',
    {
      schema: {
        tags,
        summary: 'Import the city’s buildings from GeoJSON or INSPIRE Buildings GML',
        description:
          'The file is the body. GML: INSPIRE bu-core2d / DG Catastro bu-ext2d `Building` features with gml:Polygon, Surface or MultiSurface footprints in ' +
          'EPSG:4258 (latitude first, as GML writes it), EPSG:25830 or EPSG:3042 (northing first); the INSPIRE localId is the reference. GeoJSON: a FeatureCollection of ' +
          'Polygons or MultiPolygons in longitude and latitude (or the legacy `crs` member naming EPSG:25830 or 3042, easting first), with `reference` and INSPIRE-named properties. ' +
          'Height: heightAboveGround, else numberOfFloorsAboveGround × 3 m (the source is kept). A known reference is replaced; a feature that is wrong is refused with its reason and the others are stored. ' +
          '`srs` names the system of a GML file whose geometries name none.',
        querystring: Type.Object({
          srs: Type.Optional(Type.String({ maxLength: 100, description: 'e.g. EPSG:25830' })),
        }),
        body: {
          content: Object.fromEntries(
            BUILDING_TYPES.map((t) => [t, { schema: Type.Unsafe<unknown>({ description: 'The file' }) }]),
          ),
        },
        response: { 200: CityImportReportSchema, ...problems },
      },
      bodyLimit: MAX_BUILDING_BYTES,
      config: { access: WRITE_CITY, audit: 'city3d' },
    },
    async (request) => {
      if (!Buffer.isBuffer(request.body) || request.body.length === 0)
        throw badRequest('Send the GeoJSON or GML file as the body.');
      return city.importBuildings(request.body, { srs: request.query.srs });
    },
  );
};

/** The attribute import: CSV or XLSX, under /api/v1. */
export const city3dAttributeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const city = app.platform.city3d;
  const uploads = await acceptUploads(app, SPREADSHEET_UPLOAD);
  app.post(
    '/city3d/attributes/import',
    {
      schema: {
        tags,
        summary: 'Import indicators the cadastre does not carry (solar potential, energy) from CSV or XLSX',
        description:
          'Columns: `reference` and any of energy_rating (A–G), heat_demand (kWh/m²·year), solar_roof_area (m²), solar_potential (kWh/year). ' +
          'An empty cell clears the value. Rows of unknown buildings or with bad values are refused one by one; `dryRun=true` stores nothing.',
        body: uploads.body,
        querystring: Type.Object({
          dryRun: Type.Optional(Type.Boolean()),
          sheet: Type.Optional(Type.String({ maxLength: 100 })),
        }),
        response: { 200: AttributeImportReportSchema, ...problems },
      },
      bodyLimit: SPREADSHEET_UPLOAD.maxBytes,
      config: { access: WRITE_CITY, audit: 'city3d' },
    },
    async (request) =>
      city.importAttributes((await uploads.read(request)).bytes, {
        dryRun: request.query.dryRun ?? false,
        sheet: request.query.sheet,
      }),
  );
};
