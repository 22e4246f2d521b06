import { describe, expect, it } from 'vitest';
import { type BuildingYear, type Draft, energyDrafts } from './energy.calculator.ts';
import { type Factor, factorFor } from './kpi-factors.ts';
import { monthPeriod, yearPeriod } from './kpi-periods.ts';

const ZONE = 'Europe/Madrid';

/** The RITE 2014 values the migration seeds, for the carriers these examples use. */
function rite(
  carrier: string,
  renewable: number,
  nonRenewable: number,
  total: number,
  co2: number,
  id: number,
): Factor {
  return {
    id,
    carrier,
    region: carrier === 'electricity' ? 'ES-peninsular' : 'ES',
    validFrom: null,
    validTo: null,
    renewable,
    nonRenewable,
    total,
    co2,
    source: 'RITE 2014',
    updatedAt: 0,
    updatedBy: 'ciop',
  };
}
const FACTORS = [
  rite('natural_gas', 0.005, 1.19, 1.195, 0.252, 2),
  rite('electricity', 0.414, 1.954, 2.368, 0.331, 1),
];
const factorAt = (factors: Factor[]) => (carrier: string, at: number) =>
  factorFor(factors, carrier, 'ES-peninsular', at);

/** A year of energy spread evenly over its twelve months. */
const evenly = (year: number, kWh: number) =>
  new Map(Array.from({ length: 12 }, (_, i) => [year * 100 + i + 1, kWh / 12]));

const find = (drafts: Draft[], kpi: string, breakdown: string, period = yearPeriod(2025, ZONE)) =>
  drafts.find(
    (d) =>
      d.kpi === kpi &&
      d.breakdown === breakdown &&
      d.period.start === period.start &&
      d.period.end === period.end,
  )?.value;

describe('the energy calculator, worked by hand', () => {
  it('a gas-heated building of 600 m² that used 60,000 kWh of gas in a year', () => {
    const building: BuildingYear = {
      code: 'GAS-600',
      year: 2025,
      referenceAreaM2: 600,
      carriers: [
        {
          carrier: 'natural_gas',
          months: evenly(2025, 60_000),
          source: 'records',
          count: 12,
          areaM2: 600,
          areaFrom: 'm2_1',
        },
      ],
    };
    const { drafts, notes } = energyDrafts(building, ZONE, factorAt(FACTORS));
    expect(notes).toEqual([]);
    // 60,000 kWh / 600 m² = 100 kWh/m²
    expect(find(drafts, 'EN_FINAL_M2', 'natural_gas')).toBeCloseTo(100, 9);
    // 100 kWh/m² × 1.195 = 119.5 kWh/m² of primary energy
    expect(find(drafts, 'EN_PRIMARY_M2', 'natural_gas')).toBeCloseTo(119.5, 9);
    // 100 kWh/m² × 0.252 kg/kWh = 25.2 kg CO2/m²
    expect(find(drafts, 'EN_CO2_M2', 'natural_gas')).toBeCloseTo(25.2, 9);
    // 100 × 1.190 = 119 kWh/m² non-renewable
    expect(find(drafts, 'EN_PRIMARY_NREN_M2', 'natural_gas')).toBeCloseTo(119, 9);
    // One carrier: the whole building is the carrier.
    expect(find(drafts, 'EN_FINAL', '')).toBeCloseTo(60_000, 6);
    expect(find(drafts, 'EN_PRIMARY', '')).toBeCloseTo(71_700, 6);
    expect(find(drafts, 'EN_PRIMARY_M2', '')).toBeCloseTo(119.5, 9);
    expect(find(drafts, 'EN_CO2', '')).toBeCloseTo(15_120, 6);
    expect(find(drafts, 'EN_CARRIER_SHARE', 'natural_gas')).toBe(100);
    // Each month: 5,000 kWh, 5,975 kWh primary, 1,260 kg CO2.
    const march = monthPeriod(202503, ZONE);
    expect(find(drafts, 'EN_FINAL', 'natural_gas', march)).toBeCloseTo(5_000, 6);
    expect(find(drafts, 'EN_PRIMARY', '', march)).toBeCloseTo(5_975, 6);
    expect(find(drafts, 'EN_CO2', '', march)).toBeCloseTo(1_260, 6);
    // The year is cut in Madrid: 1 January 2025 00:00 local is 31 December 23:00 UTC.
    expect(yearPeriod(2025, ZONE).start).toBe(Date.UTC(2024, 11, 31, 23));
    // Provenance names the factor and the inputs.
    const year = yearPeriod(2025, ZONE);
    const primary = drafts.find(
      (d) =>
        d.kpi === 'EN_PRIMARY' &&
        d.breakdown === 'natural_gas' &&
        d.period.end === year.end &&
        d.period.start === year.start,
    );
    expect(primary?.inputs).toMatchObject({ E_kWh: 60_000, factor: 2, f_tot: 1.195 });
  });

  it('a two-carrier building: 80,000 kWh of gas and 20,000 kWh of electricity over 1,000 m²', () => {
    const building: BuildingYear = {
      code: 'TWO-1000',
      year: 2025,
      referenceAreaM2: 1000,
      carriers: [
        {
          carrier: 'natural_gas',
          months: evenly(2025, 80_000),
          source: 'records',
          count: 12,
          areaM2: 1000,
          areaFrom: 'm2_1',
        },
        {
          carrier: 'electricity',
          months: evenly(2025, 20_000),
          source: 'records',
          count: 12,
          areaM2: 1000,
          areaFrom: 'm2_2',
        },
      ],
    };
    const { drafts } = energyDrafts(building, ZONE, factorAt(FACTORS));
    expect(find(drafts, 'EN_FINAL_M2', 'natural_gas')).toBeCloseTo(80, 9);
    expect(find(drafts, 'EN_FINAL_M2', 'electricity')).toBeCloseTo(20, 9);
    expect(find(drafts, 'EN_FINAL', '')).toBeCloseTo(100_000, 6);
    // 80,000 × 1.195 + 20,000 × 2.368 = 95,600 + 47,360 = 142,960 kWh → 142.96 kWh/m²
    expect(find(drafts, 'EN_PRIMARY', 'natural_gas')).toBeCloseTo(95_600, 6);
    expect(find(drafts, 'EN_PRIMARY', 'electricity')).toBeCloseTo(47_360, 6);
    expect(find(drafts, 'EN_PRIMARY', '')).toBeCloseTo(142_960, 6);
    expect(find(drafts, 'EN_PRIMARY_M2', '')).toBeCloseTo(142.96, 9);
    // 80,000 × 1.190 + 20,000 × 1.954 = 95,200 + 39,080 = 134,280 kWh
    expect(find(drafts, 'EN_PRIMARY_NREN', '')).toBeCloseTo(134_280, 6);
    // 80,000 × 0.252 + 20,000 × 0.331 = 20,160 + 6,620 = 26,780 kg → 26.78 kg/m²
    expect(find(drafts, 'EN_CO2', '')).toBeCloseTo(26_780, 6);
    expect(find(drafts, 'EN_CO2_M2', '')).toBeCloseTo(26.78, 9);
    expect(find(drafts, 'EN_CO2_M2', 'electricity')).toBeCloseTo(6.62, 9);
    expect(find(drafts, 'EN_CARRIER_SHARE', 'natural_gas')).toBeCloseTo(80, 9);
    expect(find(drafts, 'EN_CARRIER_SHARE', 'electricity')).toBeCloseTo(20, 9);
  });

  it('converts each month with the factor in force then, so that a year is the sum of its months', () => {
    const july = monthPeriod(202507, ZONE).start;
    const factors = [
      { ...FACTORS[0], validTo: july },
      { ...FACTORS[0], id: 9, validFrom: july, total: 1.1, nonRenewable: 1.095 },
    ];
    const { drafts } = energyDrafts(
      {
        code: 'GAS',
        year: 2025,
        referenceAreaM2: 100,
        carriers: [
          {
            carrier: 'natural_gas',
            months: evenly(2025, 12_000),
            source: 'records',
            count: 12,
            areaM2: 100,
            areaFrom: 'm2_1',
          },
        ],
      },
      ZONE,
      factorAt(factors),
    );
    // Six months at 1.195 and six at 1.1: 6,000 × 1.195 + 6,000 × 1.1 = 13,770 kWh.
    expect(find(drafts, 'EN_PRIMARY', 'natural_gas')).toBeCloseTo(13_770, 6);
    expect(find(drafts, 'EN_PRIMARY', '', monthPeriod(202508, ZONE))).toBeCloseTo(1_100, 6);
    const year = drafts.find(
      (d) =>
        d.kpi === 'EN_PRIMARY' &&
        d.breakdown === 'natural_gas' &&
        d.period.end - d.period.start > 40 * 86_400_000,
    );
    expect(year?.inputs.factors).toHaveLength(2);
  });

  it('leaves out primary energy and CO2 of a carrier without a factor, and the whole-building totals', () => {
    const { drafts, notes } = energyDrafts(
      {
        code: 'OTHER',
        year: 2025,
        referenceAreaM2: 500,
        carriers: [
          {
            carrier: 'natural_gas',
            months: evenly(2025, 1200),
            source: 'records',
            count: 12,
            areaM2: 500,
            areaFrom: 'm2_1',
          },
          {
            carrier: 'other',
            months: evenly(2025, 1200),
            source: 'records',
            count: 12,
            areaM2: null,
            areaFrom: null,
          },
        ],
      },
      ZONE,
      factorAt(FACTORS),
    );
    expect(find(drafts, 'EN_FINAL', 'other')).toBeCloseTo(1200, 6);
    expect(find(drafts, 'EN_PRIMARY', 'natural_gas')).toBeCloseTo(1434, 6);
    expect(find(drafts, 'EN_PRIMARY', 'other')).toBeUndefined();
    expect(find(drafts, 'EN_PRIMARY', '')).toBeUndefined();
    expect(find(drafts, 'EN_FINAL_M2', 'other')).toBeUndefined();
    expect(notes.join(' ')).toMatch(/no conversion factor for other/);
    expect(notes.join(' ')).toMatch(/no heated area for other/);
  });

  it('prefers the factor of the city’s own region, then its country, then the configured district heating', () => {
    const canary = { ...FACTORS[1], id: 7, region: 'ES-canarias', total: 3.0 };
    const dh: Factor = { ...FACTORS[0], id: null, carrier: 'district_heating', region: '*', total: 0.5 };
    const storedDh: Factor = { ...dh, id: 8, region: 'ES', total: 0.4 };
    expect(factorFor([FACTORS[1], canary], 'electricity', 'ES-canarias', 0)?.id).toBe(7);
    expect(factorFor([FACTORS[1], canary], 'electricity', 'ES-peninsular', 0)?.id).toBe(1);
    expect(factorFor([FACTORS[0]], 'natural_gas', 'ES-peninsular', 0)?.id).toBe(2);
    expect(factorFor([FACTORS[0]], 'natural_gas', 'PT', 0)).toBeUndefined();
    expect(factorFor([dh], 'district_heating', 'ES-peninsular', 0)?.total).toBe(0.5);
    expect(factorFor([dh, storedDh], 'district_heating', 'ES-peninsular', 0)?.id).toBe(8);
  });
});
