import type { MarkAreaComponentOption } from 'echarts/components';
import { carrierItemStyle } from './carrier-colours.ts';
import type { ChartOption } from './charts.ts';

// Pieces of chart options the pages share. Only types come from ECharts here, so a page may import
// this module and still load the chart library with its first chart.

/** Text on charts, both at AA contrast on white: axis labels, and figures written on the plot. */
export const CHART_INK = { axis: '#333333', label: '#1a1a1a' } as const;

/** The colour of a chart's main series when no carrier names one: the links' blue, 7:1 on white. */
export const SERIES_COLOUR = '#0b5394';

/**
 * A value axis with its unit written above it (`unit` as shown: "W", "°C", "kWh/m²·year"); its
 * numbers are written in the interface language by chart-defaults.ts. Two quantities on one chart
 * take two axes (the second with `position: 'right'`), never one axis without a unit.
 */
export const valueAxis = (unit: string, extra: Record<string, unknown> = {}) => ({
  type: 'value' as const,
  name: unit,
  nameGap: 12,
  ...extra,
});

/** The indoor temperatures called comfortable (°C), as the portal and the home say. */
export const COMFORT_BAND_C = { low: 20, high: 24 } as const;

/**
 * A labelled band across a value axis (markArea of a series): the comfortable range on a
 * temperature chart, "Comfortable 20–24 °C". Put it on the first series; `horizontal` for bars
 * drawn along the x axis.
 */
export function comfortBand(
  label: string,
  band: { low: number; high: number },
  horizontal = false,
): MarkAreaComponentOption {
  const edge = (v: number) => (horizontal ? { xAxis: v } : { yAxis: v });
  return {
    silent: true,
    itemStyle: {
      color: 'rgba(30, 107, 63, 0.12)',
      borderColor: '#1e6b3f',
      borderWidth: 1,
      borderType: 'dashed' as const,
    },
    label: {
      show: true,
      position: horizontal ? ('insideTop' as const) : ('insideTopLeft' as const),
      color: '#1e6b3f',
      formatter: label,
    },
    data: [[edge(band.low), edge(band.high)]],
  };
}

/** A zoom bar under the chart plus wheel and drag zoom inside it, for long series (extras). */
export const zoomOptions = {
  dataZoom: [
    { type: 'inside' as const, throttle: 50 },
    { type: 'slider' as const, height: 24, bottom: 8 },
  ],
} satisfies ChartOption;

/**
 * A bar per energy carrier, in its colour, with its share (0–1) written beside it in %: the
 * carriers of the KPI summary and of the portal's district figures. Listed top to bottom as given.
 */
export function carrierShareChart(
  items: readonly { carrier: string; share: number }[],
  words: { series: string; carrier: (c: string) => string; percent: (v: number) => string },
): ChartOption {
  const shown = [...items].reverse();
  return {
    // The carriers are named on their axis; a legend of one series would say nothing more.
    legend: { show: false },
    grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', valueFormatter: (v) => words.percent(Number(v)) },
    xAxis: valueAxis('%', { max: 100, splitNumber: 4 }),
    yAxis: {
      type: 'category',
      data: shown.map((c) => words.carrier(c.carrier)),
      axisLabel: { color: CHART_INK.label },
    },
    series: [
      {
        type: 'bar',
        name: words.series,
        data: shown.map((c) => ({
          value: Math.round(c.share * 1000) / 10,
          itemStyle: carrierItemStyle(c.carrier),
        })),
        label: {
          show: true,
          position: 'right',
          formatter: (p: { value?: unknown }) => words.percent(Number(p.value)),
          color: CHART_INK.label,
        },
      },
    ],
  };
}
