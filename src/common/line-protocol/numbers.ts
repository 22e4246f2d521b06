/** Largest int64, 2^63 - 1. */
export const INT64_MAX_DIGITS = '9223372036854775807';
/** Magnitude of the smallest int64, 2^63. */
export const INT64_MIN_MAGNITUDE_DIGITS = '9223372036854775808';
/** Largest uint64, 2^64 - 1. */
export const UINT64_MAX_DIGITS = '18446744073709551615';

/**
 * Whether the unsigned decimal integer `body[start, end)` (digits only, at least one) is at
 * most `maxDigits`, a decimal string without leading zeros. Compares digit strings, so it works
 * far beyond 2^53 without BigInt.
 */
export function digitsAtMost(body: string, start: number, end: number, maxDigits: string): boolean {
  while (start < end - 1 && body.charCodeAt(start) === 48) start++;
  const length = end - start;
  if (length !== maxDigits.length) return length < maxDigits.length;
  // Equal lengths of ASCII digits: string order is numeric order.
  return body.slice(start, end) <= maxDigits;
}

/**
 * Exact powers of ten, written as literals (not computed with `**`, which need not be exact):
 * every 10^k with k <= 22 is a double without rounding, so a mantissa
 * below 2^53 multiplied or divided by one of them is correctly rounded (Clinger's fast path).
 */
export const EXACT_POWERS_OF_TEN: readonly number[] = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

/** Most decimal digits whose value is always an exact double (10^15 < 2^53). */
export const EXACT_MANTISSA_DIGITS = 15;
