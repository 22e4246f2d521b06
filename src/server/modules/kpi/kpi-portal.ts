import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

/** What the KPI store holds for the landing portal's headline figures. */
export interface KpiPortalFigures {
  /** The buildings' electricity of the latest year with electricity KPIs. */
  electricity?: {
    period: { from: number; to: number };
    /** kWh, kWh of primary energy, kg CO2, and the floor area they are about, m². */
    consumption: number;
    primaryEnergy: number;
    co2: number;
    areaM2: number;
    buildings: number;
  };
  /** kg CO2 avoided by electric vehicles over the latest period with values. */
  evCo2Avoided?: { period: { from: number; to: number }; value: number };
}

async function rowsOf(db: Kysely<Database>, codes: string[], breakdown: string, granularity?: 'year') {
  let q = db
    .selectFrom('kpi_measure as m')
    .innerJoin('kpi_definition as d', 'd.id', 'm.kpi_id')
    .select(['d.code', 'm.resource', 'm.period_start', 'm.period_end', 'm.value'])
    .where('d.code', 'in', codes)
    .where('m.breakdown', '=', breakdown);
  if (granularity) q = q.where('m.granularity', '=', granularity);
  return q.execute();
}

/**
 * The KPI store's figures for the portal: the buildings' electricity (EN_FINAL, EN_PRIMARY and
 * EN_CO2 of the electricity carrier) of the latest year that has it, and the CO2 electric
 * vehicles avoided (MO_CO2_AVOIDED, and the electric buses' MO_BUS_CO2_AVOIDED) over the latest year with values. Empty when the store holds
 * none, and the portal then computes from the readings.
 */
export async function kpiPortalFigures(db: Kysely<Database>): Promise<KpiPortalFigures> {
  const out: KpiPortalFigures = {};
  const electricity = await rowsOf(
    db,
    ['EN_FINAL', 'EN_FINAL_M2', 'EN_PRIMARY', 'EN_CO2'],
    'electricity',
    'year',
  );
  const latest = Math.max(...electricity.filter((r) => r.code === 'EN_FINAL').map((r) => r.period_start));
  if (Number.isFinite(latest)) {
    const year = electricity.filter((r) => r.period_start === latest);
    const total = (code: string) => year.filter((r) => r.code === code).reduce((s, r) => s + r.value, 0);
    const perM2 = new Map(year.filter((r) => r.code === 'EN_FINAL_M2').map((r) => [r.resource, r.value]));
    const finals = year.filter((r) => r.code === 'EN_FINAL');
    out.electricity = {
      period: { from: latest, to: finals[0].period_end },
      consumption: total('EN_FINAL'),
      primaryEnergy: total('EN_PRIMARY'),
      co2: total('EN_CO2'),
      // The area each building's intensity was computed over: its energy over its intensity.
      areaM2: finals.reduce(
        (s, r) => s + (perM2.get(r.resource) ? r.value / (perM2.get(r.resource) as number) : 0),
        0,
      ),
      buildings: finals.length,
    };
  }
  // Electric vehicles entered by hand and the buses the mobility calculator follows, by year.
  const vehicles = await rowsOf(db, ['MO_CO2_AVOIDED', 'MO_BUS_CO2_AVOIDED'], '', 'year');
  const newest = Math.max(...vehicles.map((r) => r.period_start));
  if (Number.isFinite(newest)) {
    const period = vehicles.filter((r) => r.period_start === newest);
    out.evCo2Avoided = {
      period: { from: newest, to: Math.max(...period.map((r) => r.period_end)) },
      value: period.reduce((s, r) => s + r.value, 0),
    };
  }
  return out;
}
