import type { ComfortBucket, ComfortInterval, DwellingComfort, GroupComfort } from '#common/api/comfort.ts';
import { api, ApiError, query } from '../../api/http.ts';

/**
 * The comfort API as the home app reads it: `GET /comfort/dwellings/:id`, `/comfort/buildings/:id`
 * and `/comfort/districts/:id`. An instance without the comfort API answers 404: that is
 * `ComfortUnavailable`, shown as "not available yet" rather than as an error.
 */

/** The resident colour of a PMV (green, yellow, red). */
export type ComfortStatus = NonNullable<ComfortBucket['status']>;

/** The comfort API is not on this instance (yet). */
export class ComfortUnavailable extends Error {
  constructor() {
    super('comfort unavailable');
  }
}

async function read<T>(path: string, signal?: AbortSignal): Promise<T> {
  try {
    return await api<T>(path, { signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) throw new ComfortUnavailable();
    throw error;
  }
}

const range = (from: number, to: number, interval: ComfortInterval) =>
  query({ from, to, interval, limit: 10_000 });

export const getDwellingComfort = (
  dwelling: number,
  from: number,
  to: number,
  interval: ComfortInterval,
  signal?: AbortSignal,
) => read<DwellingComfort>(`/comfort/dwellings/${dwelling}${range(from, to, interval)}`, signal);

export const getGroupComfort = (
  scope: 'buildings' | 'districts',
  id: number,
  from: number,
  to: number,
  interval: ComfortInterval,
  signal?: AbortSignal,
) => read<GroupComfort>(`/comfort/${scope}/${id}${range(from, to, interval)}`, signal);

/** The mean PMV and PPD over buckets, each weighed by its hours; null without data. */
export function meanComfort(
  buckets: readonly ComfortBucket[],
): { pmv: number; ppd: number; hours: number } | null {
  let pmv = 0;
  let ppd = 0;
  let hours = 0;
  for (const b of buckets) {
    if (b.pmv === null || b.ppd === null || b.hours === 0) continue;
    pmv += b.pmv * b.hours;
    ppd += b.ppd * b.hours;
    hours += b.hours;
  }
  return hours > 0 ? { pmv: pmv / hours, ppd: ppd / hours, hours } : null;
}

/** The resident colour of a PMV: green |PMV| ≤ 0.5, yellow ≤ 1.0, red beyond (as the comfort API says). */
export function statusOf(pmv: number): ComfortStatus {
  const a = Math.abs(pmv);
  return a <= 0.5 ? 'green' : a <= 1 ? 'yellow' : 'red';
}
