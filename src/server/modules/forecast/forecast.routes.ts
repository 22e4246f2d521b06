import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import {
  ColumnSchema,
  COLUMN_KEY_PATTERN,
  FitBodySchema,
  FitResultSchema,
  ForecastQuery,
  ForecastSchema,
  LatestSchema,
  PlanningCreateSchema,
  PlanningImportReportSchema,
  PlanningPatchSchema,
  PlanningRowSchema,
  PlanningTableSchema,
  PublicSettingSchema,
  RunSchema,
  SettingsPatchSchema,
  SettingsSchema,
} from '#common/api/forecast.ts';
import { audit } from '../../audit/audit.service.ts';
import type { Access } from '../../plugins/access.ts';
import { acceptUploads, SPREADSHEET_UPLOAD } from '../../uploads/uploads.ts';

/** Who reads the planning tool: planners, admins, and unrestricted machine tokens that read. */
const READ_PLANNING: Access = {
  roles: ['admin', 'planner'],
  scopes: ['read', 'admin'],
  unrestrictedMachinesOnly: true,
};
/** Who changes the planning table and starts fitting runs: planners and admins. */
const PLAN: Access = { roles: ['admin', 'planner'], scopes: ['admin'], unrestrictedMachinesOnly: true };
/** Who opens the tool to the public: admins. */
const ADMIN: Access = { roles: ['admin'], scopes: ['admin'], unrestrictedMachinesOnly: true };

const problems = { 400: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' }, 409: { $ref: 'Problem#' } };
const tags = ['heat-planning'];
const RowParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const ColumnParams = Type.Object({ key: Type.String({ pattern: COLUMN_KEY_PATTERN }) });
const FormatQuery = Type.Object({
  format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('xlsx')])),
});
const ImportQuery = Type.Object({ dryRun: Type.Optional(Type.Boolean()) });
const FileResponse = Type.Unsafe({ description: 'The file (text/csv or XLSX)' });
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The heat demand planning tool, under /api/v1. */
export const forecastRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const forecast = app.platform.forecast;
  const now = () => Date.now();

  app.post(
    '/forecast/fit',
    {
      schema: {
        tags,
        summary: 'Fit the degree-day model of any daily series (stateless; nothing is stored)',
        description:
          'Candidates: intercept-only and heating degree days with the balance point searched from 10 to 22 °C in 0.5 °C steps; the HDD model is kept only when its slope is positive and significant (p < 0.1) and its adjusted R² is the best (CalTRACK 2.0 daily methods). Accuracy on held-out weeks: 5 folds over whole weeks with a fixed seed, CV(RMSE) and NMBE in %, against ASHRAE Guideline 14 (monthly CV(RMSE) ≤ 15 %, |NMBE| ≤ 5 %). A bad day is answered 400 naming its `index` and `field`.',
        body: FitBodySchema,
        response: { 200: FitResultSchema, 400: { $ref: 'Problem#' } },
      },
      bodyLimit: 4 * 1024 * 1024,
      config: { access: READ_PLANNING },
    },
    async (request) => forecast.fit(request.body.days),
  );

  app.get(
    '/forecast/buildings',
    {
      schema: {
        tags,
        summary:
          'The planning table: one row per building of the network, the planner’s columns and the settings',
        response: { 200: PlanningTableSchema },
      },
      config: { access: READ_PLANNING },
    },
    async () => forecast.table(),
  );

  app.post(
    '/forecast/buildings',
    {
      schema: {
        tags,
        summary:
          'Add a row: a registry building (`buildingId`, prefilled from its features) or one not in the registry',
        body: PlanningCreateSchema,
        response: { 201: PlanningRowSchema, ...problems },
      },
      config: { access: PLAN, audit: 'forecast' },
    },
    async (request, reply) => reply.status(201).send(await forecast.createRow(request.body, now())),
  );

  app.post(
    '/forecast/buildings/prefill',
    {
      schema: {
        tags,
        summary: 'Add a row for every registry building not yet in the table, filled from its features',
        response: { 200: Type.Object({ added: Type.Integer() }) },
      },
      config: { access: PLAN, audit: 'forecast' },
    },
    async () => ({ added: await forecast.prefill(now()) }),
  );

  app.patch(
    '/forecast/buildings/:id',
    {
      schema: {
        tags,
        summary: 'Change cells of a row',
        params: RowParams,
        body: PlanningPatchSchema,
        response: { 200: PlanningRowSchema, ...problems },
      },
      config: { access: PLAN, audit: 'forecast' },
    },
    async (request) => forecast.updateRow(request.params.id, request.body, now()),
  );

  app.delete(
    '/forecast/buildings/:id',
    {
      schema: {
        tags,
        summary: 'Remove a row',
        params: RowParams,
        response: { 204: Type.Null(), ...problems },
      },
      config: { access: PLAN, audit: 'forecast' },
    },
    async (request, reply) => {
      await forecast.deleteRow(request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/forecast/buildings/export',
    {
      schema: {
        tags,
        summary: 'The planning table as CSV or XLSX (the columns the import reads)',
        querystring: FormatQuery,
        response: { 200: FileResponse },
      },
      config: { access: READ_PLANNING },
    },
    async (request, reply) => {
      const format = request.query.format ?? 'csv';
      await audit(request, 'data.export', {
        target: { type: 'forecast_buildings', id: 'all' },
        detail: { format },
      });
      reply.header(
        'content-disposition',
        `attachment; filename="ciop-heat-planning-${new Date().toISOString().slice(0, 10)}.${format}"`,
      );
      return reply
        .type(format === 'xlsx' ? XLSX : 'text/csv; charset=utf-8')
        .send(await forecast.exportTable(format));
    },
  );

  app.post(
    '/forecast/columns',
    {
      schema: {
        tags,
        summary: 'Add a column to the planning table (number columns take part in the clustering)',
        body: ColumnSchema,
        response: { 201: Type.Array(ColumnSchema), ...problems },
      },
      config: { access: PLAN, audit: 'forecast' },
    },
    async (request, reply) => reply.status(201).send(await forecast.addColumn(request.body, now())),
  );

  app.delete(
    '/forecast/columns/:key',
    {
      schema: {
        tags,
        summary: 'Remove a column and its values',
        params: ColumnParams,
        response: { 204: Type.Null(), ...problems },
      },
      config: { access: PLAN, audit: 'forecast' },
    },
    async (request, reply) => {
      await forecast.deleteColumn(request.params.key);
      return reply.status(204).send(null);
    },
  );

  app.patch(
    '/forecast/settings',
    {
      schema: {
        tags,
        summary: 'Orientation weights and the number of clusters (null: the best silhouette)',
        body: SettingsPatchSchema,
        response: { 200: SettingsSchema, ...problems },
      },
      config: { access: PLAN, audit: 'forecast' },
    },
    async (request) => forecast.updateSettings(request.body),
  );

  app.put(
    '/forecast/settings/public',
    {
      schema: {
        tags,
        summary:
          'Open the clusters, models and forecast to anyone, read-only (off by default: they show per-building demand with addresses)',
        body: PublicSettingSchema,
        response: { 200: SettingsSchema, ...problems },
      },
      config: { access: ADMIN, audit: 'forecast' },
    },
    async (request) => forecast.updateSettings({ publicRead: request.body.publicRead }),
  );

  app.post(
    '/forecast/runs',
    {
      schema: {
        tags,
        summary: 'Process new data: fit every building’s model, the clusters and the cluster models again',
        description:
          'Starts a run and answers at once (202); `GET /api/v1/forecast/results` shows its progress. While one runs, the running one is answered.',
        response: { 202: RunSchema },
      },
      config: { access: PLAN, audit: 'forecast' },
    },
    async (request, reply) =>
      reply.status(202).send(await forecast.startRun(request.principal?.name ?? 'unknown', now())),
  );

  app.get(
    '/forecast/results',
    {
      schema: {
        tags,
        summary: 'The latest run (its progress) and the latest results: clusters, models, accuracy',
        response: { 200: LatestSchema },
      },
      config: { access: READ_PLANNING },
    },
    async () => forecast.latest(),
  );

  app.get(
    '/forecast/forecast',
    {
      schema: {
        tags,
        summary:
          'Heat demand 1–7 days ahead from the forecast service (CIOP_FORECAST_URL) or the demo’s made-up weather',
        querystring: ForecastQuery,
        response: { 200: ForecastSchema, ...problems, 502: { $ref: 'Problem#' } },
      },
      config: { access: READ_PLANNING },
    },
    async (request) => forecast.forecast(request.query.days, request.query.source, now()),
  );

  // Read-only for anyone, where the instance opens the tool to the public (404 otherwise).
  app.get(
    '/public/forecast/results',
    {
      schema: {
        tags,
        summary:
          'The clusters, models and accuracy, for anyone where the instance opens them (404 otherwise)',
        response: { 200: LatestSchema, 404: { $ref: 'Problem#' } },
      },
      config: { access: 'public' },
    },
    async () => {
      await forecast.checkPublic();
      return forecast.latest();
    },
  );

  app.get(
    '/public/forecast/forecast',
    {
      schema: {
        tags,
        summary: 'The heat demand forecast, for anyone where the instance opens it (404 otherwise)',
        querystring: ForecastQuery,
        response: { 200: ForecastSchema, ...problems, 502: { $ref: 'Problem#' } },
      },
      config: { access: 'public' },
    },
    async (request) => {
      await forecast.checkPublic();
      return forecast.forecast(request.query.days, request.query.source, now());
    },
  );
};

/** The planning tool's file uploads, under /api/v1: they read their body as bytes. */
export const forecastUploadRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const forecast = app.platform.forecast;
  const uploads = await acceptUploads(app, SPREADSHEET_UPLOAD);
  const now = () => Date.now();

  app.post(
    '/forecast/buildings/import',
    {
      schema: {
        tags,
        summary: 'Import rows from CSV or XLSX (the export’s columns)',
        description:
          'A row whose Code is in the table updates it; another is added (not linked to the registry). Every bad cell is reported with its row, column, value and reason; with any, nothing is stored. `dryRun=true` reports only. Send the file in the field `file` of a multipart/form-data body, or as the raw body.',
        body: uploads.body,
        querystring: ImportQuery,
        response: {
          200: PlanningImportReportSchema,
          400: { $ref: 'Problem#' },
          413: { $ref: 'Problem#' },
          415: { $ref: 'Problem#' },
        },
      },
      bodyLimit: SPREADSHEET_UPLOAD.maxBytes,
      config: { access: PLAN, audit: 'forecast' },
    },
    async (request) =>
      forecast.importTable((await uploads.read(request)).bytes, request.query.dryRun ?? false, now()),
  );

  app.post(
    '/forecast/forecast/upload',
    {
      schema: {
        tags,
        summary:
          'Heat demand for the days of an uploaded temperature forecast (CSV or XLSX: date, temperatureC; 1–7 days)',
        body: uploads.body,
        response: { 200: ForecastSchema, ...problems, 413: { $ref: 'Problem#' }, 415: { $ref: 'Problem#' } },
      },
      bodyLimit: SPREADSHEET_UPLOAD.maxBytes,
      config: { access: READ_PLANNING },
    },
    async (request) => forecast.forecastFromFile((await uploads.read(request)).bytes),
  );
};
