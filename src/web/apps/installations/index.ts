import { defineApp } from '../app.ts';

/**
 * Installers and platform managers register installations, watch which gateways and sensors
 * are silent, follow the incidents, download data and fill its gaps.
 */
export const app = defineApp({
  id: 'installations',
  roles: ['installer', 'admin'],
  entry: '/installations',
  routes: [
    {
      path: '/installations',
      component: () => import('./StatusPage.vue'),
      meta: { titleKey: 'apps.installations.status.title' },
    },
    {
      path: '/installations/register',
      component: () => import('./RegisterPage.vue'),
      meta: { titleKey: 'apps.installations.register.title' },
    },
    {
      path: '/installations/incidents',
      component: () => import('./IncidentsPage.vue'),
      meta: { titleKey: 'apps.installations.incidents.title' },
    },
    {
      path: '/installations/incidents/:id',
      component: () => import('./IncidentPage.vue'),
      props: true,
      meta: { titleKey: 'apps.installations.incident.title' },
    },
    {
      path: '/installations/data',
      component: () => import('./DataPage.vue'),
      meta: { titleKey: 'apps.installations.data.title' },
    },
    {
      path: '/installations/settings',
      component: () => import('./SettingsPage.vue'),
      meta: { titleKey: 'apps.installations.settings.title' },
    },
  ],
  menu: { labelKey: 'apps.installations.name', order: 20 },
  icon: 'wrench',
  picture: 'installations',
  tags: ['operations'],
});
