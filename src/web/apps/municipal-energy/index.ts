import { defineApp } from '../app.ts';

/** Municipal energy: consumption, cost and carbon of the city's own facilities, from city to meter. */
export const app = defineApp({
  id: 'municipal-energy',
  roles: ['municipal', 'admin'],
  entry: '/municipal',
  routes: [
    {
      path: '/municipal',
      component: () => import('./MunicipalPage.vue'),
      meta: { titleKey: 'municipal.title' },
    },
  ],
  menu: { labelKey: 'apps.municipal-energy.name', order: 55 },
  icon: 'bolt',
  picture: 'municipal',
  tags: ['energy', 'maps'],
});
