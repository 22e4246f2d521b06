import { defineAsyncComponent } from 'vue';

// The heavy components, each loaded with the first page that shows one and kept in its own chunk:
// a page imports them from here, never the component itself, so that its own chunk stays small and
// its text comes first.

/** A chart of lines and bars (EChart.vue with the core registration of charts.ts). */
export const EChart = defineAsyncComponent(() => import('./EChart.vue'));

/** A chart that needs the extras too (zoom, legend, pies, heatmaps, gauges…: chart-extras.ts). */
export const EChartWithExtras = defineAsyncComponent(async () => {
  await import('./chart-extras.ts');
  return import('./EChart.vue');
});

/** A map of GeoJSON features (CityMap.vue with MapLibre GL, ≈ 1 MB and a worker). */
export const CityMap = defineAsyncComponent(() => import('./CityMap.vue'));
