import { type HourRollup, rollupHours } from '../../timeseries/block-codec.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { HOUR_MS } from '#common/time.ts';

/**
 * Hourly rollups of a series counting only the readings within [from, to] (epoch ms,
 * inclusive). The stored rollups cover whole hours; an hour cut by `from` or `to` (a gateway
 * moved at 10:30) is rolled up again from its readings, so each reading counts for the
 * dwelling it belonged to.
 */
export async function hoursWithin(
  engine: TimeSeriesEngine,
  seriesId: number,
  from: number,
  to: number,
  cumulative: boolean,
): Promise<HourRollup[]> {
  if (from > to) return [];
  const hours = await engine.readHours(seriesId, from, to);
  const cut = new Set<number>();
  if (from % HOUR_MS !== 0) cut.add(Math.floor(from / HOUR_MS) * HOUR_MS);
  if ((to + 1) % HOUR_MS !== 0) cut.add(Math.floor(to / HOUR_MS) * HOUR_MS);
  if (!hours.some((h) => cut.has(h.hour))) return hours;
  const out: HourRollup[] = [];
  for (const h of hours) {
    if (!cut.has(h.hour)) {
      out.push(h);
      continue;
    }
    const points = await engine.readPoints(
      seriesId,
      Math.max(from, h.hour),
      Math.min(to, h.hour + HOUR_MS - 1),
    );
    out.push(...rollupHours(points, cumulative));
  }
  return out;
}
