import { RECORD_SOURCES, type RecordSource } from '#common/municipal/carriers.ts';
import { splitByMonth } from '#common/municipal/month-split.ts';

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
    const quantities = splitByMonth(r.period_start, r.period_end, r.quantity);
    const costs = r.cost_eur === null ? null : splitByMonth(r.period_start, r.period_end, r.cost_eur);
    quantities.forEach((part, i) => {
      const month = Number(part.month.slice(0, 4)) * 100 + Number(part.month.slice(5, 7));
      let sources = bySource.get(month);
      if (!sources) bySource.set(month, (sources = new Map()));
      const sum = sources.get(r.source) ?? { quantity: 0, cost: null, maxKw: null };
      sum.quantity += part.share;
      if (costs) sum.cost = (sum.cost ?? 0) + costs[i].share;
      if (r.max_kw !== null) sum.maxKw = Math.max(sum.maxKw ?? 0, r.max_kw);
      sources.set(r.source, sum);
    });
  }
  const out: MonthFigure[] = [];
  for (const [month, sources] of bySource) {
    const [source, sum] = [...sources].sort((a, b) => rank(a[0]) - rank(b[0]))[0];
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
