import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { OUT_OF_SERVICE } from '#common/api/mobility.ts';
import { DAY_MS } from '#common/time.ts';
import type { Database } from '../../db/schema.ts';
import type { KpiServices } from '../kpi/kpi-services.ts';
import type { CalculatedMeasure } from '../kpi/kpi.service.ts';
import { daysBetween, isoDay, LocalCalendar, monthPeriod, weekdayOf, yearPeriod } from './local-calendar.ts';
import * as store from './mobility.store.ts';

// --- The formulas, on their own so they can be checked by hand ------------------------------------

/**
 * CO2 an electric bus avoided, kg: what a diesel bus of its size would have emitted over the same
 * distance, less the CO2 of the electricity it used.
 * `km · (l/100 km) / 100 · kg CO2/l − kWh · kg CO2/kWh`.
 */
export function co2Avoided(p: {
  distanceKm: number;
  energyKwh: number;
  dieselLPer100Km: number;
  dieselKgCo2PerL: number;
  gridKgCo2PerKwh: number;
}): number {
  return ((p.distanceKm * p.dieselLPer100Km) / 100) * p.dieselKgCo2PerL - p.energyKwh * p.gridKgCo2PerKwh;
}

/**
 * Share of [from, to) a charger could charge, %: the time its status was known and neither
 * Faulted nor Unavailable, over the time its status was known. `history` holds its status
 * changes in time order (the one in force at `from` may come before it). Null when no status was
 * known in the period.
 */
export function availability(
  history: readonly { at: number; status: string }[],
  from: number,
  to: number,
): number | null {
  let known = 0;
  let out = 0;
  for (let i = 0; i < history.length; i++) {
    const start = Math.max(history[i].at, from);
    const end = Math.min(i + 1 < history.length ? history[i + 1].at : to, to);
    if (end <= start) continue;
    known += end - start;
    if ((OUT_OF_SERVICE as readonly string[]).includes(history[i].status)) out += end - start;
  }
  return known > 0 ? (100 * (known - out)) / known : null;
}

/**
 * The mean interval between consecutive departures, min, over days: each day's departures (in
 * order) give its intervals; nights between days are not intervals. Null with fewer than two.
 */
export function meanInterval(days: Iterable<readonly number[]>): number | null {
  let span = 0;
  let gaps = 0;
  for (const times of days) {
    if (times.length < 2) continue;
    span += times[times.length - 1] - times[0];
    gaps += times.length - 1;
  }
  return gaps > 0 ? span / gaps / 60_000 : null;
}

// --- The calculator ------------------------------------------------------------------------------

export interface MobilityKpiOptions {
  zone: string;
  /** A diesel bus's consumption, l/100 km, by the electric bus's type; `standard` for any other type. */
  dieselLPer100Km: { standard: number; articulated: number };
  dieselKgCo2PerL: number;
}

/** The timetable of a line as the level-of-service KPIs read it. */
interface Timetable {
  /** Which services run on a day YYYYMMDD. */
  services: (day: number) => number[];
  /** Scheduled first departures of the line's trips per service, s after the day's start. */
  trips: Map<number, number[]>;
  /** Scheduled departures at the reference stop per service, s after the day's start, in order. */
  reference: Map<number, number[]>;
}

async function timetableOf(
  db: Kysely<Database>,
  lineId: number,
  referenceStopId: number | null,
): Promise<Timetable> {
  const { services, dates } = await store.listServices(db);
  const exceptions = new Map<string, number>(
    dates.map((d) => [`${d.service_id}|${d.date}`, d.exception_type]),
  );
  const trips = new Map<number, number[]>();
  for (const t of await store.scheduledTrips(db, lineId)) {
    const list = trips.get(t.service_id) ?? [];
    list.push(t.departure_s);
    trips.set(t.service_id, list);
  }
  const reference = new Map<number, number[]>();
  if (referenceStopId !== null)
    for (const d of await store.departuresAt(db, lineId, referenceStopId)) {
      const list = reference.get(d.service_id) ?? [];
      list.push(d.departure_s);
      reference.set(d.service_id, list);
    }
  return {
    services: (day) => {
      const iso = isoDay(day);
      return services
        .filter((s) => {
          const exception = exceptions.get(`${s.id}|${iso}`);
          if (exception === 1) return true;
          if (exception === 2) return false;
          return iso >= s.start_date && iso <= s.end_date && s.weekdays[weekdayOf(day)] === '1';
        })
        .map((s) => s.id);
    },
    trips,
    reference,
  };
}

/** The version of these formulas, part of every inputs version: bumped when a method changes. */
const METHOD_VERSION = 1;

const hash = (value: unknown) =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);

/**
 * The mobility KPIs, per month and year: each bus's distance, energy, energy per km and CO2
 * avoided; each charger's energy, charges per day, average charge duration and availability;
 * each line's trips run against the timetable and its scheduled and observed intervals between
 * buses at the reference stop. Stored in the KPI store with what each was computed from
 * (calculator `mobility`); a run replaces what was stored for its years.
 */
export class MobilityCalculator {
  private readonly calendar: LocalCalendar;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly kpi: KpiServices,
    private readonly options: MobilityKpiOptions,
  ) {
    this.calendar = new LocalCalendar(options.zone);
  }

  /** Computes the KPIs of some years (up to `now`) and replaces what was stored for them. */
  async compute(years: readonly number[], now: number): Promise<{ measures: number }> {
    let measures = 0;
    for (const year of years) {
      const period = yearPeriod(year, this.options.zone);
      if (period.start > now) continue;
      const drafts = [
        ...(await this.buses(year, now)),
        ...(await this.chargers(year, now)),
        ...(await this.lines(year, now)),
      ];
      measures += await this.kpi.store.replaceCalculated(
        'mobility',
        { from: period.start, to: period.end },
        drafts,
      );
    }
    return { measures };
  }

  /** The months of a year that have begun by `now`, as YYYYMM with their periods. */
  private months(year: number, now: number) {
    return Array.from({ length: 12 }, (_, i) => year * 100 + i + 1)
      .map((key) => ({ key, ...monthPeriod(key, this.options.zone) }))
      .filter((m) => m.start <= now);
  }

  private measure(
    kpi: string,
    resource: string,
    period: { start: number; end: number },
    value: number,
    inputs: Record<string, unknown>,
  ): CalculatedMeasure {
    return {
      kpi,
      resource,
      breakdown: '',
      start: period.start,
      end: period.end,
      value,
      inputs,
      inputsVersion: `mobility@${METHOD_VERSION}:${hash([kpi, resource, inputs])}`,
    };
  }

  private async buses(year: number, now: number): Promise<CalculatedMeasure[]> {
    const { zone, dieselLPer100Km, dieselKgCo2PerL } = this.options;
    const vehicles = new Map((await store.allVehicles(this.db)).map((v) => [v.id, v]));
    const gridAt = await this.kpi.calculators.factorLookup('electricity');
    const months = this.months(year, now);
    const rows = await store.tripMonths(this.db, year * 100 + 1, year * 100 + 12);
    const out: CalculatedMeasure[] = [];
    const yearly = new Map<number, { km: number; kwh: number; co2: number; trips: number; diesel: number }>();
    for (const r of rows) {
      const v = vehicles.get(r.vehicleId);
      const month = months.find((m) => m.key === r.month);
      if (!v || !month) continue;
      const diesel =
        v.diesel_l_per_100km ??
        (v.type === 'articulated' ? dieselLPer100Km.articulated : dieselLPer100Km.standard);
      const grid = gridAt(month.start);
      const inputs = { trips: r.trips, distanceKm: r.km, energyKwh: r.kwh };
      out.push(this.measure('MO_BUS_DISTANCE', v.plate, month, r.km, inputs));
      out.push(this.measure('MO_BUS_ENERGY', v.plate, month, r.kwh, inputs));
      if (r.km > 0) out.push(this.measure('MO_BUS_ENERGY_PER_KM', v.plate, month, r.kwh / r.km, inputs));
      let co2 = 0;
      if (grid) {
        co2 = co2Avoided({
          distanceKm: r.km,
          energyKwh: r.kwh,
          dieselLPer100Km: diesel,
          dieselKgCo2PerL,
          gridKgCo2PerKwh: grid.co2,
        });
        out.push(
          this.measure('MO_BUS_CO2_AVOIDED', v.plate, month, co2, {
            ...inputs,
            dieselLPer100Km: diesel,
            dieselKgCo2PerL,
            gridKgCo2PerKwh: grid.co2,
            gridFactor: grid.id === null ? 'configured' : `kpi_factor ${grid.id}`,
          }),
        );
      }
      const y = yearly.get(v.id) ?? { km: 0, kwh: 0, co2: 0, trips: 0, diesel };
      y.km += r.km;
      y.kwh += r.kwh;
      y.co2 += co2;
      y.trips += r.trips;
      yearly.set(v.id, y);
    }
    const period = yearPeriod(year, zone);
    for (const [id, y] of yearly) {
      const plate = (vehicles.get(id) as store.VehicleRow).plate;
      const inputs = { trips: y.trips, distanceKm: y.km, energyKwh: y.kwh };
      out.push(this.measure('MO_BUS_DISTANCE', plate, period, y.km, inputs));
      out.push(this.measure('MO_BUS_ENERGY', plate, period, y.kwh, inputs));
      if (y.km > 0) out.push(this.measure('MO_BUS_ENERGY_PER_KM', plate, period, y.kwh / y.km, inputs));
      out.push(
        this.measure('MO_BUS_CO2_AVOIDED', plate, period, y.co2, {
          ...inputs,
          dieselLPer100Km: y.diesel,
          dieselKgCo2PerL,
          of: 'the sum of the months, each with its grid factor',
        }),
      );
    }
    return out;
  }

  /** Local days of [start, end) that have begun by `now`. */
  private daysSoFar(period: { start: number; end: number }, now: number): number {
    const last = Math.min(period.end, now) - 1;
    if (last < period.start) return 0;
    return daysBetween(this.calendar.day(period.start), this.calendar.day(last)).length;
  }

  private async chargers(year: number, now: number): Promise<CalculatedMeasure[]> {
    const chargers = await store.allChargers(this.db);
    if (chargers.length === 0) return [];
    const byId = new Map(chargers.map((c) => [c.id, c]));
    const months = this.months(year, now);
    const yearP = yearPeriod(year, this.options.zone);
    const out: CalculatedMeasure[] = [];
    const yearly = new Map<
      number,
      { charges: number; kwh: number; seconds: number; timed: number; first: number }
    >();
    for (const r of await store.chargeMonths(this.db, year * 100 + 1, year * 100 + 12)) {
      const c = byId.get(r.chargerId);
      const month = months.find((m) => m.key === r.month);
      if (!c || !month) continue;
      // Days the charger was followed: from its first charge of the period, up to now.
      const days = this.daysSoFar({ start: Math.max(month.start, r.first), end: month.end }, now);
      const inputs = { charges: r.charges, energyKwh: r.kwh, secondsCharging: r.seconds, days };
      out.push(this.measure('MO_CHARGER_ENERGY', c.code, month, r.kwh, inputs));
      if (days > 0) out.push(this.measure('MO_CHARGES_PER_DAY', c.code, month, r.charges / days, inputs));
      if (r.timed > 0)
        out.push(this.measure('MO_CHARGE_DURATION', c.code, month, r.seconds / r.timed / 60, inputs));
      const y = yearly.get(c.id) ?? { charges: 0, kwh: 0, seconds: 0, timed: 0, first: r.first };
      y.first = Math.min(y.first, r.first);
      y.charges += r.charges;
      y.kwh += r.kwh;
      y.seconds += r.seconds;
      y.timed += r.timed;
      yearly.set(c.id, y);
    }
    for (const [id, y] of yearly) {
      const code = (byId.get(id) as store.ChargerRow).code;
      const yearDays = this.daysSoFar({ start: Math.max(yearP.start, y.first), end: yearP.end }, now);
      const inputs = { charges: y.charges, energyKwh: y.kwh, secondsCharging: y.seconds, days: yearDays };
      out.push(this.measure('MO_CHARGER_ENERGY', code, yearP, y.kwh, inputs));
      if (yearDays > 0)
        out.push(this.measure('MO_CHARGES_PER_DAY', code, yearP, y.charges / yearDays, inputs));
      if (y.timed > 0)
        out.push(this.measure('MO_CHARGE_DURATION', code, yearP, y.seconds / y.timed / 60, inputs));
    }
    // Availability from the status history, up to now.
    const history = await store.statusesWithin(
      this.db,
      chargers.map((c) => c.id),
      yearP.start,
      Math.min(yearP.end, now),
    );
    const perCharger = new Map<number, { at: number; status: string }[]>();
    for (const h of history) {
      const list = perCharger.get(h.charger_id) ?? [];
      list.push({ at: h.at, status: h.status });
      perCharger.set(h.charger_id, list);
    }
    for (const [id, list] of perCharger) {
      list.sort((a, b) => a.at - b.at);
      const code = (byId.get(id) as store.ChargerRow).code;
      for (const p of [...months, { key: year, ...yearP }]) {
        const to = Math.min(p.end, now);
        const value = availability(list, p.start, to);
        if (value !== null)
          out.push(
            this.measure('MO_CHARGER_AVAILABILITY', code, p, value, {
              statusChanges: list.filter((h) => h.at >= p.start && h.at < to).length,
              until: to,
            }),
          );
      }
    }
    return out;
  }

  private async lines(year: number, now: number): Promise<CalculatedMeasure[]> {
    const out: CalculatedMeasure[] = [];
    const zone = this.options.zone;
    const yearP = yearPeriod(year, zone);
    for (const line of await store.listLines(this.db)) {
      const timetable = await timetableOf(this.db, line.id, line.reference_stop_id);
      const firstDay = this.calendar.day(yearP.start);
      const lastDay = this.calendar.day(Math.min(yearP.end, now) - 1);
      const run = await store.tripDays(this.db, line.id, firstDay, lastDay);
      const starts = await store.tripStarts(this.db, line.id, 0, yearP.start, Math.min(yearP.end, now));
      const observedByDay = new Map<number, number[]>();
      for (const s of starts) {
        const list = observedByDay.get(s.day) ?? [];
        list.push(s.start_at);
        observedByDay.set(s.day, list);
      }
      const perDay = daysBetween(firstDay, lastDay).map((day) => {
        const dayStart = this.calendar.startOfDay(day);
        const services = timetable.services(day);
        const due = (s: number) => dayStart + s * 1000 <= now;
        const scheduled = services.flatMap((id) => timetable.trips.get(id) ?? []).filter(due).length;
        const reference = services
          .flatMap((id) => timetable.reference.get(id) ?? [])
          .filter(due)
          .sort((a, b) => a - b)
          .map((s) => dayStart + s * 1000);
        return {
          day,
          dayStart,
          scheduled,
          run: run.get(day) ?? 0,
          reference,
          observed: observedByDay.get(day) ?? [],
        };
      });
      const periods = [...this.months(year, now), { key: year, ...yearP }];
      for (const p of periods) {
        const days = perDay.filter((d) => d.dayStart >= p.start && d.dayStart < p.end);
        const scheduled = days.reduce((s, d) => s + d.scheduled, 0);
        const ran = days.reduce((s, d) => s + d.run, 0);
        if (scheduled > 0)
          out.push(
            this.measure('MO_SERVICE_TRIPS', line.code, p, (100 * ran) / scheduled, {
              tripsRun: ran,
              tripsScheduled: scheduled,
              days: days.length,
            }),
          );
        const scheduledHeadway = meanInterval(days.map((d) => d.reference));
        const observedHeadway = meanInterval(days.map((d) => d.observed));
        const inputs = { referenceStopId: line.reference_stop_id, days: days.length };
        if (scheduledHeadway !== null)
          out.push(this.measure('MO_HEADWAY_SCHEDULED', line.code, p, scheduledHeadway, inputs));
        if (observedHeadway !== null)
          out.push(this.measure('MO_HEADWAY_OBSERVED', line.code, p, observedHeadway, inputs));
      }
    }
    return out;
  }

  /** The level of service of every line on the local day holding `now`, so far. */
  async today(now: number) {
    const day = this.calendar.day(now);
    const dayStart = this.calendar.startOfDay(day);
    const out = [];
    for (const line of await store.listLines(this.db)) {
      const timetable = await timetableOf(this.db, line.id, line.reference_stop_id);
      const services = timetable.services(day);
      const all = services.flatMap((id) => timetable.trips.get(id) ?? []);
      const soFar = all.filter((s) => dayStart + s * 1000 <= now).length;
      const run = (await store.tripDays(this.db, line.id, day, day)).get(day) ?? 0;
      const reference = services
        .flatMap((id) => timetable.reference.get(id) ?? [])
        .filter((s) => dayStart + s * 1000 <= now)
        .sort((a, b) => a - b)
        .map((s) => dayStart + s * 1000);
      const observed = (await store.tripStarts(this.db, line.id, 0, dayStart, now + 1)).map(
        (s) => s.start_at,
      );
      out.push({
        line: line.code,
        tripsScheduled: all.length,
        tripsScheduledSoFar: soFar,
        tripsRun: run,
        scheduledHeadwayMin: meanInterval([reference]),
        observedHeadwayMin: meanInterval([observed]),
      });
    }
    return out;
  }
}

/** Years a recomputation at `now` covers: this one, and the last one in its first days. */
export function yearsToRecompute(now: number, zone: string): number[] {
  const calendar = new LocalCalendar(zone);
  const day = calendar.day(now);
  const year = Math.floor(day / 10_000);
  const early = calendar.day(now - 3 * DAY_MS) < year * 10_000 + 101;
  return early ? [year - 1, year] : [year];
}
