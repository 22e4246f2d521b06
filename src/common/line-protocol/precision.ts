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
}

export const PRECISION_SPECS: Readonly<Record<Precision, PrecisionSpec>> = {
  ns: { dropDigits: 6, msPerUnit: 1, maxDigits: '9223372036854775806' },
  us: { dropDigits: 3, msPerUnit: 1, maxDigits: '9223372036854775' },
  ms: { dropDigits: 0, msPerUnit: 1, maxDigits: '9223372036854' },
  s: { dropDigits: 0, msPerUnit: 1_000, maxDigits: '9223372036' },
  m: { dropDigits: 0, msPerUnit: 60_000, maxDigits: '153722867' },
  h: { dropDigits: 0, msPerUnit: 3_600_000, maxDigits: '2562047' },
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
 * Converts the timestamp whose digits are `body[start, end)` (no sign, at least one digit)
 * to epoch milliseconds, truncating sub-millisecond parts toward -infinity.
 *
 * @returns the time in milliseconds, or NaN when the timestamp is outside InfluxDB's range.
 */
export function timestampToMs(
  body: string,
  start: number,
  end: number,
  negative: boolean,
  spec: PrecisionSpec,
): number {
  // Leading zeros carry no value and must not count against the range.
  while (start < end - 1 && body.charCodeAt(start) === 48) start++;
  const length = end - start;
  const max = spec.maxDigits;
  if (length > max.length) return Number.NaN;
  if (length === max.length && body.slice(start, end) > max) return Number.NaN;

  // At most 13 significant digits remain above the millisecond, so the arithmetic is exact.
  const split = end - spec.dropDigits;
  let whole = 0;
  for (let i = start; i < split; i++) whole = whole * 10 + (body.charCodeAt(i) - 48);
  let fraction = false;
  for (let i = split > start ? split : start; i < end; i++) {
    if (body.charCodeAt(i) !== 48) {
      fraction = true;
      break;
    }
  }
  const ms = whole * spec.msPerUnit;
  if (!negative) return ms;
  // Floor, not truncation: -1 ns is in the millisecond before the epoch. `0 -` avoids -0.
  return 0 - ms - (fraction ? 1 : 0);
}
