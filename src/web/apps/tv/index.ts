import { defineApp } from '../app.ts';

/** The building TV: local headlines full screen, no login. `/tv?lang=eu&rotate=15`. */
export const app = defineApp({
  id: 'tv',
  roles: [],
  entry: '/tv',
  routes: [{ path: '/tv', component: () => import('./TvPage.vue'), meta: { titleKey: 'apps.tv.name' } }],
  menu: { labelKey: 'apps.tv.name', order: 20 },
  icon: 'tv',
  picture: 'tv',
  tags: ['public', 'news'],
  fullScreen: true,
});
