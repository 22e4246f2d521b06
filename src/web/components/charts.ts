import { BarChart, LineChart } from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TooltipComponent,
} from 'echarts/components';
import { type ComposeOption, use } from 'echarts/core';
import type {
  BarSeriesOption,
  GaugeSeriesOption,
  HeatmapSeriesOption,
  LineSeriesOption,
  PieSeriesOption,
  ScatterSeriesOption,
} from 'echarts/charts';
import type {
  DataZoomComponentOption,
  DatasetComponentOption,
  GridComponentOption,
  LegendComponentOption,
  MarkAreaComponentOption,
  MarkLineComponentOption,
  TooltipComponentOption,
  VisualMapComponentOption,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// The ECharts parts are registered in two places, both here in components/: this module, with
// what every chart needs (lines and bars on a grid with a tooltip: ≈ 525 kB minified with
// ECharts' core, 178 kB gzipped), and chart-extras.ts with everything else (zoom, legend,
// datasets, mark lines and areas, pies, scatter, heatmaps, gauges, visual maps: 152 kB more, 48 kB
// gzipped). The split is kept for bundle size: the public landing page and the home's power page
// draw bars and lines only and should not download the rest. ECharts is tree-shaken through
// echarts/core, so only what is registered is bundled; pages get a chart through
// lazy-components.ts and never import echarts themselves.
// Every chart has a legend, and may mark a band (comfort) or a line (a limit): those three are in
// the core too (chart-defaults.ts adds the legend by itself).
use([
  LineChart,
  BarChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  CanvasRenderer,
]);

/** An option of any chart CIOP draws: the series and components of both registrations. */
export type ChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | PieSeriesOption
  | ScatterSeriesOption
  | HeatmapSeriesOption
  | GaugeSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | DataZoomComponentOption
  | DatasetComponentOption
  | MarkLineComponentOption
  | MarkAreaComponentOption
  | VisualMapComponentOption
>;

/** Above this many points a line series is drawn with the settings for large series. */
export const LARGE_SERIES = 2000;

/**
 * Settings that keep a line chart smooth with a year of hourly data (8,760 points a series):
 * downsampling to the pixels available with largest-triangle-three-buckets, no per-point symbols,
 * and progressive rendering in chunks so the page never freezes.
 */
export const largeLineDefaults: LineSeriesOption = {
  sampling: 'lttb',
  showSymbol: false,
  symbol: 'none',
  progressive: 4000,
  progressiveThreshold: 8000,
  animation: false,
};

/** Large bar series: drawn as one batch (`large`) and progressively. */
export const largeBarDefaults: BarSeriesOption = {
  large: true,
  largeThreshold: LARGE_SERIES,
  progressive: 4000,
  progressiveThreshold: 8000,
  animation: false,
};

const seriesLength = (series: { data?: unknown }) => (Array.isArray(series.data) ? series.data.length : 0);

/** Applies the large-series settings to each line or bar series that needs them. */
export function withLargeSeriesDefaults(option: ChartOption): ChartOption {
  if (!option.series) return option;
  const list = Array.isArray(option.series) ? option.series : [option.series];
  const series = list.map((s) => {
    if (seriesLength(s) < LARGE_SERIES) return s;
    if (s.type === 'line') return { ...largeLineDefaults, ...s };
    if (s.type === 'bar') return { ...largeBarDefaults, ...s };
    return s;
  });
  return { ...option, series } as ChartOption;
}
