import { DateTime } from 'luxon';
import type { Principal } from '../plugins/access.ts';
import type { Platform } from '../platform.ts';
import { DEMO_DISTRICT, demoBuildings } from './district.ts';
import { hash01, outdoorDailyMean } from './signals.ts';
import { DAY_MS } from '#common/time.ts';

/** Who the demo's inputs are recorded as. */
const DEMO: Principal = {
  kind: 'user',
  id: 0,
  name: 'CIOP demo',
  roles: ['admin'],
  scopes: [],
  dwellingIds: [],
  buildingIds: [],
  gatewayIds: [],
};

/**
 * Heat a demo building takes on a day, kWh: space heating from the heating degree days (base
 * 15 °C) and hot water, over its heated area; retrofitted buildings need a third less heating
 * after their works.
 */
export function demoHeat(
  building: ReturnType<typeof demoBuildings>[number],
  index: number,
  day: number,
  now: number,
): number {
  const hdd = Math.max(0, 15 - outdoorDailyMean(day + DAY_MS / 2));
  const intensity = 0.042 + hash01(index, 5) * 0.028; // kWh per m² and K·day
  const retrofitted =
    building.retrofitDaysAgo !== undefined && day >= now - building.retrofitDaysAgo * DAY_MS;
  const heating = hdd * intensity * (retrofitted ? 0.66 : 1);
  const hotWater = 0.035 + hash01(index, 11) * 0.015; // kWh per m² and day
  return Math.round((heating + hotWater) * building.area1 * 10) / 10;
}

/**
 * The demo district's KPI inputs: daily thermal energy records (gas or district heating, as each
 * building's Carrier1) from the first of January two years ago until yesterday, and life-cycle
 * values before and after the works of the retrofitted buildings, entered as a spreadsheet would
 * enter them. Both go through the KPI tool's own inputs, which compute the energy KPIs.
 */
export async function seedKpiDemo(
  platform: Platform,
  now = Date.now(),
): Promise<{ records: number; ms: number }> {
  const began = Date.now();
  const zone = platform.config.timezone;
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  const first = today.startOf('year').minus({ years: 2 });
  const buildings = demoBuildings();
  let records = 0;
  for (let year = first.year; year <= today.year; year++) {
    const batch = [];
    for (const [index, b] of buildings.entries()) {
      for (
        let d = DateTime.fromObject({ year, month: 1, day: 1 }, { zone });
        d < today && d.year === year;
        d = d.plus({ days: 1 })
      ) {
        batch.push({
          thermal_measurement_id: `demo-${b.code}-${d.toFormat('yyyyMMdd')}`,
          timestamp: Math.floor(d.plus({ hours: 12 }).toMillis() / 1000),
          value: demoHeat(b, index, d.toMillis(), now),
          resource_id: b.code,
          carrier: b.carrier1,
        });
      }
    }
    if (batch.length === 0) continue;
    await platform.kpi.inputs.thermalJson(batch, { confirm: false, dryRun: false }, DEMO);
    records += batch.length;
  }

  // Life-cycle analysis of the retrofitted buildings: the baseline before the works, the final after.
  const rows = ['KPI;Resource;PeriodStart;PeriodEnd;Value'];
  for (const [index, b] of buildings.entries()) {
    if (b.retrofitDaysAgo === undefined) continue;
    const gwp = 52 + hash01(index, 21) * 14;
    const energy = 160 + hash01(index, 22) * 40;
    const baseline = today.year - 10;
    rows.push(
      `LCA_GWP;${b.code};${baseline};;${gwp.toFixed(1).replace('.', ',')}`,
      `LCA_GWP;${b.code};${today.year};;${(gwp * (0.55 + hash01(index, 23) * 0.1)).toFixed(1).replace('.', ',')}`,
      `LCA_PRIMARY_ENERGY;${b.code};${baseline};;${energy.toFixed(0)}`,
      `LCA_PRIMARY_ENERGY;${b.code};${today.year};;${(energy * (0.6 + hash01(index, 24) * 0.1)).toFixed(0)}`,
    );
  }
  await platform.kpi.inputs.manualFile(
    Buffer.from(rows.join('\n')),
    'demo-lca.csv',
    { confirm: false, dryRun: false },
    DEMO,
  );
  await platform.kpi.calculators.recordUptime(now);
  await platform.kpi.calculators.ict(now);
  const ms = Date.now() - began;
  platform.logger.info({ records, ms }, 'demo KPI inputs seeded and their KPIs computed');
  return { records, ms };
}

/** Seeds the demo's KPI inputs when the demo district is there and no thermal record is yet. */
export async function seedKpiDemoIfEmpty(platform: Platform): Promise<boolean> {
  const db = platform.database.db;
  const demo = await db
    .selectFrom('district')
    .select('id')
    .where('code', '=', DEMO_DISTRICT.code)
    .executeTakeFirst();
  const any = await db
    .selectFrom('kpi_thermal_measurement')
    .select('measurement_id')
    .limit(1)
    .executeTakeFirst();
  if (!demo || any) return false;
  await seedKpiDemo(platform);
  return true;
}
