/** A year, or a month of it (`month` 1–12; 0 = the whole year), as [from, to) in local time. */
export function periodOf(year: number, month: number): { from: number; to: number } {
  if (month === 0) return { from: new Date(year, 0, 1).getTime(), to: new Date(year + 1, 0, 1).getTime() };
  return { from: new Date(year, month - 1, 1).getTime(), to: new Date(year, month, 1).getTime() };
}

/** The years a picker offers: from this one back a few. */
export function recentYears(now = new Date(), back = 4): number[] {
  return Array.from({ length: back + 1 }, (_, i) => now.getFullYear() - i);
}

/** A duration in seconds as "38 min" or "1 h 05 min". */
export function minutes(seconds: number): string {
  const m = Math.round(seconds / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}
