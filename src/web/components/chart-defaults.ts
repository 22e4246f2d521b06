import type { Formatter } from '../i18n/format.ts';
import { CHART_INK } from './chart-options.ts';
import type { ChartOption } from './charts.ts';

// What every chart CIOP draws gets without asking (EChart.vue applies it to each option), so a
// page to come inherits it: a legend as soon as a series has a name; numbers on value axes,
// tooltips and labels in the interface language; time axes in the language and the 24-hour clock,
// with the year once the data spans more than one; room above the plot for the legend and the
// units (each value axis names its unit as `name`: valueAxis() of chart-options.ts).

const DAY = 86_400_000;

type Axis = Record<string, unknown> & { type?: string; name?: string; axisLabel?: Record<string, unknown> };
type Series = Record<string, unknown> & { type?: string; name?: string; data?: unknown };

const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The first and last instant of the series' points ([time, value] pairs or { value: [time, …] }). */
function timeSpan(series: readonly Series[]): [number, number] | undefined {
  let first = Infinity;
  let last = -Infinity;
  for (const s of series)
    if (Array.isArray(s.data))
      for (const item of s.data as unknown[]) {
        const pair = Array.isArray(item) ? item : (item as { value?: unknown } | null)?.value;
        const t = Array.isArray(pair) ? pair[0] : undefined;
        if (typeof t === 'number') {
          first = Math.min(first, t);
          last = Math.max(last, t);
        }
      }
  return Number.isFinite(first) ? [first, last] : undefined;
}

/** Decimals that tell a value axis' ticks apart, from the size of the values it shows. */
const axisDigits = (value: number) =>
  Math.abs(value) >= 10 || Number.isInteger(value) ? 0 : Math.abs(value) >= 1 ? 1 : 2;

/** A time-axis label: the day at midnight (with its year across years), else the time of day. */
export function timeLabel(format: Formatter, withYear: boolean) {
  return (value: number) => {
    const d = new Date(value);
    if (d.getHours() !== 0 || d.getMinutes() !== 0) return format.time(value);
    return withYear ? format.dayMonthYear(value) : format.dayMonth(value);
  };
}

function axisDefaults(axis: Axis, format: Formatter, withYear: boolean): Axis {
  const label = axis.axisLabel ?? {};
  if (axis.type === 'value' || axis.type === 'log' || axis.type === undefined) {
    return {
      nameTextStyle: { color: CHART_INK.axis, align: 'left' },
      ...axis,
      axisLabel: {
        color: CHART_INK.axis,
        hideOverlap: true,
        ...label,
        formatter: label.formatter ?? ((v: number) => format.number(v, axisDigits(v))),
      },
    };
  }
  if (axis.type === 'time') {
    return {
      ...axis,
      axisLabel: {
        color: CHART_INK.axis,
        hideOverlap: true,
        ...label,
        formatter: label.formatter ?? timeLabel(format, withYear),
      },
    };
  }
  return { ...axis, axisLabel: { color: CHART_INK.axis, hideOverlap: true, ...label } };
}

/** The option as drawn: the page's option with CIOP's defaults under it. */
export function withChartDefaults(option: ChartOption, format: Formatter): ChartOption {
  const o = option as Record<string, unknown>;
  const series = asList(o.series as Series | Series[] | undefined);
  const span = timeSpan(series);
  const withYear =
    span !== undefined &&
    new Date(span[0]).getFullYear() !== new Date(span[1]).getFullYear() &&
    span[1] - span[0] > DAY;
  const pie = series.some((s) => s.type === 'pie' || s.type === 'gauge');
  const named = series.filter((s) => typeof s.name === 'string' && s.name !== '');
  const legend =
    o.legend ??
    (named.length > 0 && !pie && series.length > 1
      ? { top: 0, left: 0, type: 'scroll', textStyle: { color: CHART_INK.label } }
      : undefined);
  const valueAxes = [...asList(o.xAxis as Axis | Axis[]), ...asList(o.yAxis as Axis | Axis[])];
  const hasUnitOnTop = valueAxes.some(
    (a) => typeof a.name === 'string' && a.name !== '' && (a.type === 'value' || a.type === undefined),
  );
  const grid = o.grid as Record<string, unknown> | undefined;
  const top = legend && hasUnitOnTop ? 56 : legend || hasUnitOnTop ? 32 : undefined;
  const mapAxes = (axes: unknown) =>
    axes === undefined
      ? undefined
      : Array.isArray(axes)
        ? axes.map((a) => axisDefaults(a as Axis, format, withYear))
        : axisDefaults(axes as Axis, format, withYear);
  const tooltip = o.tooltip as Record<string, unknown> | undefined;
  return {
    ...option,
    ...(legend ? { legend } : {}),
    ...(grid && top !== undefined && Number(grid.top ?? 0) < top ? { grid: { ...grid, top } } : {}),
    ...(o.xAxis ? { xAxis: mapAxes(o.xAxis) } : {}),
    ...(o.yAxis ? { yAxis: mapAxes(o.yAxis) } : {}),
    ...(tooltip
      ? {
          tooltip: {
            ...tooltip,
            valueFormatter:
              tooltip.valueFormatter ??
              ((v: unknown) => (typeof v === 'number' ? format.number(v, axisDigits(v) + 1) : '–')),
          },
        }
      : {}),
  } as ChartOption;
}
