import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ImportQuery, ImportReportSchema } from '#common/api/registry.ts';
import { principalOf } from '../../plugins/access.ts';
import { acceptUploads, SPREADSHEET_UPLOAD } from '../../uploads/uploads.ts';
import { WRITE_REGISTRY } from './registry.routes.ts';

const IMPORT_RULES =
  'Send the file in the field `file` of a multipart/form-data body, or as the raw body (text/csv or the XLSX content type). ' +
  'CSV may be separated by commas, semicolons or tabs, in UTF-8 or Windows-1252; XLSX is read from its first worksheet (or `sheet`). ' +
  'Headers are matched without regard to case, blanks or underscores; numbers may use a decimal comma (`1234,5`, `1.234,5`). ' +
  'Valid rows are stored and rejected rows are reported with their row number, column and reason; `dryRun=true` gives the same report and stores nothing. ' +
  'The file is imported in one transaction. A column the file lacks leaves stored values alone; an empty cell clears an optional value. ' +
  'At most 20,000 rows and 10 MiB.';

/** Bulk import of buildings and dwellings from CSV and XLSX, under /api/v1. */
export const registryImportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const imports = app.platform.registryImport;
  const uploads = await acceptUploads(app, SPREADSHEET_UPLOAD);

  app.post(
    '/buildings/import',
    {
      schema: {
        tags: ['buildings'],
        summary: 'Import buildings from CSV or XLSX',
        description:
          `Columns: BuildingID (the cadastral code: rows with a known one update that building), Address, Latitude and Longitude (°), ` +
          `Carrier1, m2_1, Carrier2, m2_2 (heated area per carrier, m²), and optionally Floors and District (code or name; or the \`district\` parameter for new buildings). ${IMPORT_RULES}`,
        body: uploads.body,
        querystring: ImportQuery,
        response: { 200: ImportReportSchema },
      },
      bodyLimit: SPREADSHEET_UPLOAD.maxBytes,
      config: { access: WRITE_REGISTRY, audit: 'registry' },
    },
    async (request) =>
      imports.importBuildings(
        (await uploads.read(request)).bytes,
        {
          dryRun: request.query.dryRun ?? false,
          districtId: request.query.district,
          sheet: request.query.sheet,
        },
        principalOf(request),
      ),
  );

  app.post(
    '/dwellings/import',
    {
      schema: {
        tags: ['dwellings'],
        summary: 'Import dwellings from CSV or XLSX',
        description:
          `Columns: BuildingID (of a building already registered), Dwelling or Label (as on the door; a known one updates that dwelling), ` +
          `and optionally Floor (0 = ground floor) and Area (m²). ${IMPORT_RULES}`,
        body: uploads.body,
        querystring: ImportQuery,
        response: { 200: ImportReportSchema },
      },
      bodyLimit: SPREADSHEET_UPLOAD.maxBytes,
      config: { access: WRITE_REGISTRY, audit: 'registry' },
    },
    async (request) =>
      imports.importDwellings(
        (await uploads.read(request)).bytes,
        { dryRun: request.query.dryRun ?? false, sheet: request.query.sheet },
        principalOf(request),
      ),
  );
};
