import { HOUR_MS } from '#common/time.ts';
import { intervalBoundaries } from '../../timeseries/calendar.ts';
import type { HourRollup } from '../../timeseries/block-codec.ts';
import type { BlockPoints } from '../../timeseries/block-codec.ts';
import { MIN_TIME } from '../../timeseries/timeseries-io.ts';
import { ngsiLdError } from './ngsild-errors.ts';

/**
 * The temporal part of NGSI-LD (ETSI GS CIM 009 V1.8.1 §4.5.9 temporal representation, §4.5.18
 * simplified temporal representation, §4.5.19 aggregated temporal representation, §4.11 temporal
 * query): a query's time range, `lastN`, and aggregation of the hourly rollups into periods of whole
 * hours or whole days (days cut in the city's time zone).
 */

export const AGGREGATION_METHODS = ['totalCount', 'sum', 'avg', 'min', 'max'] as const;
export type AggregationMethod = (typeof AGGREGATION_METHODS)[number];

/** A period of aggregation: `n` hours, `n` local days, or the whole range (P0D, the default). */
export type AggregationPeriod = { unit: 'hour' | 'day'; n: number } | { unit: 'all' };

export interface TemporalQuery {
  /** Inclusive bounds, epoch ms. */
  from: number;
  to: number;
  lastN?: number;
  format: 'normalized' | 'temporalValues' | 'aggregatedValues';
  methods: AggregationMethod[];
  period: AggregationPeriod;
}

export interface TemporalParams {
  timerel?: string;
  timeAt?: string;
  endTimeAt?: string;
  lastN?: string;
  timeproperty?: string;
  aggrMethods?: string;
  aggrPeriodDuration?: string;
  options?: string;
  format?: string;
}

function dateTime(name: string, text: string | undefined): number {
  const t = text === undefined ? NaN : Date.parse(text);
  if (!text || !/^\d{4}-\d{2}-\d{2}T/.test(text) || !Number.isFinite(t))
    throw ngsiLdError(
      'BadRequestData',
      `${name}: "${text ?? ''}" is not a DateTime (ISO 8601, e.g. 2026-01-01T00:00:00Z).`,
    );
  return t;
}

/** An ISO 8601 duration of whole hours or whole days (`PT6H`, `P1D`, `P7D`, `P0D`). */
export function parsePeriod(text: string | undefined): AggregationPeriod {
  if (text === undefined || /^P(T)?0[DHMS]?$|^PT0[HMS]$/.test(text)) return { unit: 'all' };
  const hours = /^PT([1-9]\d*)H$/.exec(text);
  if (hours) return { unit: 'hour', n: Number(hours[1]) };
  const days = /^P([1-9]\d*)D$/.exec(text);
  if (days) return { unit: 'day', n: Number(days[1]) };
  const weeks = /^P([1-9]\d*)W$/.exec(text);
  if (weeks) return { unit: 'day', n: 7 * Number(weeks[1]) };
  throw ngsiLdError(
    'BadRequestData',
    `aggrPeriodDuration: CIOP aggregates hourly rollups into whole hours (PT1H, PT6H…), whole days (P1D, P7D, P1W…) or the whole range (P0D), not "${text}".`,
  );
}

/** Reads a temporal query (§6.18.3.2, §6.19.3.1): timerel with timeAt (and endTimeAt), lastN, aggregation. */
export function parseTemporalQuery(params: TemporalParams, now: number): TemporalQuery {
  let from = MIN_TIME;
  let to = now + 365 * 24 * HOUR_MS;
  if (params.timerel !== undefined) {
    const at = dateTime('timeAt', params.timeAt);
    switch (params.timerel) {
      case 'before':
        to = at - 1;
        break;
      case 'after':
        from = at;
        break;
      case 'between': {
        const end = dateTime('endTimeAt', params.endTimeAt);
        if (end <= at) throw ngsiLdError('BadRequestData', 'endTimeAt: after timeAt.');
        from = at;
        to = end - 1;
        break;
      }
      default:
        throw ngsiLdError('BadRequestData', `timerel: before, after or between, not "${params.timerel}".`);
    }
  } else if (params.timeAt !== undefined || params.endTimeAt !== undefined)
    throw ngsiLdError('BadRequestData', 'timeAt and endTimeAt go with timerel.');
  if (params.timeproperty !== undefined && params.timeproperty !== 'observedAt')
    throw ngsiLdError('BadRequestData', 'timeproperty: CIOP’s readings have observedAt.');
  let lastN: number | undefined;
  if (params.lastN !== undefined) {
    lastN = Number(params.lastN);
    if (!Number.isInteger(lastN) || lastN < 1)
      throw ngsiLdError('BadRequestData', `lastN: a positive integer, not "${params.lastN}".`);
  }
  const options = new Set((params.options ?? '').split(',').filter((o) => o !== ''));
  const aggregated = options.has('aggregatedValues') || params.format === 'aggregatedValues';
  const simplified = options.has('temporalValues') || params.format === 'temporalValues';
  if (aggregated && simplified)
    throw ngsiLdError('BadRequestData', 'options: temporalValues or aggregatedValues, not both.');
  const methods: AggregationMethod[] = [];
  for (const m of (params.aggrMethods ?? '').split(',').filter((x) => x !== '')) {
    if (!(AGGREGATION_METHODS as readonly string[]).includes(m))
      throw ngsiLdError(
        'BadRequestData',
        `aggrMethods: CIOP aggregates with ${AGGREGATION_METHODS.join(', ')}, not "${m}".`,
      );
    methods.push(m as AggregationMethod);
  }
  if (aggregated && methods.length === 0)
    throw ngsiLdError('BadRequestData', 'aggregatedValues: name the aggrMethods.');
  if (!aggregated && (methods.length > 0 || params.aggrPeriodDuration !== undefined))
    throw ngsiLdError(
      'BadRequestData',
      'aggrMethods and aggrPeriodDuration go with options=aggregatedValues.',
    );
  return {
    from,
    to,
    lastN,
    format: aggregated ? 'aggregatedValues' : simplified ? 'temporalValues' : 'normalized',
    methods,
    period: parsePeriod(params.aggrPeriodDuration),
  };
}

/** The readings of a series within the query (the last N of them with lastN), values × scale. */
export function pointsOf(points: BlockPoints, scale: number, lastN?: number): [number, number][] {
  const start = lastN === undefined ? 0 : Math.max(0, points.times.length - lastN);
  const out: [number, number][] = [];
  for (let i = start; i < points.times.length; i++) out.push([points.values[i] * scale, points.times[i]]);
  return out;
}

/** One aggregated period: its methods' values, and where it starts and ends (epoch ms, end exclusive). */
export interface AggregatedPeriod {
  start: number;
  end: number;
  values: Record<AggregationMethod, number>;
}

/**
 * Hourly rollups gathered into periods: `n` hours from the first hour of the range, `n` local days
 * from the local midnight before it, or the whole range. Periods without readings are left out.
 * A cumulative meter's sum is its increase; avg, min and max are of its readings.
 */
export function aggregate(
  hours: HourRollup[],
  period: AggregationPeriod,
  range: { from: number; to: number },
  zone: string,
  scale: number,
  cumulative: boolean,
): AggregatedPeriod[] {
  if (hours.length === 0) return [];
  const first = Math.max(range.from, hours[0].hour);
  const last = Math.min(range.to, hours[hours.length - 1].hour + HOUR_MS - 1);
  let startOf: (hour: number) => { start: number; end: number };
  if (period.unit === 'all') {
    const whole = {
      start: Math.floor(first / HOUR_MS) * HOUR_MS,
      end: Math.floor(last / HOUR_MS) * HOUR_MS + HOUR_MS,
    };
    startOf = () => whole;
  } else if (period.unit === 'hour') {
    const origin = Math.floor(first / HOUR_MS) * HOUR_MS;
    const size = period.n * HOUR_MS;
    startOf = (hour) => {
      const start = origin + Math.floor((hour - origin) / size) * size;
      return { start, end: start + size };
    };
  } else {
    const days = intervalBoundaries(first, last, 'day', zone);
    const bounds = days.filter((_, i) => i % period.n === 0);
    if (bounds[bounds.length - 1] < days[days.length - 1]) bounds.push(days[days.length - 1]);
    let k = 0;
    startOf = (hour) => {
      while (k < bounds.length - 2 && hour >= bounds[k + 1]) k++;
      return { start: bounds[k], end: bounds[k + 1] };
    };
  }
  const out: AggregatedPeriod[] = [];
  let current: AggregatedPeriod | undefined;
  let count = 0;
  let sum = 0;
  let increase = 0;
  let min = Infinity;
  let max = -Infinity;
  const close = () => {
    if (!current || count === 0) return;
    const [low, high] = scale >= 0 ? [min, max] : [max, min];
    current.values = {
      totalCount: count,
      sum: (cumulative ? increase : sum) * scale,
      avg: (sum / count) * scale,
      min: low * scale,
      max: high * scale,
    };
    out.push(current);
  };
  for (const h of hours) {
    if (h.hour + HOUR_MS - 1 < range.from || h.hour > range.to) continue;
    const p = startOf(h.hour);
    if (!current || current.start !== p.start) {
      close();
      current = { start: p.start, end: p.end, values: {} as AggregatedPeriod['values'] };
      count = 0;
      sum = 0;
      increase = 0;
      min = Infinity;
      max = -Infinity;
    }
    count += h.count;
    sum += h.sum;
    increase += h.increase;
    min = Math.min(min, h.min);
    max = Math.max(max, h.max);
  }
  close();
  return out;
}
