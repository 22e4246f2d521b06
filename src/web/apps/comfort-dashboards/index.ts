import { defineApp } from '../app.ts';

/** ESCO comfort and energy dashboards of the organisation's buildings, and dashboards of its own. */
export const app = defineApp({
  id: 'comfort-dashboards',
  roles: ['esco', 'admin'],
  entry: '/comfort-dashboards',
  routes: [
    {
      path: '/comfort-dashboards',
      component: () => import('./ComfortPage.vue'),
      meta: { titleKey: 'dash.comfort.title' },
    },
    {
      path: '/comfort-dashboards/energy',
      component: () => import('./EnergyPage.vue'),
      meta: { titleKey: 'dash.energy.title' },
    },
    {
      path: '/comfort-dashboards/thresholds',
      component: () => import('./ThresholdsPage.vue'),
      meta: { titleKey: 'dash.thresholds.title' },
    },
    {
      path: '/comfort-dashboards/dashboards',
      component: () => import('./DashboardsPage.vue'),
      meta: { titleKey: 'dash.list.title' },
    },
    {
      path: '/comfort-dashboards/dashboards/:id',
      component: () => import('./DashboardPage.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
      meta: { titleKey: 'dash.board.title' },
    },
  ],
  menu: { labelKey: 'apps.comfort-dashboards.name', order: 55 },
  icon: 'thermometer',
  picture: 'comfort',
  tags: ['comfort', 'energy'],
});
