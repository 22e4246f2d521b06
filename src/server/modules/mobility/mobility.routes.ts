import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ChargeExportQuery,
  ChargeListQuery,
  ChargePageSchema,
  ChargerDaysQuery,
  ChargerDaysSchema,
  ChargerListQuery,
  ChargerPageSchema,
  ChargerSchema,
  type ExportFormat,
  FleetStatusSchema,
  LineDetailSchema,
  LinePageSchema,
  MAX_EXPORT_ROWS,
  MobilityKpiExportQuery,
  MobilityKpiQuery,
  MobilityKpisSchema,
  MobilitySummarySchema,
  PeriodQuery,
  PositionSchema,
  StatusChangePageSchema,
  StatusHistoryQuery,
  StopListQuery,
  StopPageSchema,
  TripExportQuery,
  TripListQuery,
  TripPageSchema,
  VehicleDetailQuery,
  VehicleDetailSchema,
  VehicleListQuery,
  VehiclePageSchema,
} from '#common/api/mobility.ts';
import { PageQuery } from '#common/api/pagination.ts';
import { EpochMs } from '#common/api/time.ts';
import type { Access } from '../../plugins/access.ts';
import { READ_MOBILITY } from '../../access/readers.ts';
import { audit } from '../../audit/audit.service.ts';
import { badRequest, conflict } from '../../plugins/errors.ts';
import { type ExportCell, iso, tableFile } from './mobility-export.ts';

export { READ_MOBILITY };
/** Who sees and drives the fleet platform adapter and recomputes: admins. */
const ADMIN_MOBILITY: Access = { roles: ['admin'], scopes: ['admin'], unrestrictedMachinesOnly: true };

const problems = { 400: { $ref: 'Problem#' }, 404: { $ref: 'Problem#' }, 409: { $ref: 'Problem#' } };
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const FILE = Type.Unsafe({ description: 'The file (text/csv or XLSX)' });
const PAGED =
  'Newest first; `limit` items a page (default 50, at most 500); pass the answer’s `next` as `cursor` for the next page.';

async function sendFile(
  request: FastifyRequest,
  reply: FastifyReply,
  what: string,
  format: ExportFormat,
  headers: readonly string[],
  rows: ExportCell[][],
  filter: unknown,
) {
  await audit(request, 'data.export', {
    target: { type: `mobility_${what}`, id: what },
    detail: { format, rows: rows.length, filter },
  });
  const { body, type } = await tableFile(format, what, headers, rows);
  reply.header(
    'content-disposition',
    `attachment; filename="ciop-${what}-${new Date().toISOString().slice(0, 10)}.${format}"`,
  );
  return reply.type(type).send(body);
}

/** The buses and chargers API, under /api/v1/mobility. */
export const mobilityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { mobility } = app.platform;
  const service = mobility.service;
  const tags = ['mobility'];
  const read = { access: READ_MOBILITY };

  app.get(
    '/mobility/summary',
    {
      schema: {
        tags,
        summary: 'Today: vehicles by state, chargers by status, distance, energy, level of service',
        response: { 200: MobilitySummarySchema },
      },
      config: read,
    },
    async () => service.summary(),
  );

  // --- Lines and stops ---------------------------------------------------------------------------
  app.get(
    '/mobility/lines',
    {
      schema: {
        tags,
        summary: 'Lines (GTFS routes)',
        querystring: Type.Object(PageQuery),
        response: { 200: LinePageSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.lines(request.query),
  );
  app.get(
    '/mobility/lines/:id',
    {
      schema: {
        tags,
        summary: 'A line with its shapes (one per direction) and the stops it serves in order',
        params: IdParams,
        response: { 200: LineDetailSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.line(request.params.id),
  );
  app.get(
    '/mobility/stops',
    {
      schema: {
        tags,
        summary: 'Stops, of every line or of one',
        querystring: StopListQuery,
        response: { 200: StopPageSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.stops(request.query),
  );

  // --- Vehicles and trips ------------------------------------------------------------------------
  app.get(
    '/mobility/vehicles',
    {
      schema: {
        tags,
        summary: 'Vehicles with their state, last position and state of charge',
        querystring: VehicleListQuery,
        response: { 200: VehiclePageSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.vehicles(request.query),
  );
  app.get(
    '/mobility/vehicles/:id',
    {
      schema: {
        tags,
        summary: 'A vehicle and what it did in a period (default: this month so far)',
        params: IdParams,
        querystring: VehicleDetailQuery,
        response: { 200: VehicleDetailSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.vehicle(request.params.id, request.query),
  );
  app.get(
    '/mobility/vehicles/:id/trips',
    {
      schema: {
        tags,
        summary: 'The trips of a vehicle',
        description: PAGED,
        params: IdParams,
        querystring: Type.Object({ ...PageQuery, ...PeriodQuery }),
        response: { 200: TripPageSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.trips({ ...request.query, vehicle: request.params.id }),
  );
  app.get(
    '/mobility/vehicles/:id/positions',
    {
      schema: {
        tags,
        summary: 'Where a vehicle was (the time-series store’s vehicle_position series)',
        params: IdParams,
        querystring: Type.Object({ from: EpochMs('From'), to: EpochMs('To, included') }),
        response: { 200: Type.Object({ items: Type.Array(PositionSchema) }), ...problems },
      },
      config: read,
    },
    async (request) => {
      const { from, to } = request.query;
      if (to < from) throw badRequest('to: the period must end after it starts.');
      if (to - from > 7 * 86_400_000) throw badRequest('to: at most 7 days of positions at once.');
      return service.track(request.params.id, from, to);
    },
  );
  app.get(
    '/mobility/trips',
    {
      schema: {
        tags,
        summary: 'Trips, filtered by vehicle, line and period',
        description: PAGED,
        querystring: TripListQuery,
        response: { 200: TripPageSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.trips(request.query),
  );
  app.get(
    '/mobility/trips/export',
    {
      schema: {
        tags,
        summary: 'Trips as CSV or XLSX, with the filters of the list',
        description: `At most ${MAX_EXPORT_ROWS} trips.`,
        querystring: TripExportQuery,
        response: { 200: FILE, ...problems },
      },
      config: read,
    },
    async (request, reply) => {
      const { format = 'csv', ...filter } = request.query;
      const trips = await service.allTrips(filter, MAX_EXPORT_ROWS);
      return sendFile(
        request,
        reply,
        'trips',
        format,
        [
          'Trip',
          'Vehicle',
          'Line',
          'Direction',
          'Start',
          'End',
          'Distance_km',
          'Duration_s',
          'AverageSpeed_kmh',
          'Consumption_kWh',
          'Consumption_kWh_per_km',
          'Regenerated_kWh',
          'Auxiliary_kWh',
          'Traction_kWh',
          'Inside_C',
          'Outside_C',
          'DieselCO2_kg',
          'ElectricCO2_kg',
          'Source',
        ],
        trips.map((t) => [
          t.externalId,
          t.plate,
          t.line,
          t.direction,
          iso(t.startAt),
          iso(t.endAt),
          t.distanceKm,
          t.durationS,
          t.avgSpeedKmh,
          t.consumptionKwh,
          t.kwhPerKm,
          t.regeneratedKwh,
          t.auxiliaryKwh,
          t.tractionKwh,
          t.insideTempC,
          t.outsideTempC,
          t.dieselCo2Kg,
          t.electricCo2Kg,
          t.source,
        ]),
        filter,
      );
    },
  );

  // --- Chargers and charges ----------------------------------------------------------------------
  app.get(
    '/mobility/chargers',
    {
      schema: {
        tags,
        summary: 'Chargers with their status now and today’s charges',
        querystring: ChargerListQuery,
        response: { 200: ChargerPageSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.chargers(request.query),
  );
  app.get(
    '/mobility/chargers/:id',
    {
      schema: { tags, summary: 'A charger', params: IdParams, response: { 200: ChargerSchema, ...problems } },
      config: read,
    },
    async (request) => service.charger(request.params.id),
  );
  app.get(
    '/mobility/chargers/:id/status-history',
    {
      schema: {
        tags,
        summary: 'The status changes of a charger (OCPP StatusNotification)',
        description: PAGED,
        params: IdParams,
        querystring: StatusHistoryQuery,
        response: { 200: StatusChangePageSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.statusHistory(request.params.id, request.query),
  );
  app.get(
    '/mobility/chargers/:id/days',
    {
      schema: {
        tags,
        summary: 'A charger’s charges and energy per local day (default: the last 30 days)',
        params: IdParams,
        querystring: ChargerDaysQuery,
        response: { 200: ChargerDaysSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.chargerDays(request.params.id, request.query),
  );
  app.get(
    '/mobility/charges',
    {
      schema: {
        tags,
        summary: 'Charges, filtered by vehicle, charger and period',
        description: PAGED,
        querystring: ChargeListQuery,
        response: { 200: ChargePageSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.charges(request.query),
  );
  app.get(
    '/mobility/charges/export',
    {
      schema: {
        tags,
        summary: 'Charges as CSV or XLSX, with the filters of the list',
        description: `At most ${MAX_EXPORT_ROWS} charges.`,
        querystring: ChargeExportQuery,
        response: { 200: FILE, ...problems },
      },
      config: read,
    },
    async (request, reply) => {
      const { format = 'csv', ...filter } = request.query;
      const charges = await service.allCharges(filter, MAX_EXPORT_ROWS);
      return sendFile(
        request,
        reply,
        'charges',
        format,
        [
          'Charge',
          'Charger',
          'Vehicle',
          'Start',
          'End',
          'Duration_s',
          'Energy_kWh',
          'SocStart_pct',
          'SocEnd_pct',
          'Source',
        ],
        charges.map((c) => [
          c.number,
          c.charger,
          c.plate,
          iso(c.startAt),
          iso(c.endAt),
          c.durationS,
          c.energyKwh,
          c.socStartPct,
          c.socEndPct,
          c.source,
        ]),
        filter,
      );
    },
  );

  // --- KPIs --------------------------------------------------------------------------------------
  app.get(
    '/mobility/kpis',
    {
      schema: {
        tags,
        summary:
          'The mobility KPIs of a year, per month or for the whole year: all together, or one per bus, charger or line',
        querystring: MobilityKpiQuery,
        response: { 200: MobilityKpisSchema, ...problems },
      },
      config: read,
    },
    async (request) => service.kpis(request.query.year, request.query.granularity, request.query.kpi),
  );
  app.get(
    '/mobility/kpis/export',
    {
      schema: {
        tags,
        summary: 'The mobility KPIs of a year as CSV or XLSX, per bus, charger and line',
        querystring: MobilityKpiExportQuery,
        response: { 200: FILE, ...problems },
      },
      config: read,
    },
    async (request, reply) => {
      const { format = 'csv', year, granularity } = request.query;
      const measures = await service.measures(year, granularity ?? 'month');
      return sendFile(
        request,
        reply,
        'kpis',
        format,
        ['KPI', 'Unit', 'Resource', 'PeriodStart', 'PeriodEnd', 'Value'],
        measures.map((m) => [m.kpi, m.unit, m.resource, iso(m.periodStart), iso(m.periodEnd), m.value]),
        { year, granularity },
      );
    },
  );
  app.post(
    '/mobility/kpis/recompute',
    {
      schema: {
        tags,
        summary: 'Computes the mobility KPIs of a year again (admins)',
        body: Type.Object({ year: Type.Integer({ minimum: 2000, maximum: 2200 }) }),
        response: { 200: Type.Object({ measures: Type.Integer() }), ...problems },
      },
      config: { access: ADMIN_MOBILITY, audit: 'mobility' },
    },
    async (request) => mobility.calculator.compute([request.body.year], Date.now()),
  );

  // --- The fleet platform adapter ----------------------------------------------------------------
  app.get(
    '/mobility/fleet',
    {
      schema: {
        tags,
        summary:
          'The fleet platform adapter: each list’s cursor and back-off, and the records kept out, with why',
        response: { 200: FleetStatusSchema },
      },
      config: { access: ADMIN_MOBILITY },
    },
    async () => service.fleetStatus(mobility.fleet !== undefined),
  );
  app.post(
    '/mobility/fleet/poll',
    {
      schema: {
        tags,
        summary: 'Polls the fleet platform now (lists still backing off wait)',
        response: {
          200: Type.Object({
            feeds: Type.Array(
              Type.Object({
                feed: Type.String(),
                outcome: Type.String(),
                pages: Type.Integer(),
                stored: Type.Integer(),
                rejected: Type.Integer(),
                error: Type.Optional(Type.String()),
              }),
            ),
          }),
          ...problems,
        },
      },
      config: { access: ADMIN_MOBILITY, audit: 'mobility' },
    },
    async () => {
      if (!mobility.fleet) throw conflict('No fleet platform is configured: set CIOP_FLEET_URL.');
      return { feeds: await mobility.fleet.poll(Date.now()) };
    },
  );
};
