import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import type { Role } from '#common/api/access.ts';
import { mayOpen } from './apps/access.ts';
import { APPS } from './apps/registry.ts';
import { currentUser, onSessionEnded, restoreSession } from './composables/useSession.ts';
import { i18n } from './i18n/index.ts';

/** The shell's own pages: everyone may open them. */
const shellRoutes: RouteRecordRaw[] = [
  {
    path: '/login',
    component: () => import('./pages/LoginPage.vue'),
    meta: { titleKey: 'auth.login.title' },
  },
  {
    path: '/request-account',
    component: () => import('./pages/RequestAccountPage.vue'),
    meta: { titleKey: 'auth.request.title' },
  },
  {
    path: '/forgot-password',
    component: () => import('./pages/ForgotPasswordPage.vue'),
    meta: { titleKey: 'auth.forgot.title' },
  },
  {
    path: '/set-password',
    component: () => import('./pages/SetPasswordPage.vue'),
    meta: { titleKey: 'auth.set.title' },
  },
  {
    path: '/forbidden',
    component: () => import('./pages/ForbiddenPage.vue'),
    meta: { titleKey: 'forbidden.title' },
  },
  {
    path: '/:pathMatch(.*)*',
    component: () => import('./pages/NotFoundPage.vue'),
    meta: { titleKey: 'notFound.title' },
  },
];

/**
 * Each application's routes, marked with the app and the roles that may open it: the app's,
 * unless a route names its own (a read-only public page of an app for some roles).
 */
const appRoutes: RouteRecordRaw[] = APPS.flatMap((app) =>
  app.routes.map((route) => ({
    ...route,
    meta: {
      ...route.meta,
      app: app.id,
      roles: route.meta?.roles ?? app.roles,
      fullScreen: app.fullScreen ?? false,
    },
  })),
);

export const router = createRouter({
  history: createWebHistory(),
  routes: [...appRoutes, ...shellRoutes],
  scrollBehavior: (to, _from, saved) => saved ?? (to.hash ? { el: to.hash } : { top: 0 }),
});

// The guard refuses what the user may not open: visitors are sent to log in, others are told.
router.beforeEach(async (to) => {
  await restoreSession();
  const roles = to.matched.flatMap((m) => (m.meta.roles ?? []) as readonly Role[]);
  const needed = [...new Set(roles)];
  if (mayOpen(needed, currentUser())) return true;
  if (!currentUser()) return { path: '/login', query: { next: to.fullPath } };
  return { path: '/forbidden', replace: true };
});

router.afterEach((to) => {
  const title = to.meta.titleKey ? i18n.global.t(to.meta.titleKey) : undefined;
  document.title = title ? `${title} · CIOP` : 'CIOP — City Information Open Platform';
});

// A session revoked or expired under a page (any API call answered 401 that a refresh cannot mend,
// api/http.ts): the person logs in again, told why once, and comes back to where they were.
onSessionEnded(() => {
  const here = router.currentRoute.value;
  if (here.path === '/login') return;
  void router.replace({ path: '/login', query: { next: here.fullPath, ended: '1' } });
});
