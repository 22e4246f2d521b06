import multipart from '@fastify/multipart';
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { InputQuery, InputReportSchema } from '#common/api/kpi.ts';
import { ImportQuery, ImportReportSchema } from '#common/api/registry.ts';
import { type Access, principalOf } from '../../plugins/access.ts';
import { badRequest, HttpProblem } from '../../plugins/errors.ts';
import { MAX_IMPORT_BYTES } from '../registry/registry-import.routes.ts';
import { WRITE_KPI } from './kpi.routes.ts';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const FileBody = {
  content: Object.fromEntries(
    ['multipart/form-data', 'text/csv', XLSX_TYPE].map((type) => [
      type,
      {
        schema: Type.Unsafe<unknown>({
          description:
            type === 'multipart/form-data'
              ? 'One file field holding the CSV or XLSX file'
              : 'The file itself',
        }),
      },
    ]),
  ),
};

/** The building characterisation changes the registry: evaluators and admins. */
const IMPORT_BUILDINGS: Access = {
  roles: ['admin', 'kpi'],
  scopes: ['admin'],
  unrestrictedMachinesOnly: true,
};

const problems = { 400: { $ref: 'Problem#' }, 415: { $ref: 'Problem#' } };

/** The uploaded file and its name: the first file of a multipart body, or the raw body. */
async function uploaded(request: FastifyRequest): Promise<{ body: Buffer; name: string }> {
  if (request.isMultipart()) {
    try {
      const file = await request.file();
      if (!file) throw badRequest('The multipart body holds no file.');
      return { body: await file.toBuffer(), name: file.filename || 'upload' };
    } catch (error) {
      if (error instanceof HttpProblem || (error as { statusCode?: number }).statusCode !== undefined)
        throw error;
      // The multipart parser's own complaints (a body cut short, a wrong boundary) are the sender's.
      throw badRequest(`The multipart body cannot be read: ${(error as Error).message}.`);
    }
  }
  if (!Buffer.isBuffer(request.body) || request.body.length === 0)
    throw badRequest('Send the CSV or XLSX file as the body, or as a file in a multipart/form-data body.');
  const type = request.headers['content-type'] ?? '';
  return { body: request.body, name: type.includes('sheet') ? 'upload.xlsx' : 'upload.csv' };
}

const options = (q: { confirm?: boolean; dryRun?: boolean; sheet?: string }) => ({
  confirm: q.confirm ?? false,
  dryRun: q.dryRun ?? false,
  sheet: q.sheet,
});

const RULES =
  'Send the file as multipart/form-data (one file field) or as the raw body (text/csv or the XLSX content type); CSV may use `,`, `;` or tabs, numbers a decimal comma. ' +
  'Every bad row is reported with its row number, column and reason. A file without bad rows is stored; with any, nothing is stored unless `confirm=true`, which stores the good rows only. `dryRun=true` reports and stores nothing.';

/** File uploads of the KPI tool, under /api/v1: they read their body as bytes. */
export const kpiInputRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const kpi = app.platform.kpi;
  app.removeAllContentTypeParsers();
  await app.register(multipart, { limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 20, parts: 21 } });
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES }, (_request, body, done) =>
    done(null, body),
  );
  const tags = ['kpi-tool'];

  app.post(
    '/measures/import',
    {
      schema: {
        tags: ['measures'],
        summary: 'Import KPI values entered by hand (ICT, LCA, social, economic, vehicles) from XLSX or CSV',
        description: `One row per KPI, resource and period. Columns: KPI (code), Resource (building code, plate, district code…), PeriodStart and PeriodEnd (a year 2024, a month 2024-03 or a day 2024-03-31; PeriodEnd is the last one included, and may be left empty for a single year, month or day), Value (in the KPI's unit), and optionally Breakdown. Only KPIs whose method is \`input\`. A row with the same KPI, resource, breakdown and period as a stored value replaces it. ${RULES}`,
        body: FileBody,
        querystring: InputQuery,
        response: { 200: InputReportSchema, ...problems },
      },
      bodyLimit: MAX_IMPORT_BYTES,
      config: { access: WRITE_KPI, audit: 'kpi' },
    },
    async (request) => {
      const file = await uploaded(request);
      return kpi.inputs.manualFile(file.body, file.name, options(request.query), principalOf(request));
    },
  );

  app.post(
    '/kpi/thermal-measurements/import',
    {
      schema: {
        tags,
        summary: 'Import thermal energy records from CSV or XLSX; idempotent by thermal_measurement_id',
        description: `Columns: thermal_measurement_id, timestamp (Unix seconds), value (kWh), resource_id (building code), carrier. ${RULES} The energy KPIs of the years touched are computed again at once.`,
        body: FileBody,
        querystring: InputQuery,
        response: { 200: InputReportSchema, ...problems },
      },
      bodyLimit: MAX_IMPORT_BYTES,
      config: { access: WRITE_KPI, audit: 'kpi' },
    },
    async (request) => {
      const file = await uploaded(request);
      return kpi.inputs.thermalFile(file.body, file.name, options(request.query), principalOf(request));
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
        body: FileBody,
        querystring: ImportQuery,
        response: { 200: ImportReportSchema, ...problems },
      },
      bodyLimit: MAX_IMPORT_BYTES,
      config: { access: IMPORT_BUILDINGS, audit: 'registry' },
    },
    async (request) =>
      kpi.buildings.importBuildings(
        (await uploaded(request)).body,
        {
          dryRun: request.query.dryRun ?? false,
          districtId: request.query.district,
          sheet: request.query.sheet,
        },
        principalOf(request),
      ),
  );
};
