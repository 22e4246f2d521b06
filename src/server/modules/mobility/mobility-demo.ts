import { MINUTE_MS, DAY_MS } from '#common/time.ts';
import type { ModuleDeps } from '../../module.ts';
import { demoGtfsFeed } from './gtfs-demo.ts';
import { timetableSize } from './gtfs.store.ts';
import { createFleetModel, DEMO_FLEET, positionOnTrip, simulateFleet } from './fleet-simulation.ts';
import type { MobilityServices } from './index.ts';
import { yearsToRecompute } from './mobility.calculator.ts';
import type { PositionFix } from './vehicle-positions.ts';

/** Days of bus history the demo holds. */
export const DEMO_BUS_DAYS = 90;

/**
 * The demo's part of the electric bus line: line 2 with its 24 stops each way, shape and
 * timetable, 13 articulated buses, two pantographs and a depot charger, 90 days of trips and
 * charges that follow the timetable and the weather, the last day's positions, and the KPIs.
 * When line 2 is there, it only gives it its timetable back if the timetable is empty, as a
 * GTFS feed made from the line, through the GTFS import.
 */
export async function seedMobilityDemo(
  mobility: MobilityServices,
  deps: Pick<ModuleDeps, 'db' | 'config' | 'logger'>,
  now: number,
): Promise<void> {
  const { db, config, logger } = deps;
  const present = await db
    .selectFrom('mobility_line')
    .select('id')
    .where('code', '=', '2')
    .executeTakeFirst();
  if (present) {
    if ((await timetableSize(db)) > 0) return;
    const zip = await demoGtfsFeed(db, config.timezone, now);
    if (!zip) return;
    const report = await mobility.gtfs.import(zip, now);
    logger.info(report, 'demo bus timetable imported from GTFS');
    return;
  }
  const began = Date.now();
  const from = now - DEMO_BUS_DAYS * DAY_MS;
  const model = await createFleetModel(db, DEMO_FLEET, config.timezone, from, now);
  const report = await simulateFleet(db, model, DEMO_FLEET, from, now);
  // Where each bus was over the last day, a fix a minute while on a trip.
  const line = model.lines[0];
  const trips = await db
    .selectFrom('mobility_trip')
    .innerJoin('mobility_vehicle', 'mobility_vehicle.id', 'mobility_trip.vehicle_id')
    .select([
      'mobility_vehicle.plate',
      'mobility_trip.direction',
      'mobility_trip.start_at',
      'mobility_trip.end_at',
    ])
    .where('mobility_trip.end_at', '>=', now - DAY_MS)
    .where('mobility_trip.line_id', '=', line.id)
    .execute();
  const fixes: PositionFix[] = [];
  for (const trip of trips)
    for (
      let t = Math.ceil(trip.start_at / MINUTE_MS) * MINUTE_MS;
      t <= Math.min(trip.end_at, now);
      t += MINUTE_MS
    ) {
      const [latitude, longitude] = positionOnTrip(
        line,
        { direction: trip.direction ?? 0, start: trip.start_at, end: trip.end_at },
        t,
      );
      fixes.push({
        plate: trip.plate,
        t,
        latitude: Math.round(latitude * 1e6) / 1e6,
        longitude: Math.round(longitude * 1e6) / 1e6,
      });
    }
  await mobility.positions.write(fixes, now);
  const kpis = await mobility.calculator.compute(
    [
      ...new Set([...yearsToRecompute(from, config.timezone), ...yearsToRecompute(now, config.timezone)]),
    ].sort(),
    now,
  );
  logger.info(
    { ...report, positions: fixes.length, measures: kpis.measures, ms: Date.now() - began },
    'demo bus line seeded',
  );
}
