import { type Static, Type } from '@sinclair/typebox';
import { EpochMs } from './time.ts';

/** What a reading can fail. Duplicated times are not among them: the store keeps one value a time. */
export const QUALITY_CHECKS = ['range', 'step', 'decrease', 'stuck', 'future', 'behind'] as const;
export type QualityCheck = (typeof QUALITY_CHECKS)[number];

/**
 * A nullable number as one JSON Schema type list: with the server's type coercion, a union
 * `[number, null]` would turn null into 0.
 */
const NullableNumber = (description: string, options: { minimum?: number } = {}) =>
  Type.Unsafe<number | null>({ type: ['number', 'null'], description, ...options });

/** The checks of one medium. Quantities are in the medium's unit; null turns a check off. */
export const QualityRulesSchema = Type.Object({
  min: NullableNumber('Lowest plausible value'),
  max: NullableNumber('Highest plausible value'),
  maxStep: NullableNumber('Largest plausible change between readings less than an hour apart', {
    minimum: 0,
  }),
  stuckHours: NullableNumber(
    'Hours without a change beyond the resolution that make a sensor stuck, while another sensor of the medium in its building changed (or none has readings then)',
    {
      minimum: 1,
    },
  ),
  resolution: Type.Number({ minimum: 0, description: 'Smallest change the sensor reports' }),
  neverDecreasing: Type.Boolean({ description: 'A cumulative meter: a drop is flagged' }),
  resetBelow: NullableNumber('A never-decreasing meter dropping to this or less was reset, not faulty', {
    minimum: 0,
  }),
  maxFutureS: NullableNumber('Readings later than the check time plus this, s, come from a drifting clock', {
    minimum: 0,
  }),
  maxPastS: NullableNumber(
    'Readings whose newest time stays more than this, s, behind their arrival, for hours, come from a clock running behind',
    { minimum: 0 },
  ),
});
export type QualityRules = Static<typeof QualityRulesSchema>;

export const QualityMediumSchema = Type.Object({
  medium: Type.String(),
  unit: Type.String(),
  rules: QualityRulesSchema,
  defaults: QualityRulesSchema,
  /** Null while the defaults apply. */
  updatedAt: Type.Union([EpochMs('When an admin last changed them'), Type.Null()]),
  recheckedAt: Type.Union([EpochMs('When its readings were last checked again after a change'), Type.Null()]),
});
export type QualityMedium = Static<typeof QualityMediumSchema>;

export const QualitySettingsSchema = Type.Object({ media: Type.Array(QualityMediumSchema) });
export type QualitySettings = Static<typeof QualitySettingsSchema>;

export const QualitySettingsUpdateSchema = Type.Object({
  media: Type.Array(
    Type.Object({
      medium: Type.String(),
      /** The medium's rules, whole; null goes back to the defaults. */
      rules: Type.Union([QualityRulesSchema, Type.Null()]),
    }),
    { maxItems: 100 },
  ),
});
export type QualitySettingsUpdate = Static<typeof QualitySettingsUpdateSchema>;

export const QualityFlagSchema = Type.Object({
  sensorId: Type.Integer(),
  medium: Type.String(),
  check: Type.Unsafe<QualityCheck>({ type: 'string', enum: [...QUALITY_CHECKS] }),
  from: EpochMs('First flagged reading'),
  to: EpochMs('Last flagged reading'),
  count: Type.Integer({ description: 'Readings flagged in the run' }),
  value: Type.Number({ description: 'The first flagged reading, in the medium’s unit' }),
  checkedAt: EpochMs('When the readings were checked'),
});
export type QualityFlag = Static<typeof QualityFlagSchema>;

export const QualityFlagsSchema = Type.Object({
  flags: Type.Array(QualityFlagSchema),
  /** True when more runs matched than `limit`. */
  truncated: Type.Boolean(),
});
export type QualityFlags = Static<typeof QualityFlagsSchema>;

export const QualityFlagsQuery = Type.Object({
  sensor: Type.Integer({ minimum: 1, description: 'Sensor id' }),
  from: EpochMs('Start of the range, inclusive'),
  to: EpochMs('End of the range, inclusive'),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: 1000 })),
});
