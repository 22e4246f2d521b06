import { defineApp } from '../app.ts';

/** The electric bus line: the line on the map, buses, chargers and the mobility KPIs. */
export const app = defineApp({
  id: 'electric-bus',
  roles: ['transport', 'admin'],
  entry: '/bus',
  routes: [
    { path: '/bus', component: () => import('./HomePage.vue'), meta: { titleKey: 'bus.home.title' } },
    { path: '/bus/buses', component: () => import('./BusesPage.vue'), meta: { titleKey: 'bus.buses.title' } },
    {
      path: '/bus/buses/:id',
      component: () => import('./BusPage.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
      meta: { titleKey: 'bus.bus.title' },
    },
    {
      path: '/bus/chargers',
      component: () => import('./ChargersPage.vue'),
      meta: { titleKey: 'bus.chargers.title' },
    },
    {
      path: '/bus/chargers/:id',
      component: () => import('./ChargerPage.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
      meta: { titleKey: 'bus.charger.title' },
    },
    { path: '/bus/kpis', component: () => import('./KpiPage.vue'), meta: { titleKey: 'bus.kpis.title' } },
  ],
  menu: { labelKey: 'apps.electric-bus.name', order: 55 },
  icon: 'bus',
  picture: 'bus',
  tags: ['mobility', 'maps'],
});
