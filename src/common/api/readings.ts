import { type Static, Type } from '@sinclair/typebox';
import { EPOCH_MS_MAX, EPOCH_MS_MIN, EpochMs } from './time.ts';

export const JsonReadingSchema = Type.Object(
  {
    sn: Type.String({
      pattern: '^[0-9A-Fa-f]{16}$',
      description: 'Gateway serial number: 16 hexadecimal characters.',
    }),
    channel: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Integer()], {
      description: 'Channel on the gateway.',
    }),
    device: Type.Union([Type.String({ minLength: 1, maxLength: 64 }), Type.Integer()], {
      description: 'Device id on the channel.',
    }),
    medium: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[a-z0-9_]+$',
      description:
        'What is measured: temperature (°C), humidity (%RH), co2 (ppm), power (W), energy (kWh), or another medium.',
    }),
    ts: Type.Union(
      [
        Type.Integer({ minimum: EPOCH_MS_MIN, maximum: EPOCH_MS_MAX }),
        Type.String({ minLength: 10, maxLength: 40 }),
      ],
      {
        description:
          'Time of the reading: UTC epoch milliseconds (years 0001 to 9999) or ISO 8601 with offset.',
      },
    ),
    value: Type.Number({ description: 'Value in the unit of the medium.' }),
  },
  { additionalProperties: false },
);
export type JsonReading = Static<typeof JsonReadingSchema>;

export const IngestBodySchema = Type.Object(
  { readings: Type.Array(JsonReadingSchema, { minItems: 1, maxItems: 100_000 }) },
  { additionalProperties: false },
);

export const IngestResultSchema = Type.Object({ stored: Type.Integer({ description: 'Readings stored.' }) });
export type IngestResult = Static<typeof IngestResultSchema>;

export const SensorSelectorQuery = {
  sensor: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Sensor id; or name it by sn, channel, device and medium.' }),
  ),
  sn: Type.Optional(Type.String({ pattern: '^[0-9A-Fa-f]{16}$' })),
  channel: Type.Optional(Type.String()),
  device: Type.Optional(Type.String()),
  medium: Type.Optional(Type.String()),
};

export const RangeQuery = {
  from: EpochMs('Start of the range, inclusive'),
  to: EpochMs('End of the range, inclusive'),
};

export const FlaggedQuery = {
  flagged: Type.Optional(
    Type.Union([Type.Literal('exclude'), Type.Literal('include')], {
      default: 'exclude',
      description:
        'Readings that failed a quality check (see /quality/flags) are left out of the means unless `include`.',
    }),
  ),
};

export const IntervalSchema = Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('month')], {
  description: 'Hours are UTC hours; days and months are cut in the city time zone (CIOP_TIMEZONE).',
});
export type Interval = Static<typeof IntervalSchema>;

export const RawReadingsSchema = Type.Object({
  sensorId: Type.Integer(),
  unit: Type.String(),
  points: Type.Array(Type.Object({ t: EpochMs('Time'), v: Type.Number({ description: 'Value in `unit`' }) })),
  next: Type.Optional(EpochMs('Start of the next page: pass it as `from`')),
});
export type RawReadings = Static<typeof RawReadingsSchema>;

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

export const BucketSchema = Type.Object({
  start: EpochMs('Interval start'),
  end: EpochMs('Interval end, exclusive'),
  count: Type.Integer({ description: 'Readings in the interval' }),
  min: Nullable(Type.Number()),
  max: Nullable(Type.Number()),
  avg: Nullable(Type.Number()),
  sum: Nullable(Type.Number()),
  consumption: Type.Optional(
    Nullable(
      Type.Number({
        description: 'Cumulative meters: consumed in the interval, in `unit`; counter drops count as nothing',
      }),
    ),
  ),
});
export type Bucket = Static<typeof BucketSchema>;

export const AggregateSchema = Type.Object({
  sensorId: Type.Integer(),
  unit: Type.String(),
  cumulative: Type.Boolean(),
  buckets: Type.Array(BucketSchema),
});
export type Aggregate = Static<typeof AggregateSchema>;

export const GroupBucketSchema = Type.Object({
  start: EpochMs('Interval start'),
  end: EpochMs('Interval end, exclusive'),
  mean: Nullable(
    Type.Number({ description: "Mean of the members' means (cumulative meters: of their consumption)" }),
  ),
  min: Nullable(Type.Number()),
  max: Nullable(Type.Number()),
  members: Type.Integer({ description: 'Sensors with readings in the interval' }),
  flagged: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'Building and district means: member readings of the interval that a quality check flagged, left out of the mean (counted in it with `flagged=include`)',
    }),
  ),
});
export type GroupBucket = Static<typeof GroupBucketSchema>;

export const GroupSchema = Type.Object({
  members: Type.Integer({ description: 'Sensors in the group over the range' }),
  cumulative: Type.Boolean(),
  buckets: Type.Array(GroupBucketSchema),
});
export type Group = Static<typeof GroupSchema>;

export const ScopeQuery = {
  dwelling: Type.Optional(Type.Integer({ minimum: 1 })),
  building: Type.Optional(Type.Integer({ minimum: 1 })),
  district: Type.Optional(Type.Integer({ minimum: 1 })),
  gateway: Type.Optional(Type.Integer({ minimum: 1 })),
};

export const LatestSchema = Type.Object({
  sensors: Type.Array(
    Type.Object({
      sensorId: Type.Integer(),
      gatewayId: Type.Integer(),
      dwellingId: Type.Union([Type.Integer(), Type.Null()]),
      medium: Type.String(),
      lastSeen: Type.Union([EpochMs('Time of the latest reading'), Type.Null()]),
      value: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
  gateways: Type.Array(
    Type.Object({
      gatewayId: Type.Integer(),
      lastSeen: Type.Union([EpochMs('Latest reading of any of its sensors'), Type.Null()]),
    }),
  ),
});
export type Latest = Static<typeof LatestSchema>;

export const CoverageSchema = Type.Object({
  expectedIntervalS: Type.Integer(),
  sensors: Type.Array(
    Type.Object({
      sensorId: Type.Integer(),
      medium: Type.String(),
      days: Type.Array(
        Type.Object({
          day: EpochMs('Local midnight starting the day'),
          count: Type.Integer(),
          share: Type.Number({ description: 'Share of the expected readings present, 0–1' }),
        }),
      ),
    }),
  ),
});
