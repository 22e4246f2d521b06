import type { Transaction } from 'kysely';
import mqtt from 'mqtt';
import type { Database } from '../db/schema.ts';
import { MIN_TIME } from '../timeseries/timeseries-io.ts';
import type { Platform } from '../platform.ts';
import { getSetting, setSetting } from '../settings/instance-settings.store.ts';
import { seedDemoAccounts } from './demo-accounts.ts';
import { seedKpiDemo, seedKpiDemoIfEmpty } from './kpi-demo.ts';
import type { SeriesRequest } from '../timeseries/series-catalog.ts';
import { forwarderKey } from '../timeseries/series-key.ts';
import { createBatch } from '../timeseries/write-batch.ts';
import { insertBuilding } from '../modules/registry/buildings.store.ts';
import { insertDistrict } from '../modules/registry/districts.store.ts';
import { insertDwelling } from '../modules/registry/dwellings.store.ts';
import { assignGateway } from '../modules/registry/gateways.store.ts';
import { insertWeatherStation } from '../modules/registry/weather-stations.store.ts';
import { ensureGateway, ensureMedium, ensureSensor } from '../places/places.store.ts';
import {
  DEMO_DISTRICT,
  type DemoDwelling,
  type DemoGateway,
  type DemoSensor,
  demoBuildings,
  UNREGISTERED_GATEWAY,
  WEATHER_GATEWAY,
} from './district.ts';
import {
  type DwellingProfile,
  hash01,
  indoorCo2,
  indoorHumidity,
  indoorTemperature,
  outdoorHumidity,
  outdoorTemperature,
  powerDraw,
} from './signals.ts';
import { DAY_MS } from '#common/time.ts';

const STEP_MS = 600_000;

/** A gateway of the demo with what its readings depend on. */
interface SimGateway {
  gateway: DemoGateway;
  profile?: DwellingProfile;
  weather: boolean;
  /** Readings start here (epoch ms). */
  from: number;
}

function readingOf(g: SimGateway, s: DemoSensor, t: number): number {
  if (g.weather) return s.medium === 'temperature' ? outdoorTemperature(t) : outdoorHumidity(t);
  const p = g.profile as DwellingProfile;
  switch (s.medium) {
    case 'temperature':
      return indoorTemperature(p, t, s.room);
    case 'humidity':
      return indoorHumidity(p, t, s.room);
    case 'co2':
      return indoorCo2(p, t);
    case 'power':
      return powerDraw(p, t);
    default:
      throw new Error(`no signal for ${s.medium}`);
  }
}

/** Whether a gateway (or one of its sensors) is off the air at `t`: outages of a few hours. */
function inGap(seed: number, t: number): boolean {
  const day = Math.floor(t / DAY_MS);
  for (const d of [day - 1, day]) {
    if (hash01(seed, d * 7 + 3) >= 0.035) continue;
    const start = d * DAY_MS + hash01(seed, d * 7 + 4) * DAY_MS;
    const length = (2 + hash01(seed, d * 7 + 5) * 14) * 3_600_000;
    if (t >= start && t < start + length) return true;
  }
  return false;
}

const gatewaySeed = (sn: string) => parseInt(sn.slice(8), 16) | 0;

function seriesRequest(sn: string, s: DemoSensor): SeriesRequest {
  return {
    key: forwarderKey(sn, s.channel, s.device, s.medium),
    measurement: 'forwarder_data',
    tags: [
      ['SN', sn],
      ['channel', s.channel],
      ['device', s.device],
      ['medium', s.medium],
    ],
    field: 'value',
    valueType: 'number',
  };
}

/**
 * Writes the readings of one gateway for the 10-minute slots in [from, to), as its forwarder
 * would have: outages leave gaps, a silent gateway stops, the energy meter counts up (and
 * restarts at zero when replaced).
 */
async function writeSlots(
  platform: Platform,
  g: SimGateway,
  from: number,
  to: number,
  now: number,
  energyStart?: number,
): Promise<number> {
  const seed = gatewaySeed(g.gateway.sn);
  const until = g.gateway.silentForDays ? Math.min(to, now - g.gateway.silentForDays * DAY_MS) : to;
  const start = Math.max(from, g.from);
  const slots: number[] = [];
  for (let t = Math.ceil(start / STEP_MS) * STEP_MS; t < until; t += STEP_MS)
    if (!inGap(seed, t)) slots.push(t);
  if (slots.length === 0) return 0;
  let written = 0;
  for (const s of g.gateway.sensors) {
    const info = platform.catalog.get(forwarderKey(g.gateway.sn, s.channel, s.device, s.medium));
    if (!info) continue;
    const sensorSeed = seed + s.channel.charCodeAt(0) * 31 + s.medium.length;
    const times = slots.filter((t) => !inGap(sensorSeed, t + 1));
    const batch = createBatch(times.length);
    let energy = energyStart ?? 1000 + hash01(seed, 99) * 6000;
    const replacedAt =
      g.gateway.meterReplacedDaysAgo !== undefined
        ? Math.floor((now - g.gateway.meterReplacedDaysAgo * DAY_MS) / STEP_MS) * STEP_MS
        : undefined;
    let lastT = times[0] - STEP_MS;
    times.forEach((t, i) => {
      batch.seriesIds[i] = info.id;
      batch.times[i] = t;
      if (s.medium === 'energy') {
        for (let u = lastT + STEP_MS; u <= t; u += STEP_MS) {
          energy += (powerDraw(g.profile as DwellingProfile, u) * STEP_MS) / 3_600_000 / 1000;
          if (u === replacedAt) energy = 0;
        }
        lastT = t;
        batch.values[i] = Math.round(energy * 1000) / 1000;
      } else {
        batch.values[i] = readingOf(g, s, t);
      }
    });
    await platform.engine.write(batch);
    written += times.length;
  }
  return written;
}

/** The demo's gateways, in a fixed order, with the dwelling each serves. */
function simGateways(start: number, now: number): { sim: SimGateway; dwelling?: DemoDwelling }[] {
  const out: { sim: SimGateway; dwelling?: DemoDwelling }[] = [
    { sim: { gateway: WEATHER_GATEWAY, weather: true, from: start } },
  ];
  for (const b of demoBuildings()) {
    for (const d of b.dwellings) {
      if (!d.gateway) continue;
      const profile = {
        ...d.profile,
        retrofitAt: b.retrofitDaysAgo !== undefined ? now - b.retrofitDaysAgo * DAY_MS : undefined,
      };
      out.push({ sim: { gateway: d.gateway, profile, weather: false, from: start }, dwelling: d });
    }
  }
  // The unregistered gateway was switched on three days ago.
  out.push({
    sim: {
      gateway: UNREGISTERED_GATEWAY,
      profile: demoBuildings()[0].dwellings[0].profile,
      weather: false,
      from: now - 3 * DAY_MS,
    },
  });
  return out;
}

export interface DemoOptions {
  /** Days of history (default 120). */
  days?: number;
  /** Write history at all (default true). */
  history?: boolean;
  /** Seed the KPI tool's inputs too (kpi-demo.ts), as `ciop start` and `ciop demo` do (default false). */
  kpi?: boolean;
  /** The seed's clock, epoch ms (default now): the history ends here. */
  now?: number;
}

/**
 * How far a demo seed got, kept in `instance_setting` under this key from the transaction that
 * writes the registry on: a seed that a crash cut short is finished by the next start, with the
 * clock it began with, so that its history is the one an uninterrupted seed writes.
 */
const SEED_STATE = 'demo_seed';

interface SeedState {
  /** The seed's clock, epoch ms. */
  now: number;
  days: number;
  history: boolean;
  kpi: boolean;
  /** Gateways (in `simGateways` order) whose history is durable. */
  gatewaysDone: number;
  done: boolean;
}

/**
 * Seeds the demo district: the registry (district, weather station, buildings, dwellings,
 * gateways and sensors) and, by default, 120 days of 10-minute history ending now. The seed can
 * be resumed (`resumeDemoSeed`) wherever it stops.
 */
export async function seedDemo(
  platform: Platform,
  options: DemoOptions = {},
): Promise<{ readings: number; ms: number }> {
  const now = options.now ?? Date.now();
  const state: SeedState = {
    now,
    days: options.days ?? 120,
    history: options.history !== false,
    kpi: options.kpi ?? false,
    gatewaysDone: 0,
    done: false,
  };
  await platform.database.db.transaction().execute(async (trx) => {
    await insertDemoRegistry(trx, now);
    await setSetting(trx, SEED_STATE, JSON.stringify(state));
  });
  return continueSeed(platform, state);
}

/** Writes the demo's registry. */
async function insertDemoRegistry(trx: Transaction<Database>, now: number): Promise<void> {
  const districtId = await insertDistrict(trx, DEMO_DISTRICT, now);
  const weatherGatewayId = await ensureGateway(trx, WEATHER_GATEWAY.sn, now);
  await insertWeatherStation(
    trx,
    {
      district_id: districtId,
      code: 'VG-CORONACION-WS1',
      name: 'Coronación weather station',
      latitude: 42.8527,
      longitude: -2.6751,
      gateway_id: weatherGatewayId,
    },
    now,
  );
  for (const b of demoBuildings()) {
    const features: Record<string, string | number> = { ...b.features };
    if (b.retrofitDaysAgo !== undefined)
      features.retrofit_date = new Date(now - b.retrofitDaysAgo * DAY_MS).toISOString().slice(0, 10);
    const buildingId = await insertBuilding(
      trx,
      {
        district_id: districtId,
        code: b.code,
        address: b.address,
        latitude: b.latitude,
        longitude: b.longitude,
        carrier1: b.carrier1,
        area1_m2: b.area1,
        carrier2: b.carrier2,
        area2_m2: b.area2,
        floors: b.floors,
        features,
      },
      now,
    );
    for (const d of b.dwellings) {
      const dwellingId = await insertDwelling(
        trx,
        {
          building_id: buildingId,
          label: d.label,
          floor: d.floor,
          area_m2: d.areaM2,
          contracted_power_w: d.contractedPowerW,
        },
        now,
      );
      if (!d.gateway) continue;
      const gatewayId = await ensureGateway(trx, d.gateway.sn, now);
      await assignGateway(trx, gatewayId, dwellingId, MIN_TIME, now);
      if (d.gateway.neverReported) {
        for (const s of d.gateway.sensors) {
          const medium = await ensureMedium(trx, s.medium);
          await ensureSensor(
            trx,
            gatewayId,
            { channel: s.channel, device: s.device, medium: s.medium, unit: medium.unit },
            now,
          );
        }
      }
    }
  }
}

/**
 * Everything of a seed after its registry, from where `state` says it got: every step can be
 * done again (accounts are created once by e-mail, series resolved once by key, readings are
 * keyed by series and time, KPI inputs by their id), and the state moves on only once a step
 * is durable.
 */
async function continueSeed(platform: Platform, state: SeedState): Promise<{ readings: number; ms: number }> {
  const began = Date.now();
  const { now, days } = state;
  const end = Math.floor(now / STEP_MS) * STEP_MS;
  const start = end - days * DAY_MS;
  const db = platform.database.db;
  const log = platform.logger;
  const save = () => setSetting(db, SEED_STATE, JSON.stringify(state));

  await seedDemoAccounts(platform);

  const gateways = simGateways(start, now).filter((g) => !g.sim.gateway.neverReported);
  await platform.catalog.resolve(
    gateways.flatMap((g) => g.sim.gateway.sensors.map((s) => seriesRequest(g.sim.gateway.sn, s))),
    now,
  );
  let readings = 0;
  if (state.history) {
    for (let i = state.gatewaysDone; i < gateways.length; i++) {
      // A write is acknowledged once it is durable: the state never runs ahead of the readings.
      readings += await writeSlots(platform, gateways[i].sim, start, end + 1, now);
      state.gatewaysDone = i + 1;
      await save();
      if (i % 20 === 19) {
        await platform.engine.flush();
        log.info({ gateways: i + 1, of: gateways.length }, 'demo history');
      }
    }
    await platform.engine.flush();
  }
  log.info(
    { buildings: 27, gateways: gateways.length, readings, days, ms: Date.now() - began },
    'demo district seeded',
  );
  if (state.kpi) {
    await seedKpiDemo(platform, now);
    await platform.seedModuleDemos(now);
  }
  state.done = true;
  await save();
  return { readings, ms: Date.now() - began };
}

async function storedSeedState(platform: Platform): Promise<SeedState | undefined> {
  const stored = await getSetting(platform.database.db, SEED_STATE);
  return stored === undefined ? undefined : (JSON.parse(stored) as SeedState);
}

/**
 * Finishes a demo seed that a crash or a kill cut short, from where it got. Returns whether
 * there was one.
 */
export async function resumeDemoSeed(platform: Platform): Promise<boolean> {
  const state = await storedSeedState(platform);
  if (!state || state.done) return false;
  platform.logger.info(
    { gatewaysDone: state.gatewaysDone, seededAt: new Date(state.now).toISOString() },
    'resuming the demo seed that was cut short',
  );
  await continueSeed(platform, state);
  return true;
}

/**
 * What `ciop start` seeds: the demo district, its KPI inputs and every module's part on an empty
 * database, or the rest of a seed that was cut short; on a seeded database, the part of any
 * module added since.
 */
export async function seedDemoIfNeeded(platform: Platform): Promise<'seeded' | 'resumed' | 'present'> {
  const state = await storedSeedState(platform);
  if (state && !state.done) {
    await resumeDemoSeed(platform);
    return 'resumed';
  }
  if (state) {
    // Modules added since the demo was seeded fill in their part.
    await platform.seedModuleDemos(Date.now());
    return 'present';
  }
  const any = await platform.database.db.selectFrom('district').select('id').limit(1).executeTakeFirst();
  if (!any) {
    platform.logger.info('empty database: seeding the demo district (about half a minute)');
    await seedDemo(platform, { kpi: true });
    return 'seeded';
  }
  // A demo district seeded before seeds kept their state, and before the demo had KPI inputs.
  await seedKpiDemoIfEmpty(platform);
  await platform.seedModuleDemos(Date.now());
  return 'present';
}

/**
 * The live simulator: each demo gateway publishes its 10-minute readings over MQTT as line
 * protocol, at its own moment within the 10 minutes, so that every few seconds some gateway
 * reports. Slots missed while CIOP was stopped are written first, as gateways that buffer do.
 */
export async function startSimulator(platform: Platform, mqttUrl: string): Promise<() => Promise<void>> {
  const now = Date.now();
  const gateways = simGateways(now - 30 * DAY_MS, now).filter((g) => !g.sim.gateway.neverReported);
  const energy = new Map<string, { t: number; v: number }>();
  let lastSlot = Math.floor(now / STEP_MS) * STEP_MS;
  for (const { sim } of gateways) {
    const ids = sim.gateway.sensors.map(
      (s) => platform.catalog.get(forwarderKey(sim.gateway.sn, s.channel, s.device, s.medium))?.id,
    );
    const known = ids.filter((id): id is number => id !== undefined);
    const latest = await platform.engine.latest(known);
    const newest = Math.max(...[...latest.values()].map((l) => l.t), sim.from - STEP_MS);
    const meter = sim.gateway.sensors.findIndex((s) => s.medium === 'energy');
    if (meter >= 0 && ids[meter] !== undefined) {
      const last = latest.get(ids[meter] as number);
      if (last) energy.set(sim.gateway.sn, last);
    }
    if (newest + STEP_MS < lastSlot) {
      await writeSlots(platform, sim, newest + STEP_MS, lastSlot, now, energy.get(sim.gateway.sn)?.v);
    }
  }
  await platform.engine.flush();

  const client = mqtt.connect(mqttUrl, {
    username: 'demo-simulator',
    password: platform.ingestToken,
    reconnectPeriod: 2000,
  });
  client.on('error', (error) => platform.logger.warn({ err: error }, 'demo simulator: MQTT error'));
  const offsets = new Map(
    gateways.map(({ sim }) => [sim.gateway.sn, Math.floor(hash01(gatewaySeed(sim.gateway.sn), 5) * STEP_MS)]),
  );
  const published = new Map<string, number>();

  const tick = () => {
    const t = Date.now();
    lastSlot = Math.floor(t / STEP_MS) * STEP_MS;
    for (const { sim } of gateways) {
      const sn = sim.gateway.sn;
      if (published.get(sn) === lastSlot || t < lastSlot + (offsets.get(sn) ?? 0)) continue;
      published.set(sn, lastSlot);
      if (sim.gateway.silentForDays || inGap(gatewaySeed(sn), lastSlot)) continue;
      const lines = sim.gateway.sensors.map((s) => {
        let v: number;
        if (s.medium === 'energy') {
          const last = energy.get(sn) ?? { t: lastSlot - STEP_MS, v: 1000 };
          v =
            Math.round(
              (last.v +
                (powerDraw(sim.profile as DwellingProfile, lastSlot) * (lastSlot - last.t)) /
                  3_600_000 /
                  1000) *
                1000,
            ) / 1000;
          energy.set(sn, { t: lastSlot, v });
        } else v = readingOf(sim, s, lastSlot);
        return `forwarder_data,SN=${sn},channel=${s.channel},device=${s.device},medium=${s.medium} value=${v} ${lastSlot}`;
      });
      client.publish(`ciop/demo/${sn}/ms`, lines.join('\n'), { qos: 1 });
    }
  };
  const timer = setInterval(tick, 2000);
  timer.unref();
  platform.logger.info({ gateways: gateways.length }, 'demo simulator publishing over MQTT');
  return async () => {
    clearInterval(timer);
    await client.endAsync();
  };
}
