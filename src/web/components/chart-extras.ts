import { GaugeChart, HeatmapChart, PieChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent,
  DatasetComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  VisualMapComponent,
} from 'echarts/components';
import { use } from 'echarts/core';

/**
 * The ECharts parts beyond lines and bars (see charts.ts for why they are apart): zooming through
 * a long series (a year of hourly data), legends, datasets, mark lines and areas, pies, scatter
 * plots, heatmaps with their visual map (continuous and piecewise), gauges. Registered once for
 * every chart; pages get them with `EChartWithExtras` of lazy-components.ts.
 */
use([
  DataZoomComponent,
  LegendComponent,
  DatasetComponent,
  MarkLineComponent,
  MarkAreaComponent,
  VisualMapComponent,
  PieChart,
  ScatterChart,
  HeatmapChart,
  GaugeChart,
]);
