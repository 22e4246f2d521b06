/**
 * Transit standards under load. Each section measures one standard and prints its figures
 * beside its goal; `npm run bench:transit` runs every section in `SECTIONS`.
 *
 * GTFS-Realtime: a VehiclePositions FeedMessage of 500 vehicles (each moving along a line,
 * with a trip and a timestamp), a new one every 10 s of feed time, decoded with the official
 * bindings and stored as the vehicles' position series. Goal: under 200 ms per feed, decode and
 * store, on SQLite. Timed both through the service (what the polling job does) and through the
 * HTTP push endpoint in process (`app.inject`, with the access check and body parsing). The first
 * feed (which adds the 500 vehicles to the model) is timed apart, then 5 feeds warm up.
 *
 *   npm run bench:transit                       # SQLite in a temporary folder
 *   CIOP_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:transit
 *
 * CIOP_BENCH_GTFS_RT_VEHICLES (default 500) and CIOP_BENCH_GTFS_RT_FEEDS (default 60) change the load.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import pino from 'pino';
import { buildApp } from '../src/server/app.ts';
import { BY_SYSTEM } from '../src/server/audit/by.ts';
import { loadConfig } from '../src/server/config.ts';
import { openPlatform } from '../src/server/platform.ts';
import { freshDatabase } from './lib/databases.ts';

/** One figure of a section, beside its goal when it has one. */
export interface SectionFigure {
  label: string;
  value: string;
  goal?: string;
  met?: boolean;
}

/** A part of the transit benchmark: one standard, measured on its own database. */
export interface BenchSection {
  name: string;
  run(): Promise<SectionFigure[]>;
}

const VEHICLES = Number(process.env.CIOP_BENCH_GTFS_RT_VEHICLES ?? 500);
const FEEDS = Number(process.env.CIOP_BENCH_GTFS_RT_FEEDS ?? 60);
const FEED_GOAL_MS = 200;
/** Feeds stored after the first and before the timed ones. */
const WARM_UP = 5;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const ms = (v: number) => `${v.toFixed(1)} ms`;

const { FeedMessage } = GtfsRealtimeBindings.transit_realtime;

/** The fleet's positions at feed time `at` (s): each bus somewhere on a 10 km loop around the centre. */
function vehicleFeed(at: number): Uint8Array {
  return FeedMessage.encode(
    FeedMessage.fromObject({
      header: { gtfsRealtimeVersion: '2.0', incrementality: 0, timestamp: at },
      entity: Array.from({ length: VEHICLES }, (_, i) => {
        const angle = (2 * Math.PI * i) / VEHICLES + at / 600;
        return {
          id: `e${i}`,
          vehicle: {
            trip: { tripId: `T${i % 200}`, routeId: String(1 + (i % 40)), directionId: i % 2 },
            vehicle: { id: `BUS-${1000 + i}`, label: `${1000 + i}`, licensePlate: `${String(1000 + i)}-BUS` },
            position: {
              latitude: 42.852 + 0.02 * Math.sin(angle),
              longitude: -2.672 + 0.027 * Math.cos(angle),
              bearing: (angle * 180) / Math.PI,
              speed: 6 + (i % 5),
            },
            currentStopSequence: i % 24,
            timestamp: at - (i % 7),
          },
        };
      }),
    }),
  ).finish();
}

/** GTFS-Realtime VehiclePositions: decode and store per feed. */
export const gtfsRealtimeSection: BenchSection = {
  name: `GTFS-Realtime VehiclePositions, ${VEHICLES} vehicles, ${FEEDS} feeds`,
  async run() {
    const database = await freshDatabase('transit_gtfs');
    const config = loadConfig(
      {},
      { databaseUrl: database.url, logLevel: 'silent', sqliteSync: 'normal', mqttPort: 0 },
    );
    const platform = await openPlatform(config, pino({ level: 'silent' }));
    const app = await buildApp(platform);
    const pusher = await platform.auth.machineTokens.issue(
      { name: 'bench operator', scopes: ['ingest:write'] },
      BY_SYSTEM,
    );
    const realtime = platform.mobility.realtime;
    const start = Math.floor(Date.now() / 1000) - FEEDS * 20;
    const feeds = Array.from({ length: FEEDS * 2 + 1 }, (_, i) => vehicleFeed(start + i * 10));
    const bytes = feeds[0].length;

    // The first feed adds the 500 vehicles the model does not know yet.
    let t0 = performance.now();
    const first = await realtime.store(feeds[0], Date.now());
    const firstMs = performance.now() - t0;
    if (first.positions !== VEHICLES || first.newVehicles !== VEHICLES)
      throw new Error(
        `the first feed stored ${first.positions} positions, ${first.newVehicles} new vehicles`,
      );

    // A few feeds more before the clock starts: the code paths are compiled, the series cached.
    for (let i = 0; i < WARM_UP; i++) await realtime.store(vehicleFeed(start - 100 + i), Date.now());
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const service: number[] = [];
    for (let i = 1; i <= FEEDS; i++) {
      t0 = performance.now();
      const report = await realtime.store(feeds[i], Date.now());
      service.push(performance.now() - t0);
      if (report.positions !== VEHICLES) throw new Error(`feed ${i} stored ${report.positions} positions`);
    }
    const decode: number[] = [];
    for (let i = 1; i <= FEEDS; i++) {
      t0 = performance.now();
      FeedMessage.decode(feeds[i]);
      decode.push(performance.now() - t0);
    }
    const http: number[] = [];
    for (let i = FEEDS + 1; i <= 2 * FEEDS; i++) {
      t0 = performance.now();
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/mobility/gtfs-rt',
        headers: { authorization: `Bearer ${pusher.token}`, 'content-type': 'application/x-protobuf' },
        payload: Buffer.from(feeds[i]),
      });
      http.push(performance.now() - t0);
      if (res.statusCode !== 200) throw new Error(`push answered ${res.statusCode}: ${res.body}`);
    }
    const cpu = process.cpuUsage(cpu0);
    const wallS = (performance.now() - wall0) / 1000;
    // Every fix is there: the latest position of each bus is that of the last feed.
    const plates = Array.from({ length: VEHICLES }, (_, i) => `${String(1000 + i)}-BUS`);
    const latest = await platform.mobility.positions.latest(plates);
    const lastAt = (start + 2 * FEEDS * 10) * 1000;
    const current = plates.filter((p) => (latest.get(p)?.at ?? 0) >= lastAt - 7000).length;

    await app.close();
    await platform.close();
    await database.drop();
    const p50 = quantile(service, 0.5);
    const p95 = quantile(service, 0.95);
    const httpP95 = quantile(http, 0.95);
    return [
      { label: 'feed size', value: `${(bytes / 1024).toFixed(1)} KiB` },
      { label: 'first feed (adds the vehicles)', value: ms(firstMs) },
      { label: 'decode only, median', value: ms(quantile(decode, 0.5)) },
      {
        label: 'decode + store, median',
        value: ms(p50),
        goal: `< ${FEED_GOAL_MS} ms`,
        met: p50 < FEED_GOAL_MS,
      },
      {
        label: 'decode + store, p95',
        value: ms(p95),
        goal: `< ${FEED_GOAL_MS} ms`,
        met: p95 < FEED_GOAL_MS,
      },
      {
        label: 'HTTP push (POST /api/v1/mobility/gtfs-rt), p95',
        value: ms(httpP95),
        goal: `< ${FEED_GOAL_MS} ms`,
        met: httpP95 < FEED_GOAL_MS,
      },
      { label: 'positions stored a second', value: `${Math.round((VEHICLES * 2 * FEEDS) / wallS)}` },
      {
        label: 'CPU while storing (user + system)',
        value: `${((cpu.user + cpu.system) / 1e6).toFixed(2)} s in ${wallS.toFixed(2)} s`,
      },
      { label: 'memory (RSS)', value: `${(process.memoryUsage().rss / 1024 / 1024).toFixed(0)} MiB` },
      {
        label: 'vehicles whose latest position is the last feed’s',
        value: `${current} of ${VEHICLES}`,
        met: current === VEHICLES,
      },
    ];
  },
};

/** The sections `npm run bench:transit` runs, in order. */
export const SECTIONS: BenchSection[] = [gtfsRealtimeSection];

export async function runSections(sections: readonly BenchSection[]): Promise<boolean> {
  const where = process.env.CIOP_BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite';
  let ok = true;
  for (const section of sections) {
    console.log(`\n${section.name} (${where})`);
    for (const f of await section.run()) {
      const verdict = f.met === undefined ? '' : f.met ? '  ok' : '  MISSED';
      console.log(
        `  ${f.label.padEnd(52)} ${f.value.padStart(22)}${f.goal ? `   goal ${f.goal}` : ''}${verdict}`,
      );
      if (f.met === false) ok = false;
    }
  }
  return ok;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ok = await runSections(SECTIONS);
  process.exitCode = ok ? 0 : 1;
}
