import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { OUT_OF_SERVICE } from '#common/api/mobility.ts';
import { DAY_MS } from '#common/time.ts';
import type { Database } from '../../db/schema.ts';
import type { KpiServices } from '../kpi/kpi-services.ts';
import type { CalculatedMeasure } from '../kpi/kpi.service.ts';
import { daysBetween, isoDay, LocalCalendar, monthPeriod, weekdayOf, yearPeriod } from './local-calendar.ts';
import * as rollups from './mobility-rollups.store.ts';
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

/** The timetables of every line, as the level-of-service KPIs read them. */
interface Timetables {
  /** Which services run on a day YYYYMMDD. */
  services: (day: number) => number[];
  /** Scheduled first departures per line and service, s after the day's start. */
  trips: Map<number, Map<number, number[]>>;
  /** Scheduled departures at each line's reference stop per service, s after the day's start. */
  reference: Map<number, Map<number, number[]>>;
}

function pushTo(map: Map<number, Map<number, number[]>>, line: number, service: number, value: number) {
  let byService = map.get(line);
  if (!byService) map.set(line, (byService = new Map()));
  const list = byService.get(service);
  if (list) list.push(value);
  else byService.set(service, [value]);
}

async function loadTimetables(db: Kysely<Database>): Promise<Timetables> {
  const { services, dates } = await store.listServices(db);
  const exceptions = new Map<string, number>(
    dates.map((d) => [`${d.service_id}|${d.date}`, d.exception_type]),
  );
  const trips = new Map<number, Map<number, number[]>>();
  for (const t of await store.allScheduledTrips(db)) pushTo(trips, t.line_id, t.service_id, t.departure_s);
  const reference = new Map<number, Map<number, number[]>>();
  for (const d of await store.referenceDepartures(db))
    pushTo(reference, d.line_id, d.service_id, d.departure_s);
  for (const byService of reference.values())
    for (const list of byService.values()) list.sort((x, y) => x - y);
  const cache = new Map<number, number[]>();
  return {
    services: (day) => {
      let running = cache.get(day);
      if (running) return running;
      const iso = isoDay(day);
      running = services
        .filter((s) => {
          const exception = exceptions.get(`${s.id}|${iso}`);
          if (exception === 1) return true;
          if (exception === 2) return false;
          return iso >= s.start_date && iso <= s.end_date && s.weekdays[weekdayOf(day)] === '1';
        })
        .map((s) => s.id);
      cache.set(day, running);
      return running;
    },
    trips,
    reference,
  };
}

/** What the timetable schedules for a line on a day, up to `until`: trips, and the span and intervals at the reference stop. */
function scheduledOn(
  timetables: Timetables,
  lineId: number,
  day: number,
  dayStart: number,
  until: number,
): { trips: number; span: number; gaps: number } {
  let trips = 0;
  let first = Infinity;
  let last = -Infinity;
  let n = 0;
  const limit = (until - dayStart) / 1000;
  for (const service of timetables.services(day)) {
    for (const s of timetables.trips.get(lineId)?.get(service) ?? []) if (s <= limit) trips++;
    for (const s of timetables.reference.get(lineId)?.get(service) ?? []) {
      if (s > limit) break;
      first = Math.min(first, s);
      last = Math.max(last, s);
      n++;
    }
  }
  return { trips, span: n > 1 ? (last - first) * 1000 : 0, gaps: n > 1 ? n - 1 : 0 };
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

  private timetables: { at: number; value: Promise<Timetables> } | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly kpi: KpiServices,
    private readonly options: MobilityKpiOptions,
  ) {
    this.calendar = new LocalCalendar(options.zone);
  }

  /** The timetables, read again at most every five minutes or when told they changed. */
  private loadTimetables(): Promise<Timetables> {
    const now = Date.now();
    if (!this.timetables || now - this.timetables.at > 5 * 60_000)
      this.timetables = { at: now, value: loadTimetables(this.db) };
    return this.timetables.value;
  }

  /** Forgets the timetables read, after an import changed them. */
  timetablesChanged(): void {
    this.timetables = undefined;
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
    // Per vehicle and month, from the day rollups.
    const sums = new Map<
      string,
      { vehicleId: number; month: number; trips: number; km: number; kwh: number }
    >();
    for (const d of await rollups.vehicleDays(this.db, year * 10_000 + 101, year * 10_000 + 1231)) {
      const month = Math.floor(d.day / 100);
      const key = `${d.vehicle_id}|${month}`;
      const sum = sums.get(key) ?? { vehicleId: d.vehicle_id, month, trips: 0, km: 0, kwh: 0 };
      sum.trips += d.trips;
      sum.km += d.distance_km;
      sum.kwh += d.consumption_kwh;
      sums.set(key, sum);
    }
    const out: CalculatedMeasure[] = [];
    const yearly = new Map<number, { km: number; kwh: number; co2: number; trips: number; diesel: number }>();
    for (const r of sums.values()) {
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
    const months = this.months(year, now);
    const yearP = yearPeriod(year, this.options.zone);
    const periods = [...months, { key: year, ...yearP }];
    const first = year * 10_000 + 101;
    const last = year * 10_000 + 1231;
    const out: CalculatedMeasure[] = [];
    // Charges, per charger and period, from the day rollups.
    const days = await rollups.chargerDays(this.db, first, last);
    for (const c of chargers) {
      const own = days.filter((d) => d.charger_id === c.id);
      for (const p of periods) {
        const inPeriod = own.filter((d) => (p.key === year ? true : Math.floor(d.day / 100) === p.key));
        if (inPeriod.length === 0) continue;
        const charges = inPeriod.reduce((s, d) => s + d.charges, 0);
        const kwh = inPeriod.reduce((s, d) => s + d.energy_kwh, 0);
        const seconds = inPeriod.reduce((s, d) => s + d.charge_s, 0);
        const timed = inPeriod.reduce((s, d) => s + d.timed, 0);
        const firstAt = Math.min(...inPeriod.map((d) => d.first_at));
        // Days the charger was followed: from its first charge of the period, up to now.
        const followed = this.daysSoFar({ start: Math.max(p.start, firstAt), end: p.end }, now);
        const inputs = { charges, energyKwh: kwh, secondsCharging: seconds, days: followed };
        out.push(this.measure('MO_CHARGER_ENERGY', c.code, p, kwh, inputs));
        if (followed > 0) out.push(this.measure('MO_CHARGES_PER_DAY', c.code, p, charges / followed, inputs));
        if (timed > 0) out.push(this.measure('MO_CHARGE_DURATION', c.code, p, seconds / timed / 60, inputs));
      }
    }
    // Availability from the status days: a day without a row keeps the status in force; today
    // counts up to now.
    const statusDays = await rollups.statusDays(this.db, first, last);
    const carried = await rollups.statusBefore(this.db, first);
    const today = this.calendar.day(now);
    const todayEnd = this.calendar.startOfDay(rollups.nextDay(today));
    const calendarDays = daysBetween(first, Math.min(last, today)).map((day) => ({
      day,
      start: this.calendar.startOfDay(day),
      end: this.calendar.startOfDay(rollups.nextDay(day)),
    }));
    const byCharger = new Map<number, Map<number, (typeof statusDays)[number]>>();
    for (const d of statusDays) {
      const map = byCharger.get(d.charger_id) ?? new Map();
      map.set(d.day, d);
      byCharger.set(d.charger_id, map);
    }
    const outOfService = OUT_OF_SERVICE as readonly string[];
    for (const c of chargers) {
      const own = byCharger.get(c.id) ?? new Map<number, (typeof statusDays)[number]>();
      let status = carried.get(c.id);
      const perDay: { start: number; known: number; out: number; changes: number }[] = [];
      for (const d of calendarDays) {
        const row = own.get(d.day);
        let known = 0;
        let outMs = 0;
        let changes = 0;
        if (row) {
          known = row.known_ms;
          outMs = row.out_ms;
          changes = row.changes;
          status = row.last_status;
        } else if (status !== undefined) {
          known = d.end - d.start;
          outMs = outOfService.includes(status) ? known : 0;
        }
        if (d.day === today && status !== undefined) {
          // The rest of today has not happened yet.
          const ahead = Math.max(0, todayEnd - now);
          known = Math.max(0, known - ahead);
          if (outOfService.includes(status)) outMs = Math.max(0, outMs - ahead);
        }
        if (known > 0) perDay.push({ start: d.start, known, out: outMs, changes });
      }
      for (const p of periods) {
        const inPeriod = perDay.filter((d) => d.start >= p.start && d.start < p.end);
        const known = inPeriod.reduce((s, d) => s + d.known, 0);
        if (known <= 0) continue;
        const outMs = inPeriod.reduce((s, d) => s + d.out, 0);
        out.push(
          this.measure('MO_CHARGER_AVAILABILITY', c.code, p, (100 * (known - outMs)) / known, {
            knownH: known / 3_600_000,
            outOfServiceH: outMs / 3_600_000,
            statusChanges: inPeriod.reduce((s, d) => s + d.changes, 0),
          }),
        );
      }
    }
    return out;
  }

  private async lines(year: number, now: number): Promise<CalculatedMeasure[]> {
    const out: CalculatedMeasure[] = [];
    const yearP = yearPeriod(year, this.options.zone);
    const lines = await store.listLines(this.db);
    if (lines.length === 0) return out;
    const timetables = await this.loadTimetables();
    const until = Math.min(yearP.end, now);
    const observed = new Map<string, Awaited<ReturnType<typeof rollups.lineDays>>[number]>();
    for (const d of await rollups.lineDays(this.db, year * 10_000 + 101, year * 10_000 + 1231))
      observed.set(`${d.line_id}|${d.day}`, d);
    const days = daysBetween(this.calendar.day(yearP.start), this.calendar.day(until - 1)).map((day) => ({
      day,
      start: this.calendar.startOfDay(day),
    }));
    const periods = [...this.months(year, now), { key: year, ...yearP }];
    for (const line of lines) {
      const perDay = days.map(({ day, start }) => {
        const scheduled = scheduledOn(timetables, line.id, day, start, now);
        const seen = observed.get(`${line.id}|${day}`);
        const gaps = seen && seen.departures > 1 ? seen.departures - 1 : 0;
        return {
          start,
          scheduled,
          run: seen?.trips ?? 0,
          observedSpan: gaps > 0 ? Number(seen?.last_departure) - Number(seen?.first_departure) : 0,
          observedGaps: gaps,
        };
      });
      for (const p of periods) {
        const within = perDay.filter((d) => d.start >= p.start && d.start < p.end);
        const sum = (f: (d: (typeof within)[number]) => number) => within.reduce((s, d) => s + f(d), 0);
        const scheduled = sum((d) => d.scheduled.trips);
        const ran = sum((d) => d.run);
        if (scheduled > 0)
          out.push(
            this.measure('MO_SERVICE_TRIPS', line.code, p, (100 * ran) / scheduled, {
              tripsRun: ran,
              tripsScheduled: scheduled,
              days: within.length,
            }),
          );
        const inputs = { referenceStopId: line.reference_stop_id, days: within.length };
        const scheduledGaps = sum((d) => d.scheduled.gaps);
        if (scheduledGaps > 0)
          out.push(
            this.measure(
              'MO_HEADWAY_SCHEDULED',
              line.code,
              p,
              sum((d) => d.scheduled.span) / scheduledGaps / 60_000,
              inputs,
            ),
          );
        const observedGaps = sum((d) => d.observedGaps);
        if (observedGaps > 0)
          out.push(
            this.measure(
              'MO_HEADWAY_OBSERVED',
              line.code,
              p,
              sum((d) => d.observedSpan) / observedGaps / 60_000,
              inputs,
            ),
          );
      }
    }
    return out;
  }

  /** The level of service of every line on the local day holding `now`, so far. */
  async today(now: number) {
    const day = this.calendar.day(now);
    const dayStart = this.calendar.startOfDay(day);
    const lines = await store.listLines(this.db);
    if (lines.length === 0) return [];
    const timetables = await this.loadTimetables();
    const seen = new Map(
      (await rollups.lineDays(this.db, day, day)).map((d) => [
        d.line_id,
        { trips: d.trips, departures: d.departures, first: d.first_departure, last: d.last_departure },
      ]),
    );
    return lines.map((line) => {
      const all = scheduledOn(timetables, line.id, day, dayStart, dayStart + 2 * DAY_MS);
      const soFar = scheduledOn(timetables, line.id, day, dayStart, now);
      const s = seen.get(line.id);
      return {
        line: line.code,
        tripsScheduled: all.trips,
        tripsScheduledSoFar: soFar.trips,
        tripsRun: s?.trips ?? 0,
        scheduledHeadwayMin: soFar.gaps > 0 ? soFar.span / soFar.gaps / 60_000 : null,
        observedHeadwayMin:
          s && s.departures > 1
            ? ((s.last as number) - (s.first as number)) / (s.departures - 1) / 60_000
            : null,
      };
    });
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
