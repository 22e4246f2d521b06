import type { DashboardDefinition, Panel } from '#common/api/dashboards.ts';
import type { ModuleDeps } from '../../module.ts';
import { weeksOf } from './anomalies.ts';
import { buildingsOfOrganisation } from './dashboards.store.ts';
import type { DashboardServices } from './index.ts';

/** The demo ESCO technician, whose organisation gets the example dashboard. */
const DEMO_ESCO = 'esco@demo.ciop.example';
const EXAMPLE_NAME = 'Building overview (example)';

const panel = (p: Omit<Panel, 'title'> & { title: string }): Panel => p;

/** The ready-made example: comfort, air and energy of the building chosen in `$building`. */
export function exampleDashboard(building: number | null): DashboardDefinition {
  return {
    variables: { building, dwelling: null },
    annotations: { retrofit: true, incidents: true },
    range: '7d',
    panels: [
      panel({
        id: 'comfort',
        type: 'timeseries',
        title: 'PMV and PPD',
        x: 0,
        y: 0,
        w: 8,
        h: 4,
        queries: [
          { source: 'comfort', metric: 'pmv', scope: { building: '$building' }, label: 'PMV' },
          { source: 'comfort', metric: 'ppd', scope: { building: '$building' }, label: 'PPD', axis: 'right' },
        ],
      }),
      panel({
        id: 'ashrae',
        type: 'stat',
        title: 'ASHRAE 55 compliance',
        x: 8,
        y: 0,
        w: 4,
        h: 2,
        queries: [
          { source: 'comfort', metric: 'compliance', scope: { building: '$building' }, interval: 'day' },
        ],
      }),
      panel({
        id: 'pmv-gauge',
        type: 'gauge',
        title: 'PMV, latest',
        x: 8,
        y: 2,
        w: 4,
        h: 2,
        queries: [{ source: 'comfort', metric: 'pmv', scope: { building: '$building' } }],
      }),
      panel({
        id: 'co2',
        type: 'bar',
        title: 'CO2 per day',
        x: 0,
        y: 4,
        w: 6,
        h: 4,
        queries: [{ source: 'readings', medium: 'co2', scope: { building: '$building' }, interval: 'day' }],
      }),
      panel({
        id: 'temperature-heatmap',
        type: 'heatmap',
        title: 'Temperature of the dwelling, day × hour',
        x: 6,
        y: 4,
        w: 6,
        h: 4,
        queries: [
          { source: 'readings', medium: 'temperature', scope: { dwelling: '$dwelling' }, interval: 'hour' },
        ],
      }),
      panel({
        id: 'humidity',
        type: 'table',
        title: 'Humidity per day',
        x: 0,
        y: 8,
        w: 6,
        h: 4,
        queries: [
          { source: 'readings', medium: 'humidity', scope: { building: '$building' }, interval: 'day' },
        ],
      }),
      panel({
        id: 'map',
        type: 'map',
        title: 'PMV of the buildings',
        x: 6,
        y: 8,
        w: 6,
        h: 4,
        queries: [{ source: 'comfort', metric: 'pmv', scope: { building: '$building' } }],
      }),
    ],
  };
}

/**
 * The dashboards' part of the demo: the demo ESCO's example dashboard, and the anomalies of its
 * buildings over the last weeks found at once (comfort hours first), so that the list is there
 * on the first visit instead of after the jobs' first runs. Nothing when the example exists.
 */
export async function seedDashboardsDemo(
  services: DashboardServices,
  deps: ModuleDeps,
  now: number,
): Promise<void> {
  const { db } = deps;
  const esco = await db
    .selectFrom('app_user')
    .select(['id', 'name', 'organisation_id'])
    .where('email_key', '=', DEMO_ESCO)
    .executeTakeFirst();
  if (!esco || esco.organisation_id === null) return;
  const org = Number(esco.organisation_id);
  const existing = await db
    .selectFrom('dashboard')
    .select('id')
    .where('organisation_id', '=', org)
    .where('name', '=', EXAMPLE_NAME)
    .executeTakeFirst();
  if (existing) return;
  const buildings = await buildingsOfOrganisation(db, org);
  await services.dashboards.create(
    { name: EXAMPLE_NAME, definition: exampleDashboard(buildings[0] ?? null) },
    {
      kind: 'user',
      id: Number(esco.id),
      name: esco.name,
      roles: ['esco'],
      scopes: [],
      dwellingIds: [],
      buildingIds: buildings,
      gatewayIds: [],
    },
    now,
  );
  await deps.comfort.runJob(now);
  const weeks = weeksOf(now - 5 * 7 * 86_400_000, now, deps.config.timezone);
  for (const b of buildings) await services.anomalies.findInBuilding(b, weeks, now);
}
