/**
 * The data-quality checks on a building with a year of 10-minute readings (temperature,
 * humidity, CO2, power and an energy meter per dwelling, from the demo district's signals, with
 * a few planted faults), on SQLite:
 *
 *   npm run bench:quality
 *
 * - the quality job reading the change feed of the whole year once (what it does a minute at a
 *   time after ingest): readings checked per second;
 * - the re-check of the building's whole year after an admin changes the checks of every
 *   medium (goal: under 5 s);
 * - a year of hourly means of one sensor with flagged readings left out and included.
 *
 * CIOP_BENCH_DAYS (default 365) and CIOP_BENCH_DWELLINGS (12) size it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/server/config.ts';
import { demoBuildings } from '../src/server/demo/district.ts';
import {
  type DwellingProfile,
  indoorCo2,
  indoorHumidity,
  indoorTemperature,
  powerDraw,
} from '../src/server/demo/signals.ts';
import { QUALITY_JOB } from '../src/server/modules/quality/quality.service.ts';
import { openPlatform } from '../src/server/platform.ts';
import type { Principal } from '../src/server/plugins/access.ts';
import { seedSyntheticBuilding } from '../src/server/testing/synthetic-building.ts';
import { forwarderBodies } from './lib/load.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const STEP = 600_000;
const DAYS = Number(process.env.CIOP_BENCH_DAYS ?? 365);
const DWELLINGS = Number(process.env.CIOP_BENCH_DWELLINGS ?? 12);
const GOAL_RECHECK_S = 5;

const now = Math.floor(Date.now() / HOUR) * HOUR;
const start = now - DAYS * DAY;

const dir = mkdtempSync(path.join(tmpdir(), 'ciop-bench-quality-'));
const config = loadConfig(
  {},
  {
    databaseUrl: `sqlite:${path.join(dir, 'ciop.db')}`,
    logLevel: 'silent',
    mqttPort: 0,
    host: '127.0.0.1',
    port: 0,
    flushIntervalMs: 60_000,
  },
);
const platform = await openPlatform(config, pino({ level: 'silent' }));
const profiles = demoBuildings()
  .flatMap((b) => b.dwellings)
  .map((d) => d.profile as DwellingProfile)
  .filter((p) => p.stuckCo2 === undefined);

let began = performance.now();
const building = await seedSyntheticBuilding(platform, {
  code: 'BENCH-QUALITY',
  dwellings: Array.from({ length: DWELLINGS }, (_, i) => {
    const p = profiles[i % profiles.length];
    let energy = 2000 + i * 10;
    // Faults in some dwellings: a humidity sensor at 140 % for three readings, a power meter at
    // a megawatt for one, a thermometer stuck for two days.
    const glitch = start + ((i * 37) % DAYS) * DAY + 10 * HOUR;
    return {
      label: `${Math.floor(i / 4) + 1} ${'ABCD'[i % 4]}`,
      floor: Math.floor(i / 4) + 1,
      areaM2: 70,
      signals: {
        temperature: (t: number) =>
          i % 3 === 0 && t >= glitch && t < glitch + 2 * DAY ? 21 : indoorTemperature(p, t),
        humidity: (t: number) =>
          i % 2 === 0 && t >= glitch && t < glitch + 3 * STEP ? 140 : indoorHumidity(p, t),
        co2: (t: number) => indoorCo2(p, t),
        power: (t: number) => (i % 4 === 1 && t === glitch ? 1_000_000 : powerDraw(p, t)),
        energy: (t: number) => {
          energy += (powerDraw(p, t) * STEP) / 3_600_000 / 1000;
          return Math.round(energy * 1000) / 1000;
        },
      },
    };
  }),
  from: start,
  to: now,
  stepMs: STEP,
});
const readings = DWELLINGS * 5 * Math.ceil((now - start) / STEP);
const seededS = (performance.now() - began) / 1000;

// The job, as it runs after ingest: the change feed holds the whole year once.
began = performance.now();
await platform.scheduler.run(QUALITY_JOB, now);
const jobS = (performance.now() - began) / 1000;
const flags = await platform.db.selectFrom('quality_flag').select(['check']).execute();

// An admin changes the checks of every medium; the re-check job checks the year again.
const settings = await platform.quality.settings();
await platform.quality.updateSettings(
  {
    media: settings.media
      .filter((m) => m.rules.max !== null || m.rules.neverDecreasing)
      .map((m) => ({ medium: m.medium, rules: { ...m.rules, maxStep: (m.rules.maxStep ?? 0) * 1.1 } })),
  },
  now,
);
began = performance.now();
const rechecked = await platform.quality.recheckDue(now);
const recheckS = (performance.now() - began) / 1000;

// A year of hourly means of a sensor with a flag, flagged readings left out and included.
const system: Principal = {
  kind: 'system',
  id: 0,
  name: 'bench',
  roles: ['admin'],
  scopes: ['admin'],
  dwellingIds: [],
  buildingIds: [],
  gatewayIds: [],
};
const sensor = await platform.db
  .selectFrom('quality_flag')
  .innerJoin('series', 'series.id', 'quality_flag.series_id')
  .select('series.sensor_id')
  .where('quality_flag.check', '=', 'stuck')
  .executeTakeFirst();
const timeRead = async (flagged: 'exclude' | 'include') => {
  const runs: number[] = [];
  for (let k = 0; k < 7; k++) {
    const t0 = performance.now();
    await platform.readings.aggregate(
      { sensorId: sensor!.sensor_id! },
      start,
      now - 1,
      'hour',
      system,
      flagged,
    );
    runs.push(performance.now() - t0);
  }
  return runs.sort((a, b) => a - b)[3];
};
const excludeMs = sensor ? await timeRead('exclude') : NaN;
const includeMs = sensor ? await timeRead('include') : NaN;

await platform.close();
rmSync(dir, { recursive: true, force: true });

// The forwarders' load of bench:ingest (1,000 gateways × 4 sensors, 10-minute readings in time
// order), written in process and compacted every 100,000 readings as the live timer would; then
// the quality job drains the change feed those compactions left. Its time beside the ingest's is
// what the checks add to the work of taking the readings in.
const loadDir = mkdtempSync(path.join(tmpdir(), 'ciop-bench-quality-load-'));
const loaded = await openPlatform(
  loadConfig(
    {},
    {
      databaseUrl: `sqlite:${path.join(loadDir, 'ciop.db')}`,
      logLevel: 'silent',
      mqttPort: 0,
      host: '127.0.0.1',
      port: 0,
      flushIntervalMs: 3_600_000,
      ingestMaxNewSeries: 1_000_000,
      ingestNewSeriesPerMinute: 0,
    },
  ),
  pino({ level: 'silent' }),
);
const LOAD_POINTS = Number(process.env.CIOP_BENCH_LOAD_POINTS ?? 1_000_000);
began = performance.now();
let sinceFlush = 0;
for (const body of forwarderBodies(1000, LOAD_POINTS, 5000)) {
  await loaded.ingest.writeLineProtocol(body, 'ns');
  sinceFlush += 5000;
  if (sinceFlush >= 100_000) {
    await loaded.engine.flush();
    sinceFlush = 0;
  }
}
await loaded.engine.flush();
const ingestS = (performance.now() - began) / 1000;
began = performance.now();
await loaded.scheduler.run(QUALITY_JOB, Date.now());
const loadJobS = (performance.now() - began) / 1000;
await loaded.close();
rmSync(loadDir, { recursive: true, force: true });

/** Dwellings i with i % m === r. */
const planted = (m: number, r: number) =>
  Array.from({ length: DWELLINGS }, (_, i) => i).filter((i) => i % m === r).length;
const byCheck = new Map<string, number>();
for (const f of flags) byCheck.set(f.check, (byCheck.get(f.check) ?? 0) + 1);
console.log(
  `\nquality: building ${building.buildingId}, ${DWELLINGS} dwellings × 5 sensors, ${DAYS} days of 10-minute readings = ${readings.toLocaleString('en')} readings (seeded in ${seededS.toFixed(1)} s)\n`,
);
console.log(
  `flags found: ${[...byCheck].map(([c, n]) => `${c} ${n}`).join(', ') || 'none'} (planted: range ${planted(2, 0) + planted(4, 1)} (humidity at 140 %, power at 1 MW), stuck ${planted(3, 0)})`,
);
console.log('what                                             time       readings/s   goal');
console.log(
  `quality job over the year's change feed        ${jobS.toFixed(2).padStart(7)} s   ${Math.round(
    readings / jobS,
  )
    .toLocaleString('en')
    .padStart(10)}   –`,
);
console.log(
  `re-check of the year after a settings change   ${recheckS.toFixed(2).padStart(7)} s   ${Math.round(
    readings / recheckS,
  )
    .toLocaleString('en')
    .padStart(
      10,
    )}   < ${GOAL_RECHECK_S} s ${recheckS < GOAL_RECHECK_S ? 'met' : 'NOT met'} (${rechecked} series)`,
);
console.log(
  `\nthe forwarders' load of bench:ingest, ${LOAD_POINTS.toLocaleString('en')} readings: ingest (parse, log, compaction) ${ingestS.toFixed(2)} s, then the quality job over their change feed ${loadJobS.toFixed(2)} s = ${((loadJobS / ingestS) * 100).toFixed(1)} % of the ingest's time (goal ≤ 10 %)`,
);
console.log(
  `a year of hourly means, flagged left out         ${excludeMs.toFixed(1).padStart(7)} ms   (included: ${includeMs.toFixed(1)} ms), median of 7`,
);
