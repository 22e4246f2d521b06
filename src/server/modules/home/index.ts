import { defineModule } from '../../module.ts';
import { HomeService } from './home.service.ts';
import { homeRoutes } from './home.routes.ts';

declare module '../../module.ts' {
  interface Services {
    /** The resident's home views computed on the server: before and after, tips. */
    home: HomeService;
  }
}

/** The resident's home: before and after an intervention, tips. */
export const homeModule = defineModule({
  id: 'home',
  open: ({ db, readings, registry, config }) => ({
    home: new HomeService(db, readings, registry, config.timezone),
  }),
  routes: [{ plugin: homeRoutes }],
});
