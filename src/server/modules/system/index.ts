import { defineModule } from '../../module.ts';
import { httpMetricsPlugin } from '../../observability/http-metrics.plugin.ts';
import { systemRoutes } from './system.routes.ts';

/** Health, readiness and metrics of the instance. */
export const systemModule = defineModule({
  id: 'system',
  open: () => ({}),
  plugins: [httpMetricsPlugin],
  routes: [{ plugin: systemRoutes, prefix: '' }],
});
