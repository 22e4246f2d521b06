import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import {
  FactorChangeSchema,
  FactorCreateSchema,
  FactorListSchema,
  FactorPatchSchema,
  KPI_CODE_PATTERN,
  KPI_UNITS,
  KpiCreateSchema,
  KpiListQuery,
  KpiPageSchema,
  KpiPatchSchema,
  KpiSchema,
  KpiSummarySchema,
  MAX_EXPORT_ROWS,
  MeasureBulkResultSchema,
  MeasureBulkSchema,
  MeasureExportQuery,
  MeasureListQuery,
  MeasurePageSchema,
  MeasureSchema,
  MeasureTotalsQuery,
  MeasureTotalsSchema,
  PillarListSchema,
  PublicKpiListSchema,
  RecomputeResultSchema,
  RecomputeSchema,
  SummaryQuery,
  ThermalBodySchema,
  ThermalListQuery,
  ThermalPageSchema,
  InputQuery,
  InputReportSchema,
  UnitListSchema,
} from '#common/api/kpi.ts';
import { type Access, principalOf } from '../../plugins/access.ts';
import { audit } from '../../audit/audit.service.ts';
import { byRequest } from '../../audit/by.ts';
import { measuresCsv, measuresXlsx } from './kpi-export.ts';

/** Who reads the KPIs: evaluators, admins, and unrestricted machine tokens that read. */
export const READ_KPI: Access = {
  roles: ['admin', 'kpi'],
  scopes: ['read', 'admin', 'kpi:write'],
  unrestrictedMachinesOnly: true,
};
/** Who writes KPI values and their inputs: evaluators, admins, external calculators (`kpi:write`). */
export const WRITE_KPI: Access = {
  roles: ['admin', 'kpi'],
  scopes: ['kpi:write', 'admin'],
  unrestrictedMachinesOnly: true,
};
/** Who changes the catalogue and starts calculations: evaluators and admins. */
const MANAGE_KPI: Access = { roles: ['admin', 'kpi'], scopes: ['admin'], unrestrictedMachinesOnly: true };
/** Who changes the conversion factors: admins. */
const ADMIN_KPI: Access = { roles: ['admin'], scopes: ['admin'], unrestrictedMachinesOnly: true };

const problems = { 400: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' }, 409: { $ref: 'Problem#' } };
const CodeParams = Type.Object({ code: Type.String({ pattern: KPI_CODE_PATTERN }) });
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const PAGINATION =
  'Ordered by id; `limit` items a page (default 50, at most 500); pass the answer’s `next` as `cursor` for the next page.';
const FILTERS =
  'Filters: `kpi` (codes, repeatable), `pillar`, `resource` (repeatable), `breakdown` (empty for the wholes), `granularity`, and `from`/`to` (periods overlapping them).';

/** The KPI API: catalogue, measures, conversion factors, dashboards and the public subset, under /api/v1. */
export const kpiRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const kpi = app.platform.kpi;
  // The ICT KPIs count the services and endpoints of this very server.
  kpi.calculators.useRouteTable(() => app.routeTable);

  // --- Catalogue ---------------------------------------------------------------------------------
  {
    const tags = ['kpis'];
    app.get(
      '/kpis/pillars',
      {
        schema: { tags, summary: 'The pillars KPIs belong to', response: { 200: PillarListSchema } },
        config: { access: READ_KPI },
      },
      async () => kpi.store.pillars(),
    );
    app.get(
      '/kpis/units',
      {
        schema: { tags, summary: 'The units KPI values are given in', response: { 200: UnitListSchema } },
        config: { access: READ_KPI },
      },
      async () => ({ items: KPI_UNITS.map((u) => ({ ...u })) }),
    );
    app.get(
      '/kpis',
      {
        schema: {
          tags,
          summary: 'KPI definitions',
          description: `Filters: \`pillar\`, \`scope\`, \`method\`. ${PAGINATION}`,
          querystring: KpiListQuery,
          response: { 200: KpiPageSchema, ...problems },
        },
        config: { access: READ_KPI },
      },
      async (request) => kpi.store.list(request.query),
    );
    app.get(
      '/kpis/:code',
      {
        schema: {
          tags,
          summary: 'A KPI definition',
          params: CodeParams,
          response: { 200: KpiSchema, ...problems },
        },
        config: { access: READ_KPI },
      },
      async (request) => kpi.store.get(request.params.code),
    );
    app.post(
      '/kpis',
      {
        schema: {
          tags,
          summary: 'Add a KPI whose values come from outside (spreadsheets, external calculators)',
          body: KpiCreateSchema,
          response: { 201: KpiSchema, ...problems },
        },
        config: { access: MANAGE_KPI, audit: 'kpi' },
      },
      async (request, reply) => reply.status(201).send(await kpi.store.create(request.body)),
    );
    app.patch(
      '/kpis/:code',
      {
        schema: {
          tags,
          summary: 'Change a KPI’s names, description, direction or whether it is public',
          params: CodeParams,
          body: KpiPatchSchema,
          response: { 200: KpiSchema, ...problems },
        },
        config: { access: MANAGE_KPI, audit: 'kpi' },
      },
      async (request) => kpi.store.update(request.params.code, request.body),
    );
  }

  // --- Measures ----------------------------------------------------------------------------------
  {
    const tags = ['measures'];
    app.get(
      '/measures',
      {
        schema: {
          tags,
          summary: 'KPI measures, with their provenance',
          description: `${FILTERS} ${PAGINATION}`,
          querystring: MeasureListQuery,
          response: { 200: MeasurePageSchema, ...problems },
        },
        config: { access: READ_KPI },
      },
      async (request) => kpi.store.listMeasures(request.query),
    );
    app.get(
      '/measures/totals',
      {
        schema: {
          tags,
          summary:
            'One KPI summed (energy, CO2) or averaged (intensities, shares) over resources, per period and breakdown',
          querystring: MeasureTotalsQuery,
          response: { 200: MeasureTotalsSchema, ...problems },
        },
        config: { access: READ_KPI },
      },
      async (request) => kpi.store.totals(request.query),
    );
    app.get(
      '/measures/export',
      {
        schema: {
          tags,
          summary: 'KPI measures as CSV or XLSX (what every dashboard view exports)',
          description: `${FILTERS} At most ${MAX_EXPORT_ROWS} measures. PeriodStart and PeriodEnd are the first and last day (included) for whole days, so the file can be imported back.`,
          querystring: MeasureExportQuery,
          response: {
            200: Type.Unsafe({ description: 'The file (text/csv or XLSX)' }),
            ...problems,
          },
        },
        config: { access: READ_KPI },
      },
      async (request, reply) => {
        const { format = 'csv', lang = 'en', ...filter } = request.query;
        const { rows, defs } = await kpi.store.allMeasures(filter, MAX_EXPORT_ROWS);
        await audit(request, 'data.export', {
          target: { type: 'kpi_measures', id: filter.kpi?.join(',') ?? filter.pillar ?? 'all' },
          detail: { format, rows: rows.length, filter },
        });
        const name = `ciop-kpi-${new Date().toISOString().slice(0, 10)}.${format}`;
        reply.header('content-disposition', `attachment; filename="${name}"`);
        if (format === 'xlsx')
          return reply
            .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
            .send(await measuresXlsx(rows, defs, lang, app.platform.config.timezone));
        return reply
          .type('text/csv; charset=utf-8')
          .send(measuresCsv(rows, defs, lang, app.platform.config.timezone));
      },
    );
    app.get(
      '/measures/:id',
      {
        schema: {
          tags,
          summary: 'One measure, with what it was computed from',
          params: IdParams,
          response: { 200: MeasureSchema, ...problems },
        },
        config: { access: READ_KPI },
      },
      async (request) => kpi.store.getMeasure(request.params.id),
    );
    app.post(
      '/measures/bulk',
      {
        schema: {
          tags,
          summary: 'Write measures of an external calculator (machine token with kpi:write)',
          description:
            'Up to 10,000 measures of KPIs whose method is `input`; a measure with the same KPI, resource, breakdown and period replaces the stored one. The whole batch is checked first: a bad measure refuses the batch (400, each problem listed) and nothing is stored.',
          body: MeasureBulkSchema,
          response: { 200: MeasureBulkResultSchema, ...problems },
        },
        bodyLimit: 16 * 1024 * 1024,
        config: { access: WRITE_KPI, audit: 'kpi' },
      },
      async (request) => kpi.store.bulkWrite(request.body, principalOf(request)),
    );
  }

  // --- Inputs, factors, dashboards ---------------------------------------------------------------
  {
    const tags = ['kpi-tool'];
    app.get(
      '/kpi/summary',
      {
        schema: {
          tags,
          summary:
            'The dashboards’ summary of a year: buildings, primary energy, carriers, comfort, electric vehicles',
          querystring: SummaryQuery,
          response: { 200: KpiSummarySchema, ...problems },
        },
        config: { access: READ_KPI },
      },
      async (request) => kpi.store.summary(request.query.year),
    );
    app.post(
      '/kpi/recompute',
      {
        schema: {
          tags,
          summary:
            'Compute KPIs now, for a building (or every building) and the calendar years a period touches',
          body: RecomputeSchema,
          response: { 200: RecomputeResultSchema, ...problems },
        },
        config: { access: MANAGE_KPI, audit: 'kpi' },
      },
      async (request) => kpi.calculators.recompute(request.body),
    );
    app.get(
      '/kpi/factors',
      {
        schema: {
          tags,
          summary: 'Conversion factors: primary energy (renewable, non-renewable, total) and CO2 per carrier',
          description:
            'Stored factors (Spain’s RITE recognised document values to begin with) and, with `id` null, the district heating network’s declared factor from CIOP_KPI_DISTRICT_HEATING_FACTORS, which applies where no stored district heating factor does.',
          response: { 200: FactorListSchema },
        },
        config: { access: READ_KPI },
      },
      async () => kpi.factors.list(),
    );
    app.post(
      '/kpi/factors',
      {
        schema: {
          tags,
          summary: 'Add a conversion factor (admins); say whether stored KPIs are computed again',
          body: FactorCreateSchema,
          response: { 200: FactorChangeSchema, ...problems },
        },
        config: { access: ADMIN_KPI },
      },
      async (request) => kpi.factors.create(request.body, byRequest(request)),
    );
    app.patch(
      '/kpi/factors/:id',
      {
        schema: {
          tags,
          summary: 'Change a conversion factor (admins); say whether stored KPIs are computed again',
          params: IdParams,
          body: FactorPatchSchema,
          response: { 200: FactorChangeSchema, ...problems },
        },
        config: { access: ADMIN_KPI },
      },
      async (request) => kpi.factors.update(request.params.id, request.body, byRequest(request)),
    );
    app.get(
      '/kpi/thermal-measurements',
      {
        schema: {
          tags,
          summary: 'Thermal energy records of buildings',
          description: `Filters: \`building\` (code), \`carrier\`, \`from\`/\`to\`. Ordered by id; pass \`next\` as \`cursor\`.`,
          querystring: ThermalListQuery,
          response: { 200: ThermalPageSchema, ...problems },
        },
        config: { access: READ_KPI },
      },
      async (request) => kpi.inputs.listThermal(request.query),
    );
    app.post(
      '/kpi/thermal-measurements',
      {
        schema: {
          tags,
          summary: 'Store thermal energy records (JSON); idempotent by thermal_measurement_id',
          description:
            'Each record: `thermal_measurement_id`, `timestamp` (Unix seconds), `value` (kWh), `resource_id` (building code), `carrier`. A record sent again with the same id replaces the stored one. Bad records are each reported; with any, nothing is stored unless `confirm=true`, which stores the good ones. The energy KPIs of the years touched are computed again at once.',
          querystring: InputQuery,
          body: ThermalBodySchema,
          response: { 200: InputReportSchema, ...problems },
        },
        bodyLimit: 16 * 1024 * 1024,
        config: { access: WRITE_KPI, audit: 'kpi' },
      },
      async (request) =>
        kpi.inputs.thermalJson(
          request.body.records,
          { confirm: request.query.confirm ?? false, dryRun: request.query.dryRun ?? false },
          principalOf(request),
        ),
    );
  }

  app.get(
    '/public/kpis',
    {
      schema: {
        tags: ['public'],
        summary: 'The public KPIs, each over its latest period and summed or averaged over its resources',
        response: { 200: PublicKpiListSchema },
      },
      config: { access: 'public' },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=60');
      return kpi.store.publicKpis();
    },
  );
};
