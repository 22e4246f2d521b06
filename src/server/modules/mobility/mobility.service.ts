import type { Kysely } from 'kysely';
import type {
  Charge,
  ChargeListQuery,
  Charger,
  ChargerDay,
  FleetStatus,
  Line,
  LineDetail,
  MobilityKpis,
  MobilitySummary,
  StatusChange,
  StatusHistoryQuery,
  Stop,
  StopListQuery,
  Trip,
  TripListQuery,
  Vehicle,
  VehicleDetail,
  VehicleListQuery,
  VehicleState,
} from '#common/api/mobility.ts';
import type { PageOf } from '#common/api/pagination.ts';
import { DAY_MS } from '#common/time.ts';
import type { Database } from '../../db/schema.ts';
import { badRequest, notFound } from '../../plugins/errors.ts';
import { decodeCursor, encodeCursor, pageLimit, pageOf } from '../../pagination/pagination.ts';
import type { KpiServices } from '../kpi/kpi-services.ts';
import { isoDay, LocalCalendar, monthPeriod, yearPeriod } from './local-calendar.ts';
import type { MobilityCalculator } from './mobility.calculator.ts';
import * as rollups from './mobility-rollups.store.ts';
import { nextDay, previousDay } from './mobility-rollups.store.ts';
import * as store from './mobility.store.ts';
import type { VehiclePositions } from './vehicle-positions.ts';

/** The mobility KPIs the app shows, in its order. */
export const MOBILITY_KPIS = [
  'MO_BUS_DISTANCE',
  'MO_BUS_ENERGY',
  'MO_BUS_ENERGY_PER_KM',
  'MO_BUS_CO2_AVOIDED',
  'MO_CHARGER_ENERGY',
  'MO_CHARGES_PER_DAY',
  'MO_CHARGE_DURATION',
  'MO_CHARGER_AVAILABILITY',
  'MO_SERVICE_TRIPS',
  'MO_HEADWAY_SCHEDULED',
  'MO_HEADWAY_OBSERVED',
] as const;

/** A vehicle silent this long is in an unknown state. */
const SILENT_MS = DAY_MS;

/** A cursor over a (time, id) order: "time:id". */
function timeCursor(cursor: string | undefined): [number, number] | undefined {
  const key = decodeCursor<string>(cursor, 'string');
  if (key === undefined) return undefined;
  const m = /^(-?\d+):(\d+)$/.exec(key);
  if (!m) throw badRequest('cursor: not a cursor this list gave out; start again without it.');
  return [Number(m[1]), Number(m[2])];
}

function checkPeriod(q: { from?: number; to?: number }): void {
  if (q.from !== undefined && q.to !== undefined && q.to <= q.from)
    throw badRequest('to: the period must end after it starts (from < to).');
}

/**
 * What the transport operator reads: lines, stops, vehicles and their trips, chargers with their
 * status history and charges, the day's summary and the KPIs. The routes decide who may call
 * (transport and admins): nothing here is personal or tied to a dwelling.
 */
export class MobilityService {
  private readonly calendar: LocalCalendar;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly positions: VehiclePositions,
    private readonly calculator: MobilityCalculator,
    private readonly kpi: KpiServices,
    private readonly zone: string,
    private readonly clock: () => number = Date.now,
  ) {
    this.calendar = new LocalCalendar(zone);
  }

  // --- Lines and stops ---------------------------------------------------------------------------

  async lines(query: { cursor?: string; limit?: number }): Promise<PageOf<Line>> {
    const after = decodeCursor<number>(query.cursor, 'number') ?? 0;
    const limit = pageLimit(query.limit);
    const counts = await store.lineCounts(this.db);
    const rows = (await store.listLines(this.db)).filter((l) => l.id > after).slice(0, limit + 1);
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => this.lineOf(r, counts),
    );
  }

  private lineOf(r: store.LineRow, counts: Awaited<ReturnType<typeof store.lineCounts>>): Line {
    return {
      id: r.id,
      code: r.code,
      name: r.name,
      agency: r.agency,
      routeType: r.route_type,
      colour: r.colour,
      lengthKm: counts.lengths.get(r.id) ?? null,
      stops: counts.stops.get(r.id) ?? 0,
      vehicles: counts.vehicles.get(r.id) ?? 0,
      referenceStopId: r.reference_stop_id,
    };
  }

  async line(id: number): Promise<LineDetail> {
    const row = await store.findLine(this.db, id);
    if (!row) throw notFound(`There is no line ${id}.`);
    const [counts, shapes, pattern] = await Promise.all([
      store.lineCounts(this.db),
      store.shapesOf(this.db, id),
      store.patternOf(this.db, id),
    ]);
    return {
      ...this.lineOf(row, counts),
      shapes: shapes.map((s) => ({
        direction: s.direction,
        code: s.code,
        lengthKm: s.length_km,
        points: JSON.parse(s.points) as [number, number][],
      })),
      pattern: pattern.map((p) => ({
        direction: p.direction,
        seq: p.seq,
        stopId: p.stop_id,
        distanceKm: p.distance_km,
      })),
    };
  }

  async stops(query: StopListQuery): Promise<PageOf<Stop>> {
    if (query.line !== undefined && !(await store.findLine(this.db, query.line)))
      throw notFound(`There is no line ${query.line}.`);
    const limit = pageLimit(query.limit);
    const rows = await store.listStops(this.db, {
      lineId: query.line,
      afterId: decodeCursor<number>(query.cursor, 'number'),
      limit: limit + 1,
    });
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => ({ id: r.id, code: r.code, name: r.name, latitude: r.latitude, longitude: r.longitude }),
    );
  }

  // --- Vehicles ----------------------------------------------------------------------------------

  /**
   * Vehicles with their state: the fleet's trips and charges of the last day are read at once;
   * only a vehicle without any then is looked up on its own.
   */
  private async vehiclesOf(rows: store.VehicleRow[]): Promise<Vehicle[]> {
    const now = this.clock();
    const ids = new Set(rows.map((r) => r.id));
    // A few vehicles are looked up one by one; a fleet in one read of its last day.
    const recent =
      rows.length > 20
        ? await store.recentActivity(this.db, now - SILENT_MS, now)
        : { trips: [], charges: [] };
    type LastTrip = { start_at: number; end_at: number };
    type LastCharge = LastTrip & { soc_start_pct: number | null; soc_end_pct: number | null };
    const trips = new Map<number, LastTrip>();
    for (const t of recent.trips)
      if (ids.has(t.vehicle_id) && (trips.get(t.vehicle_id)?.start_at ?? -Infinity) < t.start_at)
        trips.set(t.vehicle_id, { start_at: t.start_at, end_at: t.end_at });
    const charges = new Map<number, LastCharge>();
    for (const c of recent.charges) {
      const id = c.vehicle_id as number;
      if (ids.has(id) && (charges.get(id)?.start_at ?? -Infinity) < c.start_at)
        charges.set(id, { ...c, end_at: c.end_at ?? Infinity });
    }
    const quiet = rows.filter((r) => !trips.has(r.id) && !charges.has(r.id)).map((r) => r.id);
    for (const [id, t] of await store.latestTrips(this.db, quiet)) trips.set(id, t);
    for (const [id, c] of await store.latestCharges(this.db, quiet))
      charges.set(id, { ...c, end_at: c.end_at ?? Infinity });
    const [positions, lines] = await Promise.all([
      this.positions.latest(rows.map((r) => r.plate)),
      store.listLines(this.db),
    ]);
    const lineCode = new Map(lines.map((l) => [l.id, l.code]));
    return rows.map((r) => {
      const trip = trips.get(r.id);
      const charge = charges.get(r.id);
      const position = positions.get(r.plate) ?? null;
      let state: VehicleState = 'idle';
      if (charge && charge.start_at <= now && charge.end_at > now) state = 'charging';
      else if (trip && trip.start_at <= now && trip.end_at > now) state = 'running';
      const chargeSeen = charge
        ? Number.isFinite(charge.end_at)
          ? charge.end_at
          : charge.start_at
        : -Infinity;
      const lastSeenAt = Math.max(trip?.end_at ?? -Infinity, chargeSeen, position?.at ?? -Infinity);
      const seen = Number.isFinite(lastSeenAt) ? Math.min(lastSeenAt, now) : null;
      if (state === 'idle' && (seen === null || now - seen > SILENT_MS)) state = 'unknown';
      return {
        id: r.id,
        code: r.code,
        plate: r.plate,
        model: r.model,
        type: r.type,
        batteryKwh: r.battery_kwh,
        line: r.line_id !== null ? (lineCode.get(r.line_id) ?? null) : null,
        state,
        lastSeenAt: seen,
        position,
        socPct: charge?.soc_end_pct ?? charge?.soc_start_pct ?? null,
      };
    });
  }

  async vehicles(query: VehicleListQuery): Promise<PageOf<Vehicle>> {
    const limit = pageLimit(query.limit);
    const rows = await store.listVehicles(this.db, {
      lineId: query.line,
      afterId: decodeCursor<number>(query.cursor, 'number'),
      limit: limit + 1,
    });
    const kept = rows.slice(0, limit);
    const items = await this.vehiclesOf(kept);
    return { items, ...(rows.length > limit ? { next: encodeCursor(kept[kept.length - 1].id) } : {}) };
  }

  async vehicle(id: number, query: { from?: number; to?: number }): Promise<VehicleDetail> {
    checkPeriod(query);
    const row = await store.findVehicle(this.db, id);
    if (!row) throw notFound(`There is no vehicle ${id}.`);
    const [vehicle] = await this.vehiclesOf([row]);
    const now = this.clock();
    const from = query.from ?? monthPeriod(this.calendar.month(now), this.zone).start;
    const to = query.to ?? now + 1;
    const [trips, charges] = await Promise.all([
      this.tripTotals(id, from, to),
      store.vehicleCharges(this.db, id, from, to),
    ]);
    return {
      ...vehicle,
      usage: {
        from,
        to,
        trips: trips.trips,
        distanceKm: trips.km,
        consumptionKwh: trips.kwh,
        kwhPerKm: trips.km > 0 ? trips.kwh / trips.km : null,
        regeneratedKwh: trips.regen,
        charges: charges.charges,
        chargedKwh: charges.kwh,
      },
    };
  }

  /**
   * A vehicle's trips within [from, to): its whole local days from the day rollups, the parts of
   * days at either end from the trips themselves (a month or a year is read as days).
   */
  private async tripTotals(vehicleId: number, from: number, to: number) {
    const c = this.calendar;
    const startDay = c.day(from);
    const firstFull = c.startOfDay(startDay) === from ? startDay : nextDay(startDay);
    const firstFullStart = c.startOfDay(firstFull);
    const endDay = c.day(to);
    const lastFullEnd = c.startOfDay(endDay);
    if (firstFullStart >= lastFullEnd) return store.tripTotals(this.db, vehicleId, from, to);
    const [days, head, tail] = await Promise.all([
      rollups.vehicleTotals(this.db, vehicleId, firstFull, previousDay(endDay)),
      store.tripTotals(this.db, vehicleId, from, firstFullStart),
      store.tripTotals(this.db, vehicleId, lastFullEnd, to),
    ]);
    return {
      trips: days.trips + head.trips + tail.trips,
      km: days.km + head.km + tail.km,
      kwh: days.kwh + head.kwh + tail.kwh,
      regen: days.regen + head.regen + tail.regen,
    };
  }

  async track(id: number, from: number, to: number) {
    const row = await store.findVehicle(this.db, id);
    if (!row) throw notFound(`There is no vehicle ${id}.`);
    return {
      items: (await this.positions.track(row.plate, from, to)).map((f) => ({
        at: f.t,
        latitude: f.latitude,
        longitude: f.longitude,
      })),
    };
  }

  // --- Trips -------------------------------------------------------------------------------------

  private tripOf(r: Awaited<ReturnType<typeof store.listTrips>>[number]): Trip {
    return {
      id: r.id,
      externalId: r.external_id,
      vehicleId: r.vehicle_id,
      plate: r.plate,
      line: r.line_code,
      direction: r.direction,
      startAt: r.start_at,
      endAt: r.end_at,
      distanceKm: r.distance_km,
      durationS: r.duration_s,
      avgSpeedKmh: r.avg_speed_kmh,
      consumptionKwh: r.consumption_kwh,
      kwhPerKm: r.kwh_per_km,
      regeneratedKwh: r.regenerated_kwh,
      auxiliaryKwh: r.auxiliary_kwh,
      tractionKwh: r.traction_kwh,
      insideTempC: r.inside_temp_c,
      outsideTempC: r.outside_temp_c,
      dieselCo2Kg: r.diesel_co2_kg,
      electricCo2Kg: r.electric_co2_kg,
      source: r.source,
    };
  }

  async trips(query: TripListQuery): Promise<PageOf<Trip>> {
    checkPeriod(query);
    if (query.vehicle !== undefined && !(await store.findVehicle(this.db, query.vehicle)))
      throw notFound(`There is no vehicle ${query.vehicle}.`);
    const limit = pageLimit(query.limit);
    const rows = await store.listTrips(
      this.db,
      {
        vehicleId: query.vehicle,
        lineId: query.line,
        from: query.from,
        to: query.to,
        after: timeCursor(query.cursor),
      },
      limit + 1,
    );
    return pageOf(
      rows,
      limit,
      (r) => `${r.start_at}:${r.id}`,
      (r) => this.tripOf(r),
    );
  }

  async allTrips(query: Omit<TripListQuery, 'cursor' | 'limit'>, max: number): Promise<Trip[]> {
    checkPeriod(query);
    const rows = await store.listTrips(
      this.db,
      { vehicleId: query.vehicle, lineId: query.line, from: query.from, to: query.to },
      max,
    );
    return rows.map((r) => this.tripOf(r));
  }

  // --- Chargers and charges ----------------------------------------------------------------------

  async chargers(query: { cursor?: string; limit?: number }): Promise<PageOf<Charger>> {
    const limit = pageLimit(query.limit);
    const rows = await store.listChargers(this.db, {
      afterId: decodeCursor<number>(query.cursor, 'number'),
      limit: limit + 1,
    });
    const today = this.todayPeriod();
    const perCharger = await store.chargesPerCharger(this.db, today.start, today.end);
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => this.chargerOf(r, perCharger.get(r.id)),
    );
  }

  private todayPeriod() {
    const now = this.clock();
    const start = this.calendar.startOfDay(this.calendar.day(now));
    return { start, end: start + DAY_MS + 2 * 3_600_000 };
  }

  private chargerOf(
    r: Awaited<ReturnType<typeof store.listChargers>>[number],
    today: { charges: number; kwh: number } | undefined,
  ): Charger {
    return {
      id: r.id,
      code: r.code,
      name: r.name,
      kind: r.kind,
      current: r.current === 'AC' ? 'AC' : 'DC',
      powerKw: r.power_kw,
      latitude: r.latitude,
      longitude: r.longitude,
      status: r.status,
      statusAt: r.status_at,
      vehicle: r.plate,
      socPct: r.soc_pct,
      updatedAt: r.updated_at,
      chargesToday: today?.charges ?? 0,
      energyTodayKwh: today?.kwh ?? 0,
    };
  }

  async charger(id: number): Promise<Charger> {
    const row = await store.findCharger(this.db, id);
    if (!row) throw notFound(`There is no charger ${id}.`);
    const today = this.todayPeriod();
    return this.chargerOf(row, (await store.chargesPerCharger(this.db, today.start, today.end)).get(id));
  }

  async statusHistory(id: number, query: StatusHistoryQuery): Promise<PageOf<StatusChange>> {
    checkPeriod(query);
    if (!(await store.findCharger(this.db, id))) throw notFound(`There is no charger ${id}.`);
    const limit = pageLimit(query.limit);
    const rows = await store.listStatuses(
      this.db,
      { chargerId: id, from: query.from, to: query.to, after: timeCursor(query.cursor) },
      limit + 1,
    );
    return pageOf(
      rows,
      limit,
      (r) => `${r.at}:${r.id}`,
      (r) => ({
        id: r.id,
        at: r.at,
        connector: r.connector,
        status: r.status,
        errorCode: r.error_code,
        source: r.source,
      }),
    );
  }

  async chargerDays(id: number, query: { from?: number; to?: number }): Promise<{ items: ChargerDay[] }> {
    checkPeriod(query);
    if (!(await store.findCharger(this.db, id))) throw notFound(`There is no charger ${id}.`);
    const now = this.clock();
    const to = query.to ?? now + 1;
    const from = query.from ?? to - 30 * DAY_MS;
    if (to - from > 400 * DAY_MS) throw badRequest('to: at most 400 days at once.');
    const rows = await store.chargeDays(this.db, id, from, to);
    return {
      items: rows.map((r) => ({
        day: isoDay(r.day),
        charges: r.charges,
        energyKwh: r.kwh,
        averageDurationS: r.timed > 0 ? r.seconds / r.timed : null,
      })),
    };
  }

  private chargeOf(r: Awaited<ReturnType<typeof store.listCharges>>[number]): Charge {
    return {
      id: r.id,
      number: r.number,
      chargerId: r.charger_id,
      charger: r.charger_code,
      vehicleId: r.vehicle_id,
      plate: r.plate,
      startAt: r.start_at,
      endAt: r.end_at,
      durationS: r.duration_s,
      energyKwh: r.energy_kwh,
      socStartPct: r.soc_start_pct,
      socEndPct: r.soc_end_pct,
      source: r.source,
    };
  }

  async charges(query: ChargeListQuery): Promise<PageOf<Charge>> {
    checkPeriod(query);
    const limit = pageLimit(query.limit);
    const rows = await store.listCharges(
      this.db,
      {
        vehicleId: query.vehicle,
        chargerId: query.charger,
        from: query.from,
        to: query.to,
        after: timeCursor(query.cursor),
      },
      limit + 1,
    );
    return pageOf(
      rows,
      limit,
      (r) => `${r.start_at}:${r.id}`,
      (r) => this.chargeOf(r),
    );
  }

  async allCharges(query: Omit<ChargeListQuery, 'cursor' | 'limit'>, max: number): Promise<Charge[]> {
    checkPeriod(query);
    const rows = await store.listCharges(
      this.db,
      { vehicleId: query.vehicle, chargerId: query.charger, from: query.from, to: query.to },
      max,
    );
    return rows.map((r) => this.chargeOf(r));
  }

  // --- Summary and KPIs --------------------------------------------------------------------------

  async summary(): Promise<MobilitySummary> {
    const now = this.clock();
    const day = this.calendar.day(now);
    const vehicles = await this.vehiclesOf(await store.allVehicles(this.db));
    const chargers = await store.allChargers(this.db);
    const count = (values: string[]) => {
      const out: Record<string, number> = {};
      for (const v of values) out[v] = (out[v] ?? 0) + 1;
      return out;
    };
    // Today's distance, energy and charges from the day rollups.
    const totals = (await rollups.vehicleDays(this.db, day, day)).reduce(
      (sum, d) => ({ km: sum.km + d.distance_km, kwh: sum.kwh + d.consumption_kwh }),
      { km: 0, kwh: 0 },
    );
    const charged = (await rollups.chargerDays(this.db, day, day)).map((d) => ({
      charges: d.charges,
      kwh: d.energy_kwh,
    }));
    const month = monthPeriod(this.calendar.month(now), this.zone);
    const co2 = await this.kpi.store.totals({
      kpi: 'MO_BUS_CO2_AVOIDED',
      granularity: 'month',
      from: month.start,
      to: month.end,
    });
    return {
      day: isoDay(day),
      vehicles: count(vehicles.map((v) => v.state)),
      chargers: count(chargers.map((c) => c.status)),
      distanceTodayKm: totals.km,
      consumptionTodayKwh: totals.kwh,
      chargesToday: charged.reduce((s, d) => s + d.charges, 0),
      chargedTodayKwh: charged.reduce((s, d) => s + d.kwh, 0),
      co2AvoidedMonthKg: co2.items.length > 0 ? co2.items.reduce((sum, i) => sum + i.value, 0) : null,
      service: await this.calculator.today(now),
    };
  }

  /**
   * The mobility KPIs of a year, per month or for the year: every KPI over all its buses,
   * chargers or lines (summed or averaged as the KPI says), or one KPI per each of them.
   */
  async kpis(year: number, granularity: 'month' | 'year' = 'month', kpi?: string): Promise<MobilityKpis> {
    const period = yearPeriod(year, this.zone);
    const years = await this.kpiYears();
    if (kpi !== undefined) {
      if (!(MOBILITY_KPIS as readonly string[]).includes(kpi))
        throw badRequest(`kpi: ${kpi} is not a mobility KPI (${MOBILITY_KPIS.join(', ')}).`);
      return { year, granularity, years, items: await this.measures(year, granularity, [kpi]) };
    }
    const items = [];
    for (const code of MOBILITY_KPIS) {
      const totals = await this.kpi.store.totals({
        kpi: code,
        granularity,
        breakdown: '',
        from: period.start,
        to: period.end,
      });
      for (const t of totals.items)
        if (t.periodStart >= period.start && t.periodEnd <= period.end)
          items.push({
            kpi: code,
            unit: totals.unit,
            resource: '*',
            periodStart: t.periodStart,
            periodEnd: t.periodEnd,
            value: t.value,
          });
    }
    return { year, granularity, years, items };
  }

  /** Every value of some mobility KPIs in a year, per resource. */
  async measures(year: number, granularity: 'month' | 'year', codes: readonly string[] = MOBILITY_KPIS) {
    const period = yearPeriod(year, this.zone);
    const { rows, defs } = await this.kpi.store.allMeasures(
      { kpi: [...codes], granularity, from: period.start, to: period.end, breakdown: '' },
      100_000,
    );
    return rows
      .filter((r) => r.period_start >= period.start && r.period_end <= period.end)
      .map((r) => {
        const def = defs.get(r.kpi_id);
        return {
          kpi: def?.code ?? '',
          unit: def?.unit ?? '',
          resource: r.resource,
          periodStart: r.period_start,
          periodEnd: r.period_end,
          value: r.value,
        };
      });
  }

  /** Years with mobility KPIs, newest first. */
  async kpiYears(): Promise<number[]> {
    const rows = await this.db
      .selectFrom('kpi_measure as m')
      .innerJoin('kpi_definition as d', 'd.id', 'm.kpi_id')
      .select('m.period_start')
      .distinct()
      .where('d.calculator', '=', 'mobility')
      .where('m.granularity', '=', 'year')
      .orderBy('m.period_start', 'desc')
      .execute();
    return rows.map((r) => Math.floor(this.calendar.day(r.period_start) / 10_000));
  }

  async fleetStatus(configured: boolean): Promise<FleetStatus> {
    const [feeds, rejected, latest] = await Promise.all([
      store.feedStates(this.db),
      store.countRejections(this.db),
      store.latestRejections(this.db, 100),
    ]);
    return {
      configured,
      feeds: feeds.map((f) => ({
        feed: f.feed,
        cursor: f.cursor,
        failures: f.failures,
        nextAt: f.next_at,
        lastOkAt: f.last_ok_at,
        lastError: f.last_error,
        stored: f.stored,
        rejected: f.rejected,
      })),
      rejected,
      rejections: latest.map((r) => ({
        id: r.id,
        feed: r.feed,
        recordKey: r.record_key,
        field: r.field,
        reason: r.reason,
        record: JSON.parse(r.record) as unknown,
        receivedAt: r.received_at,
      })),
    };
  }
}
