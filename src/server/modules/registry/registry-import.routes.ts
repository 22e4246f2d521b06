import multipart from '@fastify/multipart';
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { ImportQuery, ImportReportSchema } from '#common/api/registry.ts';
import { principalOf } from '../../plugins/access.ts';
import { badRequest } from '../../plugins/errors.ts';
import { WRITE_REGISTRY } from './registry.routes.ts';

/** The largest import file, bytes. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** The file, in each way it can be sent; documented only, as the body is read as bytes. */
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

const IMPORT_RULES =
  'Send the file as multipart/form-data (one file field) or as the raw body (text/csv or the XLSX content type). ' +
  'CSV may be separated by commas, semicolons or tabs, in UTF-8 or Windows-1252; XLSX is read from its first worksheet (or `sheet`). ' +
  'Headers are matched without regard to case, blanks or underscores; numbers may use a decimal comma (`1234,5`, `1.234,5`). ' +
  'Valid rows are stored and rejected rows are reported with their row number, column and reason; `dryRun=true` gives the same report and stores nothing. ' +
  'The file is imported in one transaction. A column the file lacks leaves stored values alone; an empty cell clears an optional value. ' +
  'At most 20,000 rows and 10 MiB.';

/** The uploaded file: the first file of a multipart body, or the raw body. */
async function uploaded(request: FastifyRequest): Promise<Buffer> {
  if (request.isMultipart()) {
    const file = await request.file();
    if (!file) throw badRequest('The multipart body holds no file.');
    return file.toBuffer();
  }
  if (!Buffer.isBuffer(request.body) || request.body.length === 0)
    throw badRequest('Send the CSV or XLSX file as the body, or as a file in a multipart/form-data body.');
  return request.body;
}

/** Bulk import of buildings and dwellings from CSV and XLSX, under /api/v1. */
export const registryImportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const imports = app.platform.registryImport;
  app.removeAllContentTypeParsers();
  await app.register(multipart, { limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 20, parts: 21 } });
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/buildings/import',
    {
      schema: {
        tags: ['buildings'],
        summary: 'Import buildings from CSV or XLSX',
        description:
          `Columns: BuildingID (the cadastral code: rows with a known one update that building), Address, Latitude and Longitude (°), ` +
          `Carrier1, m2_1, Carrier2, m2_2 (heated area per carrier, m²), and optionally Floors and District (code or name; or the \`district\` parameter for new buildings). ${IMPORT_RULES}`,
        body: FileBody,
        querystring: ImportQuery,
        response: { 200: ImportReportSchema },
      },
      bodyLimit: MAX_IMPORT_BYTES,
      config: { access: WRITE_REGISTRY, audit: 'registry' },
    },
    async (request) =>
      imports.importBuildings(
        await uploaded(request),
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
        body: FileBody,
        querystring: ImportQuery,
        response: { 200: ImportReportSchema },
      },
      bodyLimit: MAX_IMPORT_BYTES,
      config: { access: WRITE_REGISTRY, audit: 'registry' },
    },
    async (request) =>
      imports.importDwellings(
        await uploaded(request),
        { dryRun: request.query.dryRun ?? false, sheet: request.query.sheet },
        principalOf(request),
      ),
  );
};
