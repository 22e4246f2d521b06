import { appText, defineApp } from '../app.ts';

/** The KPI evaluation tool: a summary, one page per pillar, and the inputs. */
export const app = defineApp({
  id: 'kpi',
  roles: ['kpi', 'admin'],
  entry: '/kpi',
  routes: [
    { path: '/kpi', component: () => import('./SummaryPage.vue'), meta: { titleKey: 'kpi.summary.title' } },
    {
      path: '/kpi/energy',
      component: () => import('./EnergyPage.vue'),
      meta: { titleKey: 'kpi.pillar.energy' },
    },
    {
      path: '/kpi/inputs',
      component: () => import('./InputsPage.vue'),
      meta: { titleKey: 'kpi.inputs.title' },
    },
    {
      path: '/kpi/:pillar',
      component: () => import('./PillarPage.vue'),
      props: true,
      meta: { titleKey: 'kpi.pillarPage.title' },
    },
  ],
  menu: { labelKey: 'apps.kpi-tool.name', order: 60 },
  icon: 'gauge',
  picture: 'kpi',
  tags: ['indicators'],
  // The catalogue has described this tool since the portal opened; its texts stay where they are.
  text: appText('kpi-tool'),
});
