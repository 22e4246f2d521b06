import { type Static, Type } from '@sinclair/typebox';
import { LanguageSchema } from './news.ts';
import { EpochMs } from './time.ts';

/**
 * The resident's home: before-and-after comparison of an intervention normalised by heating
 * degree days, and tips drawn from the dwelling's recent readings.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const DwellingParams = Type.Object({ id: Type.Integer({ minimum: 1, description: 'Dwelling id' }) });

// --- Before and after ---------------------------------------------------------------------------

export const BeforeAfterQuery = Type.Object({
  date: Type.Optional(
    Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
      description:
        "Local day the intervention was finished, YYYY-MM-DD; default: the building's `retrofit_date` feature",
    }),
  ),
  days: Type.Optional(
    Type.Integer({
      minimum: 7,
      maximum: 365,
      default: 60,
      description:
        'Length of each period, days: the days before the intervention against as many after it (fewer when it is recent)',
    }),
  ),
  base: Type.Optional(
    Type.Unsafe<15 | 18>({
      type: 'integer',
      enum: [15, 18],
      default: 15,
      description:
        'Base temperature of the heating degree days, °C: 15 (default, the balance point of a home heated to about 20 °C and the heating threshold of Eurostat) or 18',
    }),
  ),
  medium: Type.Optional(
    Type.String({
      pattern: '^[a-z][a-z0-9_]{0,63}$',
      default: 'energy',
      description: 'A cumulative meter of the dwelling (default `energy`, kWh)',
    }),
  ),
});
export type BeforeAfterQuery = Static<typeof BeforeAfterQuery>;

export const BeforeAfterPeriodSchema = Type.Object({
  from: EpochMs('Local midnight starting the period'),
  to: EpochMs('Local midnight ending it, exclusive'),
  days: Type.Integer(),
  energyDays: Type.Integer({ description: 'Days with a reading of the meter' }),
  temperatureDays: Type.Integer({ description: "Days with the weather station's outdoor temperature" }),
  energyKWh: Nullable(Type.Number({ description: 'Consumed in the period, kWh (in the unit of the meter)' })),
  hdd: Nullable(
    Type.Number({
      description:
        'Heating degree days, K·day; a day without outdoor readings counts as the mean measured day',
    }),
  ),
  kWhPerHdd: Nullable(
    Type.Number({ description: 'Energy per degree day, kWh/(K·day); null under 10 K·day (too mild)' }),
  ),
  meanOutdoorC: Nullable(Type.Number({ description: 'Mean outdoor temperature, °C' })),
});
export type BeforeAfterPeriod = Static<typeof BeforeAfterPeriodSchema>;

export const BEFORE_AFTER_STATUSES = [
  'ok',
  'no-intervention-date',
  'too-recent',
  'no-weather-station',
  'no-meter',
  'too-little-data',
] as const;
export type BeforeAfterStatus = (typeof BEFORE_AFTER_STATUSES)[number];

export const BeforeAfterSchema = Type.Object({
  dwellingId: Type.Integer(),
  buildingId: Type.Integer(),
  status: Type.Unsafe<BeforeAfterStatus>({
    type: 'string',
    enum: [...BEFORE_AFTER_STATUSES],
    description:
      'ok; no-intervention-date: neither `date` nor a retrofit date; too-recent: less than 7 whole days since it; no-weather-station: the district has none with outdoor temperature; no-meter: the dwelling has no such meter with readings on both sides; too-little-data: its readings cover fewer than 7 days on one side',
  }),
  interventionDate: Nullable(Type.String({ description: 'YYYY-MM-DD' })),
  source: Nullable(
    Type.Union([Type.Literal('given'), Type.Literal('retrofit_date')], {
      description: 'Where the date came from: the `date` parameter or the building’s feature',
    }),
  ),
  retrofitDate: Nullable(Type.String({ description: "The building's `retrofit_date` feature, if any" })),
  baseC: Type.Number({ description: 'Base temperature of the degree days, °C' }),
  medium: Type.String(),
  unit: Type.String({ description: 'Unit of the energy figures' }),
  before: Nullable(BeforeAfterPeriodSchema),
  after: Nullable(BeforeAfterPeriodSchema),
  change: Nullable(
    Type.Object({
      energy: Nullable(Type.Number({ description: 'Relative change of the energy used (−0.2 = 20 % less)' })),
      hdd: Nullable(Type.Number({ description: 'Relative change of the degree days (how much colder)' })),
      kWhPerHdd: Nullable(
        Type.Number({ description: 'Relative change of the energy per degree day: the weather-fair saving' }),
      ),
    }),
  ),
});
export type BeforeAfter = Static<typeof BeforeAfterSchema>;

// --- Tips ---------------------------------------------------------------------------------------

export const TIP_IDS = [
  'ventilate',
  'air-ok',
  'mould',
  'humidity-ok',
  'heating-cost',
  'heating-ok',
  'no-data',
] as const;
export type TipId = (typeof TIP_IDS)[number];

export const TIP_LEVELS = ['good', 'advice', 'warning'] as const;
export type TipLevel = (typeof TIP_LEVELS)[number];

export const TipsQuery = Type.Object({
  lang: Type.Optional(
    Type.Union([Type.Literal('en'), Type.Literal('es'), Type.Literal('eu')], {
      default: 'en',
      description: 'Language of the texts: en, es or eu',
    }),
  ),
  days: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 60, default: 7, description: 'Days of readings to look at' }),
  ),
});

export const TipSchema = Type.Object({
  id: Type.Unsafe<TipId>({ type: 'string', enum: [...TIP_IDS] }),
  level: Type.Unsafe<TipLevel>({
    type: 'string',
    enum: [...TIP_LEVELS],
    description: 'good: nothing to change; advice: worth changing; warning: act soon',
  }),
  medium: Type.Union([
    Type.Literal('co2'),
    Type.Literal('humidity'),
    Type.Literal('temperature'),
    Type.Null(),
  ]),
  title: Type.String(),
  text: Type.String({ description: 'What the data shows and what to do, in plain words' }),
  figures: Type.Record(Type.String(), Type.Number(), {
    description:
      'The figures behind the text: hours, share (0–1), maxPpm, maxPct, meanC, excessC, saving (0–1), hour (local, 0–23)',
  }),
});
export type Tip = Static<typeof TipSchema>;

export const TipsSchema = Type.Object({
  dwellingId: Type.Integer(),
  language: LanguageSchema,
  from: EpochMs('Start of the readings looked at'),
  to: EpochMs('End of the readings looked at'),
  tips: Type.Array(TipSchema, { description: 'Most pressing first' }),
  assumptions: Type.Object({
    co2LimitPpm: Type.Number({ description: 'CO₂ above which to ventilate, ppm' }),
    humidityLimitPct: Type.Number({ description: 'Relative humidity above which mould may grow, %' }),
    comfortableC: Type.Number({ description: 'Daytime temperature enough for comfort in winter, °C' }),
    heatingPerDegree: Type.Number({
      description: 'Extra heating energy per °C more, as a share (0.07 = 7 %)',
    }),
    heatingDayBelowC: Type.Number({
      description: 'A day counts as cold when its outdoor mean is below this, °C',
    }),
    sources: Type.Array(Type.String()),
  }),
});
export type Tips = Static<typeof TipsSchema>;
