import { describe, expect, it } from 'vitest';
import { formatterFor } from '../i18n/format.ts';
import { withChartDefaults } from './chart-defaults.ts';
import { valueAxis } from './chart-options.ts';
import type { ChartOption } from './charts.ts';

type Axis = { name?: string; axisLabel: { formatter: (v: number) => string } };
const axisOf = (option: ChartOption, which: 'xAxis' | 'yAxis') => option[which] as unknown as Axis;

describe('what every chart gets', () => {
  const bars: ChartOption = {
    grid: { top: 8 },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: ['a', 'b'] },
    yAxis: valueAxis('W'),
    series: [
      { type: 'bar', name: 'Mean', data: [1, 2] },
      { type: 'line', name: 'Maximum', data: [2, 3] },
    ],
  };

  it('a legend for named series, room above the plot, and the unit kept on its axis', () => {
    const drawn = withChartDefaults(bars, formatterFor('es'));
    expect(drawn.legend).toMatchObject({ top: 0 });
    expect((drawn.grid as { top: number }).top).toBeGreaterThanOrEqual(56);
    expect(axisOf(drawn, 'yAxis').name).toBe('W');
  });

  it('keeps a legend the page turned off', () => {
    expect(withChartDefaults({ ...bars, legend: { show: false } }, formatterFor('en')).legend).toEqual({
      show: false,
    });
  });

  it('writes value axes in the language: 2.100.000 in Spanish and Basque, 2,100,000 in English', () => {
    expect(axisOf(withChartDefaults(bars, formatterFor('es')), 'yAxis').axisLabel.formatter(2_100_000)).toBe(
      '2.100.000',
    );
    expect(axisOf(withChartDefaults(bars, formatterFor('eu')), 'yAxis').axisLabel.formatter(2_819)).toBe(
      '2.819',
    );
    expect(axisOf(withChartDefaults(bars, formatterFor('en')), 'yAxis').axisLabel.formatter(2_100_000)).toBe(
      '2,100,000',
    );
  });

  it('names days on a time axis in the language, with the year once the data spans two', () => {
    const day = (y: number, m: number, d: number) => new Date(y, m, d).getTime();
    const line = (from: number, to: number): ChartOption => ({
      xAxis: { type: 'time' },
      yAxis: valueAxis('°C'),
      series: [
        {
          type: 'line',
          name: 'Home',
          data: [
            [from, 20],
            [to, 21],
          ],
        },
      ],
    });
    const withinYear = axisOf(
      withChartDefaults(line(day(2026, 0, 1), day(2026, 11, 6)), formatterFor('eu')),
      'xAxis',
    );
    expect(withinYear.axisLabel.formatter(day(2026, 11, 6))).toBe('abe. 6');
    expect(withinYear.axisLabel.formatter(day(2026, 11, 6) + 14 * 3_600_000)).toBe('14:00');
    const acrossYears = axisOf(
      withChartDefaults(line(day(2025, 11, 6), day(2026, 11, 6)), formatterFor('es')),
      'xAxis',
    );
    expect(acrossYears.axisLabel.formatter(day(2025, 11, 6))).toMatch(/^6 dic\.? 2025$/);
  });
});
