/**
 * The electric buses over a year: the time to compute every mobility KPI (per bus, charger and
 * line, per month and for the year) and the time the bus app's pages take to get their data from
 * the API, for the demo's line (13 buses, 3 chargers) and for a city fleet (400 buses on 40 lines,
 * 100 chargers).
 *
 *   npm run bench:bus                       # SQLite in a temporary folder
 *   CIOP_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:bus
 *
 * CIOP_BENCH_BUS_DAYS shortens the year (default 365); CIOP_BENCH_BUS_SMALL_ONLY=1 leaves the city
 * fleet out. Goals: the city fleet's year of KPIs in under 10 s; every page's data under 100 ms on
 * SQLite (median of 10, the page's requests one after the other, through the whole HTTP stack in
 * process with `app.inject`).
 */
import { DateTime } from 'luxon';
import pino from 'pino';
import { buildApp } from '../src/server/app.ts';
import { BY_SYSTEM } from '../src/server/audit/by.ts';
import { loadConfig } from '../src/server/config.ts';
import {
  createFleetModel,
  type FleetSpec,
  simulateFleet,
} from '../src/server/modules/mobility/fleet-simulation.ts';
import { openPlatform } from '../src/server/platform.ts';
import { DAY_MS } from '#common/time.ts';
import { freshDatabase } from './lib/databases.ts';

const ZONE = 'Europe/Madrid';
const DAYS = Number(process.env.CIOP_BENCH_BUS_DAYS ?? 365);
const KPI_GOAL_MS = 10_000;
const PAGE_GOAL_MS = 100;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const ms = (v: number) => `${v.toFixed(1)} ms`;

async function run(name: string, spec: FleetSpec): Promise<{ kpiMs: number; worstPageMs: number }> {
  const database = await freshDatabase(name);
  const config = loadConfig(
    {},
    { databaseUrl: database.url, logLevel: 'silent', sqliteSync: 'normal', mqttPort: 0 },
  );
  const platform = await openPlatform(config, pino({ level: 'silent' }));
  const db = platform.database.db;
  // The last DAYS days up to now, so the app's "today" and "this month" have data.
  const now = Date.now();
  const to = now;
  const from = now - DAYS * DAY_MS;
  const years = [
    ...new Set([
      DateTime.fromMillis(from, { zone: ZONE }).year,
      DateTime.fromMillis(now, { zone: ZONE }).year,
    ]),
  ];
  const year = years[years.length - 1];

  let began = performance.now();
  const model = await createFleetModel(db, spec, ZONE, from, to);
  const sim = await simulateFleet(db, model, spec, from, to);
  const seedS = (performance.now() - began) / 1000;
  const buses = model.lines.reduce((s, l) => s + l.vehicles.length, 0);
  const chargers = model.lines.length * 2 + model.depots.length;
  console.log(
    `\n${name}: ${buses} buses on ${model.lines.length} line(s), ${chargers} chargers, the last ${DAYS} days` +
      `\n  seeded ${sim.trips.toLocaleString('en')} trips, ${sim.charges.toLocaleString('en')} charges, ` +
      `${sim.statuses.toLocaleString('en')} status changes in ${seedS.toFixed(1)} s`,
  );

  began = performance.now();
  const { measures } = await platform.mobility.calculator.compute(years, now);
  const kpiMs = performance.now() - began;
  console.log(
    `  KPIs of ${years.join(' and ')}: ${measures.toLocaleString('en')} measures in ${(kpiMs / 1000).toFixed(2)} s ` +
      `(goal < ${KPI_GOAL_MS / 1000} s${name === 'city fleet' ? (kpiMs < KPI_GOAL_MS ? ': met' : ': MISSED') : ''})`,
  );

  // The API as the app's pages ask for it.
  const app = await buildApp(platform);
  await app.ready();
  const reader = await platform.auth.machineTokens.issue(
    { name: 'bench reader', scopes: ['read'] },
    BY_SYSTEM,
  );
  const headers = { authorization: `Bearer ${reader.token}` };
  const get = async (url: string) => {
    const res = await app.inject({ url: `/api/v1/mobility${url}`, headers });
    if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    return res.json();
  };
  const line = (await get('/lines')).items[0];
  const bus = (await get('/vehicles?limit=1')).items[0];
  const charger = (await get('/chargers?limit=500')).items.find(
    (c: { kind: string }) => c.kind === 'pantograph',
  );
  const month = DateTime.fromMillis(now, { zone: ZONE }).startOf('month').toMillis();
  const pages: Record<string, string[]> = {
    home: [
      '/summary',
      '/lines?limit=500',
      `/lines/${line.id}`,
      `/stops?line=${line.id}&limit=500`,
      '/chargers?limit=500',
      '/vehicles?limit=500',
    ],
    buses: ['/vehicles?limit=500'],
    bus: [
      `/vehicles/${bus.id}?from=${month}&to=${now}`,
      `/trips?vehicle=${bus.id}&from=${month}&to=${now}&limit=50`,
      `/charges?vehicle=${bus.id}&from=${month}&to=${now}&limit=50`,
    ],
    'bus, whole year': [
      `/vehicles/${bus.id}?from=${from}&to=${to}`,
      `/trips?vehicle=${bus.id}&from=${from}&to=${to}&limit=50`,
      `/charges?vehicle=${bus.id}&from=${from}&to=${to}&limit=50`,
    ],
    chargers: ['/chargers?limit=500'],
    charger: [
      `/chargers/${charger.id}`,
      `/chargers/${charger.id}/days?from=${now - 30 * DAY_MS}&to=${now}`,
      `/chargers/${charger.id}/status-history?limit=50`,
      `/charges?charger=${charger.id}&limit=50`,
    ],
    kpis: [
      `/kpis?year=${year}&granularity=month`,
      `/kpis?year=${year}&granularity=month&kpi=MO_BUS_CO2_AVOIDED`,
    ],
    'kpis, a full year': [
      `/kpis?year=${years[0]}&granularity=month`,
      `/kpis?year=${years[0]}&granularity=month&kpi=MO_BUS_CO2_AVOIDED`,
    ],
  };
  let worstPageMs = 0;
  for (const [page, urls] of Object.entries(pages)) {
    for (const url of urls) await get(url); // warm
    const totals: number[] = [];
    const each = new Map<string, number[]>();
    for (let i = 0; i < 10; i++) {
      let total = 0;
      for (const url of urls) {
        const t0 = performance.now();
        await get(url);
        const dt = performance.now() - t0;
        total += dt;
        each.set(url, [...(each.get(url) ?? []), dt]);
      }
      totals.push(total);
    }
    const pageMs = median(totals);
    worstPageMs = Math.max(worstPageMs, pageMs);
    const slowest = [...each.entries()]
      .map(([u, v]) => [u, median(v)] as const)
      .sort((a, b) => b[1] - a[1])[0];
    console.log(
      `  page ${page.padEnd(16)} ${ms(pageMs).padStart(9)} (${urls.length} request(s); slowest ${slowest[0].replace(/\?.*/, '')} ${ms(slowest[1])})`,
    );
  }
  console.log(
    `  worst page: ${ms(worstPageMs)} (goal < ${PAGE_GOAL_MS} ms on SQLite${worstPageMs < PAGE_GOAL_MS ? ': met' : ': MISSED'})`,
  );
  await app.close();
  await platform.close();
  await database.drop();
  return { kpiMs, worstPageMs };
}

console.log(
  `bench:bus on ${process.env.CIOP_BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}, ${DAYS} days; Node ${process.version}`,
);
await run('line 2', { lines: 1, busesPerLine: 13, depotChargers: 1, bothEnds: true, source: 'demo' });
if (!process.env.CIOP_BENCH_BUS_SMALL_ONLY)
  await run('city fleet', {
    lines: 40,
    busesPerLine: 10,
    depotChargers: 20,
    bothEnds: false,
    source: 'demo',
  });
