import { TOO_FEW_DWELLINGS } from '#common/api/access.ts';
import type { BeforeAfter, Tips } from '#common/api/home.ts';
import type { Language } from '#common/api/news.ts';
import type { Aggregate, Group, Interval, Latest } from '#common/api/readings.ts';
import type { Building, Dwelling, Sensor } from '#common/api/registry.ts';
import { api, ApiError, query } from '../../api/http.ts';

/** The resident's home: what the pages of this app read from /api/v1. */

/** What `/readings/group` and `/readings/aggregate` are asked about. */
export type GroupScope = { dwelling: number } | { building: number } | { district: number };

export const getDwelling = (id: number, signal?: AbortSignal) =>
  api<Dwelling>(`/dwellings/${id}`, { signal });
export const getBuilding = (id: number, signal?: AbortSignal) =>
  api<Building>(`/buildings/${id}`, { signal });
/** The sensors of one medium in the dwelling (its gateways' sensors now). */
export const listSensors = (dwelling: number, medium: string, signal?: AbortSignal) =>
  api<{ items: Sensor[] }>(`/sensors${query({ dwelling, medium, limit: 100 })}`, { signal }).then((p) =>
    p.items.filter((s) => s.hasReadings),
  );

/** The mean of a medium across a dwelling, building or district, per interval. */
export const getGroup = (
  scope: GroupScope,
  medium: string,
  from: number,
  to: number,
  interval: Interval,
  signal?: AbortSignal,
) => api<Group>(`/readings/group${query({ ...scope, medium, from, to, interval })}`, { signal });

/**
 * A building or district mean, or null when the server withholds it: it covers too few homes for
 * a resident to see without telling one home's readings (`CIOP_PRIVACY_MIN_DWELLINGS`).
 */
export async function unlessWithheld<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError && error.status === 403 && error.problem.type === TOO_FEW_DWELLINGS)
      return null;
    throw error;
  }
}

/** One sensor's count, min, max and mean per interval. */
export const getAggregate = (
  sensor: number,
  from: number,
  to: number,
  interval: Interval,
  signal?: AbortSignal,
) => api<Aggregate>(`/readings/aggregate${query({ sensor, from, to, interval })}`, { signal });

/** The latest reading of every sensor of the dwelling. */
export const getLatest = (dwelling: number, signal?: AbortSignal) =>
  api<Latest>(`/readings/latest${query({ dwelling })}`, { signal });

/** Energy before and after an intervention, per heating degree day (computed on the server). */
export const getBeforeAfter = (
  dwelling: number,
  options: { date?: string; days?: number },
  signal?: AbortSignal,
) => api<BeforeAfter>(`/dwellings/${dwelling}/before-after${query(options)}`, { signal });

/** Tips drawn from the dwelling's recent readings, in the interface language. */
export const getTips = (dwelling: number, lang: Language, signal?: AbortSignal) =>
  api<Tips>(`/dwellings/${dwelling}/tips${query({ lang })}`, { signal });
