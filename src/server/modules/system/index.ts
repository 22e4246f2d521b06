import { defineModule } from '../../module.ts';
import { systemRoutes } from './system.routes.ts';

/** Health of the instance. */
export const systemModule = defineModule({
  id: 'system',
  open: () => ({}),
  routes: [{ plugin: systemRoutes, prefix: '' }],
});
