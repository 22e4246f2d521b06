import { defineApp } from '../app.ts';

/** The 3D city: every building extruded to its height, coloured by an indicator. Public, no login. */
export const app = defineApp({
  id: 'city-3d',
  roles: [],
  entry: '/city',
  routes: [
    { path: '/city', component: () => import('./CityPage.vue'), meta: { titleKey: 'apps.city-3d.name' } },
  ],
  menu: { labelKey: 'apps.city-3d.name', order: 15 },
  icon: 'cube',
  picture: 'city3d',
  tags: ['public', 'maps'],
});
