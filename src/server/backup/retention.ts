import { DateTime } from 'luxon';

/** How many backups of each period to keep: grandfather–father–son. */
export interface Keep {
  daily: number;
  weekly: number;
  monthly: number;
  yearly: number;
}

const UNITS: Record<string, keyof Keep> = { d: 'daily', w: 'weekly', m: 'monthly', y: 'yearly' };

/** Reads `7d,4w,12m,3y` (any of the four, in any order); throws naming the part it cannot read. */
export function parseKeep(text: string): Keep {
  const keep: Keep = { daily: 0, weekly: 0, monthly: 0, yearly: 0 };
  for (const part of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = /^(\d+)([dwmy])$/.exec(part);
    if (!m) throw new Error(`"${part}" is not a count and a period (d, w, m or y), as in 7d,4w,12m,3y`);
    keep[UNITS[m[2]]] = Number(m[1]);
  }
  return keep;
}

/**
 * The backups to keep: the newest of each of the last `daily` days that have one, of the last
 * `weekly` ISO weeks, `monthly` months and `yearly` years (in the city's time zone). Everything
 * else may go.
 */
export function retained<T extends { at: Date }>(backups: readonly T[], keep: Keep, zone: string): Set<T> {
  const newestFirst = [...backups].sort((a, b) => b.at.getTime() - a.at.getTime());
  const kept = new Set<T>();
  const periods: [number, (d: DateTime) => string][] = [
    [keep.daily, (d) => d.toISODate()!],
    [keep.weekly, (d) => `${d.weekYear}-W${d.weekNumber}`],
    [keep.monthly, (d) => d.toFormat('yyyy-LL')],
    [keep.yearly, (d) => String(d.year)],
  ];
  for (const [count, periodOf] of periods) {
    const seen = new Set<string>();
    for (const backup of newestFirst) {
      if (seen.size >= count) break;
      const period = periodOf(DateTime.fromJSDate(backup.at, { zone }));
      if (seen.has(period)) continue;
      seen.add(period);
      kept.add(backup);
    }
  }
  return kept;
}
