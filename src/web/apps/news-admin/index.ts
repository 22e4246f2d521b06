import { defineApp } from '../app.ts';

/** Administrators choose the news feeds and see which ones fail. */
export const app = defineApp({
  id: 'news-admin',
  roles: ['admin'],
  entry: '/admin/news',
  routes: [
    {
      path: '/admin/news',
      component: () => import('./NewsFeedsPage.vue'),
      meta: { titleKey: 'apps.news-admin.name' },
    },
  ],
  menu: { labelKey: 'apps.news-admin.name', order: 90 },
  icon: 'rss',
  picture: 'newsroom',
  tags: ['news', 'administration'],
  // Administrators land on the accounts.
  landing: [],
});
