import { GaugeChart, HeatmapChart, PieChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, DatasetComponent, VisualMapComponent } from 'echarts/components';
import { use } from 'echarts/core';

/**
 * The ECharts parts beyond lines and bars (see charts.ts for why they are apart): zooming through
 * a long series (a year of hourly data), datasets, pies, scatter
 * plots, heatmaps with their visual map (continuous and piecewise), gauges. Registered once for
 * every chart; pages get them with `EChartWithExtras` of lazy-components.ts.
 */
use([
  DataZoomComponent,
  DatasetComponent,
  VisualMapComponent,
  PieChart,
  ScatterChart,
  HeatmapChart,
  GaugeChart,
]);
