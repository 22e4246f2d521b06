import type { FitResult } from '#common/api/forecast.ts';
import { HttpProblem } from '../../plugins/errors.ts';
import { fitWithAccuracy, MIN_MODEL_DAYS, type DailySeries, sufficiencyOf } from './model-accuracy.ts';

/** One bad day of a fit request: where (index and field) and why. */
interface BadDay {
  index: number | null;
  field: string;
  message: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** Most bad days listed in one answer. */
const MAX_LISTED = 50;

/** The day number of a YYYY-MM-DD calendar date, or undefined when it is not one. */
function dayNumber(value: string): number | undefined {
  const m = DATE.exec(value);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(t).toISOString().slice(0, 10) !== value) return undefined;
  return t / 86_400_000;
}

/**
 * The days of a fit request as a series sorted by date; refuses the request (400) naming each
 * bad day by its index and field: a missing field, a value that is not a finite number (or a
 * negative energy), a date that is not a calendar day, a date given twice, or fewer days than a
 * model needs.
 */
export function parseFitDays(days: readonly unknown[]): DailySeries {
  const bad: BadDay[] = [];
  const seen = new Map<number, number>();
  const rows: { day: number; e: number; t: number }[] = [];
  days.forEach((entry, index) => {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      bad.push({ index, field: 'day', message: 'must be an object with date, energyKWh and temperatureC' });
      return;
    }
    const d = entry as Record<string, unknown>;
    let ok = true;
    for (const field of ['date', 'energyKWh', 'temperatureC'])
      if (!(field in d) || d[field] === null || d[field] === undefined) {
        bad.push({ index, field, message: 'is missing' });
        ok = false;
      }
    if (!ok) return;
    const day = typeof d.date === 'string' ? dayNumber(d.date) : undefined;
    if (day === undefined) {
      bad.push({
        index,
        field: 'date',
        message: `must be a calendar date YYYY-MM-DD, not ${JSON.stringify(d.date)}`,
      });
      ok = false;
    }
    if (typeof d.energyKWh !== 'number' || !Number.isFinite(d.energyKWh)) {
      bad.push({
        index,
        field: 'energyKWh',
        message: `must be a number, not ${JSON.stringify(d.energyKWh)}`,
      });
      ok = false;
    } else if (d.energyKWh < 0) {
      bad.push({ index, field: 'energyKWh', message: `must not be negative (${d.energyKWh})` });
      ok = false;
    }
    if (typeof d.temperatureC !== 'number' || !Number.isFinite(d.temperatureC)) {
      bad.push({
        index,
        field: 'temperatureC',
        message: `must be a number, not ${JSON.stringify(d.temperatureC)}`,
      });
      ok = false;
    } else if (d.temperatureC < -90 || d.temperatureC > 60) {
      bad.push({
        index,
        field: 'temperatureC',
        message: `must be a daily mean between −90 and 60 °C (${d.temperatureC})`,
      });
      ok = false;
    }
    if (!ok || day === undefined) return;
    const first = seen.get(day);
    if (first !== undefined) {
      bad.push({
        index,
        field: 'date',
        message: `${d.date as string} is given twice (first at index ${first})`,
      });
      return;
    }
    seen.set(day, index);
    rows.push({ day, e: d.energyKWh as number, t: d.temperatureC as number });
  });
  if (bad.length === 0 && rows.length < MIN_MODEL_DAYS)
    bad.push({
      index: null,
      field: 'days',
      message: `${rows.length} days given; a model needs at least ${MIN_MODEL_DAYS} (five weeks, one per fold of the cross-validation)`,
    });
  if (bad.length > 0) {
    const where = (b: BadDay) => (b.index === null ? 'body.days' : `body.days[${b.index}].${b.field}`);
    const errors = bad.slice(0, MAX_LISTED).map((b) => ({ where: where(b), message: b.message }));
    const more = bad.length > MAX_LISTED ? ` (and ${bad.length - MAX_LISTED} more)` : '';
    throw new HttpProblem(400, `${errors.map((e) => `${e.where}: ${e.message}`).join('; ')}${more}`, {
      errors,
      index: bad[0].index,
      field: bad[0].field,
    });
  }
  rows.sort((a, b) => a.day - b.day);
  return {
    day: Int32Array.from(rows, (r) => r.day),
    energyKWh: Float64Array.from(rows, (r) => r.e),
    temperatureC: Float64Array.from(rows, (r) => r.t),
  };
}

/** The fit API's answer for a series: the CalTRACK model and its accuracy on held-out weeks. */
export function fitSeries(series: DailySeries): FitResult {
  const { model, accuracy } = fitWithAccuracy(series);
  return {
    type: model.type,
    balancePointC: model.balancePointC,
    interceptKWhPerDay: model.interceptKWhPerDay,
    slopeKWhPerDegreeDay: model.slopeKWhPerDegreeDay,
    adjR2: model.adjR2,
    r2: model.r2,
    slopePValue: model.slopePValue,
    residualStdKWh: model.residualStdKWh,
    days: model.days,
    cvrmse: accuracy.cvrmse,
    cvrmseMonthly: accuracy.cvrmseMonthly,
    nmbe: accuracy.nmbe,
    cvR2: accuracy.r2,
    meetsGuideline14: accuracy.meetsGuideline14,
    sufficiency: sufficiencyOf(series),
  };
}
