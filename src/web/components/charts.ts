import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { type ComposeOption, use } from 'echarts/core';
import type { BarSeriesOption, LineSeriesOption, PieSeriesOption } from 'echarts/charts';
import type {
  DataZoomComponentOption,
  DatasetComponentOption,
  GridComponentOption,
  LegendComponentOption,
  MarkAreaComponentOption,
  MarkLineComponentOption,
  TooltipComponentOption,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// Only what every chart needs is bundled here (ECharts is tree-shaken through echarts/core): lines
// and bars on a grid with a tooltip. Pages that need more (zoom, legend, pies) import
// chart-extras.ts, which registers the rest, in their own chunk.
use([LineChart, BarChart, GridComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<
  | LineSeriesOption
  | BarSeriesOption
  | PieSeriesOption
  | GridComponentOption
  | TooltipComponentOption
  | LegendComponentOption
  | DataZoomComponentOption
  | DatasetComponentOption
  | MarkLineComponentOption
  | MarkAreaComponentOption
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
