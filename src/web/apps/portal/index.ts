import { defineApp } from '../app.ts';

/** The public landing portal: district figures, the catalogue of applications, contact and help. */
export const app = defineApp({
  id: 'portal',
  roles: [],
  entry: '/',
  routes: [
    { path: '/', component: () => import('./PortalHome.vue'), meta: { titleKey: 'portal.title' } },
    { path: '/apps/:id', component: () => import('./AppDetail.vue'), props: true },
    { path: '/contact', component: () => import('./ContactPage.vue'), meta: { titleKey: 'contact.title' } },
    { path: '/help', component: () => import('./HelpPage.vue'), meta: { titleKey: 'help.title' } },
  ],
  menu: { labelKey: 'apps.portal.name', order: 0 },
  icon: 'home',
  picture: 'city',
  tags: ['public'],
  catalogue: false,
});
