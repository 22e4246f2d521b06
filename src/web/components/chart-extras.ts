import { PieChart } from 'echarts/charts';
import {
  DataZoomComponent,
  DatasetComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
} from 'echarts/components';
import { use } from 'echarts/core';

/**
 * The ECharts parts beyond lines and bars: zooming through a long series (a year of hourly data),
 * legends, datasets, mark lines and areas, pies. Import this module from the pages that use them;
 * it registers them once for every chart.
 */
use([DataZoomComponent, LegendComponent, DatasetComponent, MarkLineComponent, MarkAreaComponent, PieChart]);

/** A zoom bar under the chart plus wheel/drag zoom inside it, for long series. */
export const zoomOptions = {
  dataZoom: [
    { type: 'inside' as const, throttle: 50 },
    { type: 'slider' as const, height: 24, bottom: 8 },
  ],
};
