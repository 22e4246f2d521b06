import { defineApp } from '../app.ts';

/**
 * The residents' home: their dwelling beside the average of its building and of the district,
 * the history of each medium, comfort, power, before and after a retrofit, and tips. Each page
 * is about `/home/<dwelling id>`; the server answers only for the resident's own dwellings.
 */
export const app = defineApp({
  id: 'home',
  roles: ['resident'],
  entry: '/home',
  routes: [
    { path: '/home', component: () => import('./HomeEntry.vue'), meta: { titleKey: 'apps.home.name' } },
    {
      path: '/home/:dwelling(\\d+)',
      component: () => import('./HomeLayout.vue'),
      props: (route) => ({ dwellingId: Number(route.params.dwelling) }),
      children: [
        { path: '', component: () => import('./ComparePage.vue'), meta: { titleKey: 'home.compare.title' } },
        { path: 'power', component: () => import('./PowerPage.vue'), meta: { titleKey: 'home.power.title' } },
        ...(['temperature', 'humidity', 'co2'] as const).map((medium) => ({
          path: medium,
          component: () => import('./MediumPage.vue'),
          props: { medium },
          meta: { titleKey: `home.media.${medium}` },
        })),
        {
          path: 'comfort',
          component: () => import('./ComfortPage.vue'),
          meta: { titleKey: 'home.comfort.title' },
        },
        {
          path: 'before-after',
          component: () => import('./BeforeAfterPage.vue'),
          meta: { titleKey: 'home.beforeAfter.title' },
        },
        { path: 'tips', component: () => import('./TipsPage.vue'), meta: { titleKey: 'home.tips.title' } },
      ],
    },
  ],
  menu: { labelKey: 'apps.home.name', order: 10 },
  icon: 'home',
  picture: 'home',
  tags: ['residents', 'energy', 'comfort'],
});
