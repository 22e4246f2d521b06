import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { EpochMs } from './time.ts';

/** Most inputs one `POST /api/v1/comfort/pmv` takes. */
export const MAX_PMV_BATCH = 10_000;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
/**
 * A nullable input as one JSON Schema type list: with the server's type coercion, a union
 * `[number, null]` would turn null into 0 (and `[null, number]` 0 into null).
 */
const NullableInput = <T extends TSchema>(t: T) =>
  Type.Unsafe<Static<T> | null>({ ...t, type: [t.type as string, 'null'] });

/** The fields of one set of conditions, named as pythermalcomfort and the CBE comfort tool name them. */
const conditionFields = {
  tdb: Type.Number({ description: 'Air (dry-bulb) temperature: °C, or °F with `units: IP`.' }),
  tr: Type.Optional(
    Type.Number({ description: 'Mean radiant temperature: °C, or °F with `units: IP`. Default: `tdb`.' }),
  ),
  vr: Type.Optional(
    Type.Number({
      minimum: 0,
      description:
        'Relative air speed, used as given (the activity’s own air movement already included, and `clo` taken as the dynamic clothing insulation): m/s, or fpm with `units: IP`. Give `vr` or `v`.',
    }),
  ),
  v: Type.Optional(
    Type.Number({
      minimum: 0,
      description:
        'Average air speed measured in the room: m/s, or fpm with `units: IP`. The standard’s activity corrections (relative air speed for met > 1; in ASHRAE 55 dynamic clothing for met > 1.2) are then applied once. Give `vr` or `v`.',
    }),
  ),
  rh: Type.Number({ minimum: 0, maximum: 100, description: 'Relative humidity, %.' }),
  met: Type.Number({ exclusiveMinimum: 0, description: 'Metabolic rate, met (1 met = 58.15 W/m²).' }),
  clo: Type.Number({ minimum: 0, description: 'Clothing insulation, clo (1 clo = 0.155 m²·K/W).' }),
  wme: Type.Optional(Type.Number({ minimum: 0, description: 'External work, met. Default 0.' })),
};

/** How the conditions are to be judged; one set of options applies to a whole batch. */
const optionFields = {
  standard: Type.Optional(
    Type.Union([Type.Literal('iso'), Type.Literal('ashrae')], {
      description:
        '`iso`: ISO 7730:2005. `ashrae`: ANSI/ASHRAE 55-2023, with the cooling effect of elevated air speed found through SET. Default `iso`.',
    }),
  ),
  units: Type.Optional(
    Type.Union([Type.Literal('SI'), Type.Literal('IP')], {
      description:
        'Units of temperatures and air speeds, in and out: `SI` (°C, m/s) or `IP` (°F, fpm). Default `SI`.',
    }),
  ),
  airspeed_control: Type.Optional(
    Type.Boolean({
      description:
        'ASHRAE 55 only: whether occupants control the air speed. Without control, ASHRAE 55 limits the air speed for sedentary, lightly clothed occupants; a faster speed is reported as out of range. Default true.',
    }),
  ),
  strict: Type.Optional(
    Type.Boolean({
      description:
        'Refuse (400) an input outside the standard’s validity range, a PMV that cannot be computed or an uncertain cooling effect, naming the input and field; otherwise they are computed and reported. Default false.',
    }),
  ),
  layout: Type.Optional(
    Type.Union([Type.Literal('rows'), Type.Literal('columns')], {
      description:
        'Batches only. `rows` (default): `results`, one object per input. `columns`: `columns`, one array per output field (as pythermalcomfort answers arrays), about a third of the size, with the violations and failures listed apart by input index.',
    }),
  ),
};

export const PmvConditionsSchema = Type.Object(conditionFields, { additionalProperties: false });
export type PmvConditions = Static<typeof PmvConditionsSchema>;

/** A field of a batch given in columns: one number per input. */
const inputColumn = (field: TSchema, required = true) => {
  const column = Type.Array(Type.Number({ ...(field as object), description: undefined }), {
    minItems: 1,
    maxItems: MAX_PMV_BATCH,
    description: `${(field as { description?: string }).description ?? ''} One value per input.`,
  });
  return required ? column : Type.Optional(column);
};

/**
 * A batch as one array per field, as pythermalcomfort takes arrays: the same length each, `vr`
 * or `v` for the whole batch. Far less JSON to read than one object per input.
 */
export const PmvInputColumnsSchema = Type.Object(
  {
    tdb: inputColumn(conditionFields.tdb),
    tr: inputColumn(conditionFields.tr, false),
    vr: inputColumn(conditionFields.vr, false),
    v: inputColumn(conditionFields.v, false),
    rh: inputColumn(conditionFields.rh),
    met: inputColumn(conditionFields.met),
    clo: inputColumn(conditionFields.clo),
    wme: inputColumn(conditionFields.wme, false),
  },
  {
    additionalProperties: false,
    description: `A batch of up to ${MAX_PMV_BATCH.toLocaleString('en-US')} inputs given as one array per field (all of the same length; \`vr\` or \`v\` for the whole batch), answered in columns unless \`layout\` says \`rows\`. Leave out \`inputs\` and the single-input fields then.`,
  },
);

/**
 * One body for one input and for a batch: either the fields of one input, or `inputs`. The
 * options (`standard`, `units`, `airspeed_control`, `strict`) sit beside either.
 */
const { tdb, rh, met, clo, ...optionalConditionFields } = conditionFields;

export const PmvRequestSchema = Type.Object(
  {
    tdb: Type.Optional(tdb),
    rh: Type.Optional(rh),
    met: Type.Optional(met),
    clo: Type.Optional(clo),
    ...optionalConditionFields,
    inputs: Type.Optional(
      Type.Array(PmvConditionsSchema, {
        minItems: 1,
        maxItems: MAX_PMV_BATCH,
        description: `A batch of up to ${MAX_PMV_BATCH.toLocaleString('en-US')} inputs, answered in the same order. Leave out the single-input fields then.`,
      }),
    ),
    columns: Type.Optional(PmvInputColumnsSchema),
    ...optionFields,
  },
  { additionalProperties: false },
);
export type PmvRequest = Static<typeof PmvRequestSchema>;
export type PmvInputColumns = Static<typeof PmvInputColumnsSchema>;

export const RangeViolationSchema = Type.Object({
  field: Nullable(
    Type.String({
      description:
        'The input field to change (`rh` for the water vapour pressure); null for the PMV’s own range.',
    }),
  ),
  quantity: Type.String({ description: 'tdb, tr, vr, v, met, clo, pa (water vapour pressure) or pmv.' }),
  value: Type.Number({ description: 'Value, in `unit`.' }),
  min: Type.Number(),
  max: Type.Number(),
  unit: Type.String({
    description: 'Unit of value, min and max (°C or °F, m/s or fpm, met, clo, Pa, or empty).',
  }),
});

export const PmvResultSchema = Type.Object({
  pmv: Nullable(
    Type.Number({
      description: 'Predicted mean vote, dimensionless, unrounded; null when `failure` says why.',
    }),
  ),
  ppd: Nullable(Type.Number({ description: 'Predicted percentage of dissatisfied, %, unrounded.' })),
  category: Nullable(
    Type.Union([Type.Literal('I'), Type.Literal('II'), Type.Literal('III')], {
      description:
        'ISO 7730:2005 Annex A category in EN 16798-1 numbering, on the unrounded PMV (I: |PMV| < 0.2, II: < 0.5, III: < 0.7); null beyond.',
    }),
  ),
  isoCategory: Nullable(
    Type.Union([Type.Literal('A'), Type.Literal('B'), Type.Literal('C')], {
      description: 'The same category as ISO 7730 letters it.',
    }),
  ),
  ashraeCompliant: Nullable(
    Type.Boolean({ description: 'Inside ANSI/ASHRAE 55-2023’s PMV comfort zone, −0.5 ≤ PMV ≤ +0.5.' }),
  ),
  status: Nullable(
    Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red')], {
      description: 'Colour residents see: green |PMV| ≤ 0.5, yellow ≤ 1.0, red beyond.',
    }),
  ),
  withinValidity: Type.Boolean({
    description: 'Every input (and, for ISO 7730, the PMV) is inside the standard’s validity range.',
  }),
  violations: Type.Array(RangeViolationSchema, {
    description: 'The ranges left; empty when within validity.',
  }),
  coolingEffect: Nullable(
    Type.Number({
      description:
        'ASHRAE 55 cooling effect of elevated air speed: K, or °F (a difference) with IP; 0 when not applicable, null when it could not be found.',
    }),
  ),
  coolingEffectStatus: Type.Union(
    [
      Type.Literal('not-applicable'),
      Type.Literal('converged'),
      Type.Literal('uncertain'),
      Type.Literal('failed'),
    ],
    {
      description:
        '`uncertain`: the SET model was at its skin-wettedness limit, the value is known to about 1 K; `failed`: no cooling effect found, and no PMV.',
    },
  ),
  failure: Type.Optional(Type.String({ description: 'Why the PMV could not be computed.' })),
});
export type PmvResultBody = Static<typeof PmvResultSchema>;

const StandardApplied = Type.Union([Type.Literal('ISO 7730:2005'), Type.Literal('ANSI/ASHRAE 55-2023')], {
  description: 'Standard and edition whose procedure was applied.',
});
const UnitsApplied = Type.Union([Type.Literal('SI'), Type.Literal('IP')]);

export const PmvSingleResponseSchema = Type.Object({
  ...PmvResultSchema.properties,
  standard: StandardApplied,
  units: UnitsApplied,
});

export const PmvBatchResponseSchema = Type.Object({
  standard: StandardApplied,
  units: UnitsApplied,
  results: Type.Array(PmvResultSchema, { description: 'One result per input, in the order of `inputs`.' }),
});

const column = <T extends TSchema>(t: T, description: string) => Type.Array(t, { description });

export const PmvColumnsResponseSchema = Type.Object({
  standard: StandardApplied,
  units: UnitsApplied,
  columns: Type.Object(
    {
      pmv: column(
        Nullable(Type.Number()),
        'PMV of each input, unrounded; null when it could not be computed.',
      ),
      ppd: column(Nullable(Type.Number()), 'PPD of each input, %.'),
      category: column(
        Nullable(Type.Union([Type.Literal('I'), Type.Literal('II'), Type.Literal('III')])),
        'ISO 7730 category (EN 16798-1 numbering).',
      ),
      isoCategory: column(
        Nullable(Type.Union([Type.Literal('A'), Type.Literal('B'), Type.Literal('C')])),
        'ISO 7730 letter.',
      ),
      ashraeCompliant: column(Nullable(Type.Boolean()), 'Inside ASHRAE 55’s ±0.5.'),
      status: column(
        Nullable(Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red')])),
        'Resident colour.',
      ),
      withinValidity: column(Type.Boolean(), 'Inside the standard’s validity range.'),
      coolingEffect: column(
        Nullable(Type.Number()),
        'ASHRAE 55 cooling effect: K, or °F (a difference) with IP.',
      ),
      coolingEffectStatus: column(
        Type.Union([
          Type.Literal('not-applicable'),
          Type.Literal('converged'),
          Type.Literal('uncertain'),
          Type.Literal('failed'),
        ]),
        'How the cooling-effect search ended.',
      ),
    },
    { description: 'One array per field, each as long as `inputs`, in its order.' },
  ),
  violations: Type.Array(
    Type.Object({
      input: Type.Integer({ description: 'Index in `inputs`.' }),
      ...RangeViolationSchema.properties,
    }),
    { description: 'The ranges each input left, by input index.' },
  ),
  failures: Type.Array(Type.Object({ input: Type.Integer(), failure: Type.String() }), {
    description: 'Why a PMV could not be computed, by input index.',
  }),
});

export const PmvResponseSchema = Type.Union([
  PmvSingleResponseSchema,
  PmvBatchResponseSchema,
  PmvColumnsResponseSchema,
]);

// ---------------------------------------------------------------- stored comfort

export const ComfortIntervalSchema = Type.Union([Type.Literal('hour'), Type.Literal('day')], {
  description: 'Hours are UTC hours; days are cut in the city time zone (CIOP_TIMEZONE).',
});
export type ComfortInterval = Static<typeof ComfortIntervalSchema>;

export const ComfortRangeQuery = Type.Object({
  from: EpochMs('Start of the range, inclusive'),
  to: EpochMs('End of the range, inclusive'),
  interval: Type.Optional(ComfortIntervalSchema),
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 1000,
      description: 'Most intervals in one page; `next` gives the start of the next page.',
    }),
  ),
});

const CategoryShares = Type.Object(
  {
    I: Type.Number({ description: 'Share of point-hours in category I (ISO A), 0–1.' }),
    II: Type.Number({ description: 'In category II (B) but not I.' }),
    III: Type.Number({ description: 'In category III (C) but not II.' }),
    outside: Type.Number({ description: 'Outside category III.' }),
  },
  {
    description: 'Share of the point-hours of the interval in each ISO 7730 category (EN 16798-1 numbering).',
  },
);
const StatusShares = Type.Object(
  { green: Type.Number(), yellow: Type.Number(), red: Type.Number() },
  { description: 'Share of the point-hours of the interval in each resident colour, 0–1.' },
);

export const ComfortBucketSchema = Type.Object({
  start: EpochMs('Interval start'),
  end: EpochMs('Interval end, exclusive'),
  hours: Type.Integer({ description: 'Point-hours with a computed PMV in the interval.' }),
  pmv: Nullable(Type.Number({ description: 'Mean PMV of those point-hours, dimensionless.' })),
  ppd: Nullable(Type.Number({ description: 'Mean PPD of those point-hours, %.' })),
  category: Nullable(
    Type.Union([Type.Literal('I'), Type.Literal('II'), Type.Literal('III')], {
      description: 'ISO 7730 category of the mean PMV; null beyond III or without data.',
    }),
  ),
  status: Nullable(
    Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red')], {
      description: 'Resident colour of the mean PMV.',
    }),
  ),
  categories: Nullable(CategoryShares),
  statuses: Nullable(StatusShares),
});
export type ComfortBucket = Static<typeof ComfortBucketSchema>;

export const ComfortHourSchema = Type.Object({
  hour: EpochMs('Start of the hour'),
  tdb: Type.Number({ description: 'Mean air temperature of the hour, °C.' }),
  rh: Type.Number({ description: 'Mean relative humidity of the hour, %.' }),
  pmv: Nullable(Type.Number()),
  ppd: Nullable(Type.Number({ description: '%' })),
  category: Nullable(Type.Union([Type.Literal('I'), Type.Literal('II'), Type.Literal('III')])),
  status: Nullable(Type.Union([Type.Literal('green'), Type.Literal('yellow'), Type.Literal('red')])),
  withinValidity: Type.Boolean(),
});

export const ComfortAssumptionsSchema = Type.Object({
  clo: Type.Number({ description: 'Clothing insulation, clo.' }),
  met: Type.Number({ description: 'Metabolic rate, met.' }),
  v: Type.Number({ description: 'Average room air speed, m/s.' }),
  wme: Type.Number({ description: 'External work, met.' }),
});

export const ComfortPointSchema = Type.Object({
  id: Type.Integer(),
  temperatureSensorId: Type.Integer(),
  humiditySensorId: Type.Integer(),
  pairing: Type.Union([Type.Literal('channel'), Type.Literal('dwelling'), Type.Literal('manual')], {
    description:
      '`channel`: both sensors on the same gateway and channel; `dwelling`: the dwelling’s only humidity sensor; `manual`: set by an installer.',
  }),
  label: Type.String(),
});
export type ComfortPointBody = Static<typeof ComfortPointSchema>;

export const DwellingComfortSchema = Type.Object({
  dwellingId: Type.Integer(),
  standard: Type.String({ description: 'Standard the stored PMV follows.' }),
  interval: ComfortIntervalSchema,
  points: Type.Array(
    Type.Object({
      ...ComfortPointSchema.properties,
      buckets: Type.Array(ComfortBucketSchema),
    }),
  ),
  mean: Type.Array(ComfortBucketSchema, { description: 'The dwelling: every point-hour weighs the same.' }),
  next: Type.Optional(EpochMs('Start of the next page: pass it as `from`')),
});
export type DwellingComfort = Static<typeof DwellingComfortSchema>;

export const GroupComfortSchema = Type.Object({
  scope: Type.Union([Type.Literal('building'), Type.Literal('district')]),
  id: Type.Integer(),
  interval: ComfortIntervalSchema,
  points: Type.Integer({ description: 'Comfort points with data in the range.' }),
  dwellings: Type.Integer({ description: 'Dwellings with data in the range.' }),
  buckets: Type.Array(ComfortBucketSchema, {
    description: 'Averages over every comfort point of the scope: each point-hour weighs the same.',
  }),
  total: ComfortBucketSchema,
  next: Type.Optional(EpochMs('Start of the next page: pass it as `from`')),
});
export type GroupComfort = Static<typeof GroupComfortSchema>;

const MonthDay = Type.String({ pattern: '^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' });

export const ComfortSettingsSchema = Type.Object(
  {
    winterClo: NullableInput(Type.Number({ minimum: 0, maximum: 4, description: 'Winter clothing, clo.' })),
    summerClo: NullableInput(Type.Number({ minimum: 0, maximum: 4, description: 'Summer clothing, clo.' })),
    met: NullableInput(Type.Number({ minimum: 0.5, maximum: 6, description: 'Metabolic rate, met.' })),
    airSpeed: NullableInput(
      Type.Number({ minimum: 0, maximum: 5, description: 'Average room air speed, m/s.' }),
    ),
    summerStart: NullableInput({ ...MonthDay, description: 'First day of summer clothing, MM-DD.' }),
    summerEnd: NullableInput({ ...MonthDay, description: 'Last day of summer clothing, MM-DD.' }),
  },
  {
    additionalProperties: false,
    description: 'A building’s overrides of the comfort assumptions; null keeps the configured default.',
  },
);
export type ComfortSettingsBody = Static<typeof ComfortSettingsSchema>;

export const BuildingComfortSettingsSchema = Type.Object({
  buildingId: Type.Integer(),
  overrides: ComfortSettingsSchema,
  effective: Type.Object({
    winter: ComfortAssumptionsSchema,
    summer: ComfortAssumptionsSchema,
    summerStart: Type.String({ description: 'MM-DD' }),
    summerEnd: Type.String({ description: 'MM-DD' }),
  }),
});

export const ComfortPairSchema = Type.Object(
  {
    temperatureSensorId: Type.Integer({ minimum: 1 }),
    humiditySensorId: Type.Integer({ minimum: 1 }),
    label: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

// ---------------------------------------------------------------- adaptive comfort

/** Days of outdoor means the running mean may be computed from (beyond, weights are < 0.2 %). */
export const MAX_OUTDOOR_DAYS = 30;

export const AdaptiveRequestSchema = Type.Object(
  {
    tdb: Type.Number({ description: 'Indoor air temperature: °C, or °F with `units: IP`.' }),
    tr: Type.Optional(
      Type.Number({ description: 'Indoor mean radiant temperature: °C, or °F. Default: `tdb`.' }),
    ),
    v: Type.Optional(
      Type.Number({
        minimum: 0,
        description:
          'Indoor average air speed: m/s, or fpm. Default 0.1 m/s. From 0.6 m/s, at operative temperatures above 25 °C, the upper limits rise (occupant-controlled speed).',
      }),
    ),
    trm: Type.Optional(
      Type.Number({
        description:
          'Running (prevailing) mean outdoor temperature, °C or °F. Give `trm` or `outdoor`, not both.',
      }),
    ),
    outdoor: Type.Optional(
      Type.Array(Type.Number(), {
        minItems: 1,
        maxItems: MAX_OUTDOOR_DAYS,
        description: `Daily mean outdoor temperatures, newest first (yesterday, the day before, …), at most ${MAX_OUTDOOR_DAYS}: CIOP works out the running mean (EN 16798-1 Annex B, weights normalised so that a short history still gives a temperature).`,
      }),
    ),
    alpha: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 0.95,
        description:
          'Weight decay a day for `outdoor`: 0.8 by default (EN 16798-1); ASHRAE 55 allows 0.6–0.9.',
      }),
    ),
    units: Type.Optional(
      Type.Union([Type.Literal('SI'), Type.Literal('IP')], {
        description: 'Units of temperatures and air speed, in and out: `SI` (°C, m/s) or `IP` (°F, fpm).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type AdaptiveRequest = Static<typeof AdaptiveRequestSchema>;

export const AdaptiveResponseSchema = Type.Object({
  units: UnitsApplied,
  trm: Type.Number({ description: 'Running mean outdoor temperature used, in `units`.' }),
  to: Type.Number({ description: 'Indoor operative temperature judged, in `units`.' }),
  ashrae: Type.Object(
    {
      standard: Type.Literal('ANSI/ASHRAE 55-2023'),
      tComf: Type.Number({ description: 'Neutral operative temperature, 0.31·trm + 17.8 °C.' }),
      tComf80Low: Type.Number(),
      tComf80Up: Type.Number(),
      tComf90Low: Type.Number(),
      tComf90Up: Type.Number(),
      airSpeedAllowance: Type.Number({
        description: 'Added to the upper limits (a temperature difference).',
      }),
      acceptability80: Type.Boolean(),
      acceptability90: Type.Boolean(),
      withinValidity: Type.Boolean({ description: 'False when trm is outside 10…33.5 °C.' }),
    },
    { description: 'ASHRAE 55-2023 §5.4 adaptive model: 80 % and 90 % acceptability bands.' },
  ),
  en: Type.Object(
    {
      standard: Type.Literal('EN 16798-1:2019'),
      tComf: Type.Number({ description: 'Comfort operative temperature, 0.33·trm + 18.8 °C.' }),
      catILow: Type.Number(),
      catIUp: Type.Number(),
      catIILow: Type.Number(),
      catIIUp: Type.Number(),
      catIIILow: Type.Number(),
      catIIIUp: Type.Number(),
      airSpeedAllowance: Type.Number(),
      category: Nullable(
        Type.Union([Type.Literal('I'), Type.Literal('II'), Type.Literal('III')], {
          description: 'Best category whose range holds the operative temperature; null outside III.',
        }),
      ),
      withinValidity: Type.Boolean({ description: 'False when trm is outside 10…30 °C.' }),
      lowerLimitsApply: Type.Boolean({ description: 'False when trm is outside 15…30 °C.' }),
    },
    { description: 'EN 16798-1:2019 Annex B adaptive model: categories I–III.' },
  ),
});

export const BuildingDwellingsQuery = Type.Object({
  from: EpochMs('Start of the range, inclusive'),
  to: EpochMs('End of the range, inclusive'),
  interval: Type.Optional(ComfortIntervalSchema),
});

export const BuildingDwellingsComfortSchema = Type.Object({
  buildingId: Type.Integer(),
  interval: ComfortIntervalSchema,
  starts: Type.Array(EpochMs('Interval start'), {
    description: 'Start of each interval; the series of every dwelling follow them, one value each.',
  }),
  end: EpochMs('End of the last interval, exclusive'),
  dwellings: Type.Array(
    Type.Object({
      dwellingId: Type.Integer(),
      label: Type.String(),
      floor: Nullable(Type.Integer()),
      pmv: Type.Array(Nullable(Type.Number()), {
        description: 'Mean PMV of the dwelling’s point-hours in each interval, dimensionless.',
      }),
      ppd: Type.Array(Nullable(Type.Number()), { description: 'Mean PPD, %.' }),
      tdb: Type.Array(Nullable(Type.Number()), { description: 'Mean air temperature, °C.' }),
      rh: Type.Array(Nullable(Type.Number()), { description: 'Mean relative humidity, %.' }),
      hours: Type.Array(Type.Integer(), { description: 'Point-hours with a PMV in each interval.' }),
    }),
  ),
});
export type BuildingDwellingsComfort = Static<typeof BuildingDwellingsComfortSchema>;
