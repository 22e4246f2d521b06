import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import { InputQuery, InputReportSchema } from '#common/api/kpi.ts';
import {
  AreaCreateSchema,
  AreaListSchema,
  AreaPatchSchema,
  AreaSchema,
  BeforeAfterQuery,
  BeforeAfterSchema,
  CarbonFactorCreateSchema,
  CarbonFactorListSchema,
  CarbonFactorPatchSchema,
  CarbonFactorSchema,
  ConsumptionQuery,
  ExportFormat,
  FacilityCreateSchema,
  FacilityListQuery,
  FacilityPageSchema,
  FacilityPatchSchema,
  FacilitySchema,
  HourlyQuery,
  HourlySchema,
  MapSchema,
  MAX_INVOICE_ROWS,
  MeterCreateSchema,
  MeterListQuery,
  MeterPageSchema,
  MeterSchema,
  MonthPageSchema,
  OpenDataQuery,
  OpenDataSchema,
  SummaryQuery,
  SummarySchema,
} from '#common/api/municipal.ts';
import { audit } from '../../audit/audit.service.ts';
import { badRequest } from '../../plugins/errors.ts';
import { byRequest } from '../../audit/by.ts';
import type { Access } from '../../plugins/access.ts';
import { acceptUploads, SPREADSHEET_UPLOAD, type UploadRules } from '../../uploads/uploads.ts';
import { DateTime } from 'luxon';
import { readDatadis } from './datadis.ts';
import { beforeAfter } from './municipal-before-after.ts';
import { sendTable } from './municipal-export.ts';
import { importInvoices } from './municipal-import.ts';
import { mapOf, openData, summarise } from './municipal-summary.ts';

/** Who reads municipal energy: municipal technicians, admins, unrestricted machine tokens that read. */
export const READ_MUNICIPAL: Access = {
  roles: ['municipal', 'admin'],
  scopes: ['read', 'admin'],
  unrestrictedMachinesOnly: true,
};
/** Who changes facilities, meters and records: municipal technicians and admins. */
export const WRITE_MUNICIPAL: Access = {
  roles: ['municipal', 'admin'],
  scopes: ['admin'],
  unrestrictedMachinesOnly: true,
};
/** Who changes the carbon factors: admins. */
const ADMIN_MUNICIPAL: Access = { roles: ['admin'], scopes: ['admin'], unrestrictedMachinesOnly: true };

const problems = { 400: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' }, 409: { $ref: 'Problem#' } };
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const FILE = Type.Unsafe({ description: 'The file (text/csv or XLSX)' });
const DISTRICT_OPEN = [{ at: 'query.district', outsider: 'open' }] as const;
const MAX_EXPORT_ROWS = 100_000;
const tags = ['municipal-energy'];

/** Ten years of a city's monthly invoices fit in one file. */
const INVOICE_UPLOAD: UploadRules = { ...SPREADSHEET_UPLOAD, maxBytes: 64 * 1024 * 1024 };

const today = () => new Date().toISOString().slice(0, 10);

/** Municipal energy under /api/v1/municipal, and its open data under /api/v1/public. */
export const municipalRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const municipal = app.platform.municipal;
  const now = () => app.platform.clock.now();

  // --- Areas, facilities, meters ---------------------------------------------------------------
  app.get(
    '/municipal/areas',
    {
      schema: { tags, summary: 'Areas (ámbitos) and their sub-groups', response: { 200: AreaListSchema } },
      config: { access: READ_MUNICIPAL },
    },
    async () => municipal.areas(),
  );
  app.post(
    '/municipal/areas',
    {
      schema: {
        tags,
        summary: 'Add an area, or a sub-group of one (parentId)',
        body: AreaCreateSchema,
        response: { 201: AreaSchema, ...problems },
      },
      config: { access: WRITE_MUNICIPAL, audit: 'municipal' },
    },
    async (request, reply) => reply.status(201).send(await municipal.createArea(request.body)),
  );
  app.patch(
    '/municipal/areas/:id',
    {
      schema: {
        tags,
        summary: 'Rename an area or sub-group',
        params: IdParams,
        body: AreaPatchSchema,
        response: { 200: AreaSchema, ...problems },
      },
      config: { access: WRITE_MUNICIPAL, audit: 'municipal' },
    },
    async (request) => municipal.renameArea(request.params.id, request.body.name),
  );

  app.get(
    '/municipal/facilities',
    {
      schema: {
        tags,
        summary: 'Facilities, filtered by area (with its sub-groups), district or text; paged',
        querystring: FacilityListQuery,
        response: { 200: FacilityPageSchema, ...problems },
      },
      config: { access: READ_MUNICIPAL, scope: DISTRICT_OPEN },
    },
    async (request) => municipal.facilities(request.query),
  );
  app.get(
    '/municipal/facilities/export',
    {
      schema: {
        tags,
        summary: 'Facilities as CSV or XLSX, with the same filters',
        querystring: Type.Composite([Type.Omit(FacilityListQuery, ['cursor', 'limit']), ExportFormat]),
        response: { 200: FILE, ...problems },
      },
      config: { access: READ_MUNICIPAL, scope: DISTRICT_OPEN },
    },
    async (request, reply) => {
      const { format = 'csv', ...filter } = request.query;
      const { items } = await municipal.facilities({ ...filter, limit: 500 });
      await audit(request, 'data.export', {
        target: { type: 'municipal_facilities', id: 'all' },
        detail: { format },
      });
      return sendTable(
        reply,
        format,
        `ciop-municipal-facilities-${today()}`,
        [
          'id',
          'code',
          'name',
          'address',
          'area_id',
          'district_id',
          'building_id',
          'latitude',
          'longitude',
          'area_m2',
          'meters',
        ],
        items.map((f) => [
          f.id,
          f.code,
          f.name,
          f.address,
          f.areaId,
          f.districtId,
          f.buildingId,
          f.latitude,
          f.longitude,
          f.areaM2,
          f.meters,
        ]),
      );
    },
  );
  app.get(
    '/municipal/facilities/:id',
    {
      schema: {
        tags,
        summary: 'A facility',
        params: IdParams,
        response: { 200: FacilitySchema, ...problems },
      },
      config: { access: READ_MUNICIPAL },
    },
    async (request) => municipal.facility(request.params.id),
  );
  app.get(
    '/municipal/facilities/:id/before-after',
    {
      schema: {
        tags,
        summary:
          'A facility’s heating energy before and after a refurbishment, normalised by the heating degree days of its district’s weather station',
        params: IdParams,
        querystring: BeforeAfterQuery,
        response: { 200: BeforeAfterSchema, ...problems },
      },
      config: { access: READ_MUNICIPAL },
    },
    async (request) =>
      beforeAfter(
        {
          db: app.platform.database.db,
          readings: app.platform.readings,
          timezone: app.platform.config.timezone,
        },
        request.params.id,
        request.query,
        now(),
      ),
  );
  app.get(
    '/municipal/meters/:id/hourly',
    {
      schema: {
        tags,
        summary:
          'A meter’s hourly (or quarter-hourly) consumption as Datadis gives it, estimated hours flagged',
        params: IdParams,
        querystring: HourlyQuery,
        response: { 200: HourlySchema, ...problems },
      },
      config: { access: READ_MUNICIPAL },
    },
    async (request) => {
      const meter = await municipal.meter(request.params.id);
      const zone = app.platform.config.timezone;
      const day = (text: string | undefined, field: string, fallback: DateTime) => {
        if (text === undefined) return fallback;
        const d = DateTime.fromISO(text, { zone });
        if (!d.isValid || d.toISODate() !== text)
          throw badRequest(`${field}: ${text} is not a day of the calendar (YYYY-MM-DD).`);
        return d;
      };
      const today = DateTime.fromMillis(now(), { zone }).startOf('day');
      const to = day(request.query.to, 'to', today);
      const from = day(request.query.from, 'from', to.minus({ days: 13 }));
      if (from > to) throw badRequest(`from: ${from.toISODate()} comes after to (${to.toISODate()}).`);
      if (to.diff(from, 'days').days > 92) throw badRequest('to: at most 93 days of hours at a time.');
      const points = await readDatadis(
        app.platform.engine,
        app.platform.catalog,
        meter.code,
        from.toMillis(),
        to.plus({ days: 1 }).toMillis(),
      );
      return {
        meterId: meter.id,
        cups: meter.code,
        from: from.toISODate() as string,
        to: to.toISODate() as string,
        points,
      };
    },
  );
  app.post(
    '/municipal/facilities',
    {
      schema: {
        tags,
        summary: 'Add a facility',
        body: FacilityCreateSchema,
        response: { 201: FacilitySchema, ...problems },
      },
      config: { access: WRITE_MUNICIPAL, audit: 'municipal' },
    },
    async (request, reply) => reply.status(201).send(await municipal.createFacility(request.body)),
  );
  app.patch(
    '/municipal/facilities/:id',
    {
      schema: {
        tags,
        summary: 'Change a facility; moving it to another area or district moves its months too',
        params: IdParams,
        body: FacilityPatchSchema,
        response: { 200: FacilitySchema, ...problems },
      },
      config: { access: WRITE_MUNICIPAL, audit: 'municipal' },
    },
    async (request) => municipal.updateFacility(request.params.id, request.body),
  );

  app.get(
    '/municipal/meters',
    {
      schema: {
        tags,
        summary: 'Meters, filtered by facility, carrier or code; paged',
        querystring: MeterListQuery,
        response: { 200: MeterPageSchema, ...problems },
      },
      config: { access: READ_MUNICIPAL },
    },
    async (request) => municipal.meters(request.query),
  );
  app.get(
    '/municipal/meters/:id',
    {
      schema: { tags, summary: 'A meter', params: IdParams, response: { 200: MeterSchema, ...problems } },
      config: { access: READ_MUNICIPAL },
    },
    async (request) => municipal.meter(request.params.id),
  );
  app.post(
    '/municipal/meters',
    {
      schema: {
        tags,
        summary: 'Add a meter: a grid supply by its CUPS, or another by the city’s own code',
        description:
          'A CUPS is ES, 16 digits, two check letters (the digits modulo 529, quotient and remainder by 23, over TRWAGMYFPDXBNJZSQVHLCKE) and optionally a digit and one of F, P, R, C, X, Y, Z; a wrong one is refused saying which check failed. The unit follows from the carrier.',
        body: MeterCreateSchema,
        response: { 201: MeterSchema, ...problems },
      },
      config: { access: WRITE_MUNICIPAL, audit: 'municipal' },
    },
    async (request, reply) => reply.status(201).send(await municipal.createMeter(request.body)),
  );

  // --- Consumption -------------------------------------------------------------------------------
  app.get(
    '/municipal/consumption',
    {
      schema: {
        tags,
        summary: 'Each meter’s months as counted, with their source; filtered and paged',
        description:
          'One row per meter and month: an invoice’s period is split over the calendar months by days; where sources overlap, invoices win, readings fill months without an invoice, and a month is never counted twice. `source` says which one a month came from.',
        querystring: ConsumptionQuery,
        response: { 200: MonthPageSchema, ...problems },
      },
      config: { access: READ_MUNICIPAL, scope: DISTRICT_OPEN },
    },
    async (request) => municipal.consumption(request.query),
  );
  app.get(
    '/municipal/consumption/export',
    {
      schema: {
        tags,
        summary: 'The months as CSV or XLSX, with the same filters',
        querystring: Type.Composite([Type.Omit(ConsumptionQuery, ['cursor', 'limit']), ExportFormat]),
        response: { 200: FILE, ...problems },
      },
      config: { access: READ_MUNICIPAL, scope: DISTRICT_OPEN },
    },
    async (request, reply) => {
      const { format = 'csv', ...filter } = request.query;
      const rows = await municipal.consumptionRows(filter, MAX_EXPORT_ROWS);
      await audit(request, 'data.export', {
        target: { type: 'municipal_consumption', id: 'filter' },
        detail: { format, rows: rows.length, filter },
      });
      return sendTable(
        reply,
        format,
        `ciop-municipal-consumption-${today()}`,
        [
          'meter_code',
          'facility_id',
          'month',
          'carrier',
          'unit',
          'quantity',
          'cost_eur',
          'eur_per_unit',
          'max_kw',
          'source',
        ],
        rows.map((r) => [
          r.meterCode,
          r.facilityId,
          r.month,
          r.carrier,
          r.unit,
          r.quantity,
          r.costEur,
          r.eurPerUnit,
          r.maxKw,
          r.source,
        ]),
      );
    },
  );

  // --- Summary, map ------------------------------------------------------------------------------
  const SUMMARY =
    'level=city|district|area|facility|meter and the id of that node (an area may be a sub-group; `district` looks at an area within one neighbourhood). Consumption, cost and CO2 per carrier, per month or year, with the scope-1 and scope-2 totals, and the children of the node with their change against the same months a year before. CO2 of a carrier in a year without a factor is null and listed in missingFactors ("no factor for YEAR"): it is never guessed.';
  app.get(
    '/municipal/summary',
    {
      schema: {
        tags,
        summary: 'Consumption, cost and CO2 of a node, from the city to a meter, and its children',
        description: SUMMARY,
        querystring: SummaryQuery,
        response: { 200: SummarySchema, ...problems },
      },
      config: { access: READ_MUNICIPAL, scope: DISTRICT_OPEN },
    },
    async (request) => summarise(municipal.db, request.query, now()),
  );
  app.get(
    '/municipal/summary/export',
    {
      schema: {
        tags,
        summary: 'A summary as CSV or XLSX: its series, then its children',
        description: SUMMARY,
        querystring: Type.Composite([SummaryQuery, ExportFormat]),
        response: { 200: FILE, ...problems },
      },
      config: { access: READ_MUNICIPAL, scope: DISTRICT_OPEN },
    },
    async (request, reply) => {
      const { format = 'csv', ...query } = request.query;
      const s = await summarise(municipal.db, query, now());
      await audit(request, 'data.export', {
        target: { type: 'municipal_summary', id: `${s.node.level}:${s.node.id ?? ''}` },
        detail: { format, query },
      });
      const missing = (co2: number | null, period: string) => co2 ?? `no factor for ${period.slice(0, 4)}`;
      return sendTable(
        reply,
        format,
        `ciop-municipal-${s.node.level}${s.node.id ? `-${s.node.id}` : ''}-${today()}`,
        [
          'kind',
          'node',
          'period',
          'carrier',
          'unit',
          'quantity',
          'cost_eur',
          'co2_kg',
          'scope',
          'previous_year_kwh',
          'change',
        ],
        [
          ...s.series.map((r) => [
            'series',
            s.node.name,
            r.period,
            r.carrier,
            r.unit,
            r.quantity,
            r.costEur,
            missing(r.co2Kg, r.period),
            r.scope,
            null,
            null,
          ]),
          ...s.children.map((c) => [
            c.level,
            c.name,
            `${s.from}/${s.to}`,
            'energy',
            'kWh',
            c.energyKWh,
            c.costEur,
            c.co2Kg,
            null,
            c.previousEnergyKWh,
            c.change,
          ]),
        ],
      );
    },
  );
  app.get(
    '/municipal/map',
    {
      schema: {
        tags,
        summary: 'The facilities of a node with their consumption, and the districts with their boundary',
        querystring: SummaryQuery,
        response: { 200: MapSchema, ...problems },
      },
      config: { access: READ_MUNICIPAL, scope: DISTRICT_OPEN },
    },
    async (request) => mapOf(municipal.db, request.query, now()),
  );

  // --- Carbon factors ----------------------------------------------------------------------------
  app.get(
    '/municipal/carbon-factors',
    {
      schema: {
        tags,
        summary: 'Carbon factors per carrier and year (location-based; a supplier’s own where given)',
        response: { 200: CarbonFactorListSchema },
      },
      config: { access: READ_MUNICIPAL },
    },
    async () => municipal.factors(),
  );
  app.post(
    '/municipal/carbon-factors',
    {
      schema: {
        tags,
        summary: 'Add a carbon factor (audited)',
        description:
          'kg CO2 per unit of a carrier in a year. Scope follows from the carrier: 1 for fuels burnt on site and by the fleet, 2 for electricity and district heat. Without `supplier` it is the location-based factor; with it, the supplier’s own, used with basis=market.',
        body: CarbonFactorCreateSchema,
        response: { 201: CarbonFactorSchema, ...problems },
      },
      config: { access: ADMIN_MUNICIPAL },
    },
    async (request, reply) =>
      reply.status(201).send(await municipal.createFactor(request.body, byRequest(request))),
  );
  app.patch(
    '/municipal/carbon-factors/:id',
    {
      schema: {
        tags,
        summary: 'Change a carbon factor (audited with the values before and after)',
        params: IdParams,
        body: CarbonFactorPatchSchema,
        response: { 200: CarbonFactorSchema, ...problems },
      },
      config: { access: ADMIN_MUNICIPAL },
    },
    async (request) => municipal.updateFactor(request.params.id, request.body, byRequest(request)),
  );

  // --- Open data ---------------------------------------------------------------------------------
  app.get(
    '/public/municipal-energy',
    {
      schema: {
        tags: ['public'],
        summary: 'Open data: the city’s own energy, cost and CO2 per area and year',
        description:
          'Consumption, cost (€) and CO2 (kg, location-based; null for a year without a factor) of the municipal facilities, summed per area, carrier and year. No meter, facility or person is named. `format=csv|xlsx` downloads it.',
        querystring: OpenDataQuery,
        response: { 200: OpenDataSchema, ...problems },
      },
      config: { access: 'public' },
    },
    async (request, reply) => {
      const items = await openData(municipal.db);
      reply.header('cache-control', 'public, max-age=300');
      const format = request.query.format ?? 'json';
      if (format !== 'json')
        return sendTable(
          reply,
          format,
          'municipal-energy-open-data',
          ['year', 'area', 'area_name', 'carrier', 'unit', 'quantity', 'cost_eur', 'co2_kg'],
          items.map((r) => [r.year, r.area, r.areaName, r.carrier, r.unit, r.quantity, r.costEur, r.co2Kg]),
        );
      return {
        licence: 'CC BY 4.0',
        note: 'Municipal facilities’ energy, water and fuel, per area, carrier and year; cost in euros as invoiced; CO2 in kg from the location-based factors (null: no factor for that year).',
        items,
      };
    },
  );
};

/** The invoice import, in a plugin of its own: it reads its body as bytes. */
export const municipalImportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const municipal = app.platform.municipal;
  const uploads = await acceptUploads(app, INVOICE_UPLOAD);
  app.post(
    '/municipal/invoices/import',
    {
      schema: {
        tags,
        summary: 'Import invoices (or readings) from CSV or XLSX',
        description: `Columns: cups (or meter_code for a meter without CUPS), period_start and period_end (dates, both included: 2025-01-31 or 31/01/2025), quantity (in the meter's unit), unit, cost_eur; optionally supplier, tariff, p1…p6 (electricity per tariff period), max_kw, source (invoice by default; reading, datadis or manual). At most ${MAX_INVOICE_ROWS} rows. A period is split over calendar months by days. The same invoice sent twice changes nothing; one with the same meter and start replaces the stored one. Every bad row is reported with its row, column, value and reason; a file with any stores nothing unless sent again with confirm=true, which stores the good rows only; dryRun=true only reports.`,
        body: uploads.body,
        querystring: InputQuery,
        response: {
          200: InputReportSchema,
          400: { $ref: 'Problem#' },
          413: { $ref: 'Problem#' },
          415: { $ref: 'Problem#' },
        },
      },
      bodyLimit: INVOICE_UPLOAD.maxBytes,
      config: { access: WRITE_MUNICIPAL, audit: 'municipal' },
    },
    async (request) => {
      const file = await uploads.read(request);
      return importInvoices(
        municipal,
        file.bytes,
        file.name,
        {
          confirm: request.query.confirm ?? false,
          dryRun: request.query.dryRun ?? false,
          sheet: request.query.sheet,
        },
        app.platform.clock.now(),
      );
    },
  );
};
