/**
 * Time to fit the heat demand models of a whole city: 5,000 buildings (the size of the KPI
 * benchmark's synthetic city) × 3 years of daily heat and outdoor temperature. One run does what
 * "process new data" does after reading its inputs: a CalTRACK model per building with its
 * 5-fold held-out accuracy (25 balance points × 6 fits each), k-means for k = 3…7 with the
 * silhouette of each, PCA, medoids, the cluster-representative regressions and their held-out
 * accuracy, and the network's totals. Goal: under 30 s on this machine.
 *
 *   npm run bench:forecast
 *
 * CIOP_BENCH_BUILDINGS sets the number of buildings (default 5000), CIOP_BENCH_YEARS the years
 * (default 3). Then the same city goes through CIOP itself (SQLite in a temporary folder): its
 * buildings in the registry, its heat as the KPI tool's daily thermal records, its weather as the
 * hourly readings of a district weather station, and a whole "process new data" run, reading
 * all of that from the database (CIOP_BENCH_END_TO_END=0 leaves this part out).
 *
 * The KPI benchmark's city gives every building the same record (20 + 9·HDD kWh), which no
 * model comparison can learn from; this city keeps its size and gives each building its own
 * archetype (a block of flats, a terrace, a tower, a school, an office), area, balance point,
 * slope, hot-water base and day-to-day noise, over the demo district's weather.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DateTime } from 'luxon';
import pino from 'pino';
import type { JsonReading } from '#common/api/readings.ts';
import { loadConfig } from '../src/server/config.ts';
import { hash01, outdoorDailyMean, smoothNoise } from '../src/server/demo/signals.ts';
import { analyseNetwork, type NetworkRow } from '../src/server/modules/forecast/network-analysis.ts';
import { insertDistrict } from '../src/server/modules/registry/districts.store.ts';
import { insertWeatherStation } from '../src/server/modules/registry/weather-stations.store.ts';
import { ensureGateway } from '../src/server/places/places.store.ts';
import { openPlatform } from '../src/server/platform.ts';

const BUILDINGS = Number(process.env.CIOP_BENCH_BUILDINGS ?? 5000);
const YEARS = Number(process.env.CIOP_BENCH_YEARS ?? 3);
const END_TO_END = process.env.CIOP_BENCH_END_TO_END !== '0';
const ZONE = 'Europe/Madrid';
const GOAL_S = 30;
const DAY_MS = 86_400_000;

/** Archetypes: floors, area per floor (m²), balance point (°C), heat per m² and K·day (kWh), base per m² (kWh/day). */
const ARCHETYPES = [
  { floors: 6, perFloor: 420, balance: 15.5, slope: 0.055, base: 0.045 },
  { floors: 3, perFloor: 160, balance: 16.5, slope: 0.075, base: 0.035 },
  { floors: 12, perFloor: 600, balance: 14.5, slope: 0.035, base: 0.05 },
  { floors: 2, perFloor: 900, balance: 17.5, slope: 0.06, base: 0.01 },
  { floors: 5, perFloor: 700, balance: 18.5, slope: 0.04, base: 0.02 },
];
const ORIENTATION_WEIGHTS = [0, 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25];

function city(): NetworkRow[] {
  const days = Math.round(YEARS * 365.25);
  const first = Math.floor(Date.UTC(2023, 0, 1) / DAY_MS);
  const temperature = Float64Array.from({ length: days }, (_, i) => {
    const noon = (first + i) * DAY_MS + DAY_MS / 2;
    return outdoorDailyMean(noon) + smoothNoise(12, noon, 0.8 * DAY_MS) * 1.5;
  });
  const day = Int32Array.from({ length: days }, (_, i) => first + i);
  return Array.from({ length: BUILDINGS }, (_, b) => {
    const a = ARCHETYPES[b % ARCHETYPES.length];
    const floors = Math.max(1, a.floors + Math.round((hash01(b, 1) - 0.5) * 4));
    const area = floors * a.perFloor * (0.7 + hash01(b, 2) * 0.6);
    const retrofit = hash01(b, 3) < 0.25 ? 1 : hash01(b, 3) < 0.35 ? 0.5 : 0;
    const orientation = Math.floor(hash01(b, 4) * 8);
    const balance = a.balance + (hash01(b, 5) - 0.5) * 2 - retrofit;
    const slope =
      a.slope *
      (0.75 + hash01(b, 6) * 0.5) *
      (1 - 0.3 * retrofit) *
      (1.1 - 0.2 * ORIENTATION_WEIGHTS[orientation]);
    const base = a.base * (0.7 + hash01(b, 7) * 0.6);
    const noise = 0.04 + hash01(b, 8) * 0.12;
    const energy = new Float64Array(days);
    for (let i = 0; i < days; i++) {
      const expected = area * (base + slope * Math.max(0, balance - temperature[i]));
      // Occupants, appliances and the meter: a deterministic wobble of `noise` around the model.
      const wobble = (hash01(b * 7919 + 13, i) + hash01(b * 104729 + 7, i) - 1) * 2 * noise;
      energy[i] = Math.max(0, expected * (1 + wobble));
    }
    return {
      rowId: b + 1,
      buildingId: b + 1,
      code: `BENCH-${b + 1}`,
      address: `Bench street ${b + 1}`,
      latitude: 42.85,
      longitude: -2.67,
      heatedAreaM2: area,
      features: [
        floors,
        area,
        ORIENTATION_WEIGHTS[orientation],
        1 + Math.floor(hash01(b, 9) * 3),
        Math.floor(hash01(b, 10) * 3),
        retrofit,
        15 + hash01(b, 11) * 25,
        retrofit * 60 + hash01(b, 12) * 20,
        40 + hash01(b, 13) * 60,
        hash01(b, 14) < 0.7 ? 1 : 0,
      ],
      series: { day, energyKWh: energy, temperatureC: temperature },
    };
  });
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const f = (v: number) => v.toFixed(2).padStart(8);

const generated = performance.now();
const rows = city();
console.log(
  `synthetic city: ${BUILDINGS} buildings × ${rows[0].series!.day.length} days generated in ${((performance.now() - generated) / 1000).toFixed(1)} s`,
);

const began = performance.now();
const stages = new Map<string, number>();
let stage = 'models';
let stageStart = began;
const results = await analyseNetwork(rows, {
  featureNames: [],
  chosenK: null,
  onProgress: (_fraction, next) => {
    if (next === stage) return;
    stages.set(stage, performance.now() - stageStart);
    stage = next;
    stageStart = performance.now();
  },
});
const seconds = (performance.now() - began) / 1000;

const own = results.buildings.map((b) => b.accuracy!);
const ref = results.buildings.flatMap((b) => (b.reference ? [b.reference] : []));
console.log(
  `\nfit all: ${seconds.toFixed(1)} s for ${BUILDINGS} buildings (goal < ${GOAL_S} s: ${seconds < GOAL_S ? 'met' : 'NOT met'}); ` +
    `k = ${results.clusters} (silhouette ${results.silhouette.map((s) => `${s.k}: ${s.score.toFixed(3)}`).join(', ')}); ` +
    `${results.buildings.filter((b) => b.model?.type === 'hdd').length} HDD models, ${results.buildings.filter((b) => b.model?.type === 'intercept-only').length} intercept-only`,
);
console.log(
  `  of which: ${[...stages].map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(', ')}`,
);
console.log('\nheld-out weeks (5 folds), per building       own model          cluster representative');
console.log('                                          p10    p50    p90       p10    p50    p90');
for (const [name, pick] of [
  ['CV(RMSE) daily, %', (a: (typeof own)[number]) => a.cvrmse],
  ['CV(RMSE) monthly, %', (a: (typeof own)[number]) => a.cvrmseMonthly ?? Number.NaN],
  ['NMBE, %', (a: (typeof own)[number]) => a.nmbe],
  ['|NMBE|, %', (a: (typeof own)[number]) => Math.abs(a.nmbe)],
] as const) {
  const o = own.map(pick);
  const r = ref.map(pick);
  console.log(
    `${name.padEnd(36)}${f(pct(o, 10))}${f(pct(o, 50))}${f(pct(o, 90))}  ${f(pct(r, 10))}${f(pct(r, 50))}${f(pct(r, 90))}`,
  );
}
console.log(
  `${'within ASHRAE Guideline 14 (monthly)'.padEnd(36)}${`${own.filter((a) => a.meetsGuideline14).length} of ${own.length}`.padStart(24)}  ${`${ref.filter((a) => a.meetsGuideline14).length} of ${ref.length}`.padStart(24)}`,
);
const n = results.network;
console.log(
  `\nnetwork daily total: CV(RMSE) ${n.perBuilding!.cvrmse.toFixed(2)} % vs ${n.reference!.cvrmse.toFixed(2)} %, ` +
    `monthly ${n.perBuilding!.cvrmseMonthly!.toFixed(2)} % vs ${n.reference!.cvrmseMonthly!.toFixed(2)} %, ` +
    `NMBE ${n.perBuilding!.nmbe.toFixed(2)} % vs ${n.reference!.nmbe.toFixed(2)} % (own models vs cluster representative)`,
);

/**
 * The same city through CIOP: registry, thermal records, weather station readings, then one
 * fitting run as "process new data" starts it, timed from the database to the stored results.
 */
async function endToEnd(city: readonly NetworkRow[]): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ciop-bench-forecast-'));
  const config = loadConfig(
    {},
    {
      databaseUrl: `sqlite:${path.join(dir, 'ciop.db')}`,
      logLevel: 'silent',
      sqliteSync: 'normal',
      mqttPort: 0,
      timezone: ZONE,
    },
  );
  // The run's own log line says how long reading the database took.
  const platform = await openPlatform(
    config,
    pino({ level: 'info' }, pino.destination(1)).child({}, { msgPrefix: '  ' }),
  );
  try {
    const loading = performance.now();
    const db = platform.database.db;
    const now = Date.now();
    const districtId = await insertDistrict(
      db,
      { code: 'BENCH-D', name: 'Bench district', city: 'Bench', latitude: 42.85, longitude: -2.67 },
      now,
    );
    const sn = 'BE7C4F0000000001';
    await insertWeatherStation(
      db,
      {
        district_id: districtId,
        code: 'BENCH-WS',
        name: 'Bench station',
        latitude: 42.85,
        longitude: -2.67,
        gateway_id: await ensureGateway(db, sn, now),
      },
      now,
    );
    // The station's hourly readings: each local day at its daily mean.
    const series = city[0].series!;
    const readings: JsonReading[] = [];
    for (let i = 0; i < series.day.length; i++) {
      const date = new Date(series.day[i] * DAY_MS).toISOString().slice(0, 10);
      const midnight = DateTime.fromISO(date, { zone: ZONE }).toMillis();
      for (let h = 0; h < 24; h++)
        readings.push({
          sn,
          channel: '1',
          device: '1',
          medium: 'temperature',
          ts: midnight + h * 3_600_000,
          value: series.temperatureC[i],
        });
    }
    for (let i = 0; i < readings.length; i += 5000)
      await platform.ingest.writeJson(readings.slice(i, i + 5000));
    await platform.engine.flush();

    const sqlite = platform.database.sqlite!;
    const building = sqlite.prepare(
      'INSERT INTO building (district_id, code, address, latitude, longitude, carrier1, area1_m2, carrier2, area2_m2, floors, features, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?, ?, ?)',
    );
    const record = sqlite.prepare(
      'INSERT INTO kpi_thermal_measurement (measurement_id, building_id, carrier, t, month, value, source, received_by, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    let records = 0;
    sqlite.transaction(() => {
      for (const row of city) {
        const orientation =
          ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'][
            ORIENTATION_WEIGHTS.indexOf(row.features[2] as number)
          ] ?? 'S';
        const features = JSON.stringify({
          orientation,
          adjacent_blocks: row.features[3],
          shadowed_facades: row.features[4],
          window_share: row.features[6],
        });
        const id = Number(
          building.run(
            districtId,
            row.code,
            row.address,
            42.85,
            -2.67,
            'district_heating',
            row.heatedAreaM2,
            row.features[0],
            features,
            now,
            now,
          ).lastInsertRowid,
        );
        const s = row.series!;
        for (let i = 0; i < s.day.length; i++) {
          const t = s.day[i] * DAY_MS + 12 * 3_600_000;
          const d = new Date(t);
          record.run(
            `${id}-${s.day[i]}`,
            id,
            'district_heating',
            t,
            d.getUTCFullYear() * 100 + d.getUTCMonth() + 1,
            s.energyKWh[i],
            'bench',
            'bench',
            now,
          );
          records++;
        }
      }
    })();
    const added = await platform.forecast.prefill(now);
    console.log(
      `\nthrough CIOP: ${added} buildings in the registry and the planning table, ${records} thermal records and ${readings.length} weather readings stored in ${((performance.now() - loading) / 1000).toFixed(1)} s`,
    );
    const began = performance.now();
    const results = await platform.forecast.runNow('bench', Date.now());
    const runS = (performance.now() - began) / 1000;
    const n = results.network;
    console.log(
      `process new data: ${runS.toFixed(1)} s from the database to the stored results (goal < ${GOAL_S} s: ${runS < GOAL_S ? 'met' : 'NOT met'}); ` +
        `${results.buildings.filter((b) => b.model !== null).length} models; network CV(RMSE) ${n.perBuilding!.cvrmse.toFixed(2)} % vs ${n.reference!.cvrmse.toFixed(2)} %`,
    );
  } finally {
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (END_TO_END) await endToEnd(rows);
