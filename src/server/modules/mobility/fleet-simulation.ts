import type { Kysely } from 'kysely';
import { DAY_MS, MINUTE_MS } from '#common/time.ts';
import type { Database, MobilitySource } from '../../db/schema.ts';
import { hash01, outdoorTemperature, smoothNoise } from '../../demo/signals.ts';
import { isoDay, LocalCalendar, weekdayOf } from './local-calendar.ts';
import { refreshDays } from './mobility-rollups.store.ts';
import * as store from './mobility.store.ts';

/**
 * A deterministic synthetic bus fleet: lines across the demo city with their stops, shapes and
 * timetable, articulated electric buses running it, pantographs at both ends and depot chargers,
 * and the trips and charges of any span of days. Buses use more energy on cold days (heating) and
 * on hot ones (air conditioning), from the demo's outdoor temperature. The demo seeds one line
 * (line 2) for 90 days; the benchmark a city fleet for a year.
 */

/** The waypoints of line 2, west (Zabalgana) to east (Salburua), [lat, lon]. */
const LINE_2: readonly [number, number][] = [
  [42.8421, -2.7269],
  [42.8452, -2.7166],
  [42.8427, -2.7065],
  [42.847, -2.6969],
  [42.8499, -2.6888],
  [42.8521, -2.679],
  [42.8541, -2.6718],
  [42.8575, -2.6662],
  [42.8554, -2.6576],
  [42.8585, -2.6488],
  [42.8629, -2.642],
  [42.8612, -2.6332],
  [42.8642, -2.625],
  [42.8621, -2.6163],
];

const STOP_NAMES = [
  'Zabalgana',
  'Mariturri',
  'Ariznabarra',
  'Portal de Castilla',
  'Txagorritxu',
  'Beato Tomás de Zumárraga',
  'Eulogio Serdán',
  'Aldabe',
  'Coronación',
  'Plaza de Bilbao',
  'Portal de Arriaga',
  'Los Herrán',
  'Plaza de la Provincia',
  'Lakua',
  'Avenida de Bruselas',
  'Arana',
  'Santa Lucía',
  'Ibaiondo',
  'Salburua Parkea',
  'Budapest',
  'Varsovia',
  'Bratislava',
  'Praga',
  'Salburua',
];

const KM_PER_DEG_LAT = 111.32;
const kmPerDegLon = (lat: number) => 111.32 * Math.cos((lat * Math.PI) / 180);

function distanceKm(a: readonly [number, number], b: readonly [number, number]): number {
  const dy = (b[0] - a[0]) * KM_PER_DEG_LAT;
  const dx = (b[1] - a[1]) * kmPerDegLon((a[0] + b[0]) / 2);
  return Math.hypot(dx, dy);
}

/** A point `km` along a polyline of [lat, lon]. */
function along(points: readonly (readonly [number, number])[], km: number): [number, number] {
  let left = km;
  for (let i = 1; i < points.length; i++) {
    const d = distanceKm(points[i - 1], points[i]);
    if (left <= d || i === points.length - 1) {
      const f = d > 0 ? Math.min(1, left / d) : 0;
      return [
        points[i - 1][0] + (points[i][0] - points[i - 1][0]) * f,
        points[i - 1][1] + (points[i][1] - points[i - 1][1]) * f,
      ];
    }
    left -= d;
  }
  return [points[points.length - 1][0], points[points.length - 1][1]];
}

const lengthOf = (points: readonly (readonly [number, number])[]) =>
  points.slice(1).reduce((s, p, i) => s + distanceKm(points[i], p), 0);

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export interface FleetSpec {
  /** Lines to make: the first is line 2 of the demo, others copies shifted across the city. */
  lines: number;
  /** Buses per line. */
  busesPerLine: number;
  /** Depot chargers in all (besides two pantographs per line). */
  depotChargers: number;
  /** Charge at both ends of the line (true) or only at the east end. */
  bothEnds: boolean;
  source: MobilitySource;
}

export const DEMO_FLEET: FleetSpec = {
  lines: 1,
  busesPerLine: 13,
  depotChargers: 1,
  bothEnds: true,
  source: 'demo',
};

/** The run time of one trip, min: slower at the peaks. */
export const RUN_MIN = 38;
/** Weekday service: a bus every 8 minutes from 06:00 to 23:00; weekends every 10. */
export const SERVICES = [
  { code: 'LAB', weekdays: '1111100', headwayMin: 8, firstS: 6 * 3600, lastS: 23 * 3600 },
  { code: 'FIN', weekdays: '0000011', headwayMin: 10, firstS: 7 * 3600, lastS: 23 * 3600 },
] as const;

interface LineModel {
  id: number;
  code: string;
  lengthKm: number;
  points: [number, number][];
  vehicles: { id: number; plate: string; battery: number }[];
  /** Pantograph at the west end (direction 1 arrives), at the east end (direction 0 arrives). */
  chargers: { west: number; east: number };
  services: { id: number; headwayMin: number; firstS: number; lastS: number; weekdays: string }[];
}

export interface FleetModel {
  lines: LineModel[];
  depots: number[];
  calendar: LocalCalendar;
}

function linePoints(index: number): [number, number][] {
  // Further lines: the same path, rotated a little about the centre and shifted north or south.
  if (index === 0) return LINE_2.map(([a, b]) => [a, b]);
  const angle = ((index % 8) - 4) * 0.18;
  const shift = (Math.floor(index / 8) - 2) * 0.006;
  const [cLat, cLon] = [42.852, -2.672];
  return LINE_2.map(([lat, lon]) => {
    const y = lat - cLat;
    const x = (lon - cLon) * 0.73;
    return [
      round(cLat + shift + y * Math.cos(angle) + x * Math.sin(angle), 6),
      round(cLon + (x * Math.cos(angle) - y * Math.sin(angle)) / 0.73, 6),
    ];
  });
}

/** Letters of Spanish plates (no vowels, no Ñ or Q). */
const PLATE_LETTERS = 'BCDFGHJKLMNPRSTVWXYZ';
const plateOf = (n: number) =>
  `${String(2000 + n).padStart(4, '0')}-L${PLATE_LETTERS[Math.floor(n / 20) % 20]}${PLATE_LETTERS[n % 20]}`;

/**
 * Writes the lines, stops, shapes, timetable, vehicles and chargers of a fleet; the timetable's
 * services run from `from` to a year after `to` (local dates).
 */
export async function createFleetModel(
  db: Kysely<Database>,
  spec: FleetSpec,
  zone: string,
  from: number,
  to: number,
): Promise<FleetModel> {
  const calendar = new LocalCalendar(zone);
  const now = to;
  const source = spec.source;
  const lines: LineModel[] = [];
  const serviceIds: LineModel['services'] = [];
  const startDate = isoDay(calendar.day(from));
  const endDate = isoDay(calendar.day(to + 366 * DAY_MS));
  for (const s of SERVICES) {
    const row = await db
      .insertInto('mobility_service')
      .values({ code: `${source}-${s.code}`, weekdays: s.weekdays, start_date: startDate, end_date: endDate })
      .returning('id')
      .executeTakeFirstOrThrow();
    serviceIds.push({
      id: row.id,
      headwayMin: s.headwayMin,
      firstS: s.firstS,
      lastS: s.lastS,
      weekdays: s.weekdays,
    });
  }
  let plateNo = 0;
  for (let li = 0; li < spec.lines; li++) {
    const code = li === 0 ? '2' : String(100 + li);
    const points = linePoints(li);
    const lengthKm = lengthOf(points);
    const line = await db
      .insertInto('mobility_line')
      .values({
        code,
        name: li === 0 ? 'Zabalgana – Salburua' : `Line ${code}`,
        agency: 'TUVISA',
        route_type: 3,
        colour: li === 0 ? '#0a7d3b' : null,
        reference_stop_id: null,
        source,
        external_id: null,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // 24 stops each way, evenly along the path; the way back stops across the street.
    const stopIds: number[][] = [[], []];
    for (const direction of [0, 1]) {
      const path = direction === 0 ? points : [...points].reverse();
      const rows = STOP_NAMES.map((name, i) => {
        const [lat, lon] = along(path, (lengthKm * i) / (STOP_NAMES.length - 1));
        const across = direction === 0 ? 0 : 0.00012;
        return {
          code: `${code}-${direction}-${String(i + 1).padStart(2, '0')}`,
          name:
            direction === 0
              ? li === 0
                ? name
                : `${name} (${code})`
              : li === 0
                ? STOP_NAMES[STOP_NAMES.length - 1 - i]
                : `${STOP_NAMES[STOP_NAMES.length - 1 - i]} (${code})`,
          latitude: round(lat + across, 6),
          longitude: round(lon + across, 6),
          source,
          external_id: null,
        };
      });
      for (const r of rows) {
        const stop = await db.insertInto('mobility_stop').values(r).returning('id').executeTakeFirstOrThrow();
        stopIds[direction].push(stop.id);
      }
      const shape = await db
        .insertInto('mobility_shape')
        .values({
          line_id: line.id,
          direction,
          code: `${code}-${direction}`,
          length_km: round(lengthKm, 3),
          points: JSON.stringify(path.map(([lat, lon]) => [lon, lat])),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await db
        .insertInto('mobility_line_stop')
        .values(
          stopIds[direction].map((stopId, seq) => ({
            line_id: line.id,
            direction,
            seq: seq + 1,
            stop_id: stopId,
            distance_km: round((lengthKm * seq) / (STOP_NAMES.length - 1), 3),
          })),
        )
        .execute();
      // The timetable: departures every headway; the way back leaves half a cycle later.
      for (const s of serviceIds) {
        const cycleS = spec.busesPerLine * s.headwayMin * 60;
        const trips: { code: string; departure: number }[] = [];
        for (let t = s.firstS, i = 0; t <= s.lastS; t += s.headwayMin * 60, i++)
          trips.push({
            code: `${code}-${s.id}-${direction}-${i}`,
            departure: t + (direction === 1 ? cycleS / 2 : 0),
          });
        for (const part of chunk(trips, 200)) {
          const inserted = await db
            .insertInto('mobility_scheduled_trip')
            .values(
              part.map((t) => ({
                code: t.code,
                line_id: line.id,
                service_id: s.id,
                direction,
                shape_id: shape.id,
                headsign: direction === 0 ? 'Salburua' : 'Zabalgana',
                departure_s: t.departure,
              })),
            )
            .returning(['id', 'departure_s'])
            .execute();
          const stopTimes = inserted.flatMap((t) =>
            stopIds[direction].map((stopId, seq) => {
              const at = t.departure_s + Math.round((RUN_MIN * 60 * seq) / (STOP_NAMES.length - 1));
              return {
                trip_id: t.id,
                seq: seq + 1,
                stop_id: stopId,
                arrival_s: at,
                departure_s: at + (seq === 0 ? 0 : 20),
              };
            }),
          );
          for (const rows of chunk(stopTimes, 1000))
            await db.insertInto('mobility_stop_time').values(rows).execute();
        }
      }
    }
    await db
      .updateTable('mobility_line')
      .set({ reference_stop_id: stopIds[0][0] })
      .where('id', '=', line.id)
      .execute();
    const vehicles: LineModel['vehicles'] = [];
    for (let b = 0; b < spec.busesPerLine; b++) {
      plateNo++;
      const plate = plateOf(plateNo);
      const id = await store.ensureVehicle(
        db,
        {
          code: `BUS-${String(200 + plateNo)}`,
          plate,
          model: 'Irizar ie tram 18 m',
          type: 'articulated',
          battery_kwh: 250,
          line_id: line.id,
          diesel_l_per_100km: null,
          source,
        },
        now,
      );
      vehicles.push({ id, plate, battery: 250 });
    }
    const charger = async (codeOf: string, name: string, at: [number, number]) => {
      const { id } = await store.upsertCharger(db, {
        code: codeOf,
        name,
        kind: 'pantograph',
        current: 'DC',
        power_kw: 450,
        latitude: round(at[0] + 0.0002, 6),
        longitude: round(at[1], 6),
        status: 'Available',
        status_at: from,
        vehicle_id: null,
        soc_pct: null,
        source,
        updated_at: from,
      });
      return id;
    };
    const west = await charger(`PANT-${code}-W`, `Pantograph ${STOP_NAMES[0]} (${code})`, points[0]);
    const east = await charger(
      `PANT-${code}-E`,
      `Pantograph ${STOP_NAMES[STOP_NAMES.length - 1]} (${code})`,
      points[points.length - 1],
    );
    lines.push({
      id: line.id,
      code,
      lengthKm,
      points,
      vehicles,
      chargers: { west, east },
      services: serviceIds,
    });
  }
  const depots: number[] = [];
  for (let d = 0; d < spec.depotChargers; d++) {
    const { id } = await store.upsertCharger(db, {
      code: `DEPOT-${d + 1}`,
      name: `Depot charger ${d + 1}`,
      kind: 'depot',
      current: 'DC',
      power_kw: 150,
      latitude: round(42.8668 - (d % 10) * 0.00005, 6),
      longitude: round(-2.6873 + Math.floor(d / 10) * 0.00005, 6),
      status: 'Available',
      status_at: from,
      vehicle_id: null,
      soc_pct: null,
      source,
      updated_at: from,
    });
    depots.push(id);
  }
  for (const id of [...lines.flatMap((l) => [l.chargers.west, l.chargers.east]), ...depots])
    await store.insertStatuses(db, [
      { charger_id: id, connector: 0, status: 'Available', error_code: null, at: from, source },
    ]);
  return { lines, depots, calendar };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Energy per km of an articulated electric bus at an outdoor temperature, kWh/km: traction and auxiliaries. */
export function energyPerKm(outsideC: number, load: number): { traction: number; auxiliary: number } {
  const heating = outsideC < 16 ? 0.045 * (16 - outsideC) : 0;
  const cooling = outsideC > 24 ? 0.035 * (outsideC - 24) : 0;
  return { traction: 1.05 + 0.15 * load, auxiliary: 0.12 + heating + cooling };
}

/** Hours a charger is out of service: a few faults and maintenance stops, deterministic. */
function outages(
  chargerId: number,
  day: number,
): { from: number; to: number; status: 'Faulted' | 'Unavailable' } | undefined {
  const r = hash01(chargerId * 7919, day);
  if (r < 0.03)
    return { from: 10 + (Math.floor(r * 200) % 8), to: 13 + (Math.floor(r * 200) % 8), status: 'Faulted' };
  if (r > 0.985) return { from: 1, to: 5, status: 'Unavailable' };
  return undefined;
}

export interface SimulationReport {
  trips: number;
  charges: number;
  statuses: number;
}

/**
 * Runs the fleet over the local days of [from, to): every scheduled departure (a few missed, the
 * rest a little late), each trip's energy from the weather, a pantograph charge after each trip
 * (unless the pantograph is out of service) and an overnight depot charge back to full. Trips and
 * charges are keyed, so running a span again changes nothing.
 */
export async function simulateFleet(
  db: Kysely<Database>,
  model: FleetModel,
  spec: FleetSpec,
  from: number,
  to: number,
  onDay?: (day: number) => void,
): Promise<SimulationReport> {
  const { calendar } = model;
  const report: SimulationReport = { trips: 0, charges: 0, statuses: 0 };
  const firstDay = calendar.day(from);
  const lastDay = calendar.day(to - 1);
  const soc = new Map<number, number>();
  let trips: store.NewTrip[] = [];
  let charges: store.NewCharge[] = [];
  let statuses: store.NewStatus[] = [];
  let pendingFirst: number | undefined;
  let pendingLast = firstDay;
  const flush = async () => {
    await db.transaction().execute(async (trx) => {
      await store.upsertTrips(trx, trips);
      await store.upsertCharges(trx, charges);
      await store.insertStatuses(trx, statuses);
      if (pendingFirst !== undefined) await refreshDays(trx, calendar, pendingFirst, pendingLast);
    });
    pendingFirst = undefined;
    report.trips += trips.length;
    report.charges += charges.length;
    report.statuses += statuses.length;
    trips = [];
    charges = [];
    statuses = [];
  };
  const source = spec.source;
  for (let dayStart = calendar.startOfDay(firstDay), day = firstDay; day <= lastDay;) {
    const weekday = weekdayOf(day);
    const chargerState = new Map<number, ReturnType<typeof outages>>();
    const outOfService = (chargerId: number, t: number) => {
      if (!chargerState.has(chargerId)) chargerState.set(chargerId, outages(chargerId, day));
      const o = chargerState.get(chargerId);
      return o !== undefined && t >= dayStart + o.from * 3_600_000 && t < dayStart + o.to * 3_600_000;
    };
    for (const line of model.lines) {
      const service = line.services.find((s) => s.weekdays[weekday] === '1');
      if (!service) continue;
      const cycleMs = spec.busesPerLine * service.headwayMin * MINUTE_MS;
      const departures = Math.floor((service.lastS - service.firstS) / (service.headwayMin * 60)) + 1;
      for (let i = 0; i < departures; i++) {
        const bus = line.vehicles[i % line.vehicles.length];
        for (const direction of [0, 1]) {
          const scheduled =
            dayStart + (service.firstS + i * service.headwayMin * 60) * 1000 + direction * (cycleMs / 2);
          if (scheduled >= to || scheduled < from) continue;
          const key = bus.id * 1_000_003 + i * 2 + direction;
          // About one trip in 70 is not run (a breakdown, a driver missing).
          if (hash01(day, key) < 0.014) continue;
          const start = scheduled + Math.round(hash01(day + 1, key) * 150) * 1000;
          const hour = ((start - dayStart) / 3_600_000) % 24;
          const peak = (hour > 7 && hour < 9.5) || (hour > 13 && hour < 15) || (hour > 17.5 && hour < 19.5);
          const durationS = Math.round(
            (RUN_MIN + (peak ? 4 : 0) + smoothNoise(key % 97, start, 3_600_000) * 2) * 60,
          );
          const distance = round(line.lengthKm * (1 + 0.004 * smoothNoise(key % 89, start, DAY_MS)), 3);
          const outside = outdoorTemperature(start);
          const load = peak ? 0.8 : 0.4;
          const perKm = energyPerKm(outside, load);
          const traction = perKm.traction * distance;
          const regenerated = traction * (0.22 + 0.04 * hash01(day + 2, key));
          const auxiliary = perKm.auxiliary * distance;
          const consumption = traction - regenerated + auxiliary;
          const end = start + durationS * 1000;
          // Only what has happened by `to`: a trip still on the road is reported when it ends.
          if (end > to) continue;
          trips.push({
            external_id: `${source}:${line.code}:${day}:${i}:${direction}`,
            vehicle_id: bus.id,
            line_id: line.id,
            scheduled_trip_id: null,
            direction,
            start_at: start,
            end_at: end,
            day: calendar.day(start),
            month: calendar.month(start),
            distance_km: distance,
            duration_s: durationS,
            avg_speed_kmh: round(distance / (durationS / 3600), 2),
            consumption_kwh: round(consumption, 3),
            kwh_per_km: round(consumption / distance, 4),
            regenerated_kwh: round(regenerated, 3),
            auxiliary_kwh: round(auxiliary, 3),
            traction_kwh: round(traction, 3),
            inside_temp_c: round(Math.min(24, Math.max(18, outside + 8)) + hash01(day + 3, key), 1),
            outside_temp_c: outside,
            diesel_co2_kg: round(distance * 0.55 * 2.67, 2),
            electric_co2_kg: round(consumption * 0.2, 2),
            source,
            received_at: end,
          });
          let level = (soc.get(bus.id) ?? 95) - (100 * consumption) / bus.battery;
          // A pantograph charge at the end the trip arrives at, about four minutes.
          const chargerId = direction === 0 ? line.chargers.east : line.chargers.west;
          const chargeStart = end + 60_000;
          const minutes = 3.5 + 1.5 * hash01(day + 4, key);
          const chargeEnd = chargeStart + Math.round(minutes * 60_000);
          if (
            (spec.bothEnds || direction === 0) &&
            !outOfService(chargerId, chargeStart) &&
            chargeEnd <= to
          ) {
            const energy = Math.min(
              ((100 - level) / 100) * bus.battery,
              (450 * 0.9 * minutes) / 60,
              consumption * 1.15,
            );
            const before = level;
            level += (100 * energy) / bus.battery;
            charges.push({
              number: `${day}-${i}-${direction}`,
              charger_id: chargerId,
              vehicle_id: bus.id,
              connector: 1,
              id_tag: bus.plate,
              start_at: chargeStart,
              end_at: chargeEnd,
              day: calendar.day(chargeStart),
              month: calendar.month(chargeStart),
              duration_s: Math.round((chargeEnd - chargeStart) / 1000),
              energy_kwh: round(energy, 3),
              meter_start_wh: null,
              meter_stop_wh: null,
              soc_start_pct: round(before, 1),
              soc_end_pct: round(level, 1),
              stop_reason: 'EVDisconnected',
              source,
              received_at: chargeEnd,
            });
            statuses.push(
              {
                charger_id: chargerId,
                connector: 0,
                status: 'Charging',
                error_code: null,
                at: chargeStart,
                source,
              },
              {
                charger_id: chargerId,
                connector: 0,
                status: 'Available',
                error_code: null,
                at: chargeEnd,
                source,
              },
            );
          }
          soc.set(bus.id, Math.max(5, level));
        }
      }
    }
    // Outages of the day, and overnight depot charges back to full (from 00:30, one after another).
    for (const id of [...model.lines.flatMap((l) => [l.chargers.west, l.chargers.east]), ...model.depots]) {
      const o = outages(id, day);
      if (o && dayStart + o.to * 3_600_000 <= to)
        statuses.push(
          {
            charger_id: id,
            connector: 0,
            status: o.status,
            error_code: o.status === 'Faulted' ? 'InternalError' : null,
            at: dayStart + o.from * 3_600_000 + 7_000,
            source,
          },
          {
            charger_id: id,
            connector: 0,
            status: 'Available',
            error_code: null,
            at: dayStart + o.to * 3_600_000 - 7_000,
            source,
          },
        );
    }
    const nextStart = calendar.startOfDay(nextDay(day));
    if (model.depots.length > 0) {
      const buses = model.lines.flatMap((l) => l.vehicles);
      const slots = new Map<number, number>();
      buses.forEach((bus, n) => {
        const depot = model.depots[n % model.depots.length];
        const start = Math.max(slots.get(depot) ?? 0, nextStart + 30 * MINUTE_MS);
        if (start >= to || outOfService(depot, start)) return;
        const level = soc.get(bus.id) ?? 95;
        const energy = ((100 - level) / 100) * bus.battery;
        const minutes = Math.max(10, (energy / (150 * 0.92)) * 60);
        const end = start + Math.round(minutes * 60_000);
        if (end > to) return;
        slots.set(depot, end + 2 * MINUTE_MS);
        charges.push({
          number: `${day}-depot-${bus.id}`,
          charger_id: depot,
          vehicle_id: bus.id,
          connector: 1,
          id_tag: bus.plate,
          start_at: start,
          end_at: end,
          day: calendar.day(start),
          month: calendar.month(start),
          duration_s: Math.round((end - start) / 1000),
          energy_kwh: round(energy, 3),
          meter_start_wh: null,
          meter_stop_wh: null,
          soc_start_pct: round(level, 1),
          soc_end_pct: 100,
          stop_reason: 'EVDisconnected',
          source,
          received_at: end,
        });
        statuses.push(
          { charger_id: depot, connector: 0, status: 'Charging', error_code: null, at: start, source },
          { charger_id: depot, connector: 0, status: 'Available', error_code: null, at: end, source },
        );
        soc.set(bus.id, 100);
      });
    }
    onDay?.(day);
    pendingFirst ??= day;
    pendingLast = day;
    if (trips.length + charges.length + statuses.length > 20_000) await flush();
    day = nextDay(day);
    dayStart = nextStart;
  }
  await flush();
  await settleChargers(db, to);
  return report;
}

/** Each charger's status is the latest of its history before `to`, with the vehicle it charges then. */
async function settleChargers(db: Kysely<Database>, to: number): Promise<void> {
  const chargers = await store.allChargers(db);
  const latest = await store.statusesWithin(
    db,
    chargers.map((c) => c.id),
    to,
    to,
  );
  for (const s of latest) {
    const charging =
      s.status === 'Charging'
        ? await db
            .selectFrom('mobility_charge')
            .select(['vehicle_id', 'soc_start_pct', 'soc_end_pct', 'start_at', 'end_at'])
            .where('charger_id', '=', s.charger_id)
            .where('start_at', '<=', to)
            .orderBy('start_at', 'desc')
            .limit(1)
            .executeTakeFirst()
        : undefined;
    await db
      .updateTable('mobility_charger')
      .set({
        status: s.status,
        status_at: s.at,
        vehicle_id: charging?.vehicle_id ?? null,
        soc_pct: charging ? charging.soc_start_pct : null,
        updated_at: to,
      })
      .where('id', '=', s.charger_id)
      .execute();
  }
}

function nextDay(day: number): number {
  const d = new Date(Date.UTC(Math.floor(day / 10_000), (Math.floor(day / 100) % 100) - 1, (day % 100) + 1));
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** Where a bus on a trip of a line is at `t` (straight along its shape at an even speed), [lat, lon]. */
export function positionOnTrip(
  line: { points: [number, number][]; lengthKm: number },
  trip: { direction: number; start: number; end: number },
  t: number,
): [number, number] {
  const f = Math.min(1, Math.max(0, (t - trip.start) / (trip.end - trip.start)));
  const path = trip.direction === 0 ? line.points : [...line.points].reverse();
  return along(path, f * line.lengthKm);
}
