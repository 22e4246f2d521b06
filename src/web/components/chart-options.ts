import { carrierItemStyle } from './carrier-colours.ts';
import type { ChartOption } from './charts.ts';

// Pieces of chart options the pages share. Only types come from ECharts here, so a page may import
// this module and still load the chart library with its first chart.

/** Text on charts, both at AA contrast on white: axis labels, and figures written on the plot. */
export const CHART_INK = { axis: '#333333', label: '#1a1a1a' } as const;

/** The colour of a chart's main series when no carrier names one: the links' blue, 7:1 on white. */
export const SERIES_COLOUR = '#0b5394';

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
    grid: { left: 8, right: 56, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', valueFormatter: (v) => words.percent(Number(v)) },
    xAxis: {
      type: 'value',
      max: 100,
      splitNumber: 4,
      axisLabel: { formatter: '{value} %', color: CHART_INK.axis, hideOverlap: true },
    },
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
        label: { show: true, position: 'right', formatter: '{c} %', color: CHART_INK.label },
      },
    ],
  };
}
