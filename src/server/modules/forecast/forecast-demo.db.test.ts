import { afterAll, describe, expect, it } from 'vitest';
import { systemPrincipal } from '../../access/visibility.ts';
import { seedDemo } from '../../demo/demo.ts';
import { DEMO_DISTRICT, WEATHER_GATEWAY } from '../../demo/district.ts';
import { openTestPlatform } from '../../testing/platform.ts';

/**
 * The demo district after `npm start`: its weather station covers every day of its thermal
 * records, the planning table is filled and the models are fitted, and on held-out weeks the
 * per-building models beat the cluster-representative method.
 */

const t = await openTestPlatform();
afterAll(async () => {
  await t.close();
});
const now = Date.now();
await seedDemo(t.platform, { days: 2, kpi: true, now });

describe('the demo district', () => {
  it('has weather for every day of its thermal records', async () => {
    const db = t.platform.database.db;
    const first = await db
      .selectFrom('kpi_thermal_measurement')
      .select((eb) => eb.fn.min('t').as('t'))
      .executeTakeFirstOrThrow();
    const gateway = await db
      .selectFrom('gateway')
      .select('id')
      .where('sn', '=', WEATHER_GATEWAY.sn)
      .executeTakeFirstOrThrow();
    const from = Number(first.t) - 12 * 3_600_000;
    const daily = await t.platform.readings.group(
      { gatewayId: Number(gateway.id) },
      'temperature',
      from,
      now,
      'day',
      systemPrincipal('test'),
    );
    const missing = daily.buckets.filter((b) => b.mean === null).length;
    expect(daily.buckets.length).toBeGreaterThan(700);
    expect(missing).toBe(0);
  });

  it('is fitted after the seed, and its own models beat the representative one on held-out weeks', async () => {
    const { run, results } = await t.platform.forecast.latest();
    expect(run?.status).toBe('done');
    expect(results).not.toBeNull();
    const r = results!;
    const district = await t.platform.database.db.selectFrom('building').select('id').execute();
    expect(r.buildings).toHaveLength(district.length);
    expect(r.buildings.every((b) => b.model?.type === 'hdd')).toBe(true);
    const own = r.network.perBuilding!;
    const reference = r.network.reference!;
    const median = (v: number[]) => v.sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const ownMedian = median(r.buildings.map((b) => b.accuracy!.cvrmse));
    const refMedian = median(r.buildings.map((b) => b.reference!.cvrmse));
    console.log(
      `demo district ${DEMO_DISTRICT.code}, ${r.buildings.length} buildings, ${own.days} days, k = ${r.clusters}:\n` +
        `  network CV(RMSE) daily ${own.cvrmse.toFixed(2)} % vs ${reference.cvrmse.toFixed(2)} %, monthly ${own.cvrmseMonthly?.toFixed(2)} % vs ${reference.cvrmseMonthly?.toFixed(2)} %\n` +
        `  network NMBE ${own.nmbe.toFixed(2)} % vs ${reference.nmbe.toFixed(2)} %, R² ${own.r2.toFixed(4)} vs ${reference.r2.toFixed(4)}\n` +
        `  median building CV(RMSE) ${ownMedian.toFixed(2)} % vs ${refMedian.toFixed(2)} %; within Guideline 14: ${r.buildings.filter((b) => b.accuracy!.meetsGuideline14).length} vs ${r.buildings.filter((b) => b.reference!.meetsGuideline14).length}`,
    );
    expect(own.cvrmse).toBeLessThan(reference.cvrmse);
    expect(Math.abs(own.nmbe)).toBeLessThan(Math.abs(reference.nmbe) + 0.5);
    expect(ownMedian).toBeLessThan(refMedian);
    expect(own.meetsGuideline14).toBe(true);
  });

  it('does nothing more when its part is there', async () => {
    const before = await t.platform.forecast.latest();
    await t.platform.seedModuleDemos(Date.now());
    expect((await t.platform.forecast.latest()).run?.id).toBe(before.run?.id);
  });
});
