/**
 * Heating degree days (HDD) and energy normalised by them, so that two periods of different
 * weather can be compared: a colder winter needs more heating, and dividing the energy by the
 * degree days takes that out.
 *
 * Base temperature: 15 °C. A dwelling's own gains (people, appliances, sun) keep it comfortable
 * until the outdoor daily mean falls below roughly 15 °C; below that, heating makes up the
 * difference, in proportion to it (the balance point of a dwelling heated to about 20 °C). It is
 * also the heating threshold of Eurostat's definition, which counts 18 °C − Tm on the days whose
 * mean Tm is at most 15 °C (`eurostatDegreeDays` below): on base 18 °C every spring and autumn
 * day with a mean of 16–17 °C would count as needing heat that these homes do not use. The demo
 * district's homes switch their heating on below a daily mean of 15 °C as well.
 */

/** The base temperature CIOP uses unless told otherwise, °C. */
export const HDD_BASE_C = 15;

/**
 * Degree days of one day: how far its mean outdoor temperature lies below the base, K·day
 * (0 on a day at or above the base). `meanC` is the mean of the day's outdoor readings, °C.
 */
export function dayDegreeDays(meanC: number, baseC = HDD_BASE_C): number {
  return Math.max(0, baseC - meanC);
}

/**
 * Eurostat's heating degree days of one day: 18 °C − Tm when Tm ≤ 15 °C, else 0, K·day
 * (Eurostat, "Heating and cooling degree days – statistics", methodology since 2020).
 */
export function eurostatDegreeDays(meanC: number): number {
  return meanC <= 15 ? 18 - meanC : 0;
}

/** A period's heating degree days and how much of it was measured. */
export interface PeriodDegreeDays {
  /** Days in the period. */
  days: number;
  /** Days with an outdoor mean temperature. */
  measuredDays: number;
  /**
   * Degree days of the period, K·day: the sum over the measured days, and for each day without
   * outdoor readings the mean of the measured ones (so a gap in the weather station's data does
   * not look like a warm spell); null when no day was measured.
   */
  hdd: number | null;
  /** Mean outdoor temperature of the measured days, °C. */
  meanOutdoorC: number | null;
}

/** Degree days of consecutive days, given each day's mean outdoor temperature (null: not measured). */
export function periodDegreeDays(
  dailyMeansC: readonly (number | null)[],
  baseC = HDD_BASE_C,
): PeriodDegreeDays {
  let sum = 0;
  let temperatures = 0;
  let measured = 0;
  for (const t of dailyMeansC) {
    if (t === null) continue;
    sum += dayDegreeDays(t, baseC);
    temperatures += t;
    measured++;
  }
  const days = dailyMeansC.length;
  return {
    days,
    measuredDays: measured,
    hdd: measured > 0 ? (sum * days) / measured : null,
    meanOutdoorC: measured > 0 ? temperatures / measured : null,
  };
}

/**
 * Below this many degree days a period is too mild for energy per degree day to mean anything
 * (a summer month would divide by almost nothing), K·day.
 */
export const MIN_PERIOD_HDD = 10;

/** Energy per degree day, kWh/(K·day); null when either is unknown or the period is too mild. */
export function energyPerDegreeDay(energyKWh: number | null, hdd: number | null): number | null {
  if (energyKWh === null || hdd === null || hdd < MIN_PERIOD_HDD) return null;
  return energyKWh / hdd;
}

/** Relative change from `before` to `after` (−0.25 = a quarter less); null when not comparable. */
export function relativeChange(before: number | null, after: number | null): number | null {
  if (before === null || after === null || before === 0) return null;
  return after / before - 1;
}
