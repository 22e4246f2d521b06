import { DateTime } from 'luxon';
import type { AnomalyKind, AnomalyThresholds } from '#common/api/dashboards.ts';
import { HOUR_MS } from '#common/time.ts';
import type { HourRollup } from '../../timeseries/block-codec.ts';

/**
 * What needs a look in a building over one local week, from its hourly data: dwellings too cold
 * or too hot for long, damp ones, stuffy ones, a dwelling far from the others, a stuck sensor.
 * Pure: the anomaly service reads the hours and stores what this returns.
 */

/** A dwelling's mean comfort of one hour (over its comfort points). */
export interface DwellingHour {
  hour: number;
  pmv: number;
  tdb: number;
  rh: number;
}

export interface WeekInput {
  /** Local week [start, end), epoch ms. */
  start: number;
  end: number;
  zone: string;
  dwellings: { dwellingId: number; hours: DwellingHour[] }[];
  /**
   * Hourly rollups of the building's non-cumulative sensors without their flagged readings
   * (`hours`), and with every reading as sent (`sentHours`, the same when none was flagged): a
   * stuck sensor is what the quality check `stuck` flags, so it is looked for in what was sent.
   */
  sensors: {
    sensorId: number;
    dwellingId: number | null;
    medium: string;
    hours: HourRollup[];
    sentHours?: HourRollup[];
  }[];
}

export interface FoundAnomaly {
  kind: AnomalyKind;
  dwellingId: number | null;
  sensorId: number | null;
  from: number;
  to: number;
  figures: Record<string, number>;
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Local hour of day and day index within the week of every hour of it. */
function calendarOf(
  start: number,
  end: number,
  zone: string,
): Map<number, { hourOfDay: number; day: number }> {
  const out = new Map<number, { hourOfDay: number; day: number }>();
  const first = DateTime.fromMillis(start, { zone }).startOf('day');
  for (let h = Math.floor(start / HOUR_MS) * HOUR_MS; h < end; h += HOUR_MS) {
    const local = DateTime.fromMillis(h, { zone });
    out.set(h, {
      hourOfDay: local.hour,
      day: Math.round(local.startOf('day').diff(first, 'days').days),
    });
  }
  return out;
}

/** Every anomaly of one building and week. */
export function detectWeek(input: WeekInput, th: AnomalyThresholds): FoundAnomaly[] {
  const found: FoundAnomaly[] = [];
  const calendar = calendarOf(input.start, input.end, input.zone);
  const inWeek = <T extends { hour: number }>(hours: T[]) =>
    hours.filter((h) => h.hour >= input.start && h.hour < input.end);

  // Too cold, too hot: occupied hours beyond ±pmvLimit (ISO 7730 category III ends at ±0.7).
  for (const d of input.dwellings) {
    const occupied = inWeek(d.hours).filter((h) => {
      const c = calendar.get(h.hour);
      return c !== undefined && c.hourOfDay >= th.occupiedFrom && c.hourOfDay < th.occupiedTo;
    });
    for (const [kind, beyond] of [
      ['cold', (h: DwellingHour) => h.pmv < -th.pmvLimit],
      ['hot', (h: DwellingHour) => h.pmv > th.pmvLimit],
    ] as const) {
      const hours = occupied.filter(beyond);
      if (hours.length <= th.pmvHours) continue;
      const pmvs = hours.map((h) => h.pmv);
      found.push({
        kind,
        dwellingId: d.dwellingId,
        sensorId: null,
        from: hours[0].hour,
        to: hours[hours.length - 1].hour + HOUR_MS,
        figures: {
          hours: hours.length,
          min: round(Math.min(...pmvs)),
          max: round(Math.max(...pmvs)),
          mean: round(mean(pmvs)),
        },
      });
    }
  }

  // Daily means per dwelling: humidity (mould risk) and temperature (outliers).
  const daily = new Map<number, Map<number, { tdb: number[]; rh: number[]; first: number; last: number }>>();
  for (const d of input.dwellings) {
    const days = new Map<number, { tdb: number[]; rh: number[]; first: number; last: number }>();
    for (const h of inWeek(d.hours)) {
      const c = calendar.get(h.hour);
      if (!c) continue;
      const day = days.get(c.day) ?? { tdb: [], rh: [], first: h.hour, last: h.hour };
      day.tdb.push(h.tdb);
      day.rh.push(h.rh);
      day.first = Math.min(day.first, h.hour);
      day.last = Math.max(day.last, h.hour);
      days.set(c.day, day);
    }
    daily.set(d.dwellingId, days);
  }
  for (const [dwellingId, days] of daily) {
    const humid = [...days.values()]
      .map((d) => ({ ...d, mean: mean(d.rh) }))
      .filter((d) => d.mean > th.humidityLimit);
    if (humid.length < th.humidDays) continue;
    found.push({
      kind: 'humid',
      dwellingId,
      sensorId: null,
      from: Math.min(...humid.map((d) => d.first)),
      to: Math.max(...humid.map((d) => d.last)) + HOUR_MS,
      figures: {
        days: humid.length,
        max: round(Math.max(...humid.map((d) => d.mean)), 1),
        mean: round(mean(humid.map((d) => d.mean)), 1),
      },
    });
  }

  // A dwelling whose daily mean temperature lies far from the other dwellings' (leave-one-out,
  // so one odd dwelling does not widen the spread it is measured against). A spread under
  // 0.3 K is taken as 0.3 K: sensors do not tell apart homes closer than that.
  for (const [dwellingId, days] of daily) {
    const beyond: { day: number; z: number; first: number; last: number; own: number; others: number }[] = [];
    for (const [day, own] of days) {
      const others: number[] = [];
      for (const [otherId, otherDays] of daily) {
        const o = otherDays.get(day);
        if (otherId !== dwellingId && o) others.push(mean(o.tdb));
      }
      if (others.length < 3) continue;
      const m = mean(others);
      const sd = Math.sqrt(others.reduce((s, x) => s + (x - m) ** 2, 0) / (others.length - 1));
      const x = mean(own.tdb);
      const z = (x - m) / Math.max(sd, 0.3);
      if (Math.abs(z) > th.outlierSd)
        beyond.push({ day, z, first: own.first, last: own.last, own: x, others: m });
    }
    if (beyond.length < th.outlierDays) continue;
    const worst = beyond.reduce((a, b) => (Math.abs(b.z) > Math.abs(a.z) ? b : a));
    found.push({
      kind: 'outlier',
      dwellingId,
      sensorId: null,
      from: Math.min(...beyond.map((d) => d.first)),
      to: Math.max(...beyond.map((d) => d.last)) + HOUR_MS,
      figures: {
        days: beyond.length,
        z: round(worst.z),
        mean: round(mean(beyond.map((d) => d.own)), 1),
        building: round(mean(beyond.map((d) => d.others)), 1),
      },
    });
  }

  for (const s of input.sensors) {
    const hours = inWeek(s.hours).filter((h) => h.count > 0);
    // Stuffy air: hourly mean CO2 above the limit (EN 16798-1 category II is about 800 ppm over outdoors).
    if (s.medium === 'co2') {
      const high = hours.map((h) => ({ hour: h.hour, v: h.sum / h.count })).filter((h) => h.v > th.co2Limit);
      if (high.length >= th.co2Hours)
        found.push({
          kind: 'co2',
          dwellingId: s.dwellingId,
          sensorId: s.sensorId,
          from: high[0].hour,
          to: high[high.length - 1].hour + HOUR_MS,
          figures: {
            hours: high.length,
            max: Math.round(Math.max(...high.map((h) => h.v))),
            mean: Math.round(mean(high.map((h) => h.v))),
          },
        });
    }
    // Stuck: consecutive hours holding one and the same value.
    let best: { from: number; to: number; hours: number; value: number } | undefined;
    let run: { from: number; to: number; hours: number; value: number } | undefined;
    const sent = s.sentHours ? inWeek(s.sentHours).filter((h) => h.count > 0) : hours;
    for (const h of sent) {
      const flat = h.min === h.max;
      if (flat && run && h.hour === run.to && h.min === run.value) {
        run.to = h.hour + HOUR_MS;
        run.hours++;
      } else run = flat ? { from: h.hour, to: h.hour + HOUR_MS, hours: 1, value: h.min } : undefined;
      if (run && (!best || run.hours > best.hours)) best = { ...run };
    }
    if (best && best.hours >= th.stuckHours)
      found.push({
        kind: 'stuck',
        dwellingId: s.dwellingId,
        sensorId: s.sensorId,
        from: best.from,
        to: best.to,
        figures: { hours: best.hours, value: best.value },
      });
  }
  return found;
}

/** Start of the local week (Monday 00:00) holding `t`. */
export function weekStart(t: number, zone: string): number {
  return DateTime.fromMillis(t, { zone }).startOf('week').toMillis();
}

/** Starts of the local weeks that [from, to] touches, and the end of the last one. */
export function weeksOf(from: number, to: number, zone: string): number[] {
  const out: number[] = [];
  let w = DateTime.fromMillis(from, { zone }).startOf('week');
  while (w.toMillis() <= to) {
    out.push(w.toMillis());
    w = w.plus({ weeks: 1 }).startOf('week');
  }
  return out;
}

/** End of the local week starting at `start`. */
export function weekEnd(start: number, zone: string): number {
  return DateTime.fromMillis(start, { zone }).plus({ weeks: 1 }).startOf('week').toMillis();
}
