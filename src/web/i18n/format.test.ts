import { describe, expect, it } from 'vitest';
import { euYear, formatterFor } from './format.ts';

// 6 December 2026, 14:05 local time (the tests run in the machine's zone; the parts are local).
const DEC_6 = new Date(2026, 11, 6, 14, 5).getTime();
const MINUTE = 60_000;

describe('one formatter per language', () => {
  it('writes Basque numbers with a point for thousands and a comma for decimals, from 1,000', () => {
    const eu = formatterFor('eu');
    expect(eu.number(2819)).toBe('2.819');
    expect(eu.number(2_100_000)).toBe('2.100.000');
    expect(eu.number(1.5, 1)).toBe('1,5');
    expect(eu.quantity(2819, 'W')).toBe('2.819 W');
    expect(eu.quantity(250_000, 'kWh')).toBe('250 MWh');
    // One unit per column: the column's largest value chooses it.
    expect(eu.quantity(56_756, 'kWh', 108_000)).toBe('57 MWh');
    expect(eu.quantity(56_756, 'kWh')).toBe('56.756 kWh');
  });

  it('writes Spanish numbers the Spanish way and English the English way', () => {
    expect(formatterFor('es').number(2_100_000)).toBe('2.100.000');
    expect(formatterFor('es').number(3.25, 2)).toBe('3,25');
    expect(formatterFor('en').number(2_100_000)).toBe('2,100,000');
  });

  it('never writes -0', () => {
    for (const lang of ['en', 'es', 'eu'] as const) {
      expect(formatterFor(lang).number(-0.004, 1)).toBe('0');
      expect(formatterFor(lang).percent(-0.2)).toBe('0 %');
      expect(formatterFor(lang).number(-3)).toBe('-3');
      expect(formatterFor(lang).change(-0.2)).toBe('0 %');
      expect(formatterFor(lang).change(-12.4)).toBe('−12 %');
      expect(formatterFor(lang).change(3)).toBe('+3 %');
    }
  });

  it('writes Basque dates with the year suffix and the month in the genitive', () => {
    const eu = formatterFor('eu');
    expect(eu.longDate(DEC_6)).toBe('igandea, abenduaren 6a');
    expect(eu.date(DEC_6)).toBe('2026ko abe. 6a');
    expect(eu.dayMonth(DEC_6)).toBe('abe. 6');
    expect(eu.monthYear(DEC_6)).toBe('2026ko abe.');
    expect(eu.dateTime(DEC_6)).toBe('2026ko abe. 6a, 14:05');
    expect([2021, 2025, 2030, 2026, 2020, 2000].map(euYear)).toEqual([
      '2021eko',
      '2025eko',
      '2030eko',
      '2026ko',
      '2020ko',
      '2000ko',
    ]);
  });

  it('keeps a 24-hour clock in every language', () => {
    for (const lang of ['en', 'es', 'eu'] as const) expect(formatterFor(lang).time(DEC_6)).toBe('14:05');
    expect(formatterFor('en').dateTime(DEC_6)).not.toMatch(/PM/);
  });

  it('says relative times in Basque', () => {
    const eu = formatterFor('eu');
    expect(eu.relative(DEC_6 - 5 * MINUTE, DEC_6)).toBe('duela 5 minutu');
    expect(eu.relative(DEC_6 - 3 * 60 * MINUTE, DEC_6)).toBe('duela 3 ordu');
    expect(eu.relative(DEC_6 - 24 * 60 * MINUTE, DEC_6)).toBe('atzo');
    expect(eu.relative(DEC_6 + 2 * 24 * 60 * MINUTE, DEC_6)).toBe('2 egun barru');
    expect(eu.relative(DEC_6, DEC_6)).toBe('orain');
    expect(formatterFor('es').relative(DEC_6 - 5 * MINUTE, DEC_6)).toBe('hace 5 minutos');
  });
});
