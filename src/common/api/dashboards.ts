import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { EpochMs } from './time.ts';

/**
 * The ESCO dashboards: anomalies and their thresholds, stored dashboards (panels, queries,
 * variables) and the batch of panel queries that draws them.
 */

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/** A closed list of strings, validated so that a refusal lists what is allowed. */
const Enum = <const T extends readonly string[]>(values: T, description?: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });

// ------------------------------------------------------------------ anomalies

export const ANOMALY_KINDS = ['cold', 'hot', 'humid', 'co2', 'outlier', 'stuck'] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export const AnomalyThresholdsSchema = Type.Object(
  {
    pmvLimit: Type.Number({
      minimum: 0.2,
      maximum: 3,
      description: 'A dwelling-hour is too cold below −pmvLimit and too hot above +pmvLimit (PMV).',
    }),
    pmvHours: Type.Integer({
      minimum: 1,
      maximum: 168,
      description: 'Occupied hours of a week beyond the PMV limit that make an anomaly, h.',
    }),
    occupiedFrom: Type.Integer({ minimum: 0, maximum: 23, description: 'First occupied local hour.' }),
    occupiedTo: Type.Integer({
      minimum: 1,
      maximum: 24,
      description: 'End of the occupied hours (local hour).',
    }),
    humidityLimit: Type.Number({
      minimum: 30,
      maximum: 100,
      description: 'Daily mean relative humidity limit, %.',
    }),
    humidDays: Type.Integer({
      minimum: 1,
      maximum: 7,
      description: 'Days of a week above it that make an anomaly.',
    }),
    co2Limit: Type.Number({ minimum: 400, maximum: 5000, description: 'Hourly mean CO2 limit, ppm.' }),
    co2Hours: Type.Integer({ minimum: 1, maximum: 168, description: 'Hours of a week above it, h.' }),
    outlierSd: Type.Number({
      minimum: 1,
      maximum: 10,
      description:
        'Standard deviations a dwelling’s daily mean temperature may lie from the other dwellings’ mean.',
    }),
    outlierDays: Type.Integer({ minimum: 1, maximum: 7, description: 'Days of a week beyond it, days.' }),
    stuckHours: Type.Integer({
      minimum: 3,
      maximum: 168,
      description: 'Consecutive hours a sensor repeats one value before it counts as stuck, h.',
    }),
  },
  { additionalProperties: false },
);
export type AnomalyThresholds = Static<typeof AnomalyThresholdsSchema>;

export const DEFAULT_THRESHOLDS: AnomalyThresholds = {
  pmvLimit: 1,
  pmvHours: 10,
  occupiedFrom: 7,
  occupiedTo: 23,
  humidityLimit: 70,
  humidDays: 3,
  co2Limit: 1000,
  co2Hours: 8,
  outlierSd: 2.5,
  outlierDays: 3,
  stuckHours: 24,
};

export const AnomalySchema = Type.Object({
  id: Type.Integer(),
  buildingId: Type.Integer(),
  dwellingId: Nullable(Type.Integer()),
  dwellingLabel: Nullable(Type.String()),
  sensorId: Nullable(Type.Integer()),
  medium: Nullable(Type.String()),
  kind: Enum(ANOMALY_KINDS),
  week: EpochMs('Start of the local week it was found in'),
  from: EpochMs('First hour of what was found'),
  to: EpochMs('End of the last hour of what was found, exclusive'),
  figures: Type.Record(Type.String(), Type.Number(), {
    description:
      'What was found: `hours` or `days` beyond the limit, and `min`, `max`, `mean` of the quantity (PMV; %; ppm; °C; z, standard deviations; `value` of a stuck sensor).',
  }),
});
export type Anomaly = Static<typeof AnomalySchema>;

export const AnomalyListSchema = Type.Object({
  buildingId: Type.Integer(),
  thresholds: AnomalyThresholdsSchema,
  items: Type.Array(AnomalySchema),
});
export type AnomalyList = Static<typeof AnomalyListSchema>;

// ------------------------------------------------------------------ dashboards

/** Most panels a dashboard holds, and queries a panel holds. */
export const DASHBOARD_LIMITS = { panels: 30, queries: 8, batch: 64, columns: 12 } as const;

export const PANEL_TYPES = ['timeseries', 'stat', 'gauge', 'bar', 'table', 'heatmap', 'map'] as const;
export type PanelType = (typeof PANEL_TYPES)[number];
export const QUERY_SOURCES = ['readings', 'comfort', 'kpi'] as const;
export const COMFORT_METRICS = ['pmv', 'ppd', 'catI', 'catII', 'catIII', 'outside', 'compliance'] as const;
export type ComfortMetric = (typeof COMFORT_METRICS)[number];
export const AGGREGATIONS = ['mean', 'min', 'max', 'sum', 'consumption'] as const;
export const QUERY_INTERVALS = ['auto', 'raw', 'hour', 'day', 'month'] as const;
export type QueryInterval = (typeof QUERY_INTERVALS)[number];

/** A place a query is about: an id, or `$building` / `$dwelling`, the dashboard's variables. */
const PlaceRef = (variable: string | undefined, description: string) =>
  variable
    ? Type.Union([Type.Integer({ minimum: 1 }), Type.Literal(variable)], { description })
    : Type.Integer({ minimum: 1, description });

export const QueryScopeSchema = Type.Object(
  {
    district: Type.Optional(PlaceRef(undefined, 'A district id.')),
    building: Type.Optional(PlaceRef('$building', 'A building id, or `$building`.')),
    dwelling: Type.Optional(PlaceRef('$dwelling', 'A dwelling id, or `$dwelling`.')),
    sensor: Type.Optional(PlaceRef(undefined, 'A sensor id.')),
  },
  { additionalProperties: false, description: 'The narrowest place given is the one queried.' },
);
export type QueryScope = Static<typeof QueryScopeSchema>;

export const PanelQuerySchema = Type.Object(
  {
    source: Enum(QUERY_SOURCES),
    medium: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: '`readings`: the medium.' }),
    ),
    metric: Type.Optional(
      Enum(COMFORT_METRICS, '`comfort`: PMV, PPD, a category share or ASHRAE 55 compliance.'),
    ),
    kpi: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: '`kpi`: the KPI code.' })),
    scope: QueryScopeSchema,
    aggregation: Type.Optional(Enum(AGGREGATIONS)),
    interval: Type.Optional(Enum(QUERY_INTERVALS)),
    label: Type.Optional(Type.String({ maxLength: 80 })),
    axis: Type.Optional(Enum(['left', 'right'] as const)),
  },
  { additionalProperties: false },
);
export type PanelQuery = Static<typeof PanelQuerySchema>;

export const PanelSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 40 }),
    type: Enum(PANEL_TYPES),
    title: Type.String({ maxLength: 120 }),
    x: Type.Integer({ minimum: 0, maximum: DASHBOARD_LIMITS.columns - 1 }),
    y: Type.Integer({ minimum: 0, maximum: 1000 }),
    w: Type.Integer({ minimum: 1, maximum: DASHBOARD_LIMITS.columns }),
    h: Type.Integer({ minimum: 1, maximum: 20 }),
    queries: Type.Array(PanelQuerySchema, { maxItems: DASHBOARD_LIMITS.queries }),
    unit: Type.Optional(Type.String({ maxLength: 20 })),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    compare: Type.Optional(Type.Boolean({ description: 'Draw the previous period beside it.' })),
  },
  { additionalProperties: false },
);
export type Panel = Static<typeof PanelSchema>;

export const DashboardDefinitionSchema = Type.Object(
  {
    panels: Type.Array(PanelSchema, { maxItems: DASHBOARD_LIMITS.panels }),
    variables: Type.Object(
      {
        building: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
        dwelling: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
      },
      { additionalProperties: false, description: 'Default values of `$building` and `$dwelling`.' },
    ),
    annotations: Type.Optional(
      Type.Object({ retrofit: Type.Boolean(), incidents: Type.Boolean() }, { additionalProperties: false }),
    ),
    range: Type.Optional(Enum(['24h', '7d', '30d', 'season', 'year'] as const)),
  },
  { additionalProperties: false },
);
export type DashboardDefinition = Static<typeof DashboardDefinitionSchema>;

export const DashboardBodySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120 }),
    definition: DashboardDefinitionSchema,
  },
  { additionalProperties: false },
);
export type DashboardBody = Static<typeof DashboardBodySchema>;

export const DashboardUpdateSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120 }),
    definition: DashboardDefinitionSchema,
    baseVersion: Type.Integer({ minimum: 1, description: 'The version this save was made from.' }),
  },
  { additionalProperties: false },
);
export type DashboardUpdate = Static<typeof DashboardUpdateSchema>;

export const DashboardSchema = Type.Object({
  id: Type.Integer(),
  organisationId: Nullable(Type.Integer()),
  ownerId: Type.Integer(),
  name: Type.String(),
  version: Type.Integer(),
  definition: DashboardDefinitionSchema,
  updatedAt: EpochMs('Last save'),
  canEdit: Type.Boolean({ description: 'Whether the caller may save it (its owner, or an administrator).' }),
});
export type Dashboard = Static<typeof DashboardSchema>;

export const DashboardSummarySchema = Type.Object({
  id: Type.Integer(),
  organisationId: Nullable(Type.Integer()),
  ownerId: Type.Integer(),
  name: Type.String(),
  version: Type.Integer(),
  panels: Type.Integer(),
  updatedAt: EpochMs('Last save'),
  canEdit: Type.Boolean(),
});
export type DashboardSummary = Static<typeof DashboardSummarySchema>;

export const DashboardVersionSchema = Type.Object({
  version: Type.Integer(),
  name: Type.String(),
  savedBy: Type.String(),
  savedAt: EpochMs('When it was saved'),
  panels: Type.Integer(),
});

// ------------------------------------------------------------------ panel queries

export const PanelQueryBatchSchema = Type.Object(
  {
    from: EpochMs('Start of the range, inclusive'),
    to: EpochMs('End of the range, inclusive'),
    variables: Type.Optional(
      Type.Object(
        {
          building: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
          dwelling: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
        },
        { additionalProperties: false },
      ),
    ),
    queries: Type.Array(PanelQuerySchema, { minItems: 1, maxItems: DASHBOARD_LIMITS.batch }),
  },
  { additionalProperties: false },
);
export type PanelQueryBatch = Static<typeof PanelQueryBatchSchema>;

export const QueryResultSchema = Type.Object({
  interval: Enum(['raw', 'hour', 'day', 'month'] as const),
  unit: Type.String(),
  /** Null when the query could not be answered; `error` says why. */
  error: Type.Optional(Type.String()),
  series: Type.Array(
    Type.Object({
      name: Type.String(),
      buildingId: Nullable(Type.Integer()),
      points: Type.Array(Type.Array(Nullable(Type.Number()), { minItems: 2, maxItems: 2 }), {
        description: '[interval start or reading time (epoch ms), value] pairs.',
      }),
    }),
  ),
});
export type QueryResult = Static<typeof QueryResultSchema>;

export const PanelQueryAnswerSchema = Type.Object({
  from: EpochMs('Start of the range'),
  to: EpochMs('End of the range'),
  results: Type.Array(QueryResultSchema),
});
export type PanelQueryAnswer = Static<typeof PanelQueryAnswerSchema>;

/**
 * The interval a query takes when it does not name one: raw readings up to 2 days, hours up to
 * 31 days, days beyond.
 */
export function automaticInterval(from: number, to: number): 'raw' | 'hour' | 'day' {
  const days = (to - from) / 86_400_000;
  if (days <= 2) return 'raw';
  if (days <= 31) return 'hour';
  return 'day';
}
