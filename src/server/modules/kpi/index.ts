import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { defineModule } from '../../module.ts';
import { comfortSourceOf } from './comfort.calculator.ts';
import { kpiInputRoutes } from './kpi-inputs.routes.ts';
import { type KpiServices, openKpi } from './kpi-services.ts';
import { kpiJobs } from './kpi.jobs.ts';
import { kpiRoutes } from './kpi.routes.ts';

declare module '../../module.ts' {
  interface Services {
    /** The KPI evaluation tool: catalogue and store, calculators, conversion factors, inputs. */
    kpi: KpiServices;
  }
}

/** API response times, for the platform's own ICT KPIs. */
const responseTimes: FastifyPluginAsync = fp(async (app) => {
  const times = app.platform.kpi.responseTimes;
  app.addHook('onResponse', async (request, reply) => {
    if (request.url.startsWith('/api/')) times.record(reply.elapsedTime);
  });
});

/** The KPI evaluation tool: indicators per pillar, their calculators, inputs and exports. */
export const kpiModule = defineModule({
  id: 'kpi',
  open: async (deps) => {
    const kpi = await openKpi(deps);
    kpi.calculators.useComfort(comfortSourceOf(deps.comfort));
    kpi.calculators.useCoverage((buildingId, from, to) =>
      deps.installations.coverage({ buildingId }, from, to),
    );
    return { kpi };
  },
  plugins: [responseTimes],
  routes: [{ plugin: kpiRoutes }, { plugin: kpiInputRoutes }],
  jobs: ({ kpi }, deps) => kpiJobs(kpi.calculators, deps),
});
