import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Page, PageQuery } from './pagination.ts';
import { EpochMs } from './time.ts';

/**
 * Public transport and charging: lines, stops and shapes, the timetable, vehicles and the trips
 * they ran, chargers with their status history, and charges. Times are UTC epoch milliseconds;
 * days and months are cut in the city's time zone. Lines, stops and the timetable are shaped as
 * GTFS names them; charger statuses and charges as OCPP does.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const StringEnum = <T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });

/** OCPP 1.6 ChargePointStatus (2.0.1's ConnectorStatus maps onto it). */
export const CHARGER_STATUSES = [
  'Available',
  'Preparing',
  'Charging',
  'SuspendedEV',
  'SuspendedEVSE',
  'Finishing',
  'Reserved',
  'Unavailable',
  'Faulted',
] as const;
export type ChargerStatus = (typeof CHARGER_STATUSES)[number];
/** Statuses in which a charger cannot charge: they count against its availability. */
export const OUT_OF_SERVICE: readonly ChargerStatus[] = ['Faulted', 'Unavailable'];

/** What a bus is doing, from its latest trip, charge and position. */
export const VEHICLE_STATES = ['running', 'charging', 'idle', 'unknown'] as const;
export type VehicleState = (typeof VEHICLE_STATES)[number];

export const Coordinates = Type.Tuple([Type.Number(), Type.Number()], {
  description: '[longitude, latitude], WGS 84 degrees',
});

// --- Lines and stops -----------------------------------------------------------------------------

export const LineSchema = Type.Object({
  id: Type.Integer(),
  code: Type.String({ description: 'As people name it (GTFS route_short_name), e.g. 2' }),
  name: Type.String(),
  agency: Type.String(),
  routeType: Type.Integer({ description: 'GTFS route_type (3 = bus)' }),
  colour: Nullable(Type.String({ description: 'CSS colour, #rrggbb' })),
  lengthKm: Nullable(Type.Number({ description: 'km, the longer direction' })),
  stops: Type.Integer({ description: 'Stops served, both directions' }),
  vehicles: Type.Integer({ description: 'Vehicles assigned to the line' }),
  referenceStopId: Nullable(Type.Integer({ description: 'Stop whose intervals between buses are compared' })),
});
export type Line = Static<typeof LineSchema>;
export const LinePageSchema = Page(LineSchema);

export const LineStopSchema = Type.Object({
  direction: Type.Integer({ description: 'GTFS direction_id, 0 or 1' }),
  seq: Type.Integer(),
  stopId: Type.Integer(),
  distanceKm: Type.Number({ description: 'km from the first stop' }),
});

export const ShapeSchema = Type.Object({
  direction: Type.Integer(),
  code: Type.String(),
  lengthKm: Type.Number({ description: 'km' }),
  points: Type.Array(Coordinates),
});

export const LineDetailSchema = Type.Object({
  ...LineSchema.properties,
  shapes: Type.Array(ShapeSchema),
  pattern: Type.Array(LineStopSchema),
});
export type LineDetail = Static<typeof LineDetailSchema>;

export const StopSchema = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  name: Type.String(),
  latitude: Type.Number({ description: 'WGS 84, degrees' }),
  longitude: Type.Number({ description: 'WGS 84, degrees' }),
});
export type Stop = Static<typeof StopSchema>;
export const StopPageSchema = Page(StopSchema);
export const StopListQuery = Type.Object({
  ...PageQuery,
  line: Type.Optional(Type.Integer({ minimum: 1, description: 'Only the stops of this line (id)' })),
});
export type StopListQuery = Static<typeof StopListQuery>;

// --- Vehicles and trips --------------------------------------------------------------------------

export const PositionSchema = Type.Object({
  at: EpochMs('When'),
  latitude: Type.Number(),
  longitude: Type.Number(),
});

export const VehicleSchema = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  plate: Type.String(),
  model: Type.String(),
  type: Type.String({ description: 'e.g. articulated (18 m), standard (12 m)' }),
  batteryKwh: Nullable(Type.Number({ description: 'kWh' })),
  line: Nullable(Type.String({ description: 'Code of the line it is assigned to' })),
  state: StringEnum(VEHICLE_STATES, 'running (on a trip), charging, idle, unknown (nothing heard for a day)'),
  lastSeenAt: Nullable(EpochMs('Latest trip end, charge or position')),
  position: Nullable(PositionSchema),
  socPct: Nullable(Type.Number({ description: 'State of charge at the latest charge, %' })),
});
export type Vehicle = Static<typeof VehicleSchema>;
export const VehiclePageSchema = Page(VehicleSchema);
export const VehicleListQuery = Type.Object({
  ...PageQuery,
  line: Type.Optional(Type.Integer({ minimum: 1, description: 'Only the vehicles of this line (id)' })),
});
export type VehicleListQuery = Static<typeof VehicleListQuery>;

/** What a vehicle did over a period. */
export const UsageSchema = Type.Object({
  from: EpochMs('Start'),
  to: EpochMs('End, exclusive'),
  trips: Type.Integer(),
  distanceKm: Type.Number({ description: 'km' }),
  consumptionKwh: Type.Number({ description: 'kWh' }),
  kwhPerKm: Nullable(Type.Number({ description: 'kWh/km' })),
  regeneratedKwh: Type.Number({ description: 'kWh' }),
  charges: Type.Integer(),
  chargedKwh: Type.Number({ description: 'kWh' }),
});
export type Usage = Static<typeof UsageSchema>;

export const VehicleDetailSchema = Type.Object({
  ...VehicleSchema.properties,
  usage: UsageSchema,
});
export type VehicleDetail = Static<typeof VehicleDetailSchema>;

export const PeriodQuery = {
  from: Type.Optional(EpochMs('Only what starts at or after this')),
  to: Type.Optional(EpochMs('Only what starts before this')),
};
export const VehicleDetailQuery = Type.Object(PeriodQuery);
export type VehicleDetailQuery = Static<typeof VehicleDetailQuery>;

export const TripSchema = Type.Object({
  id: Type.Integer(),
  externalId: Type.String({ description: 'The trip’s number at its source' }),
  vehicleId: Type.Integer(),
  plate: Type.String(),
  line: Nullable(Type.String()),
  direction: Nullable(Type.Integer()),
  startAt: EpochMs('Start'),
  endAt: EpochMs('End'),
  distanceKm: Type.Number({ description: 'km' }),
  durationS: Type.Integer({ description: 's' }),
  avgSpeedKmh: Nullable(Type.Number({ description: 'km/h' })),
  consumptionKwh: Type.Number({ description: 'kWh' }),
  kwhPerKm: Nullable(Type.Number({ description: 'kWh/km' })),
  regeneratedKwh: Nullable(Type.Number({ description: 'kWh' })),
  auxiliaryKwh: Nullable(Type.Number({ description: 'kWh' })),
  tractionKwh: Nullable(Type.Number({ description: 'kWh' })),
  insideTempC: Nullable(Type.Number({ description: '°C' })),
  outsideTempC: Nullable(Type.Number({ description: '°C' })),
  dieselCo2Kg: Nullable(
    Type.Number({ description: 'kg CO2 a diesel bus would have emitted, as the operator reports it' }),
  ),
  electricCo2Kg: Nullable(
    Type.Number({ description: 'kg CO2 of the electricity, as the operator reports it' }),
  ),
  source: Type.String(),
});
export type Trip = Static<typeof TripSchema>;
export const TripPageSchema = Page(TripSchema);
export const TripFilter = {
  vehicle: Type.Optional(Type.Integer({ minimum: 1, description: 'Vehicle id' })),
  line: Type.Optional(Type.Integer({ minimum: 1, description: 'Line id' })),
  ...PeriodQuery,
};
export const TripListQuery = Type.Object({ ...PageQuery, ...TripFilter });
export type TripListQuery = Static<typeof TripListQuery>;

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
const Format = Type.Optional(StringEnum(EXPORT_FORMATS, 'csv (default) or xlsx'));
export const TripExportQuery = Type.Object({ ...TripFilter, format: Format });
export type TripExportQuery = Static<typeof TripExportQuery>;
/** The most rows one export holds. */
export const MAX_EXPORT_ROWS = 200_000;

// --- Chargers and charges ------------------------------------------------------------------------

export const ChargerSchema = Type.Object({
  id: Type.Integer(),
  code: Type.String({ description: 'As the operator names it; the OCPP charge point id' }),
  name: Type.String(),
  kind: Type.String({ description: 'pantograph, depot, plug…' }),
  current: StringEnum(['AC', 'DC'] as const, 'AC or DC'),
  powerKw: Type.Number({ description: 'kW' }),
  latitude: Nullable(Type.Number()),
  longitude: Nullable(Type.Number()),
  status: Type.String({ description: `OCPP status: ${CHARGER_STATUSES.join(', ')}` }),
  statusAt: EpochMs('Since when'),
  vehicle: Nullable(Type.String({ description: 'Plate of the vehicle connected' })),
  socPct: Nullable(Type.Number({ description: 'State of charge of the vehicle connected, %' })),
  updatedAt: EpochMs('Last update'),
  chargesToday: Type.Integer(),
  energyTodayKwh: Type.Number({ description: 'kWh' }),
});
export type Charger = Static<typeof ChargerSchema>;
export const ChargerPageSchema = Page(ChargerSchema);
export const ChargerListQuery = Type.Object({ ...PageQuery });

export const StatusChangeSchema = Type.Object({
  id: Type.Integer(),
  at: EpochMs('From when'),
  connector: Type.Integer({ description: '0: the whole charger' }),
  status: Type.String(),
  errorCode: Nullable(Type.String()),
  source: Type.String(),
});
export type StatusChange = Static<typeof StatusChangeSchema>;
export const StatusChangePageSchema = Page(StatusChangeSchema);
export const StatusHistoryQuery = Type.Object({ ...PageQuery, ...PeriodQuery });
export type StatusHistoryQuery = Static<typeof StatusHistoryQuery>;

export const ChargerDaySchema = Type.Object({
  day: Type.String({ description: 'Local date YYYY-MM-DD' }),
  charges: Type.Integer(),
  energyKwh: Type.Number({ description: 'kWh' }),
  averageDurationS: Nullable(Type.Number({ description: 's' })),
});
export const ChargerDaysSchema = Type.Object({ items: Type.Array(ChargerDaySchema) });
export type ChargerDay = Static<typeof ChargerDaySchema>;
export const ChargerDaysQuery = Type.Object(PeriodQuery);

export const ChargeSchema = Type.Object({
  id: Type.Integer(),
  number: Type.String({ description: 'The charge’s number at its source (OCPP transaction id)' }),
  chargerId: Type.Integer(),
  charger: Type.String({ description: 'Charger code' }),
  vehicleId: Nullable(Type.Integer()),
  plate: Nullable(Type.String()),
  startAt: EpochMs('Start'),
  endAt: Nullable(EpochMs('End; null while charging')),
  durationS: Nullable(Type.Integer({ description: 's' })),
  energyKwh: Nullable(Type.Number({ description: 'kWh' })),
  socStartPct: Nullable(Type.Number({ description: '%' })),
  socEndPct: Nullable(Type.Number({ description: '%' })),
  source: Type.String(),
});
export type Charge = Static<typeof ChargeSchema>;
export const ChargePageSchema = Page(ChargeSchema);
export const ChargeFilter = {
  vehicle: Type.Optional(Type.Integer({ minimum: 1, description: 'Vehicle id' })),
  charger: Type.Optional(Type.Integer({ minimum: 1, description: 'Charger id' })),
  ...PeriodQuery,
};
export const ChargeListQuery = Type.Object({ ...PageQuery, ...ChargeFilter });
export type ChargeListQuery = Static<typeof ChargeListQuery>;
export const ChargeExportQuery = Type.Object({ ...ChargeFilter, format: Format });
export type ChargeExportQuery = Static<typeof ChargeExportQuery>;

// --- Summary and KPIs ----------------------------------------------------------------------------

export const ServiceLevelSchema = Type.Object({
  line: Type.String(),
  tripsScheduled: Type.Integer({ description: 'Trips the timetable schedules for the day' }),
  tripsScheduledSoFar: Type.Integer({ description: 'Of them, those due to have started by now' }),
  tripsRun: Type.Integer(),
  scheduledHeadwayMin: Nullable(
    Type.Number({ description: 'Mean scheduled interval at the reference stop, min' }),
  ),
  observedHeadwayMin: Nullable(
    Type.Number({ description: 'Mean observed interval at the reference stop, min' }),
  ),
});
export type ServiceLevel = Static<typeof ServiceLevelSchema>;

export const MobilitySummarySchema = Type.Object({
  day: Type.String({ description: 'Local date YYYY-MM-DD' }),
  vehicles: Type.Record(Type.String(), Type.Integer(), { description: 'Vehicles by state' }),
  chargers: Type.Record(Type.String(), Type.Integer(), { description: 'Chargers by status' }),
  distanceTodayKm: Type.Number({ description: 'km' }),
  consumptionTodayKwh: Type.Number({ description: 'kWh' }),
  chargesToday: Type.Integer(),
  chargedTodayKwh: Type.Number({ description: 'kWh' }),
  co2AvoidedMonthKg: Nullable(Type.Number({ description: 'kg CO2 avoided this month, from the KPI store' })),
  service: Type.Array(ServiceLevelSchema),
});
export type MobilitySummary = Static<typeof MobilitySummarySchema>;

export const MOBILITY_GRANULARITIES = ['month', 'year'] as const;
export const MobilityKpiQuery = Type.Object({
  year: Type.Integer({ minimum: 2000, maximum: 2200, description: 'Calendar year (city time)' }),
  granularity: Type.Optional(StringEnum(MOBILITY_GRANULARITIES, 'month (default) or year')),
  kpi: Type.Optional(
    Type.String({
      pattern: '^MO_[A-Z0-9_]+$',
      description: 'One KPI, per bus, charger or line; without it, every KPI over all of them (resource `*`)',
    }),
  ),
});
export type MobilityKpiQuery = Static<typeof MobilityKpiQuery>;
export const MobilityKpiExportQuery = Type.Object({
  year: MobilityKpiQuery.properties.year,
  granularity: MobilityKpiQuery.properties.granularity,
  format: Format,
  lang: Type.Optional(StringEnum(['en', 'es', 'eu'] as const, 'Language of the KPI names (default en)')),
});
export type MobilityKpiExportQuery = Static<typeof MobilityKpiExportQuery>;

export const MobilityMeasureSchema = Type.Object({
  kpi: Type.String(),
  unit: Type.String(),
  resource: Type.String({ description: 'Plate, charger code or line code; `*` for all of them' }),
  periodStart: EpochMs('Start'),
  periodEnd: EpochMs('End, exclusive'),
  value: Type.Number(),
});
export type MobilityMeasure = Static<typeof MobilityMeasureSchema>;
export const MobilityKpisSchema = Type.Object({
  year: Type.Integer(),
  granularity: Type.String(),
  years: Type.Array(Type.Integer(), { description: 'Years with mobility KPIs, newest first' }),
  items: Type.Array(MobilityMeasureSchema),
});
export type MobilityKpis = Static<typeof MobilityKpisSchema>;

// --- The fleet platform adapter (admins) ---------------------------------------------------------

export const FeedStateSchema = Type.Object({
  feed: Type.String(),
  cursor: Nullable(Type.String()),
  failures: Type.Integer({ description: 'Failures in a row; each doubles the wait before the next try' }),
  nextAt: EpochMs('Not tried again before'),
  lastOkAt: Nullable(EpochMs('Last successful poll')),
  lastError: Nullable(Type.String()),
  stored: Type.Integer(),
  rejected: Type.Integer(),
});
export const RejectionSchema = Type.Object({
  id: Type.Integer(),
  feed: Type.String({ description: 'trips, chargers or charges' }),
  recordKey: Type.String({ description: 'The record’s number or code at the source' }),
  field: Type.String(),
  reason: Type.String(),
  record: Type.Unknown({ description: 'The record as received' }),
  receivedAt: EpochMs('When'),
});
export type Rejection = Static<typeof RejectionSchema>;
export const FleetStatusSchema = Type.Object({
  configured: Type.Boolean({ description: 'Whether CIOP_FLEET_URL is set' }),
  feeds: Type.Array(FeedStateSchema),
  rejected: Type.Integer({ description: 'Records kept out, in all' }),
  rejections: Type.Array(RejectionSchema, { description: 'The latest ones, newest first' }),
});
export type FleetStatus = Static<typeof FleetStatusSchema>;

// --- GTFS and GTFS-Realtime ----------------------------------------------------------------------

export const GtfsImportReportSchema = Type.Object({
  dryRun: Type.Boolean({ description: 'Checked only, nothing stored' }),
  agencies: Type.Integer(),
  lines: Type.Integer({ description: 'Routes of the feed, now lines' }),
  stops: Type.Integer({ description: 'Stops the timetable serves' }),
  shapes: Type.Integer(),
  services: Type.Integer({ description: 'calendar and calendar_dates services' }),
  trips: Type.Integer({ description: 'Scheduled trips' }),
  stopTimes: Type.Integer(),
});
export type GtfsImportReport = Static<typeof GtfsImportReportSchema>;

export const GtfsRtReportSchema = Type.Object({
  positions: Type.Integer({ description: 'Vehicle positions stored' }),
  delays: Type.Integer({ description: 'Trip delays stored (series transit_delay, s)' }),
  skipped: Type.Integer({ description: 'Entities without a position or delay CIOP can use' }),
  newVehicles: Type.Integer({ description: 'Vehicles the model did not know, added' }),
  feedAt: Type.Integer({ description: 'The feed header’s time, epoch ms (0 when it has none)' }),
});
export type GtfsRtReport = Static<typeof GtfsRtReportSchema>;
