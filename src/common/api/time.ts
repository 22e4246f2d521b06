import { Type } from '@sinclair/typebox';

// The instants the API takes: the years 0001 to 9999 UTC, the ones ISO 8601 writes with four
// digits. That is far inside what a JavaScript Date holds (±8.64e15 ms), so a service may add
// days to an instant, format it or cut it into local days without meeting an invalid date.

/** 0001-01-01T00:00:00.000Z, epoch milliseconds. */
export const EPOCH_MS_MIN = -62_135_596_800_000;
/** 9999-12-31T23:59:59.999Z, epoch milliseconds. */
export const EPOCH_MS_MAX = 253_402_300_799_999;

/** An instant in UTC epoch milliseconds, within the years 0001 to 9999. */
export const EpochMs = (description: string) =>
  Type.Integer({
    minimum: EPOCH_MS_MIN,
    maximum: EPOCH_MS_MAX,
    description: `${description} (UTC epoch milliseconds)`,
  });

/** The largest distance from 1970 a JavaScript Date holds, ms (ECMA-262 TimeClip: ±8.64e15). */
export const DATE_MS_LIMIT = 8.64e15;

/**
 * An instant in Unix seconds (fractions allowed) that a date can hold. Only that is bounded here:
 * a service that reports bad records one by one says more of a time that is merely implausible
 * (given in milliseconds by mistake, say) than a schema can.
 */
export const UnixSeconds = (description: string) =>
  Type.Number({
    minimum: -DATE_MS_LIMIT / 1000,
    maximum: DATE_MS_LIMIT / 1000,
    description: `${description} (Unix seconds)`,
  });
