import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { EpochMs } from './time.ts';

/**
 * Heat demand planning for the district heating network: the planning table of its buildings,
 * their clusters, a degree-day model per building with its accuracy on held-out weeks beside the
 * cluster-representative model, and forecasts 1–7 days ahead. Energy in kWh, temperatures in °C,
 * shares in %.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const StringEnum = <T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });

/** Façade orientations, clockwise from north. */
export const ORIENTATIONS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'] as const;
export type Orientation = (typeof ORIENTATIONS)[number];
/** The weights a planner starts from: the sun a façade gets. */
export const DEFAULT_ORIENTATION_WEIGHTS: Readonly<Record<Orientation, number>> = {
  N: 0,
  NE: 0.25,
  E: 0.5,
  SE: 0.75,
  S: 1,
  SW: 0.75,
  W: 0.5,
  NW: 0.25,
};
export const RETROFIT_STATES = ['non-renovated', 'in-progress', 'renovated'] as const;
export type RetrofitState = (typeof RETROFIT_STATES)[number];
/** Fewest and most clusters. */
export const MIN_CLUSTERS = 3;
export const MAX_CLUSTERS = 7;
/** Longest forecast, days. */
export const MAX_FORECAST_DAYS = 7;
/** Most days the fit API takes. */
export const MAX_FIT_DAYS = 20_000;
/** A custom column's key: lower case letters, digits and `_`. */
export const COLUMN_KEY_PATTERN = '^[a-z][a-z0-9_]{0,39}$';

// --- Fit API ----------------------------------------------------------------------------------

export const FitBodySchema = Type.Object(
  {
    days: Type.Array(
      Type.Unknown({
        description:
          '`{ "date": "YYYY-MM-DD", "energyKWh": number ≥ 0, "temperatureC": number }`: the energy used on that day (kWh) and the day’s mean outdoor temperature (°C)',
      }),
      {
        maxItems: MAX_FIT_DAYS,
        description: 'One entry per day, in any order, each date once; at least 35 days.',
      },
    ),
  },
  { additionalProperties: false },
);

export const AccuracySchema = Type.Object({
  days: Type.Integer({ description: 'Days compared' }),
  cvrmse: Type.Number({ description: 'CV(RMSE) of the daily values on held-out weeks, %' }),
  cvrmseMonthly: Nullable(
    Type.Number({ description: 'CV(RMSE) of the monthly totals on held-out weeks, %' }),
  ),
  nmbe: Type.Number({
    description: 'Normalised mean bias error on held-out weeks, % (positive: the model predicts too little)',
  }),
  r2: Type.Number({ description: 'R² of the daily values on held-out weeks' }),
  meetsGuideline14: Type.Boolean({
    description: 'Monthly CV(RMSE) ≤ 15 % and |NMBE| ≤ 5 % (ASHRAE Guideline 14-2014, monthly)',
  }),
});
export type Accuracy = Static<typeof AccuracySchema>;

export const SufficiencySchema = Type.Object({
  firstDate: Nullable(Type.String()),
  lastDate: Nullable(Type.String()),
  spanDays: Type.Integer(),
  daysWithData: Type.Integer(),
  missingDays: Type.Integer(),
  coverage: Type.Number({ description: 'daysWithData / spanDays, 0–1' }),
  enough: Type.Boolean({ description: 'At least 35 days: a model is fitted' }),
  calTrack: Type.Boolean({ description: 'A year or more with 90 % of its days (CalTRACK 2.0 §2.2)' }),
  reason: Nullable(
    StringEnum(
      ['no-data', 'too-few-days', 'shorter-than-a-year', 'low-coverage', 'not-in-registry', 'no-weather'],
      'Why the data are not enough, or not a CalTRACK baseline',
    ),
  ),
});
export type Sufficiency = Static<typeof SufficiencySchema>;

export const ModelSchema = Type.Object({
  type: StringEnum(['intercept-only', 'hdd'] as const, 'The model kept'),
  balancePointC: Nullable(Type.Number({ description: 'Balance point of the HDD model, °C' })),
  interceptKWhPerDay: Type.Number({ description: 'Base load, kWh/day' }),
  slopeKWhPerDegreeDay: Type.Number({ description: 'Heat per heating degree day, kWh/(K·day)' }),
  adjR2: Type.Number(),
  r2: Type.Number(),
  slopePValue: Nullable(Type.Number()),
  residualStdKWh: Type.Number({ description: 'Standard deviation of the residuals, kWh/day' }),
  days: Type.Integer(),
});
export type Model = Static<typeof ModelSchema>;

export const FitResultSchema = Type.Composite([
  ModelSchema,
  Type.Object({
    cvrmse: Type.Number({ description: 'CV(RMSE) on held-out weeks (5 folds over weeks, fixed seed), %' }),
    cvrmseMonthly: Nullable(Type.Number({ description: 'The same on monthly totals, %' })),
    nmbe: Type.Number({ description: 'NMBE on held-out weeks, %' }),
    cvR2: Type.Number({ description: 'R² on held-out weeks' }),
    meetsGuideline14: Type.Boolean(),
    sufficiency: SufficiencySchema,
  }),
]);
export type FitResult = Static<typeof FitResultSchema>;

// --- Planning table ---------------------------------------------------------------------------

const Share = (description: string) => Nullable(Type.Number({ minimum: 0, maximum: 100, description }));

export const PlanningFieldsSchema = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 64, description: 'Cadastral code or a name' }),
  address: Type.String({ maxLength: 200 }),
  latitude: Nullable(Type.Number({ minimum: -90, maximum: 90 })),
  longitude: Nullable(Type.Number({ minimum: -180, maximum: 180 })),
  districtHeating: Type.Boolean({ description: 'Connected to the district heating network' }),
  floors: Nullable(Type.Number({ minimum: 0, maximum: 200 })),
  heatedAreaM2: Nullable(Type.Number({ minimum: 0, description: 'Heated floor area, m²' })),
  carrier: Nullable(Type.String({ maxLength: 40 })),
  orientation: Nullable(StringEnum(ORIENTATIONS, 'Main façade orientation')),
  adjacentBlocks: Nullable(Type.Integer({ minimum: 0, maximum: 10 })),
  shadowedFacades: Nullable(Type.Integer({ minimum: 0, maximum: 4 })),
  retrofit: Nullable(StringEnum(RETROFIT_STATES, 'Retrofit status')),
  windowShare: Share('Windows in the façade, %'),
  newWindowShare: Share('New windows among them, %'),
  doubleGlazingShare: Share('Double glazing among them, %'),
  extra: Type.Record(
    Type.String({ pattern: COLUMN_KEY_PATTERN }),
    Nullable(Type.Union([Type.Number(), Type.String({ maxLength: 200 })])),
    {
      description: 'Values of the planner’s own columns, by key',
    },
  ),
});
export type PlanningFields = Static<typeof PlanningFieldsSchema>;

export const PlanningRowSchema = Type.Composite([
  Type.Object({
    id: Type.Integer(),
    buildingId: Nullable(
      Type.Integer({ description: 'The CIOP building of the row; null for one not in the registry' }),
    ),
  }),
  PlanningFieldsSchema,
]);
export type PlanningRow = Static<typeof PlanningRowSchema>;

export const PlanningCreateSchema = Type.Composite([
  Type.Object({ buildingId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))) }),
  Type.Partial(PlanningFieldsSchema),
  Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) }),
]);
export const PlanningPatchSchema = Type.Partial(PlanningFieldsSchema);

export const ColumnSchema = Type.Object({
  key: Type.String({ pattern: COLUMN_KEY_PATTERN }),
  label: Type.String({ minLength: 1, maxLength: 60 }),
  type: StringEnum(['number', 'text'] as const, 'number columns take part in the clustering'),
});
export type PlanningColumn = Static<typeof ColumnSchema>;

export const OrientationWeightsSchema = Type.Object(
  Object.fromEntries(ORIENTATIONS.map((o) => [o, Type.Number({ minimum: 0, maximum: 1 })])) as Record<
    Orientation,
    ReturnType<typeof Type.Number>
  >,
);

export const SettingsSchema = Type.Object({
  orientationWeights: OrientationWeightsSchema,
  clusters: Nullable(
    Type.Integer({
      minimum: MIN_CLUSTERS,
      maximum: MAX_CLUSTERS,
      description: 'k chosen by the planner; null: best silhouette',
    }),
  ),
  publicRead: Type.Boolean({
    description: 'Whether anyone may read the clusters, models and forecast (off by default)',
  }),
});
export type ForecastSettings = Static<typeof SettingsSchema>;
export const SettingsPatchSchema = Type.Partial(Type.Omit(SettingsSchema, ['publicRead']));
export const PublicSettingSchema = Type.Object({ publicRead: Type.Boolean() });

export const PlanningTableSchema = Type.Object({
  rows: Type.Array(PlanningRowSchema),
  columns: Type.Array(ColumnSchema),
  settings: SettingsSchema,
});
export type PlanningTable = Static<typeof PlanningTableSchema>;

export const PlanningImportReportSchema = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
  rejected: Type.Array(
    Type.Object({ row: Type.Integer(), column: Type.String(), value: Type.String(), reason: Type.String() }),
  ),
  dryRun: Type.Boolean(),
});

// --- Fitting runs and results -----------------------------------------------------------------

export const RunSchema = Type.Object({
  id: Type.Integer(),
  status: StringEnum(['running', 'done', 'failed'] as const, 'State of the run'),
  progress: Type.Number({ description: '0–1' }),
  stage: Type.String({ description: 'What it is doing' }),
  startedAt: EpochMs('When the run started'),
  finishedAt: Nullable(EpochMs('When it ended')),
  error: Nullable(Type.String()),
});
export type Run = Static<typeof RunSchema>;

export const ReferenceModelSchema = Type.Object({
  baseC: Type.Number({ description: 'Degree-day base of the representative’s regression, °C' }),
  interceptKWhPerDay: Type.Number(),
  slopeKWhPerDegreeDay: Type.Number(),
  areaM2: Type.Number({
    description:
      'Heated area of the representative; each member’s prediction is scaled by its own area over this',
  }),
});

export const ResultBuildingSchema = Type.Object({
  rowId: Type.Integer(),
  buildingId: Nullable(Type.Integer()),
  code: Type.String(),
  address: Type.String(),
  latitude: Nullable(Type.Number()),
  longitude: Nullable(Type.Number()),
  heatedAreaM2: Nullable(Type.Number()),
  cluster: Type.Integer(),
  pca: Type.Tuple([Type.Number(), Type.Number()]),
  medoid: Type.Boolean(),
  sufficiency: SufficiencySchema,
  model: Nullable(ModelSchema),
  accuracy: Nullable(AccuracySchema),
  reference: Nullable(AccuracySchema),
});
export type ResultBuilding = Static<typeof ResultBuildingSchema>;

export const ResultsSchema = Type.Object({
  runId: Type.Integer(),
  finishedAt: EpochMs('When the run that computed them ended'),
  clusters: Type.Integer({ description: 'k used' }),
  bestK: Type.Integer({ description: 'k of the best silhouette' }),
  silhouette: Type.Array(
    Type.Object({
      k: Type.Integer(),
      score: Type.Number({ description: 'Mean silhouette coefficient (Rousseeuw 1987), −1 to 1' }),
    }),
  ),
  features: Type.Array(Type.String()),
  explainedVariance: Type.Tuple([Type.Number(), Type.Number()]),
  buildings: Type.Array(ResultBuildingSchema),
  clusterModels: Type.Array(
    Type.Object({
      cluster: Type.Integer(),
      size: Type.Integer(),
      medoidRowId: Nullable(Type.Integer()),
      medoidCode: Nullable(Type.String()),
      reference: Nullable(ReferenceModelSchema),
    }),
  ),
  network: Type.Object({
    days: Type.Integer(),
    perBuilding: Nullable(AccuracySchema),
    reference: Nullable(AccuracySchema),
    residualStdKWh: Type.Number({
      description: 'Standard deviation of the network’s daily residual on held-out weeks, kWh',
    }),
  }),
});
export type Results = Static<typeof ResultsSchema>;

export const LatestSchema = Type.Object({ run: Nullable(RunSchema), results: Nullable(ResultsSchema) });

// --- Forecast ---------------------------------------------------------------------------------

export const FORECAST_SOURCES = ['service', 'synthetic'] as const;
export const ForecastQuery = Type.Object({
  days: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_FORECAST_DAYS, default: 7, description: 'Days ahead, 1–7' }),
  ),
  source: Type.Optional(
    StringEnum(
      FORECAST_SOURCES,
      'service: the forecast service of CIOP_FORECAST_URL; synthetic: the demo’s made-up weather',
    ),
  ),
});
export const ForecastSchema = Type.Object({
  source: StringEnum(['service', 'synthetic', 'upload'] as const, 'Where the temperatures came from'),
  runId: Type.Integer(),
  days: Type.Array(
    Type.Object({
      date: Type.String(),
      temperatureC: Type.Number(),
      totalKWh: Type.Number({ description: 'Network total of the per-building models, kWh' }),
      lowKWh: Type.Number({ description: 'Lower end of the 95 % band from the held-out residuals, kWh' }),
      highKWh: Type.Number({ description: 'Upper end, kWh' }),
      referenceKWh: Type.Number({ description: 'Network total of the cluster-representative models, kWh' }),
    }),
  ),
  buildings: Type.Array(
    Type.Object({
      rowId: Type.Integer(),
      code: Type.String(),
      address: Type.String(),
      cluster: Type.Integer(),
      latitude: Nullable(Type.Number()),
      longitude: Nullable(Type.Number()),
      method: StringEnum(
        ['building', 'cluster'] as const,
        'building: its own model; cluster: its cluster’s representative, for want of data',
      ),
      totalKWh: Type.Number(),
      daysKWh: Type.Array(Type.Number()),
    }),
  ),
});
export type Forecast = Static<typeof ForecastSchema>;
