/**
 * Time to recompute every energy and comfort KPI for a year: of the demo district (27 buildings,
 * its dwellings' energy meters and daily thermal records), and of a synthetic city of 5,000
 * buildings with a daily thermal record per building and carrier.
 *
 *   npm run bench:kpi                       # SQLite in a temporary folder
 *   CIOP_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:kpi
 *
 * CIOP_BENCH_BUILDINGS sets the size of the synthetic city (default 5000); CIOP_BENCH_CITY_ONLY=1
 * leaves the demo district out.
 *
 * Comfort: the comfort module's stored comfort is not on this branch, so the comfort calculator
 * reads a synthetic source (365 days per building, computed in memory); its figure is the
 * calculator's own cost (folding days into months and the year, and storing the measures), not
 * the comfort store's.
 */
import type { Insertable } from 'kysely';
import { DateTime } from 'luxon';
import pino from 'pino';
import { loadConfig } from '../src/server/config.ts';
import type { KpiThermalMeasurementTable } from '../src/server/db/schema.ts';
import { seedDemo } from '../src/server/demo/demo.ts';
import { seedKpiDemo } from '../src/server/demo/kpi-demo.ts';
import type { ComfortDay, ComfortSource } from '../src/server/modules/kpi/comfort.calculator.ts';
import { dayPeriodsOf, monthKey } from '../src/server/modules/kpi/kpi-periods.ts';
import { chunked } from '../src/server/modules/kpi/kpi.store.ts';
import { openPlatform, type Platform } from '../src/server/platform.ts';
import { DAY_MS } from '#common/time.ts';
import { freshDatabase } from './lib/databases.ts';

const ZONE = 'Europe/Madrid';
const CITY_BUILDINGS = Number(process.env.CIOP_BENCH_BUILDINGS ?? 5000);

async function open(name: string): Promise<{ platform: Platform; drop(): Promise<void> }> {
  const db = await freshDatabase(name);
  const config = loadConfig(
    {},
    { databaseUrl: db.url, logLevel: 'silent', sqliteSync: 'normal', mqttPort: 0 },
  );
  const platform = await openPlatform(config, pino({ level: 'silent' }));
  return {
    platform,
    drop: async () => {
      await platform.close();
      await db.drop();
    },
  };
}

/** Stored comfort as the comfort module would give it, made up in memory: a day per day of the year. */
function syntheticComfort(): ComfortSource {
  return {
    available: true,
    buildingDays: async (buildingId, from, to) => {
      const days: ComfortDay[] = [];
      const year = DateTime.fromMillis(from, { zone: ZONE }).year;
      for (const d of dayPeriodsOf(year, ZONE)) {
        if (d.start < from || d.start >= to) continue;
        const pmv = -0.4 + Math.sin(d.start / (30 * DAY_MS) + buildingId) * 0.5;
        const I = Math.max(0, 1 - Math.abs(pmv) * 4);
        days.push({
          start: d.start,
          end: d.end,
          hours: 24 * (2 + (buildingId % 3)),
          pmv,
          ppd: 100 - 95 * Math.exp(-0.03353 * pmv ** 4 - 0.2179 * pmv ** 2),
          categories: { I, II: (1 - I) / 2, III: (1 - I) / 4, outside: (1 - I) / 4 },
        });
      }
      return days;
    },
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const began = performance.now();
  const result = await run();
  return [result, performance.now() - began];
}

async function recomputeYear(
  platform: Platform,
  year: number,
  label: string,
  buildings: number,
): Promise<void> {
  const [energy, energyMs] = await timed(() => platform.kpi.calculators.energy([year]));
  platform.kpi.calculators.useComfort(syntheticComfort());
  const [comfort, comfortMs] = await timed(() => platform.kpi.calculators.comfort([year]));
  const perBuilding = (ms: number) => `${((ms / buildings) * 1000).toFixed(0)} µs/building`;
  console.log(
    `${label}, ${year}: energy ${seconds(energyMs)} (${energy.buildings} buildings, ${energy.measures} measures, ${perBuilding(energyMs)}); ` +
      `comfort ${seconds(comfortMs)} (${comfort.buildings} buildings, ${comfort.measures} measures); ` +
      `both ${seconds(energyMs + comfortMs)}`,
  );
}

async function demoDistrict(): Promise<void> {
  const { platform, drop } = await open('demo');
  try {
    const [, seedMs] = await timed(() => seedDemo(platform, { days: 120 }));
    const [kpi, kpiMs] = await timed(() => seedKpiDemo(platform));
    console.log(
      `demo district: seeded in ${seconds(seedMs)} (120 days of readings); ${kpi.records} thermal records stored and their KPIs computed in ${seconds(kpiMs)}`,
    );
    const year = DateTime.now().setZone(ZONE).year;
    await recomputeYear(platform, year - 1, 'demo district (27 buildings, thermal records)', 27);
    await recomputeYear(
      platform,
      year,
      'demo district (27 buildings, thermal records and energy meters)',
      27,
    );
  } finally {
    await drop();
  }
}

async function syntheticCity(): Promise<void> {
  const { platform, drop } = await open('city');
  const db = platform.database.db;
  const year = DateTime.now().setZone(ZONE).year - 1;
  try {
    const began = performance.now();
    const district = await db
      .insertInto('district')
      .values({
        code: 'BENCH',
        name: 'Bench city',
        city: 'Bench',
        latitude: 42.85,
        longitude: -2.67,
        created_at: Date.now(),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const buildings = Array.from({ length: CITY_BUILDINGS }, (_, i) => {
      const twoCarriers = i % 4 === 0;
      const area = 400 + (i % 37) * 40;
      return {
        district_id: district.id,
        code: `BENCH-${String(i).padStart(5, '0')}`,
        address: `Bench street ${i}`,
        latitude: 42.8 + (i % 100) / 1000,
        longitude: -2.7 + Math.floor(i / 100) / 1000,
        carrier1: i % 5 === 0 ? 'district_heating' : 'natural_gas',
        area1_m2: area,
        carrier2: twoCarriers ? 'electricity' : null,
        area2_m2: twoCarriers ? area : null,
        floors: 5,
        features: '{}',
        created_at: Date.now(),
        updated_at: Date.now(),
      };
    });
    for (const part of chunked(buildings)) await db.insertInto('building').values(part).execute();
    const ids = await db
      .selectFrom('building')
      .select(['id', 'carrier1', 'carrier2'])
      .orderBy('id')
      .execute();

    // A record per building, carrier and day of the year.
    const days: { t: number; month: number; key: string; hdd: number }[] = [];
    for (
      let d = DateTime.fromObject({ year, month: 1, day: 1 }, { zone: ZONE });
      d.year === year;
      d = d.plus({ days: 1 })
    ) {
      const t = +d.plus({ hours: 12 });
      const doy = d.ordinal;
      days.push({
        t,
        month: monthKey(t, ZONE),
        key: d.toFormat('yyyyMMdd'),
        hdd: Math.max(0, 15 - (12.5 - 8.5 * Math.cos((2 * Math.PI * (doy - 20)) / 365))),
      });
    }
    let records = 0;
    const receivedAt = Date.now();
    const sqlite = platform.database.sqlite;
    if (sqlite) {
      const insert = sqlite.prepare(
        'INSERT INTO kpi_thermal_measurement (measurement_id, building_id, carrier, t, month, value, source, received_by, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      sqlite.transaction(() => {
        for (const b of ids)
          for (const carrier of [b.carrier1, b.carrier2])
            if (carrier)
              for (const d of days) {
                insert.run(
                  `${b.id}-${carrier}-${d.key}`,
                  b.id,
                  carrier,
                  d.t,
                  d.month,
                  carrier === 'electricity' ? 8 : 20 + d.hdd * 9,
                  'bench',
                  'bench',
                  receivedAt,
                );
                records++;
              }
      })();
    } else {
      const rows: Insertable<KpiThermalMeasurementTable>[] = [];
      for (const b of ids)
        for (const carrier of [b.carrier1, b.carrier2])
          if (carrier)
            for (const d of days)
              rows.push({
                measurement_id: `${b.id}-${carrier}-${d.key}`,
                building_id: b.id,
                carrier,
                t: d.t,
                month: d.month,
                value: carrier === 'electricity' ? 8 : 20 + d.hdd * 9,
                source: 'bench',
                received_by: 'bench',
                received_at: receivedAt,
              });
      records = rows.length;
      await db.transaction().execute(async (trx) => {
        for (const part of chunked(rows, 1000))
          await trx.insertInto('kpi_thermal_measurement').values(part).execute();
      });
    }
    console.log(
      `synthetic city: ${CITY_BUILDINGS} buildings and ${records} thermal records generated in ${seconds(performance.now() - began)}`,
    );
    await recomputeYear(platform, year, `synthetic city (${CITY_BUILDINGS} buildings)`, CITY_BUILDINGS);
    // A second run replaces the first: the cost of a routine recomputation over a full store.
    await recomputeYear(platform, year, `synthetic city again (replacing)`, CITY_BUILDINGS);
  } finally {
    await drop();
  }
}

console.log(`KPI recomputation on ${process.env.CIOP_BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite'}`);
if (!process.env.CIOP_BENCH_CITY_ONLY) await demoDistrict();
await syntheticCity();
