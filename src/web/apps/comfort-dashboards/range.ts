/** The time ranges the dashboards offer, and the range each means now. */
export const RANGE_PRESETS = ['24h', '7d', '30d', 'season', 'year', 'custom'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

const DAY = 86_400_000;
const HOUR = 3_600_000;

/**
 * The range of a preset ending now (to the end of the current hour): the heating season runs
 * from 1 October to 30 April (the one under way, or the last one in summer).
 */
export function rangeOf(preset: RangePreset, now = Date.now(), custom?: { from: string; to: string }) {
  const to = Math.ceil(now / HOUR) * HOUR - 1;
  switch (preset) {
    case '24h':
      return { from: to + 1 - DAY, to };
    case '7d':
      return { from: to + 1 - 7 * DAY, to };
    case '30d':
      return { from: to + 1 - 30 * DAY, to };
    case 'year':
      return { from: to + 1 - 365 * DAY, to };
    case 'season': {
      const d = new Date(now);
      const year = d.getMonth() >= 9 ? d.getFullYear() : d.getFullYear() - 1;
      const start = new Date(year, 9, 1).getTime();
      const end = new Date(year + 1, 4, 1).getTime() - 1;
      return { from: start, to: Math.min(end, to) };
    }
    case 'custom': {
      const from = custom ? new Date(`${custom.from}T00:00`).getTime() : to + 1 - 7 * DAY;
      const end = custom ? new Date(`${custom.to}T00:00`).getTime() + DAY - 1 : to;
      return { from, to: Math.max(from + HOUR - 1, end) };
    }
  }
}

/** The comfort interval a range is drawn with: hours up to 31 days, days beyond. */
export const intervalFor = (r: { from: number; to: number }) => (r.to - r.from > 31 * DAY ? 'day' : 'hour');

/** A date as an `<input type="date">` holds it. */
export const dateInput = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};
