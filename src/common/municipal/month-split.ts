/**
 * Splitting a billing period over calendar months, in proportion to the days of the period
 * that fall in each month: an invoice from 15 December to 14 January (31 days) of 3,100 kWh
 * gives 17/31 to December (1,700 kWh) and 14/31 to January (1,400 kWh). Dates are calendar
 * dates (`YYYY-MM-DD`), both ends included, so no time zone enters.
 */

/** One month's part of a period. */
export interface MonthShare {
  /** `YYYY-MM`. */
  month: string;
  /** Days of the period in this month. */
  days: number;
  /** The part of the period's quantity (or cost) that falls in this month. */
  share: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Dates already read: an import names the same few hundred dates again and again. */
const known = new Map<string, number | undefined>();

/** Epoch days of a calendar date, or undefined when it is not one (2025-02-30). */
export function epochDay(date: string): number | undefined {
  if (known.has(date)) return known.get(date);
  const day = readDay(date);
  if (known.size >= 100_000) known.clear();
  known.set(date, day);
  return day;
}

function readDay(date: string): number | undefined {
  const m = DATE.exec(date);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = Date.UTC(y, mo - 1, d);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  return t / DAY_MS;
}

/** `YYYY-MM-DD` of an epoch day. */
export const dateOfDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** Days from `start` to `end`, both included; undefined when either is not a date or end < start. */
export function periodDays(start: string, end: string): number | undefined {
  const a = epochDay(start);
  const b = epochDay(end);
  if (a === undefined || b === undefined || b < a) return undefined;
  return b - a + 1;
}

/** One month a period touches: YYYYMM and the days of the period in it. */
export interface MonthDays {
  month: number;
  days: number;
}

/** Periods already cut into months: an import names the same billing periods for every meter. */
const cut = new Map<string, readonly MonthDays[]>();

/**
 * The months a period touches (`YYYY-MM-DD`, both ends included), each with its days; undefined
 * when it is not a period.
 */
export function monthDays(start: string, end: string): readonly MonthDays[] | undefined {
  const key = `${start}|${end}`;
  let months = cut.get(key);
  if (months) return months;
  const a = epochDay(start);
  const b = epochDay(end);
  if (a === undefined || b === undefined || b < a) return undefined;
  const out: MonthDays[] = [];
  let day = a;
  while (day <= b) {
    const d = new Date(day * DAY_MS);
    const nextMonth = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY_MS;
    const last = Math.min(b, nextMonth - 1);
    out.push({ month: d.getUTCFullYear() * 100 + d.getUTCMonth() + 1, days: last - day + 1 });
    day = last + 1;
  }
  months = out;
  if (cut.size >= 100_000) cut.clear();
  cut.set(key, months);
  return months;
}

/**
 * The months a period touches, each with its days and its share of `total`. The shares add up to
 * `total` exactly: the last month takes what the others leave, so no rounding is lost.
 */
export function splitByMonth(start: string, end: string, total: number): MonthShare[] {
  const months = monthDays(start, end);
  if (!months) throw new RangeError(`not a period: ${start} to ${end}`);
  const length = months.reduce((n, m) => n + m.days, 0);
  let given = 0;
  return months.map(({ month, days }, i) => {
    const share = i === months.length - 1 ? total - given : (total * days) / length;
    given += share;
    return { month: `${Math.floor(month / 100)}-${String(month % 100).padStart(2, '0')}`, days, share };
  });
}
