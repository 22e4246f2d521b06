import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { InputQuery, InputReportSchema } from '#common/api/kpi.ts';
import { ImportQuery, ImportReportSchema } from '#common/api/registry.ts';
import { type Access, principalOf } from '../../plugins/access.ts';
import { acceptUploads, SPREADSHEET_UPLOAD } from '../../uploads/uploads.ts';
import { WRITE_KPI } from './kpi.routes.ts';

/** The building characterisation changes the registry: evaluators and admins. */
const IMPORT_BUILDINGS: Access = {
  roles: ['admin', 'kpi'],
  scopes: ['admin'],
  unrestrictedMachinesOnly: true,
};

const problems = {
  400: { $ref: 'Problem#' },
  413: { $ref: 'Problem#' },
  415: { $ref: 'Problem#' },
};

const options = (q: { confirm?: boolean; dryRun?: boolean; sheet?: string }) => ({
  confirm: q.confirm ?? false,
  dryRun: q.dryRun ?? false,
  sheet: q.sheet,
});

const RULES =
  'Send the file in the field `file` of a multipart/form-data body, or as the raw body (text/csv or the XLSX content type); CSV may use `,`, `;` or tabs, numbers a decimal comma. ' +
  'Every bad row is reported with its row number, column and reason. A file without bad rows is stored; with any, nothing is stored unless `confirm=true`, which stores the good rows only. `dryRun=true` reports and stores nothing.';

/** File uploads of the KPI tool, under /api/v1: they read their body as bytes. */
export const kpiInputRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const kpi = app.platform.kpi;
  const uploads = await acceptUploads(app, SPREADSHEET_UPLOAD);
  const tags = ['kpi-tool'];

  app.post(
    '/measures/import',
    {
      schema: {
        tags: ['measures'],
        summary: 'Import KPI values entered by hand (ICT, LCA, social, economic, vehicles) from XLSX or CSV',
        description: `One row per KPI, resource and period. Columns: KPI (code), Resource (building code, plate, district code…), PeriodStart and PeriodEnd (a year 2024, a month 2024-03 or a day 2024-03-31; PeriodEnd is the last one included, and may be left empty for a single year, month or day), Value (in the KPI's unit), and optionally Breakdown. Only KPIs whose method is \`input\`. A row with the same KPI, resource, breakdown and period as a stored value replaces it. ${RULES}`,
        body: uploads.body,
        querystring: InputQuery,
        response: { 200: InputReportSchema, ...problems },
      },
      bodyLimit: SPREADSHEET_UPLOAD.maxBytes,
      config: { access: WRITE_KPI, audit: 'kpi' },
    },
    async (request) => {
      const file = await uploads.read(request);
      return kpi.inputs.manualFile(file.bytes, file.name, options(request.query), principalOf(request));
    },
  );

  app.post(
    '/kpi/thermal-measurements/import',
    {
      schema: {
        tags,
        summary: 'Import thermal energy records from CSV or XLSX; idempotent by thermal_measurement_id',
        description: `Columns: thermal_measurement_id, timestamp (Unix seconds), value (kWh), resource_id (building code), carrier. ${RULES} The energy KPIs of the years touched are computed again at once.`,
        body: uploads.body,
        querystring: InputQuery,
        response: { 200: InputReportSchema, ...problems },
      },
      bodyLimit: SPREADSHEET_UPLOAD.maxBytes,
      config: { access: WRITE_KPI, audit: 'kpi' },
    },
    async (request) => {
      const file = await uploads.read(request);
      return kpi.inputs.thermalFile(file.bytes, file.name, options(request.query), principalOf(request));
    },
  );

  app.post(
    '/kpi/buildings/import',
    {
      schema: {
        tags,
        summary: 'Import the building characterisation (the registry’s building import, for KPI evaluators)',
        description:
          'Exactly `POST /api/v1/buildings/import`: BuildingID, Address, Latitude, Longitude, Carrier1, m2_1, Carrier2, m2_2 (and optionally Floors, District). Valid rows are stored and each rejected row reported; `dryRun=true` reports and stores nothing (the KPI tool shows that report first and asks before storing).',
        body: uploads.body,
        querystring: ImportQuery,
        response: { 200: ImportReportSchema, ...problems },
      },
      bodyLimit: SPREADSHEET_UPLOAD.maxBytes,
      config: { access: IMPORT_BUILDINGS, audit: 'registry' },
    },
    async (request) =>
      kpi.buildings.importBuildings(
        (await uploads.read(request)).bytes,
        {
          dryRun: request.query.dryRun ?? false,
          districtId: request.query.district,
          sheet: request.query.sheet,
        },
        principalOf(request),
      ),
  );
};
