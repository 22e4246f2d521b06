import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '#common/api/municipal.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';

let t: TestPlatform;
beforeAll(async () => {
  t = await openTestPlatform();
});
afterAll(async () => {
  await t?.close();
});

describe('the municipal demo', () => {
  it('seeds about fifty facilities with two years of invoices and factors, once', async () => {
    const now = Date.UTC(2026, 11, 7);
    await t.platform.seedModuleDemos(now);
    const db = t.platform.database.db;
    const count = async (table: 'municipal_facility' | 'municipal_meter' | 'municipal_carbon_factor') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const facilities = await count('municipal_facility');
    expect(facilities).toBeGreaterThanOrEqual(45);
    expect(facilities).toBeLessThanOrEqual(55);
    const meters = await count('municipal_meter');
    await t.platform.seedModuleDemos(now + 1000);
    expect(await count('municipal_facility')).toBe(facilities);
    expect(await count('municipal_meter')).toBe(meters);

    const headers = await headersAs(t, { roles: ['municipal'] });
    const res = await t.app.inject({ url: '/api/v1/municipal/summary?level=city&by=year', headers });
    expect(res.statusCode, res.body).toBe(200);
    const s: Summary = res.json();
    expect(s.children.length).toBe(5);
    expect(s.missingFactors).toEqual([]);
    expect(s.totals.co2Kg).toBeGreaterThan(0);
    expect(s.carriers.map((c) => c.carrier).sort()).toEqual(
      ['diesel', 'district_heating', 'electricity', 'gasoline', 'natural_gas', 'water'].sort(),
    );
    // Two years of months, with gaps in some meters: fewer than 24 a meter on average.
    const months = s.sources.find((x) => x.source === 'invoice')?.months ?? 0;
    expect(months).toBeGreaterThan(meters * 20);
    expect(months).toBeLessThan(meters * 25);
  });
});
