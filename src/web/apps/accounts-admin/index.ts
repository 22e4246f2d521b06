import { defineApp } from '../app.ts';

/**
 * Administrators manage who may use CIOP: accounts and their roles, dwellings and organisation,
 * the ESCO organisations and their buildings, account requests, machine tokens, and they read the
 * audit log and the e-mail outbox.
 */
export const app = defineApp({
  id: 'accounts-admin',
  roles: ['admin'],
  entry: '/admin/users',
  routes: [
    {
      path: '/admin/users',
      component: () => import('./UsersPage.vue'),
      meta: { titleKey: 'apps.accounts-admin.users.title' },
    },
    {
      path: '/admin/users/new',
      component: () => import('./NewUserPage.vue'),
      meta: { titleKey: 'apps.accounts-admin.newUser.title' },
    },
    {
      path: '/admin/users/:id(\\d+)',
      component: () => import('./UserPage.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
      meta: { titleKey: 'apps.accounts-admin.user.title' },
    },
    {
      path: '/admin/organisations',
      component: () => import('./OrganisationsPage.vue'),
      meta: { titleKey: 'apps.accounts-admin.organisations.title' },
    },
    {
      path: '/admin/organisations/:id(\\d+)',
      component: () => import('./OrganisationPage.vue'),
      props: (route) => ({ id: Number(route.params.id) }),
      meta: { titleKey: 'apps.accounts-admin.organisation.title' },
    },
    {
      path: '/admin/account-requests',
      component: () => import('./RequestsPage.vue'),
      meta: { titleKey: 'apps.accounts-admin.requests.title' },
    },
    {
      path: '/admin/tokens',
      component: () => import('./TokensPage.vue'),
      meta: { titleKey: 'apps.accounts-admin.tokens.title' },
    },
    {
      path: '/admin/audit',
      component: () => import('./AuditPage.vue'),
      meta: { titleKey: 'apps.accounts-admin.audit.title' },
    },
    {
      path: '/admin/outbox',
      component: () => import('./OutboxPage.vue'),
      meta: { titleKey: 'apps.accounts-admin.outbox.title' },
    },
  ],
  menu: { labelKey: 'apps.accounts-admin.menu', order: 91 },
  icon: 'lock',
  picture: 'accounts',
  tags: ['administration'],
});
