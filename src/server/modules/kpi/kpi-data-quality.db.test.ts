import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Measure } from '#common/api/kpi.ts';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { DATA_QUALITY_KPIS } from './kpi-calculators.ts';
import { monthKey, monthPeriod } from './kpi-periods.ts';

const STEP = 600_000;
const DAY = 86_400_000;
/** The quality module's job over the change feed (`quality.service.ts`), named here to run it. */
const QUALITY_JOB = 'quality-checks';

describe('ICT data completeness and correctness KPIs', () => {
  let t: TestPlatform;
  let a: TestPlace;
  let b: TestPlace;
  let c: TestPlace;
  /** Readings expected of c's sensor, first seen in the middle of the month. */
  let expectedC: number;
  let kpiUser: Record<string, string>;
  let zone: string;
  let key: number;
  /** Readings expected of one sensor in the month (one per 10 minutes). */
  let expected: number;
  const GAP = 144;
  const FLAGGED = 6;

  beforeAll(async () => {
    t = await openTestPlatform();
    ({ a, b } = await createPlaces(t));
    ({ a: c } = await createPlaces(t));
    kpiUser = await headersAs(t, { roles: ['kpi'] });
    zone = t.platform.config.timezone;
    key = monthKey(Date.now() - 62 * DAY, zone);
    const month = monthPeriod(key, zone);
    expected = Math.round((month.end - month.start) / STEP);
    // Building a's thermometer: every 10 minutes but for a whole day's gap (day 10), and an hour
    // at 80 °C (day 20) that the range check flags. Building b's sensor sends nothing that month.
    const readings = [];
    for (let i = 0; i < expected; i++) {
      if (i >= 9 * 144 && i < 9 * 144 + GAP) continue;
      const flagged = i >= 19 * 144 + 60 && i < 19 * 144 + 60 + FLAGGED;
      const value = flagged ? 80 : Math.round((21 + 2 * Math.sin(i / 20)) * 10) / 10;
      readings.push({
        sn: a.sn,
        channel: '1',
        device: '1',
        medium: 'temperature',
        ts: month.start + i * STEP,
        value,
      });
    }
    // Building b's sensor was registered before the month (and has sent nothing since).
    await t.platform.db
      .updateTable('sensor')
      .set({ created_at: month.start - DAY })
      .where('id', '=', b.sensorId)
      .execute();
    // Building c's sensor is first seen half-way through the month and sends every reading from
    // then on: it is not expected before.
    const cFrom = month.start + 15 * DAY;
    expectedC = Math.round((month.end - cFrom) / STEP);
    for (let i = 0; i < expectedC; i++)
      readings.push({
        sn: c.sn,
        channel: '1',
        device: '1',
        medium: 'temperature',
        ts: cFrom + i * STEP,
        value: Math.round((21 + 2 * Math.sin(i / 20)) * 10) / 10,
      });
    await t.platform.ingest.writeJson(readings);
    await t.platform.engine.flush();
    expect(await t.platform.scheduler.run(QUALITY_JOB)).toBe(true);
  });
  afterAll(async () => {
    await t.close();
  });

  const items = async (kpi: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/measures?kpi=${kpi}&limit=500`,
      headers: kpiUser,
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { items: Measure[] }).items;
  };
  const measures = async (kpi: string) =>
    new Map(
      (await items(kpi))
        .filter((m) => m.periodStart === monthPeriod(key, zone).start)
        .map((m) => [m.resource, m.value]),
    );

  it('computes them per building and for the platform from the coverage and the flags', async () => {
    const report = await t.platform.kpi.calculators.dataQuality([key], Date.now());
    const received = expected - GAP;
    const completeness = await measures(DATA_QUALITY_KPIS.building.completeness);
    expect(completeness.get(a.buildingCode)).toBeCloseTo((100 * received) / expected, 6);
    expect(completeness.get(b.buildingCode)).toBe(0);
    expect(completeness.get(c.buildingCode)).toBe(100);
    const correctness = await measures(DATA_QUALITY_KPIS.building.correctness);
    expect(correctness.get(a.buildingCode)).toBeCloseTo((100 * (received - FLAGGED)) / received, 6);
    // Nothing received: nothing to judge.
    expect(correctness.has(b.buildingCode)).toBe(false);
    const platformCompleteness = await measures(DATA_QUALITY_KPIS.platform.completeness);
    const platformCorrectness = await measures(DATA_QUALITY_KPIS.platform.correctness);
    expect(report.buildings).toBe(3);
    expect(platformCompleteness.get('platform')).toBeCloseTo(
      (100 * (received + expectedC)) / (2 * expected + expectedC),
      6,
    );
    expect(platformCorrectness.get('platform')).toBeCloseTo(
      (100 * (received - FLAGGED + expectedC)) / (received + expectedC),
      6,
    );
  });

  it('replaces its own measures when run again, leaving the daily ICT KPIs alone', async () => {
    await t.platform.scheduler.run('kpi-ict');
    const daily = async () => (await items('ICT_MEASUREMENT_TYPES')).length;
    const before = await daily();
    await t.platform.kpi.calculators.dataQuality([key], Date.now());
    const completeness = await measures(DATA_QUALITY_KPIS.building.completeness);
    expect(completeness.size).toBe(3);
    expect(before).toBe(1);
    expect(await daily()).toBe(before);
  });
});
