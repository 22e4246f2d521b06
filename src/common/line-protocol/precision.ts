/**
 * Unit of the timestamps in a line protocol body: nanoseconds, microseconds, milliseconds,
 * seconds, minutes or hours. `m` and `h` exist only in the InfluxDB 1.x `/write` API.
 */
export type Precision = 'ns' | 'us' | 'ms' | 's' | 'm' | 'h';

/** A `precision` parameter that is none of the units InfluxDB knows. */
export class PrecisionError extends Error {
  /** The value as the client sent it. */
  readonly precision: string;

  constructor(precision: string) {
    super(`invalid precision ${JSON.stringify(precision)}: use ns, us, ms or s (also n, u, m or h)`);
    this.name = 'PrecisionError';
    this.precision = precision;
  }
}

const PRECISION_NAMES: Readonly<Record<string, Precision>> = {
  // InfluxDB 2.x `/api/v2/write`
  ns: 'ns',
  us: 'us',
  ms: 'ms',
  s: 's',
  // InfluxDB 1.x `/write`
  n: 'ns',
  u: 'us',
  m: 'm',
  h: 'h',
};

/**
 * Reads the `precision` query parameter of a write.
 *
 * Accepts the InfluxDB 2.x names (`ns`, `us`, `ms`, `s`) and the InfluxDB 1.x ones (`n`, `u`,
 * `ms`, `s`, `m`, `h`), case-sensitively as InfluxDB does. A missing or empty value gives
 * `fallback`. Neither InfluxDB accepts `µ` or `µs`, so neither does this.
 *
 * @throws PrecisionError for any other value; the caller reports it as a bad request.
 */
export function parsePrecision(raw: string | undefined, fallback: Precision): Precision {
  if (raw === undefined || raw === '') return fallback;
  const precision = Object.hasOwn(PRECISION_NAMES, raw) ? PRECISION_NAMES[raw] : undefined;
  if (precision === undefined) throw new PrecisionError(raw);
  return precision;
}

/**
 * How a timestamp of one precision becomes epoch milliseconds without leaving exact integer
 * arithmetic: nanosecond values exceed 2^53, so the last `dropDigits` decimal digits are split
 * off the digit string before any conversion to a number.
 */
export interface PrecisionSpec {
  /** Decimal digits below the millisecond: 6 for ns, 3 for us, 0 otherwise. */
  readonly dropDigits: number;
  /** Milliseconds per unit when the unit is a millisecond or coarser, else 1. */
  readonly msPerUnit: number;
  /**
   * Largest magnitude accepted, as a decimal string without leading zeros: InfluxDB keeps
   * times in [-(2^63 - 2), 2^63 - 2] nanoseconds (`models.MaxNanoTime`), so a timestamp `t`
   * is valid when |t| × (nanoseconds per unit) does not exceed 9223372036854775806.
   */
  readonly maxDigits: string;
  /** `maxDigits` without its last `dropDigits` digits, as a number (exact: at most 13 digits). */
  readonly maxWhole: number;
}

/** A PrecisionSpec, deriving `maxWhole` from `maxDigits`. */
function spec(dropDigits: number, msPerUnit: number, maxDigits: string): PrecisionSpec {
  const maxWhole = Number(maxDigits.slice(0, maxDigits.length - dropDigits));
  return { dropDigits, msPerUnit, maxDigits, maxWhole };
}

/** The conversion and range of each precision. */
export const PRECISION_SPECS: Readonly<Record<Precision, PrecisionSpec>> = {
  ns: spec(6, 1, '9223372036854775806'),
  us: spec(3, 1, '9223372036854775'),
  ms: spec(0, 1, '9223372036854'),
  s: spec(0, 1_000, '9223372036'),
  m: spec(0, 60_000, '153722867'),
  h: spec(0, 3_600_000, '2562047'),
};

/**
 * The time given to lines without a timestamp, in epoch milliseconds: `nowMs` cut down to a
 * whole unit of `precision` (toward -infinity), as InfluxDB truncates its clock to the write
 * precision.
 */
export function defaultTimeMs(nowMs: number, precision: Precision): number {
  const unit = PRECISION_SPECS[precision].msPerUnit;
  return Math.floor(nowMs / unit) * unit;
}

/**
 * Converts the timestamp `body[start, end)` (an optional `-`, then decimal digits) to epoch
 * milliseconds in one pass, truncating sub-millisecond parts toward -infinity.
 *
 * @returns the time in milliseconds, or NaN when the text is not an integer or the time is
 *   outside InfluxDB's range; the caller works out which for its error message.
 */
export function timestampToMs(body: string, start: number, end: number, spec: PrecisionSpec): number {
  const negative = body.charCodeAt(start) === 45;
  if (negative) start++;
  if (start >= end) return Number.NaN;
  // Leading zeros carry no value and must not count against the range.
  while (start < end - 1 && body.charCodeAt(start) === 48) start++;
  const length = end - start;
  if (length > spec.maxDigits.length) return Number.NaN;

  // Digits above the millisecond: at most 13, so the arithmetic is exact.
  const split = end - spec.dropDigits;
  let whole = 0;
  let i = start;
  for (; i < split; i++) {
    const digit = body.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    whole = whole * 10 + digit;
  }
  let fraction = 0;
  for (; i < end; i++) {
    const digit = body.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number.NaN;
    fraction |= digit;
  }
  if (whole >= spec.maxWhole) {
    if (whole > spec.maxWhole) return Number.NaN;
    if (length === spec.maxDigits.length && body.slice(start, end) > spec.maxDigits) return Number.NaN;
  }
  const ms = whole * spec.msPerUnit;
  if (!negative) return ms;
  // Floor, not truncation: -1 ns is in the millisecond before the epoch. `0 -` avoids -0.
  return 0 - ms - (fraction === 0 ? 0 : 1);
}
