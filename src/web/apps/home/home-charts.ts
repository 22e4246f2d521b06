import { valueAxis } from '../../components/chart-options.ts';
import type { ChartOption } from '../../components/charts.ts';
import { type CompareScope, SCOPE_STYLE } from './media.ts';

type Point = [number, number | null];

/**
 * A time axis; its labels speak the interface language by themselves (chart-defaults.ts: the day
 * at midnight, else the time of day on the 24-hour clock, the year once the data spans years).
 */
export function timeAxis() {
  return { type: 'time' as const };
}

/** A line of one scope (the dwelling, its building, the district), with its colour and dashes. */
export function scopeLine(scope: CompareScope, name: string, data: Point[]) {
  const style = SCOPE_STYLE[scope];
  return {
    type: 'line' as const,
    name,
    data,
    showSymbol: false,
    connectNulls: false,
    lineStyle: { color: style.color, type: style.type, width: style.width },
    itemStyle: { color: style.color },
  };
}

/**
 * The frame of the home charts: a grid with room for labels, an axis tooltip formatting values,
 * and a value axis with its `unit`.
 */
export function chartFrame(
  format: (v: number) => string,
  unit: string,
  extra: ChartOption = {},
): ChartOption {
  return {
    grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      valueFormatter: (v) => (typeof v === 'number' ? format(v) : '–'),
    },
    yAxis: valueAxis(unit, { scale: true }),
    ...extra,
  };
}
