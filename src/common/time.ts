/** One minute, ms. */
export const MINUTE_MS = 60_000;
/** One hour, ms. */
export const HOUR_MS = 3_600_000;
/** One day of 24 hours, ms (a local day may have 23 or 25: cut days with the calendar, not with this). */
export const DAY_MS = 86_400_000;
