import { defineApp } from '../app.ts';

/** Heat demand planning: the planning table, clusters, models and the 1–7 day forecast. */
export const app = defineApp({
  id: 'energy-planning',
  roles: ['planner', 'admin'],
  entry: '/energy-planning',
  routes: [
    {
      path: '/energy-planning',
      component: () => import('./TablePage.vue'),
      meta: { titleKey: 'planning.table.title' },
    },
    {
      path: '/energy-planning/clusters',
      component: () => import('./ClustersPage.vue'),
      meta: { titleKey: 'planning.clusters.title' },
    },
    {
      path: '/energy-planning/models',
      component: () => import('./ModelsPage.vue'),
      meta: { titleKey: 'planning.models.title' },
    },
    {
      path: '/energy-planning/forecast',
      component: () => import('./ForecastPage.vue'),
      meta: { titleKey: 'planning.forecast.title' },
    },
    {
      // Read-only for anyone, where an admin opens the tool to the public (the API answers 404 otherwise).
      path: '/energy-planning/public',
      component: () => import('./PublicPage.vue'),
      meta: { titleKey: 'planning.public.title', roles: [] },
    },
  ],
  menu: { labelKey: 'apps.energy-planning.name', order: 70 },
  icon: 'chart',
  picture: 'planning',
  tags: ['planning', 'energy'],
});
