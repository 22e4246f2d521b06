import { describe, expect, it } from 'vitest';
import { coolingEffect } from './cooling-effect.ts';
import { pmvPpd } from './pmv.ts';
import { annexDPmvPpd } from './reference/iso7730-annex-d.ts';
import { standardEffectiveTemperature } from './set.ts';
import { fahrenheitToCelsius, fpmToMetresPerSecond } from './units.ts';

/**
 * The reference cases the standards publish, transcribed with their table and row.
 *
 * Sources of the transcriptions (the standards themselves are not freely redistributable):
 * - ISO 7730:2005 Annex D, Table D.1: as listed (two-decimal PMV, integer PPD) in two independent
 *   public test suites of ISO 7730 ports found with the code search, which agree with each other.
 * - ASHRAE 55 PMV validation table and SET validation table: CenterForTheBuiltEnvironment/
 *   validation-data-comfort-models (ts_pmv_ppd.json, ts_set.json, rows marked "ASHRAE 55 2017";
 *   the tables are unchanged in 55-2020 and 55-2023), and the I-P rows of the same tables in
 *   pythermalcomfort tests/test_pmv_ppd.py (`data_test_pmv_ip`, `data_test_set_ip`).
 * - Two-decimal PMVs of two rows of the ASHRAE 55-2023 table, as quoted in
 *   CenterForTheBuiltEnvironment/comfort_tool issue #88.
 */

interface IsoRow {
  run: number;
  tdb: number;
  tr: number;
  vr: number;
  rh: number;
  met: number;
  clo: number;
  pmv: number;
  ppd: number;
}

// ISO 7730:2005 Annex D, Table D.1, runs 1–13 (run 7 is handled below).
const ISO_TABLE_D1: IsoRow[] = [
  { run: 1, tdb: 22.0, tr: 22.0, vr: 0.1, rh: 60, met: 1.2, clo: 0.5, pmv: -0.75, ppd: 17 },
  { run: 2, tdb: 27.0, tr: 27.0, vr: 0.1, rh: 60, met: 1.2, clo: 0.5, pmv: 0.77, ppd: 17 },
  { run: 3, tdb: 27.0, tr: 27.0, vr: 0.3, rh: 60, met: 1.2, clo: 0.5, pmv: 0.44, ppd: 9 },
  { run: 4, tdb: 23.5, tr: 25.5, vr: 0.1, rh: 60, met: 1.2, clo: 0.5, pmv: -0.01, ppd: 5 },
  { run: 5, tdb: 23.5, tr: 25.5, vr: 0.3, rh: 60, met: 1.2, clo: 0.5, pmv: -0.55, ppd: 11 },
  { run: 6, tdb: 19.0, tr: 19.0, vr: 0.1, rh: 40, met: 1.2, clo: 1.0, pmv: -0.6, ppd: 13 },
  { run: 8, tdb: 23.5, tr: 23.5, vr: 0.3, rh: 40, met: 1.2, clo: 1.0, pmv: 0.12, ppd: 5 },
  { run: 9, tdb: 23.0, tr: 21.0, vr: 0.1, rh: 40, met: 1.2, clo: 1.0, pmv: 0.05, ppd: 5 },
  { run: 10, tdb: 23.0, tr: 21.0, vr: 0.3, rh: 40, met: 1.2, clo: 1.0, pmv: -0.16, ppd: 6 },
  { run: 11, tdb: 22.0, tr: 22.0, vr: 0.1, rh: 60, met: 1.6, clo: 0.5, pmv: 0.05, ppd: 5 },
  { run: 12, tdb: 27.0, tr: 27.0, vr: 0.1, rh: 60, met: 1.6, clo: 0.5, pmv: 1.17, ppd: 34 },
  { run: 13, tdb: 27.0, tr: 27.0, vr: 0.3, rh: 60, met: 1.6, clo: 0.5, pmv: 0.95, ppd: 24 },
];

// Table D.1 was produced by an iterative program whose stop rule (Annex D line 340) alone leaves up
// to ±0.006 of PMV; runs 2, 3 and 10 sit 0.005–0.007 from their printed second decimal whichever
// way the iteration is started (the 1994 and 2005 first guesses, or the exact root). So PMV is held
// to one unit of the printed last digit, PPD to its printed rounding (integer: ±0.5).
const ISO_PMV_TOLERANCE = 0.01;
const ISO_PPD_TOLERANCE = 0.5;

describe('ISO 7730:2005 Annex D, Table D.1', () => {
  for (const row of ISO_TABLE_D1) {
    it(`run ${row.run}: ${row.tdb}/${row.tr} °C, ${row.vr} m/s, ${row.rh} %, ${row.met} met, ${row.clo} clo`, () => {
      const result = pmvPpd({ tdb: row.tdb, tr: row.tr, vr: row.vr, rh: row.rh, met: row.met, clo: row.clo });
      expect(result.standard).toBe('ISO 7730:2005');
      expect(result.withinValidity).toBe(true);
      expect(Math.abs(result.pmv - row.pmv)).toBeLessThanOrEqual(ISO_PMV_TOLERANCE);
      expect(Math.abs(result.ppd - row.ppd)).toBeLessThanOrEqual(ISO_PPD_TOLERANCE);
      // The literal Annex D program, run on the same row, lands in the same place.
      const reference = annexDPmvPpd(row.clo, row.met, 0, row.tdb, row.tr, row.vr, row.rh);
      expect(Math.abs(reference.pmv - row.pmv)).toBeLessThanOrEqual(ISO_PMV_TOLERANCE);
      expect(Math.abs(reference.ppd - row.ppd)).toBeLessThanOrEqual(ISO_PPD_TOLERANCE);
    });
  }

  // Run 7 is printed as 23.5/23.5 °C, 0.10 m/s, 40 % RH, 1.2 met, 1.0 clo → PMV 0.50, PPD 10.
  // At 40 % RH the program gives 0.36 / 7.7; the printed result is what it gives at 60 % RH, the
  // humidity of runs 1–5: the RH cell is misprinted. The test pins both facts, so the day someone
  // "fixes" the model to match the misprint, this fails.
  const run7 = { tdb: 23.5, tr: 23.5, vr: 0.1, met: 1.2, clo: 1.0 };
  it('run 7 as printed (40 % RH) does not give the printed 0.50 / 10: the RH cell is misprinted', () => {
    const printed = pmvPpd({ ...run7, rh: 40 });
    expect(printed.pmv).toBeCloseTo(0.3626, 3);
    expect(Math.abs(printed.pmv - 0.5)).toBeGreaterThan(0.1);
    expect(Math.round(printed.ppd)).toBe(8);
  });
  it('run 7 at 60 % RH gives the printed 0.50 / 10', () => {
    const corrected = pmvPpd({ ...run7, rh: 60 });
    expect(Math.abs(corrected.pmv - 0.5)).toBeLessThanOrEqual(ISO_PMV_TOLERANCE);
    expect(Math.abs(corrected.ppd - 10)).toBeLessThanOrEqual(ISO_PPD_TOLERANCE);
  });
});

interface AshraeRow {
  row: number;
  tdb: number;
  rh: number;
  clo: number;
  pmv: number;
  ppd: number;
}

// ASHRAE 55 PMV validation table (SI): 0.1 m/s, 1.1 met, tr = tdb; PMV printed to one decimal.
// PPD as listed in validation-data-comfort-models ts_pmv_ppd.json.
const ASHRAE_PMV_TABLE: AshraeRow[] = [
  { row: 1, tdb: 19.6, rh: 86, clo: 1.0, pmv: -0.5, ppd: 9.7 },
  { row: 2, tdb: 23.9, rh: 66, clo: 1.0, pmv: 0.5, ppd: 9.8 },
  { row: 3, tdb: 25.7, rh: 15, clo: 1.0, pmv: 0.5, ppd: 10.8 },
  { row: 4, tdb: 21.2, rh: 20, clo: 1.0, pmv: -0.5, ppd: 9.7 },
  { row: 5, tdb: 23.6, rh: 67, clo: 0.5, pmv: -0.5, ppd: 9.7 },
  { row: 6, tdb: 26.8, rh: 56, clo: 0.5, pmv: 0.5, ppd: 10.6 },
  { row: 7, tdb: 27.9, rh: 13, clo: 0.5, pmv: 0.5, ppd: 10.2 },
  { row: 8, tdb: 24.7, rh: 16, clo: 0.5, pmv: -0.5, ppd: 9.9 },
];

// The same table in I-P (°F, 20 fpm); pythermalcomfort data_test_pmv_ip.
const ASHRAE_PMV_TABLE_IP = [
  { row: 1, tdb: 67.3, rh: 86, clo: 1.0, pmv: -0.5 },
  { row: 2, tdb: 75.0, rh: 66, clo: 1.0, pmv: 0.5 },
  { row: 3, tdb: 78.2, rh: 15, clo: 1.0, pmv: 0.5 },
  { row: 4, tdb: 70.2, rh: 20, clo: 1.0, pmv: -0.5 },
  { row: 5, tdb: 74.5, rh: 67, clo: 0.5, pmv: -0.5 },
  { row: 6, tdb: 80.2, rh: 56, clo: 0.5, pmv: 0.5 },
  { row: 7, tdb: 82.2, rh: 13, clo: 0.5, pmv: 0.5 },
  { row: 8, tdb: 76.5, rh: 16, clo: 0.5, pmv: -0.5 },
];

describe('ASHRAE 55 PMV validation table', () => {
  for (const r of ASHRAE_PMV_TABLE) {
    it(`row ${r.row} (SI): ${r.tdb} °C, ${r.rh} %, ${r.clo} clo`, () => {
      const result = pmvPpd({ tdb: r.tdb, vr: 0.1, rh: r.rh, met: 1.1, clo: r.clo }, { standard: 'ashrae' });
      expect(result.standard).toBe('ANSI/ASHRAE 55-2023');
      expect(result.withinValidity).toBe(true);
      // Printed to one decimal: within half a unit of it.
      expect(Math.abs(result.pmv - r.pmv)).toBeLessThanOrEqual(0.05);
      expect(Math.abs(result.ppd - r.ppd)).toBeLessThanOrEqual(0.1);
    });
  }
  for (const r of ASHRAE_PMV_TABLE_IP) {
    it(`row ${r.row} (I-P): ${r.tdb} °F, ${r.rh} %, 20 fpm, ${r.clo} clo`, () => {
      const result = pmvPpd(
        { tdb: r.tdb, vr: 20, rh: r.rh, met: 1.1, clo: r.clo },
        { standard: 'ashrae', units: 'IP' },
      );
      expect(Math.abs(result.pmv - r.pmv)).toBeLessThanOrEqual(0.05);
    });
  }
  // ASHRAE 55-2023 prints two decimals; comfort_tool issue #88 quotes run 1 as −0.47 and run 6 as
  // 0.52. Run 1 comes out at −0.4755 (Fanger's equations at 0.1 m/s, where the 2023 table and the
  // 2017 one agree): within the ±0.006 the iterative programs behind such tables leave.
  it('ASHRAE 55-2023 table, runs 1 and 6, to two decimals', () => {
    const run1 = pmvPpd({ tdb: 19.6, vr: 0.1, rh: 86, met: 1.1, clo: 1.0 }, { standard: 'ashrae' });
    const run6 = pmvPpd({ tdb: 26.8, vr: 0.1, rh: 56, met: 1.1, clo: 0.5 }, { standard: 'ashrae' });
    expect(Math.abs(run1.pmv - -0.47)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(run6.pmv - 0.52)).toBeLessThanOrEqual(0.01);
  });
});

// ASHRAE 55 SET validation table (ts_set.json, "ASHRAE 55 2017"): tdb, tr (°C), v (m/s), rh (%),
// met, clo → SET (°C), printed to one decimal. This is the model the cooling effect stands on.
const ASHRAE_SET_TABLE: [number, number, number, number, number, number, number][] = [
  [25, 25, 0.15, 10, 1, 0.5, 23.3],
  [0, 25, 0.15, 50, 1, 0.5, 12.1],
  [10, 25, 0.15, 50, 1, 0.5, 16.8],
  [15, 25, 0.15, 50, 1, 0.5, 19.2],
  [20, 25, 0.15, 50, 1, 0.5, 21.5],
  [30, 25, 0.15, 50, 1, 0.5, 26.4],
  [40, 25, 0.15, 50, 1, 0.5, 34.3],
  [25, 25, 0.15, 90, 1, 0.5, 24.9],
  [25, 25, 0.1, 50, 1, 0.5, 24.0],
  [25, 25, 0.6, 50, 1, 0.5, 21.3],
  [25, 25, 1.1, 50, 1, 0.5, 20.2],
  [25, 25, 3, 50, 1, 0.5, 18.6],
  [25, 10, 0.15, 50, 1, 0.5, 15.3],
  [25, 40, 0.15, 50, 1, 0.5, 31.6],
  [25, 25, 0.15, 50, 1, 0.1, 20.7],
  [25, 25, 0.15, 50, 1, 1, 27.2],
  [25, 25, 0.15, 50, 1, 2, 32.4],
  [25, 25, 0.15, 50, 1, 4, 37.6],
  [25, 25, 0.15, 50, 0.8, 0.5, 23.3],
  [25, 25, 0.15, 50, 2, 0.5, 25.9],
  [25, 25, 0.15, 50, 4, 0.5, 30.5],
  [25, 25, 0.15, 50, 1, 0.5, 23.8],
  [25, 25, 1.1, 50, 2, 0.5, 24.0],
  [25, 25, 1.1, 50, 3, 0.5, 27.4],
  [25, 25, 1.1, 50, 4, 0.5, 30.3],
  [25, 25, 1.1, 50, 1.5, 0.5, 22.3],
  [25, 25, 1.1, 50, 1.5, 0.75, 24.8],
  [25, 25, 1.1, 50, 1.5, 0.1, 17.6],
  [29, 25, 1.1, 50, 1.5, 0.5, 25.0],
  [27, 25, 1.1, 50, 1.5, 0.75, 26.2],
  [20, 25, 1.1, 50, 1.5, 0.1, 13.3],
  [25, 27, 1.1, 50, 1.5, 0.5, 22.9],
  [25, 29, 1.1, 50, 1.5, 0.5, 23.5],
  [25, 31, 1.1, 50, 1.5, 0.5, 24.0],
  [25, 27, 1.3, 50, 1.5, 0.5, 22.5],
  [25, 29, 1.5, 50, 1.5, 0.5, 22.8],
  [25, 31, 1.7, 50, 1.5, 0.5, 23.1],
];

// The I-P edition of the same table (pythermalcomfort data_test_set_ip): °F, fpm → SET °F.
const ASHRAE_SET_TABLE_IP: [number, number, number, number, number, number, number][] = [
  [77, 77, 29.5, 50, 1, 0.5, 74.9],
  [32, 77, 29.5, 50, 1, 0.5, 53.7],
  [50, 77, 29.5, 50, 1, 0.5, 62.3],
  [59, 77, 29.5, 50, 1, 0.5, 66.5],
  [68, 77, 29.5, 50, 1, 0.5, 70.7],
  [86, 77, 29.5, 50, 1, 0.5, 79.6],
  [104, 77, 29.5, 50, 1, 0.5, 93.8],
  [77, 77, 29.5, 10, 1, 0.5, 74.0],
  [77, 77, 29.5, 90, 1, 0.5, 76.8],
  [77, 77, 19.7, 50, 1, 0.5, 75.2],
  [77, 77, 118.1, 50, 1, 0.5, 70.4],
  [77, 77, 216.5, 50, 1, 0.5, 68.4],
  [77, 77, 590.6, 50, 1, 0.5, 65.6],
  [77, 50, 29.5, 50, 1, 0.5, 59.6],
  [77, 104, 29.5, 50, 1, 0.5, 88.9],
  [77, 77, 29.5, 50, 1, 0.1, 69.3],
  [77, 77, 29.5, 50, 1, 1, 81.0],
  [77, 77, 29.5, 50, 1, 2, 90.3],
  [77, 77, 29.5, 50, 1, 4, 99.7],
  [77, 77, 29.5, 50, 0.8, 0.5, 73.9],
  [77, 77, 29.5, 50, 2, 0.5, 78.7],
  [77, 77, 29.5, 50, 4, 0.5, 86.8],
];

describe('ASHRAE 55 SET validation table (two-node model under the cooling effect)', () => {
  ASHRAE_SET_TABLE.forEach(([tdb, tr, v, rh, met, clo, expected], index) => {
    it(`row ${index + 1} (SI): ${tdb}/${tr} °C, ${v} m/s, ${rh} %, ${met} met, ${clo} clo → ${expected} °C`, () => {
      const set = standardEffectiveTemperature(tdb, tr, v, rh, met, clo);
      expect(Math.abs(set - expected)).toBeLessThanOrEqual(0.05);
    });
  });
  ASHRAE_SET_TABLE_IP.forEach(([tdbF, trF, fpm, rh, met, clo, expectedF], index) => {
    it(`row ${index + 1} (I-P): ${tdbF}/${trF} °F, ${fpm} fpm → ${expectedF} °F`, () => {
      const set = standardEffectiveTemperature(
        fahrenheitToCelsius(tdbF),
        fahrenheitToCelsius(trF),
        fpmToMetresPerSecond(fpm),
        rh,
        met,
        clo,
      );
      // One printed decimal of °F, plus the I-P table's own rounding of the air speeds to 0.1 fpm.
      expect(Math.abs(set * 1.8 + 32 - expectedF)).toBeLessThanOrEqual(0.1);
    });
  });
});

// Cooling effect and elevated-air-speed PMV: ASHRAE 55 publishes no table of these, so they are
// checked against the values pythermalcomfort asserts in its tests (tests/test_cooling_effect.py,
// tests/test_pmv_ppd.py), printed to two decimals there.
describe('cooling effect of elevated air speed (pythermalcomfort test values)', () => {
  const cases: [number, number, number, number, number, number, number][] = [
    // tdb, tr, vr, rh, met, clo, CE
    [25, 25, 0.5, 50, 1, 0.6, 2.17],
    [27, 25, 0.5, 50, 1, 0.6, 1.85],
    [29, 25, 0.5, 50, 1, 0.6, 1.63],
    [31, 25, 0.5, 50, 1, 0.6, 1.42],
    [25, 27, 0.5, 50, 1, 0.6, 2.44],
    [25, 29, 0.5, 50, 1, 0.6, 2.81],
    [25, 25, 0.2, 50, 1, 0.6, 0.67],
    [25, 25, 0.8, 50, 1, 0.6, 2.93],
    [25, 25, 0.5, 60, 1, 0.6, 2.13],
    [25, 25, 0.5, 80, 1, 0.6, 2.06],
    [25, 25, 0.5, 20, 1, 0.6, 2.29],
    [25, 25, 0.5, 60, 1.3, 0.6, 2.84],
    [25, 25, 0.5, 60, 1.6, 0.6, 3.5],
    [25, 25, 0.5, 60, 1, 0.3, 2.41],
    [25, 25, 0.5, 60, 1, 1, 2.05],
    [25, 25, 0.3, 50, 1.2, 0.5, 1.68],
  ];
  for (const [tdb, tr, vr, rh, met, clo, expected] of cases) {
    it(`${tdb}/${tr} °C, ${vr} m/s, ${rh} %, ${met} met, ${clo} clo → CE ${expected} K`, () => {
      const result = coolingEffect(tdb, tr, vr, rh, met, clo);
      expect(result.status).toBe('converged');
      expect(Math.abs(result.ce - expected)).toBeLessThanOrEqual(0.01);
    });
  }

  it('PMV with elevated air speed, occupants without control (pythermalcomfort airspeed_control=False)', () => {
    // 1.3 met, 0.7 clo, 50 % RH: ASHRAE 55 sets no air speed limit for them → −0.14, −0.43, −0.57.
    const expected: [number, number, number][] = [
      [26, 0.9, -0.14],
      [24, 0.6, -0.43],
      [22, 0.3, -0.57],
    ];
    for (const [t, vr, pmv] of expected) {
      const result = pmvPpd(
        { tdb: t, vr, rh: 50, met: 1.3, clo: 0.7 },
        { standard: 'ashrae', airspeedControl: false },
      );
      expect(result.withinValidity).toBe(true);
      expect(result.coolingEffect.status).toBe('converged');
      expect(Math.abs(result.pmv - pmv)).toBeLessThanOrEqual(0.005);
    }
  });
});
