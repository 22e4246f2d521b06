import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { availability } from './mobility.calculator.ts';
import { refreshStatusDays } from './mobility-rollups.store.ts';
import * as store from './mobility.store.ts';

const local = (iso: string) => Date.parse(iso);
// March 2026 in Madrid: 31 days, one of them of 23 hours (summer time from 29 March).
const MARCH = { start: local('2026-03-01T00:00:00+01:00'), end: local('2026-04-01T00:00:00+02:00') };

let t: TestPlatform;
beforeAll(async () => {
  t = await openTestPlatform();
});
afterAll(async () => t?.close());

describe('charger availability, by hand from a status history', () => {
  it('is the share of the known time neither Faulted nor Unavailable, across a change of clock', async () => {
    const db = t.platform.database.db;
    const { id } = await store.upsertCharger(db, {
      code: 'PANT-TEST',
      name: 'test',
      kind: 'pantograph',
      current: 'DC',
      power_kw: 450,
      latitude: 42.85,
      longitude: -2.67,
      status: 'Available',
      status_at: MARCH.start,
      vehicle_id: null,
      soc_pct: null,
      source: 'ocpp',
      updated_at: MARCH.start,
    });
    const history = [
      { at: MARCH.start, status: 'Available' },
      { at: local('2026-03-10T08:00:00+01:00'), status: 'Charging' },
      { at: local('2026-03-10T08:04:00+01:00'), status: 'Available' },
      { at: local('2026-03-10T10:00:00+01:00'), status: 'Faulted' },
      { at: local('2026-03-10T13:00:00+01:00'), status: 'Available' },
      { at: local('2026-03-20T22:00:00+01:00'), status: 'Unavailable' },
      { at: local('2026-03-21T00:00:00+01:00'), status: 'Available' },
    ];
    await store.insertStatuses(
      db,
      history.map((h) => ({
        charger_id: id,
        connector: 0,
        status: h.status,
        error_code: null,
        at: h.at,
        source: 'ocpp',
      })),
    );
    const calendar = t.platform.mobility.ingest.calendar;
    await refreshStatusDays(db, calendar, 20260301, 20260415, [id]);
    await t.platform.mobility.calculator.compute([2026], local('2026-04-15T12:00:00+02:00'));

    // 743 hours known (31 days less the hour of the clock change), 3 h faulted and 2 h unavailable.
    const byHand = (100 * (743 - 5)) / 743;
    expect(availability(history, MARCH.start, MARCH.end)).toBeCloseTo(byHand, 9);
    const measures = (
      await t.app.inject({
        url: '/api/v1/mobility/kpis?year=2026&kpi=MO_CHARGER_AVAILABILITY',
        headers: await headersAs(t, { roles: ['transport'] }),
      })
    ).json().items as { resource: string; periodStart: number; value: number }[];
    const march = measures.find((m) => m.resource === 'PANT-TEST' && m.periodStart === MARCH.start);
    expect(march?.value).toBeCloseTo(byHand, 9);
    // April up to the 15th at noon, all of it available.
    const april = measures.find((m) => m.resource === 'PANT-TEST' && m.periodStart === MARCH.end);
    expect(april?.value).toBe(100);
  });
});
