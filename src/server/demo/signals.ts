import { HOUR_MS, DAY_MS } from '#common/time.ts';
/**
 * Deterministic synthetic signals of the demo district: every value is a function of a seed
 * and the time, so the same instant always gives the same reading, in the history and live.
 * Shapes follow Vitoria-Gasteiz: cold winters (about 4 °C in January), mild summers (about
 * 20 °C in July), a daily swing, and weather fronts lasting a few days.
 */

/** A well-mixed 32-bit hash of two integers, as a number in [0, 1). */
export function hash01(seed: number, k: number): number {
  let h =
    Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^
    Math.imul(k | 0, 0xc2b2ae35) ^
    Math.imul(Math.floor(k / 4294967296), 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** Smooth noise in [-1, 1]: cosine interpolation between hashed knots `period` ms apart. */
export function smoothNoise(seed: number, t: number, period: number): number {
  const x = t / period;
  const k = Math.floor(x);
  const f = (1 - Math.cos((x - k) * Math.PI)) / 2;
  return (hash01(seed, k) * (1 - f) + hash01(seed, k + 1) * f) * 2 - 1;
}

/** Local hour of day (Europe/Madrid, approximated as UTC+1 in winter, UTC+2 in summer). */
export function localHour(t: number): number {
  const d = new Date(t);
  const month = d.getUTCMonth();
  const offset = month >= 3 && month <= 9 ? 2 : 1;
  return (d.getUTCHours() + offset + d.getUTCMinutes() / 60) % 24;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Outdoor air temperature, °C. */
export function outdoorTemperature(t: number): number {
  const doy = ((t / DAY_MS) % 365.25) - 20;
  const seasonal = 12.5 - 8.5 * Math.cos((2 * Math.PI * doy) / 365.25);
  const daily = -Math.cos((2 * Math.PI * (localHour(t) - 4)) / 24) * 4.5;
  const fronts = smoothNoise(11, t, 3 * DAY_MS) * 4 + smoothNoise(12, t, 0.8 * DAY_MS) * 1.5;
  return round(seasonal + daily + fronts + smoothNoise(13, t, HOUR_MS) * 0.3, 1);
}

/** Daily mean outdoor temperature around `t` (without the daily swing), °C. */
export function outdoorDailyMean(t: number): number {
  const doy = ((t / DAY_MS) % 365.25) - 20;
  return 12.5 - 8.5 * Math.cos((2 * Math.PI * doy) / 365.25) + smoothNoise(11, t, 3 * DAY_MS) * 4;
}

/** Outdoor relative humidity, %RH. */
export function outdoorHumidity(t: number): number {
  const rh = 78 - 2.2 * (outdoorTemperature(t) - outdoorDailyMean(t)) + smoothNoise(21, t, 2 * DAY_MS) * 12;
  return round(Math.min(100, Math.max(25, rh)), 0);
}

/** What makes one dwelling's readings its own. */
export interface DwellingProfile {
  seed: number;
  /** Heating setpoint, °C. */
  setpoint: number;
  /** How much the indoor temperature follows the outdoor one (0 well insulated … 0.3 poorly). */
  leakiness: number;
  /** Leakiness after the building's retrofit, from `retrofitAt` (epoch ms) on. */
  retrofitLeakiness?: number;
  retrofitAt?: number;
  /** Extra humidity from the household's habits, %RH. */
  humidityBias: number;
  /** Household size, scales CO2 and power. */
  occupants: number;
  /** Base electric load, W. */
  baseLoad: number;
  /** A CO2 sensor stuck at this value, ppm (the ESCO dashboards' anomaly demo). */
  stuckCo2?: number;
}

function leakinessAt(p: DwellingProfile, t: number): number {
  return p.retrofitAt !== undefined && t >= p.retrofitAt && p.retrofitLeakiness !== undefined
    ? p.retrofitLeakiness
    : p.leakiness;
}

/** Whether the household is home, 0–1, by local hour. */
function presence(p: DwellingProfile, t: number): number {
  const h = localHour(t);
  const weekday = new Date(t).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  if (h < 7.5 || h >= 21) return 1;
  if (weekend) return 0.75 + smoothNoise(p.seed + 5, t, 3 * HOUR_MS) * 0.25;
  if (h < 9) return 0.8;
  if (h < 14) return 0.25;
  if (h < 16) return 0.6;
  if (h < 18) return 0.35;
  return 0.9;
}

/** Indoor air temperature, °C; `room` offsets a second sensor (a cooler bedroom). */
export function indoorTemperature(p: DwellingProfile, t: number, room = 0): number {
  const out = outdoorTemperature(t);
  const mean = outdoorDailyMean(t);
  const leak = leakinessAt(p, t);
  const h = localHour(t);
  let v: number;
  if (mean < 15) {
    const setback = h < 6.5 ? 1.4 : h >= 23 ? 0.7 : 0;
    v = p.setpoint - setback - leak * (p.setpoint - out) * 0.35;
  } else {
    v = 22.5 + (0.25 + leak) * (mean - 18) + Math.sin((2 * Math.PI * (h - 10)) / 24) * (0.6 + leak * 3);
  }
  v += smoothNoise(p.seed, t, 2 * HOUR_MS) * 0.35 - room;
  return round(v, 1);
}

/** Indoor relative humidity, %RH: showers in the morning, cooking at midday and at night. */
export function indoorHumidity(p: DwellingProfile, t: number, room = 0): number {
  const h = localHour(t);
  const peaks = (h >= 7 && h < 8.5 ? 9 : 0) + (h >= 13.5 && h < 15 ? 6 : 0) + (h >= 20.5 && h < 22 ? 7 : 0);
  const v =
    46 +
    (outdoorHumidity(t) - 75) * 0.25 +
    p.humidityBias +
    peaks +
    smoothNoise(p.seed + 1, t, 3 * HOUR_MS) * 4 +
    room * 2;
  return round(Math.min(95, Math.max(20, v)), 1);
}

/** Indoor CO2 concentration, ppm: builds up while people are home, above all at night. */
export function indoorCo2(p: DwellingProfile, t: number): number {
  if (p.stuckCo2 !== undefined) return p.stuckCo2;
  const h = localHour(t);
  const night = h < 7.5 || h >= 23 ? 1 : 0;
  const v =
    430 + presence(p, t) * p.occupants * (150 + night * 160) + smoothNoise(p.seed + 2, t, HOUR_MS) * 60;
  return Math.round(Math.max(400, v));
}

/** The most `powerDraw` can reach for a household, W: everyone home cooking while an appliance runs. */
export function peakDraw(p: DwellingProfile): number {
  return Math.round(p.baseLoad + 1600 * (0.6 + p.occupants * 0.15) + 1800 + 40);
}

/** Electric power drawn by the dwelling, W. */
export function powerDraw(p: DwellingProfile, t: number): number {
  const h = localHour(t);
  const cooking = h >= 13 && h < 14.5 ? 1600 : h >= 20.5 && h < 21.5 ? 1200 : 0;
  const morning = h >= 7 && h < 8.5 ? 700 : 0;
  const evening = h >= 18 && h < 23.5 ? 350 : 0;
  const appliance = hash01(p.seed + 3, Math.floor(t / (20 * 60_000))) > 0.93 ? 1800 : 0;
  const v =
    p.baseLoad +
    presence(p, t) * (cooking + morning + evening) * (0.6 + p.occupants * 0.15) +
    appliance +
    smoothNoise(p.seed + 4, t, HOUR_MS) * 40;
  return Math.round(Math.max(40, v));
}
