import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../demo/demo.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { QUALITY_JOB, QUALITY_RECHECK_JOB } from './quality.service.ts';

describe('the quality checks on the demo district', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform();
    await seedDemo(t.platform, { days: 2 });
    await t.platform.engine.flush();
    expect(await t.platform.scheduler.run(QUALITY_JOB)).toBe(true);
    // Every home has a contracted power: its power readings are checked again against it whole.
    expect(await t.platform.scheduler.run(QUALITY_RECHECK_JOB)).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('flag only its CO2 sensor stuck at 655 ppm, beside the CO2 sensors of its building that move', async () => {
    const bounded = await t.platform.db
      .selectFrom('quality_series_bound')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(bounded.n)).toBeGreaterThan(0);
    const flags = await t.platform.db
      .selectFrom('quality_flag')
      .innerJoin('series', 'series.id', 'quality_flag.series_id')
      .innerJoin('sensor', 'sensor.id', 'series.sensor_id')
      .select(['sensor.medium', 'quality_flag.check', 'quality_flag.value'])
      .distinct()
      .execute();
    expect(flags).toEqual([{ medium: 'co2', check: 'stuck', value: 655 }]);
  });
});
