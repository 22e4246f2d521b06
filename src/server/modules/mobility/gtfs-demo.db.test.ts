import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '#common/time.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { createFleetModel, DEMO_FLEET } from './fleet-simulation.ts';
import { seedMobilityDemo } from './mobility-demo.ts';

const NOW = Date.parse('2026-12-07T11:30:00Z');
let t: TestPlatform;

beforeAll(async () => {
  t = await openTestPlatform();
  await createFleetModel(
    t.platform.database.db,
    DEMO_FLEET,
    t.platform.config.timezone,
    NOW - 90 * DAY_MS,
    NOW,
  );
});
afterAll(async () => t?.close());

async function timetable() {
  const db = t.platform.database.db;
  const trips = await db
    .selectFrom('mobility_scheduled_trip as t')
    .innerJoin('mobility_service as s', 's.id', 't.service_id')
    .select(['t.direction', 't.departure_s', 's.weekdays'])
    .orderBy('s.weekdays')
    .orderBy('t.direction')
    .orderBy('t.departure_s')
    .execute();
  const stopTimes = await db
    .selectFrom('mobility_stop_time')
    .select(db.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return { trips, stopTimes: Number(stopTimes.n) };
}

describe('the demo line as a GTFS feed', () => {
  it('gives line 2 back its timetable through the GTFS import when the timetable is empty, once', async () => {
    const db = t.platform.database.db;
    const made = await timetable();
    expect(made.trips.length).toBeGreaterThan(400);
    await db.deleteFrom('mobility_stop_time').execute();
    await db.deleteFrom('mobility_scheduled_trip').execute();

    await seedMobilityDemo(t.platform.mobility, t.platform, NOW);
    expect(await timetable()).toEqual(made);
    const line = await db
      .selectFrom('mobility_line')
      .selectAll()
      .where('code', '=', '2')
      .executeTakeFirstOrThrow();
    expect(line).toMatchObject({ source: 'gtfs', external_id: '2', name: 'Zabalgana – Salburua' });
    expect(line.reference_stop_id).not.toBeNull();
    const pattern = await db
      .selectFrom('mobility_line_stop')
      .select('stop_id')
      .where('line_id', '=', line.id)
      .execute();
    expect(pattern).toHaveLength(48);

    const codes = await db.selectFrom('mobility_scheduled_trip').select('code').orderBy('code').execute();
    await seedMobilityDemo(t.platform.mobility, t.platform, NOW + DAY_MS);
    expect(await db.selectFrom('mobility_scheduled_trip').select('code').orderBy('code').execute()).toEqual(
      codes,
    );
  });
});
