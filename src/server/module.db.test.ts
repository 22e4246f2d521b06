import { afterAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { ProblemSchema } from '#common/api/problem.ts';
import { registerRoutes } from './app.ts';
import { type AnyModule, defineModule } from './module.ts';
import { MODULES } from './modules/index.ts';
import { openPlatform, type Platform } from './platform.ts';
import { accessPlugin } from './plugins/access.ts';
import { EXAMPLE_JOB, exampleModule } from './testing/example-module/index.ts';
import { createTestDatabase } from './testing/databases.ts';
import { openTestPlatform } from './testing/platform.ts';
import { headersAs } from './testing/principals.ts';
import { createPlaces } from './testing/places.ts';

const key = (r: { method: string; url: string }) => `${r.method} ${r.url}`;

/** The routes a module's plugins register on their own (with the route table of the access plugin). */
async function routesOf(platform: Platform, module: AnyModule): Promise<string[]> {
  const app = Fastify();
  app.decorate('platform', platform);
  app.addSchema(ProblemSchema);
  await app.register(accessPlugin);
  await registerRoutes(app, module);
  await app.ready();
  const routes = app.routeTable.filter((r) => r.method !== 'HEAD').map(key);
  await app.close();
  return routes;
}

// One platform with the example module added to the list, as a new feature's entry would be.
const t = await openTestPlatform({}, {}, [...MODULES, exampleModule]);
afterAll(async () => t.close());

describe('the module list', () => {
  it('registers the routes and jobs of every module', async () => {
    const { platform, app } = t;
    const all = app.routeTable.map(key);
    for (const module of MODULES) {
      const own = await routesOf(platform, module);
      if (module.routes?.length) expect(own.length, `routes of module ${module.id}`).toBeGreaterThan(0);
      for (const route of own) expect(all, `module ${module.id}`).toContain(route);
    }
    const jobs = platform.scheduler.jobNames;
    for (const module of MODULES)
      for (const job of module.jobs?.(platform as never, platform) ?? [])
        expect(jobs, `job of module ${module.id}`).toContain(job.name);
    expect(jobs).toEqual(
      expect.arrayContaining(['comfort-hours', 'silent-devices', 'news-fetch', 'kpi-energy']),
    );
  });

  it('refuses a module that reads a service of a module after it, naming both', async () => {
    const { platform } = t;
    const database = await createTestDatabase();
    const early = defineModule({ id: 'early', open: ({ kpi }) => ({ early: kpi }) as never });
    const config = { ...platform.config, databaseUrl: database.url };
    await expect(openPlatform(config, platform.logger, [early, ...MODULES])).rejects.toThrow(
      /module early reads "kpi"/,
    );
    await database.drop();
  }, 120_000);
});

describe('a new module: one folder and one entry in the list', () => {
  it('has its routes in the OpenAPI document and the route table, and its job on the scheduler', async () => {
    const { app, platform } = t;
    const doc = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json();
    expect(Object.keys(doc.paths)).toContain('/api/v1/example/buildings/{buildingId}/notes');
    expect(app.routeTable.map((r) => r.url)).toContain('/api/v1/example/buildings/:buildingId/notes');
    expect(platform.scheduler.jobNames).toContain(EXAMPLE_JOB);
    await platform.scheduler.run(EXAMPLE_JOB);
    expect(platform.exampleNotes.ticks).toBe(1);
  });

  it('reads another module through the services it is handed, narrowed to the caller', async () => {
    const places = await createPlaces(t);
    const url = (id: number) => `/api/v1/example/buildings/${id}/notes`;
    const esco = await headersAs(t, { roles: ['esco'], buildingIds: [places.a.buildingId] });
    const own = await t.app.inject({ method: 'GET', url: url(places.a.buildingId), headers: esco });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toEqual({ buildingId: places.a.buildingId, notes: [] });
    const other = await t.app.inject({ method: 'GET', url: url(places.b.buildingId), headers: esco });
    expect(other.statusCode).toBe(404);
    const anonymous = await t.app.inject({ method: 'GET', url: url(places.a.buildingId) });
    expect(anonymous.statusCode).toBe(401);
  });

  it('seeds its part of the demo once, however often the platform starts', async () => {
    const { platform } = t;
    await platform.seedModuleDemos(Date.now());
    await platform.seedModuleDemos(Date.now());
    expect(platform.exampleNotes.notesOf(1)).toEqual(['Boiler serviced in October']);
  });
});
