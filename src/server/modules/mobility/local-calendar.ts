import { DateTime } from 'luxon';
import { HOUR_MS } from '#common/time.ts';

/**
 * Local days and months of instants, as integers (YYYYMMDD, YYYYMM) that SQL groups by. A year
 * of a city fleet is millions of trips and charges: the zone's offset is looked up once per UTC
 * hour (offsets change on whole hours here) instead of once per instant.
 */
export class LocalCalendar {
  private readonly offsets = new Map<number, number>();

  constructor(readonly zone: string) {}

  /** The zone's offset from UTC at `t`, ms. */
  offset(t: number): number {
    const hour = Math.floor(t / HOUR_MS);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      if (this.offsets.size > 200_000) this.offsets.clear();
      offset = DateTime.fromMillis(hour * HOUR_MS, { zone: this.zone }).offset * 60_000;
      this.offsets.set(hour, offset);
    }
    return offset;
  }

  /** Local day of `t`, YYYYMMDD. */
  day(t: number): number {
    const d = new Date(t + this.offset(t));
    return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
  }

  /** Local month of `t`, YYYYMM. */
  month(t: number): number {
    return Math.floor(this.day(t) / 100);
  }

  /** Local midnight starting a day YYYYMMDD, epoch ms. */
  startOfDay(day: number): number {
    return DateTime.fromObject(
      { year: Math.floor(day / 10_000), month: Math.floor(day / 100) % 100, day: day % 100 },
      { zone: this.zone },
    ).toMillis();
  }
}

/** YYYYMMDD as YYYY-MM-DD. */
export const isoDay = (day: number): string =>
  `${Math.floor(day / 10_000)}-${String(Math.floor(day / 100) % 100).padStart(2, '0')}-${String(day % 100).padStart(2, '0')}`;

/** YYYY-MM-DD as YYYYMMDD. */
export const dayOfIso = (iso: string): number => Number(iso.slice(0, 10).replace(/-/g, ''));

/** The days from `first` to `last` (YYYYMMDD, both included), in order. */
export function daysBetween(first: number, last: number): number[] {
  const out: number[] = [];
  const toDate = (d: number) => Date.UTC(Math.floor(d / 10_000), (Math.floor(d / 100) % 100) - 1, d % 100);
  for (let t = toDate(first); t <= toDate(last); t += 86_400_000) {
    const d = new Date(t);
    out.push(d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate());
  }
  return out;
}

/** Day of the week of a day YYYYMMDD, 0 = Monday. */
export function weekdayOf(day: number): number {
  const d = new Date(Date.UTC(Math.floor(day / 10_000), (Math.floor(day / 100) % 100) - 1, day % 100));
  return (d.getUTCDay() + 6) % 7;
}

/** A local month YYYYMM as [start, end), epoch ms. */
export function monthPeriod(key: number, zone: string): { start: number; end: number } {
  const start = DateTime.fromObject({ year: Math.floor(key / 100), month: key % 100, day: 1 }, { zone });
  return { start: start.toMillis(), end: start.plus({ months: 1 }).toMillis() };
}

/** A local year as [start, end), epoch ms. */
export function yearPeriod(year: number, zone: string): { start: number; end: number } {
  const start = DateTime.fromObject({ year, month: 1, day: 1 }, { zone });
  return { start: start.toMillis(), end: start.plus({ years: 1 }).toMillis() };
}
