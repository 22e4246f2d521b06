import { RECORD_SOURCES, type RecordSource } from '#common/municipal/carriers.ts';
import { monthDays } from '#common/municipal/month-split.ts';

/** What a record contributes to the months: its period, quantity, cost and source. */
export interface RecordPart {
  source: string;
  period_start: string;
  period_end: string;
  quantity: number;
  cost_eur: number | null;
  max_kw: number | null;
}

/** One meter-month as it is counted: from the one source that wins there. */
export interface MonthFigure {
  /** YYYYMM. */
  month: number;
  source: RecordSource;
  quantity: number;
  costEur: number | null;
  maxKw: number | null;
}

const rank = (source: string) => {
  const i = RECORD_SOURCES.indexOf(source as RecordSource);
  return i < 0 ? RECORD_SOURCES.length : i;
};

/**
 * The months of one meter from all its records. Each record's period is split over calendar
 * months by days; within a month, the records of each source add up, and the month takes the
 * source that comes first in {@link RECORD_SOURCES}: invoices, then readings, Datadis, manual
 * entries. So a month is never counted twice, an invoice's cost is never mixed with a reading's
 * quantity, and readings fill only the months no invoice covers.
 */
export function monthsOf(records: readonly RecordPart[]): MonthFigure[] {
  const bySource = new Map<
    number,
    Map<string, { quantity: number; cost: number | null; maxKw: number | null }>
  >();
  for (const r of records) {
    // As splitByMonth: by days, the last month taking what the others leave.
    const months = monthDays(r.period_start, r.period_end);
    if (!months) throw new RangeError(`not a period: ${r.period_start} to ${r.period_end}`);
    let length = 0;
    for (const m of months) length += m.days;
    let quantityGiven = 0;
    let costGiven = 0;
    for (let i = 0; i < months.length; i++) {
      const { month, days } = months[i];
      const last = i === months.length - 1;
      const quantity = last ? r.quantity - quantityGiven : (r.quantity * days) / length;
      quantityGiven += quantity;
      let sources = bySource.get(month);
      if (!sources) bySource.set(month, (sources = new Map()));
      let sum = sources.get(r.source);
      if (!sum) sources.set(r.source, (sum = { quantity: 0, cost: null, maxKw: null }));
      sum.quantity += quantity;
      if (r.cost_eur !== null) {
        const cost = last ? r.cost_eur - costGiven : (r.cost_eur * days) / length;
        costGiven += cost;
        sum.cost = (sum.cost ?? 0) + cost;
      }
      if (r.max_kw !== null) sum.maxKw = Math.max(sum.maxKw ?? 0, r.max_kw);
    }
  }
  const out: MonthFigure[] = [];
  for (const [month, sources] of bySource) {
    let source = '';
    let sum = { quantity: 0, cost: null as number | null, maxKw: null as number | null };
    for (const [s, v] of sources)
      if (source === '' || rank(s) < rank(source)) {
        source = s;
        sum = v;
      }
    out.push({
      month,
      source: source as RecordSource,
      quantity: sum.quantity,
      costEur: sum.cost,
      maxKw: sum.maxKw,
    });
  }
  return out.sort((a, b) => a.month - b.month);
}

/** `YYYY-MM` of a YYYYMM month. */
export const monthText = (month: number) =>
  `${Math.floor(month / 100)}-${String(month % 100).padStart(2, '0')}`;
/** YYYYMM of `YYYY-MM`. */
export const monthNumber = (text: string) => Number(text.slice(0, 4)) * 100 + Number(text.slice(5, 7));
/** The month `n` months after (or before, negative) a YYYYMM month. */
export function addMonths(month: number, n: number): number {
  const index = Math.floor(month / 100) * 12 + (month % 100) - 1 + n;
  return Math.floor(index / 12) * 100 + (index % 12) + 1;
}
