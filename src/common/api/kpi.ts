import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Page, PageQuery } from './pagination.ts';
import { PILLARS } from './kpi-pillars.ts';
import { CARRIERS, type Carrier } from './registry.ts';
import { EpochMs, UnixSeconds } from './time.ts';

export { PILLAR_NAMES, PILLARS, type Pillar, type Texts } from './kpi-pillars.ts';

/**
 * The KPI evaluation tool: the catalogue (pillars, units, KPI definitions), the measures (one
 * value of one KPI for one resource and period, with where it came from), the conversion
 * factors, and the inputs the calculators read. Times are UTC epoch milliseconds; periods are
 * [start, end), cut in the city's time zone.
 */

// --- Catalogue -----------------------------------------------------------------------------------

/** What a KPI is measured on; a measure's resource is named by that thing's code. */
export const KPI_SCOPES = [
  'building',
  'dwelling',
  'vehicle',
  'charger',
  'line',
  'district',
  'platform',
] as const;
export type KpiScope = (typeof KPI_SCOPES)[number];

/** The resource of every platform-scope measure: CIOP itself. */
export const PLATFORM_RESOURCE = 'platform';

/** The units KPI values are given in (SI, fixed per KPI). */
export const KPI_UNITS = [
  { symbol: 'kWh', quantity: 'energy' },
  { symbol: 'MWh', quantity: 'energy' },
  { symbol: 'kWh/m²', quantity: 'energy per heated floor area' },
  { symbol: 'kWh/km', quantity: 'energy per distance' },
  { symbol: 'kg CO2', quantity: 'CO2 emitted or avoided' },
  { symbol: 't CO2', quantity: 'CO2 emitted or avoided' },
  { symbol: 'kg CO2/m²', quantity: 'CO2 per heated floor area' },
  { symbol: 'kg CO2-eq/m²', quantity: 'life-cycle global warming potential per floor area' },
  { symbol: 'kWh/m²·year', quantity: 'life-cycle energy per floor area and year' },
  { symbol: '%', quantity: 'share (0–100)' },
  { symbol: 'PMV', quantity: 'predicted mean vote (ISO 7730), −3 to +3' },
  { symbol: 'ms', quantity: 'time' },
  { symbol: 'min', quantity: 'time' },
  { symbol: 'h', quantity: 'time' },
  { symbol: 'years', quantity: 'time' },
  { symbol: 'km', quantity: 'distance' },
  { symbol: 'count', quantity: 'number of things' },
  { symbol: 'MB', quantity: 'data volume (10⁶ bytes)' },
  { symbol: 'readings/min', quantity: 'data rate' },
  { symbol: '€', quantity: 'money' },
  { symbol: '€/kWh', quantity: 'price of energy' },
  { symbol: 'score', quantity: 'a rating on the scale the KPI describes' },
] as const;
export type KpiUnit = (typeof KPI_UNITS)[number]['symbol'];

/** The period a KPI is reported for. */
export const KPI_PERIODS = ['year', 'month', 'day', 'campaign'] as const;
export type KpiPeriod = (typeof KPI_PERIODS)[number];

/** How a KPI gets its values: computed by one of CIOP's calculators, or given from outside. */
export const KPI_METHODS = ['calculated', 'input'] as const;
export type KpiMethod = (typeof KPI_METHODS)[number];

/** CIOP's calculators. */
export const CALCULATORS = ['energy', 'comfort', 'ict', 'mobility'] as const;
export type Calculator = (typeof CALCULATORS)[number];

/** How values of several resources add up: energy sums, intensities and shares average. */
export const AGGREGATIONS = ['sum', 'mean'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

/** A KPI code: upper-case letters, digits and `_`, starting with a letter (e.g. EN_PRIMARY_M2). */
export const KPI_CODE_PATTERN = '^[A-Z][A-Z0-9_]{1,63}$';

const StringEnum = <T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const PillarSchema = StringEnum(PILLARS, `Pillar: ${PILLARS.join(', ')}`);
export const KpiScopeSchema = StringEnum(
  KPI_SCOPES,
  'What the KPI is measured on: building (cadastral code), dwelling, vehicle (plate), charger, district (code) or platform (CIOP itself)',
);
const UnitSchema = StringEnum(
  KPI_UNITS.map((u) => u.symbol),
  'Unit of every value of the KPI',
);
const TextsSchema = (what: string, maxLength: number) =>
  Type.Object(
    {
      en: Type.String({ minLength: 1, maxLength, description: `${what} in English` }),
      es: Type.String({ minLength: 1, maxLength, description: `${what} in Spanish` }),
      eu: Type.String({ minLength: 1, maxLength, description: `${what} in Basque` }),
    },
    { additionalProperties: false },
  );

export const PillarListSchema = Type.Object({
  items: Type.Array(Type.Object({ code: PillarSchema, name: TextsSchema('Name', 200) })),
});
export const UnitListSchema = Type.Object({
  items: Type.Array(Type.Object({ symbol: Type.String(), quantity: Type.String() })),
});

export const KpiSchema = Type.Object({
  code: Type.String({ description: 'Unique code, e.g. EN_PRIMARY_M2' }),
  pillar: PillarSchema,
  unit: Type.String({ description: 'Unit of every value (see /api/v1/kpis/units)' }),
  scope: KpiScopeSchema,
  name: TextsSchema('Name', 200),
  description: TextsSchema('What it measures and how', 2000),
  lowerIsBetter: Type.Boolean({ description: 'Whether a lower value is an improvement' }),
  method: StringEnum(
    KPI_METHODS,
    'calculated: computed by a CIOP calculator from stored data; input: imported from a spreadsheet or written by an external calculator',
  ),
  calculator: Nullable(StringEnum(CALCULATORS, 'The CIOP calculator that computes it')),
  formula: Type.String({ description: 'How a value is computed, in symbols (empty for inputs)' }),
  period: StringEnum(KPI_PERIODS, 'The period it is reported for (calculated KPIs also get monthly values)'),
  aggregation: StringEnum(
    AGGREGATIONS,
    'How the values of several resources combine: sum (energy, CO2) or mean (intensities, shares, indices)',
  ),
  breakdown: Type.String({
    description: 'What the values are broken down by, if anything (e.g. carrier); empty when they are not',
  }),
  public: Type.Boolean({ description: 'Shown, aggregated over its resources, to everyone on the portal' }),
  updatedAt: EpochMs('Last changed'),
});
export type Kpi = Static<typeof KpiSchema>;

export const KpiCreateSchema = Type.Object(
  {
    code: Type.String({ pattern: KPI_CODE_PATTERN, description: 'Upper-case letters, digits and _' }),
    pillar: PillarSchema,
    unit: UnitSchema,
    scope: KpiScopeSchema,
    name: TextsSchema('Name', 200),
    description: TextsSchema('What it measures and how', 2000),
    lowerIsBetter: Type.Boolean(),
    period: StringEnum(KPI_PERIODS, 'The period it is reported for'),
    aggregation: Type.Optional(StringEnum(AGGREGATIONS, 'Default: sum for kWh and CO2, mean otherwise')),
    breakdown: Type.Optional(Type.String({ maxLength: 64 })),
    public: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
export type KpiCreate = Static<typeof KpiCreateSchema>;

export const KpiPatchSchema = Type.Partial(
  Type.Object(
    {
      name: TextsSchema('Name', 200),
      description: TextsSchema('What it measures and how', 2000),
      lowerIsBetter: Type.Boolean(),
      public: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
  { additionalProperties: false },
);
export type KpiPatch = Static<typeof KpiPatchSchema>;

export const KpiListQuery = Type.Object({
  ...PageQuery,
  pillar: Type.Optional(PillarSchema),
  scope: Type.Optional(KpiScopeSchema),
  method: Type.Optional(StringEnum(KPI_METHODS, 'calculated or input')),
});
export type KpiListQuery = Static<typeof KpiListQuery>;
export const KpiPageSchema = Page(KpiSchema);

// --- Measures ------------------------------------------------------------------------------------

/** How long a measure's period is: a calendar year, month or day (city time), or any other span. */
export const GRANULARITIES = ['year', 'month', 'day', 'span'] as const;
export type Granularity = (typeof GRANULARITIES)[number];
const GranularitySchema = StringEnum(
  GRANULARITIES,
  'year, month, day (calendar periods in the city time zone) or span (any other period)',
);

export const MEASURE_SOURCES = ['calculator', 'import', 'external'] as const;
export type MeasureSource = (typeof MEASURE_SOURCES)[number];

export const ProvenanceSchema = Type.Object({
  source: StringEnum(
    MEASURE_SOURCES,
    'calculator: computed by CIOP; import: from a spreadsheet; external: written by an external calculator',
  ),
  calculator: Nullable(Type.String({ description: 'The calculator that computed it' })),
  inputsVersion: Nullable(
    Type.String({ description: 'Version of the inputs it was computed from (changes when they change)' }),
  ),
  file: Nullable(Type.String({ description: 'The file it was imported from, and its row' })),
  by: Nullable(Type.String({ description: 'Who imported or wrote it' })),
  inputs: Type.Record(Type.String(), Type.Unknown(), {
    description: 'What it was computed from (quantities named with their unit), so that it can be traced',
  }),
});
export type Provenance = Static<typeof ProvenanceSchema>;

export const MeasureSchema = Type.Object({
  id: Type.Integer(),
  kpi: Type.String({ description: 'KPI code' }),
  pillar: PillarSchema,
  unit: Type.String(),
  resource: Type.String({
    description: 'What it is about: building cadastral code, bus plate, district code, `platform`…',
  }),
  breakdown: Type.String({
    description: 'The part of the whole it is about (e.g. a carrier: natural_gas); empty for the whole',
  }),
  periodStart: EpochMs('Start of the period'),
  periodEnd: EpochMs('End of the period, exclusive'),
  granularity: GranularitySchema,
  value: Type.Number({ description: 'In the KPI’s unit' }),
  provenance: ProvenanceSchema,
  computedAt: EpochMs('When it was computed or written'),
});
export type Measure = Static<typeof MeasureSchema>;

const KpiCodes = Type.Array(Type.String({ pattern: KPI_CODE_PATTERN }), { maxItems: 50 });
const Resources = Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 500 });

/** Filters shared by the list, the totals and the export of measures. */
export const MeasureFilter = {
  kpi: Type.Optional(KpiCodes),
  pillar: Type.Optional(PillarSchema),
  resource: Type.Optional(Resources),
  breakdown: Type.Optional(
    Type.String({ maxLength: 64, description: 'Only this part (empty string: only the wholes)' }),
  ),
  granularity: Type.Optional(GranularitySchema),
  from: Type.Optional(EpochMs('Only periods ending after this')),
  to: Type.Optional(EpochMs('Only periods starting before this')),
};

export const MeasureListQuery = Type.Object({ ...PageQuery, ...MeasureFilter });
export type MeasureListQuery = Static<typeof MeasureListQuery>;
export type MeasureFilterQuery = Omit<MeasureListQuery, 'cursor' | 'limit'>;
export const MeasurePageSchema = Page(MeasureSchema);

export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export const MeasureExportQuery = Type.Object({
  ...MeasureFilter,
  format: Type.Optional(StringEnum(EXPORT_FORMATS, 'csv (default) or xlsx')),
  lang: Type.Optional(StringEnum(['en', 'es', 'eu'] as const, 'Language of the KPI names (default en)')),
});
export type MeasureExportQuery = Static<typeof MeasureExportQuery>;
/** The most measures one export holds. */
export const MAX_EXPORT_ROWS = 100_000;

export const MeasureTotalsQuery = Type.Object({
  kpi: Type.String({ pattern: KPI_CODE_PATTERN, description: 'KPI code' }),
  resource: Type.Optional(Resources),
  breakdown: MeasureFilter.breakdown,
  granularity: Type.Optional(GranularitySchema),
  from: MeasureFilter.from,
  to: MeasureFilter.to,
});
export type MeasureTotalsQuery = Static<typeof MeasureTotalsQuery>;

export const MeasureTotalsSchema = Type.Object({
  kpi: Type.String(),
  unit: Type.String(),
  aggregation: StringEnum(AGGREGATIONS, 'sum or mean across the resources'),
  items: Type.Array(
    Type.Object({
      periodStart: EpochMs('Start of the period'),
      periodEnd: EpochMs('End of the period, exclusive'),
      breakdown: Type.String(),
      value: Type.Number({ description: 'Sum or mean of the resources’ values, in the KPI’s unit' }),
      resources: Type.Integer({ description: 'How many resources have a value' }),
    }),
  ),
});
export type MeasureTotals = Static<typeof MeasureTotalsSchema>;

/** The most measures one bulk write holds. */
export const MAX_BULK_MEASURES = 10_000;

export const MeasureWriteSchema = Type.Object(
  {
    kpi: Type.String({ pattern: KPI_CODE_PATTERN }),
    resource: Type.String({ minLength: 1, maxLength: 64 }),
    breakdown: Type.Optional(Type.String({ maxLength: 64, description: 'Default: empty (the whole)' })),
    periodStart: EpochMs('Start of the period'),
    periodEnd: EpochMs('End of the period, exclusive'),
    value: Type.Number(),
    provenance: Type.Object(
      {
        calculator: Type.String({
          minLength: 1,
          maxLength: 100,
          description: 'Your calculator, e.g. lca-tool',
        }),
        inputsVersion: Type.String({
          minLength: 1,
          maxLength: 100,
          description: 'Version of the inputs the value was computed from',
        }),
        inputs: Type.Optional(
          Type.Record(Type.String(), Type.Unknown(), { description: 'What it was computed from' }),
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type MeasureWrite = Static<typeof MeasureWriteSchema>;

export const MeasureBulkSchema = Type.Object(
  { measures: Type.Array(MeasureWriteSchema, { minItems: 1, maxItems: MAX_BULK_MEASURES }) },
  { additionalProperties: false },
);
export type MeasureBulk = Static<typeof MeasureBulkSchema>;

export const MeasureBulkResultSchema = Type.Object({
  created: Type.Integer(),
  updated: Type.Integer(),
});

// --- Inputs: reports of imports ------------------------------------------------------------------

export const InputProblemSchema = Type.Object({
  row: Type.Integer({ description: 'Row number as the spreadsheet shows it (JSON: index + 1)' }),
  column: Type.String(),
  value: Type.Optional(Type.String()),
  reason: Type.String(),
});
export type InputProblem = Static<typeof InputProblemSchema>;

export const InputQuery = Type.Object({
  confirm: Type.Optional(
    Type.Boolean({
      default: false,
      description:
        'When some rows are bad: store the good ones anyway. Without it, a file with a bad row stores nothing and reports every bad row.',
    }),
  ),
  dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Check and report; store nothing' })),
  sheet: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'XLSX: the worksheet (default the first)' }),
  ),
});
export type InputQuery = Static<typeof InputQuery>;

export const InputReportSchema = Type.Object({
  rows: Type.Integer({ description: 'Data rows read' }),
  stored: Type.Boolean({ description: 'Whether the good rows were stored' }),
  created: Type.Integer(),
  updated: Type.Integer(),
  unchanged: Type.Integer(),
  rejected: Type.Integer({ description: 'Bad rows, each listed in problems' }),
  problems: Type.Array(InputProblemSchema),
  problemsOmitted: Type.Integer({ description: 'Problems beyond the first 1,000, not listed' }),
  note: Type.String({ description: 'What happened, and what to do next' }),
  recomputed: Type.Optional(
    Type.Object({
      buildings: Type.Integer(),
      years: Type.Array(Type.Integer()),
      measures: Type.Integer({ description: 'Energy measures written' }),
    }),
  ),
});
export type InputReport = Static<typeof InputReportSchema>;

// --- Inputs: thermal energy measurements ---------------------------------------------------------

export const CarrierSchema = Type.Unsafe<Carrier>({
  type: 'string',
  enum: [...CARRIERS],
  description: `Energy carrier: ${CARRIERS.join(', ')}`,
});

/** The most thermal measurements one request holds. */
export const MAX_THERMAL_RECORDS = 50_000;

export const ThermalRecordSchema = Type.Object(
  {
    thermal_measurement_id: Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'Unique id of the record at its source: sending it again updates it',
    }),
    timestamp: UnixSeconds('When; the energy counts in the period holding it'),
    value: Type.Number({ description: 'Energy delivered, kWh' }),
    resource_id: Type.String({ minLength: 1, maxLength: 64, description: 'The building’s cadastral code' }),
    carrier: Type.String({ minLength: 1, maxLength: 64, description: 'natural_gas, district_heating…' }),
  },
  { additionalProperties: false },
);
export type ThermalRecord = Static<typeof ThermalRecordSchema>;

export const ThermalBodySchema = Type.Object(
  { records: Type.Array(ThermalRecordSchema, { minItems: 1, maxItems: MAX_THERMAL_RECORDS }) },
  { additionalProperties: false },
);

export const ThermalMeasurementSchema = Type.Object({
  id: Type.String({ description: 'thermal_measurement_id as sent' }),
  building: Type.String({ description: 'Cadastral code' }),
  carrier: Type.String(),
  time: EpochMs('When'),
  value: Type.Number({ description: 'kWh' }),
  source: Type.String({ description: 'The file or request it came in' }),
  receivedBy: Type.String(),
  receivedAt: EpochMs('When it was stored'),
});
export type ThermalMeasurement = Static<typeof ThermalMeasurementSchema>;

export const ThermalListQuery = Type.Object({
  ...PageQuery,
  building: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Cadastral code' })),
  carrier: Type.Optional(CarrierSchema),
  from: Type.Optional(EpochMs('From')),
  to: Type.Optional(EpochMs('Until, exclusive')),
});
export type ThermalListQuery = Static<typeof ThermalListQuery>;
export const ThermalPageSchema = Page(ThermalMeasurementSchema);

// --- Conversion factors --------------------------------------------------------------------------

const Factor = (description: string) => Type.Number({ minimum: 0, maximum: 100, description });

export const FactorSchema = Type.Object({
  id: Nullable(Type.Integer({ description: 'null: the district heating factor of the configuration' })),
  carrier: CarrierSchema,
  region: Type.String({ description: 'Where it applies, e.g. ES (Spain) or ES-peninsular (mainland)' }),
  validFrom: Nullable(EpochMs('Valid from; null: since always')),
  validTo: Nullable(EpochMs('Valid until, exclusive; null: until replaced')),
  renewable: Factor('Renewable primary energy per final energy, kWh/kWh'),
  nonRenewable: Factor('Non-renewable primary energy per final energy, kWh/kWh'),
  total: Factor('Total primary energy per final energy, kWh/kWh'),
  co2: Factor('CO2 emitted per final energy, kg CO2/kWh'),
  source: Type.String({ description: 'Where the values come from' }),
  updatedAt: Nullable(EpochMs('Last changed')),
  updatedBy: Nullable(Type.String()),
});
export type FactorRow = Static<typeof FactorSchema>;

export const FactorListSchema = Type.Object({ items: Type.Array(FactorSchema) });

const Recompute = Type.Boolean({
  description:
    'true: every stored energy KPI of the periods the factor applies to is computed again with it; false: stored KPIs keep the values they were computed with (their provenance names the factor), and only periods computed from now on use it',
});

export const FactorCreateSchema = Type.Object(
  {
    carrier: CarrierSchema,
    region: Type.String({ minLength: 2, maxLength: 32, pattern: '^[A-Za-z]{2}(-[A-Za-z0-9-]+)?$' }),
    validFrom: Type.Optional(Nullable(EpochMs('Valid from'))),
    validTo: Type.Optional(Nullable(EpochMs('Valid until, exclusive'))),
    renewable: Factor('kWh/kWh'),
    nonRenewable: Factor('kWh/kWh'),
    total: Factor('kWh/kWh; renewable + non-renewable'),
    co2: Factor('kg CO2/kWh'),
    source: Type.String({ minLength: 1, maxLength: 500 }),
    recompute: Recompute,
  },
  { additionalProperties: false },
);
export type FactorCreate = Static<typeof FactorCreateSchema>;

export const FactorPatchSchema = Type.Object(
  {
    validFrom: Type.Optional(Nullable(EpochMs('Valid from'))),
    validTo: Type.Optional(Nullable(EpochMs('Valid until, exclusive'))),
    renewable: Type.Optional(Factor('kWh/kWh')),
    nonRenewable: Type.Optional(Factor('kWh/kWh')),
    total: Type.Optional(Factor('kWh/kWh; renewable + non-renewable')),
    co2: Type.Optional(Factor('kg CO2/kWh')),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    recompute: Recompute,
  },
  { additionalProperties: false },
);
export type FactorPatch = Static<typeof FactorPatchSchema>;

export const FactorChangeSchema = Type.Object({
  factor: FactorSchema,
  recomputed: Type.Integer({ description: 'Energy measures computed again' }),
  kept: Type.Integer({
    description: 'Stored energy measures of the periods it applies to that keep their earlier factor',
  }),
});

// --- Recomputation -------------------------------------------------------------------------------

export const RecomputeSchema = Type.Object(
  {
    building: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'Cadastral code; leave out for every building',
      }),
    ),
    from: EpochMs('Start of the period (every calendar year it touches is computed)'),
    to: EpochMs('End of the period'),
    calculators: Type.Optional(
      Type.Array(StringEnum(CALCULATORS, 'energy, comfort or ict'), {
        minItems: 1,
        uniqueItems: true,
        description: 'Default: energy and comfort',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RecomputeBody = Static<typeof RecomputeSchema>;

export const RecomputeResultSchema = Type.Object({
  buildings: Type.Integer(),
  years: Type.Array(Type.Integer()),
  measures: Type.Record(Type.String(), Type.Integer(), { description: 'Measures written per calculator' }),
  notes: Type.Array(Type.String(), { description: 'What could not be computed, and why' }),
  ms: Type.Integer({ description: 'Time taken' }),
});
export type RecomputeResult = Static<typeof RecomputeResultSchema>;

// --- Dashboards ----------------------------------------------------------------------------------

const NullableNumber = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

export const SummaryQuery = Type.Object({
  year: Type.Optional(
    Type.Integer({
      minimum: 2000,
      maximum: 2100,
      description: 'Default: the latest finished year with energy KPIs (else the current one)',
    }),
  ),
});

export const KpiSummarySchema = Type.Object({
  year: Nullable(Type.Integer({ description: 'The year shown; null when there is no energy KPI at all' })),
  period: Type.Object({ from: EpochMs('Start'), to: EpochMs('End, exclusive') }),
  years: Type.Array(Type.Integer(), { description: 'Years with energy KPIs, newest first' }),
  buildings: Type.Array(
    Type.Object({
      id: Type.Integer(),
      code: Type.String(),
      address: Type.String(),
      latitude: Type.Number(),
      longitude: Type.Number(),
      carriers: Type.Array(Type.String()),
      finalEnergy: NullableNumber('kWh in the year; null = no data'),
      primaryEnergy: NullableNumber('kWh in the year; null = no data'),
      primaryEnergyPerM2: NullableNumber('kWh/m² in the year; null = no data'),
      pmv: NullableNumber('Mean PMV in the year; null = no data'),
      ppd: NullableNumber('Mean PPD (%) in the year; null = no data'),
    }),
  ),
  primaryEnergy: NullableNumber('Total primary energy of the buildings in the year, kWh'),
  finalEnergy: NullableNumber('Total final energy, kWh'),
  co2: NullableNumber('Total CO2, kg'),
  carriers: Type.Array(
    Type.Object({
      carrier: Type.String(),
      finalEnergy: Type.Number({ description: 'kWh' }),
      share: Type.Number({ description: 'Share of the final energy, 0–1' }),
    }),
  ),
  comfort: Type.Object({
    available: Type.Boolean({ description: 'Whether stored comfort feeds the comfort KPIs' }),
    buildings: Type.Integer({ description: 'Buildings with comfort KPIs in the year' }),
  }),
  evCo2Avoided: NullableNumber('kg CO2 avoided by electric vehicles in the year; null = no mobility data'),
  pillars: Type.Array(
    Type.Object({
      pillar: PillarSchema,
      measures: Type.Integer({ description: 'Stored measures (0 = no data)' }),
    }),
  ),
});
export type KpiSummary = Static<typeof KpiSummarySchema>;

// --- Public subset -------------------------------------------------------------------------------

export const PublicKpiListSchema = Type.Object({
  computedAt: EpochMs('When these figures were computed'),
  items: Type.Array(
    Type.Object({
      code: Type.String(),
      pillar: PillarSchema,
      unit: Type.String(),
      name: TextsSchema('Name', 200),
      lowerIsBetter: Type.Boolean(),
      latest: Nullable(
        Type.Object({
          periodStart: EpochMs('Start of the latest period with values'),
          periodEnd: EpochMs('End of that period, exclusive'),
          value: Type.Number({ description: 'Sum or mean of its resources’ values (see aggregation)' }),
          aggregation: StringEnum(AGGREGATIONS, 'sum or mean'),
          resources: Type.Integer({ description: 'How many resources it covers' }),
        }),
      ),
    }),
  ),
});
export type PublicKpiList = Static<typeof PublicKpiListSchema>;
