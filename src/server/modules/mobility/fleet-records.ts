import { CHARGER_STATUSES, type ChargerStatus } from '#common/api/mobility.ts';

/**
 * The fleet platform's records, as its vehicle module (trips) and its charger module (chargers,
 * charges) name their fields, and how CIOP reads them. A record with a missing or impossible
 * field is kept out with the field and the reason; the rest of its batch is stored.
 *
 * Units as the platform gives them: km, s (or `HH:MM:SS`), km/h, kWh, kWh/km, °C, kg CO2, kW, %.
 * Instants are ISO 8601 with an offset, or epoch milliseconds. Decimals may use a comma.
 */

/** The platform's field names (left) for what CIOP keeps (right): the one place to change when they do. */
export const TRIP_FIELDS = {
  vehicle: 'vehicle',
  date: 'date',
  distance: 'distance',
  duration: 'duration',
  averageSpeed: 'average_speed',
  consumption: 'consumption',
  kwhPerKm: 'kwh_km',
  regeneration: 'regeneration',
  auxiliary: 'auxiliary_consumption',
  traction: 'traction_consumption',
  insideTemperature: 'inside_temperature',
  outsideTemperature: 'outside_temperature',
  dieselCo2: 'diesel_co2',
  electricCo2: 'electric_co2',
  line: 'line',
  direction: 'direction',
} as const;

export const CHARGER_FIELDS = {
  code: 'code',
  type: 'type',
  power: 'power',
  position: 'position',
  status: 'status',
  vehicle: 'vehicle',
  soc: 'soc',
  lastUpdate: 'last_update',
  kind: 'kind',
} as const;

export const CHARGE_FIELDS = {
  number: 'number',
  charger: 'charger',
  vehicle: 'vehicle',
  start: 'start',
  end: 'end',
  duration: 'duration',
  energy: 'energy',
  averageDuration: 'average_duration',
} as const;

export type RawRecord = Record<string, unknown>;

/** Why a record was kept out. */
export class RecordProblem extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

const present = (v: unknown) => v !== undefined && v !== null && v !== '';

function numberOf(r: RawRecord, field: string, required: boolean): number | null {
  const v = r[field];
  if (!present(v)) {
    if (required) throw new RecordProblem(field, 'missing');
    return null;
  }
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v.trim().replace(',', '.')) : NaN;
  if (!Number.isFinite(n)) throw new RecordProblem(field, `not a number: ${JSON.stringify(v)}`);
  return n;
}

function requiredNumber(r: RawRecord, field: string): number {
  return numberOf(r, field, true) as number;
}

function nonNegative(field: string, n: number | null): number | null {
  if (n !== null && n < 0) throw new RecordProblem(field, `negative (${n})`);
  return n;
}

function textOf(r: RawRecord, field: string, required: boolean): string | null {
  const v = r[field];
  if (!present(v)) {
    if (required) throw new RecordProblem(field, 'missing');
    return null;
  }
  if (typeof v !== 'string' && typeof v !== 'number') throw new RecordProblem(field, 'not a text');
  const s = String(v).trim();
  if (s.length > 64) throw new RecordProblem(field, 'longer than 64 characters');
  return s;
}

/** An instant: ISO 8601 (an offset or Z, else taken as UTC) or epoch ms. */
function instantOf(r: RawRecord, field: string, required: boolean): number | null {
  const v = r[field];
  if (!present(v)) {
    if (required) throw new RecordProblem(field, 'missing');
    return null;
  }
  const t = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  // Years 2000 to 2200: a clock reset or a time in seconds is not a trip's time.
  if (!Number.isFinite(t) || t < 946_684_800_000 || t > 7_258_118_400_000)
    throw new RecordProblem(field, `not a date: ${JSON.stringify(v)}`);
  return t;
}

/** A duration in seconds, or `HH:MM:SS`. */
function secondsOf(r: RawRecord, field: string, required: boolean): number | null {
  const v = r[field];
  if (typeof v === 'string' && /^\d{1,3}:\d{2}(:\d{2})?$/.test(v.trim())) {
    const [h, m, s = 0] = v.trim().split(':').map(Number);
    return h * 3600 + m * 60 + s;
  }
  return nonNegative(field, numberOf(r, field, required));
}

export interface TripRecord {
  externalId: string;
  vehicle: string;
  line: string | null;
  direction: number | null;
  startAt: number;
  endAt: number;
  distanceKm: number;
  durationS: number;
  avgSpeedKmh: number | null;
  consumptionKwh: number;
  kwhPerKm: number | null;
  regeneratedKwh: number | null;
  auxiliaryKwh: number | null;
  tractionKwh: number | null;
  insideTempC: number | null;
  outsideTempC: number | null;
  dieselCo2Kg: number | null;
  electricCo2Kg: number | null;
}

const temperature = (r: RawRecord, field: string) => {
  const t = numberOf(r, field, false);
  if (t !== null && (t < -60 || t > 70))
    throw new RecordProblem(field, `not a plausible temperature (${t} °C)`);
  return t;
};

/** A trip of the vehicle module; its key is the vehicle and its start (the platform gives no number). */
export function readTrip(r: RawRecord): TripRecord {
  const F = TRIP_FIELDS;
  const vehicle = textOf(r, F.vehicle, true) as string;
  const startAt = instantOf(r, F.date, true) as number;
  const distanceKm = nonNegative(F.distance, requiredNumber(r, F.distance)) as number;
  if (distanceKm > 2000)
    throw new RecordProblem(F.distance, `more than 2,000 km in one trip (${distanceKm})`);
  const durationS = secondsOf(r, F.duration, true) as number;
  if (durationS <= 0) throw new RecordProblem(F.duration, 'not after the start');
  if (durationS > 86_400) throw new RecordProblem(F.duration, `longer than a day (${durationS} s)`);
  const consumptionKwh = requiredNumber(r, F.consumption);
  const direction = numberOf(r, F.direction, false);
  if (direction !== null && direction !== 0 && direction !== 1)
    throw new RecordProblem(F.direction, 'neither 0 nor 1');
  return {
    externalId: `${vehicle}@${new Date(startAt).toISOString()}`,
    vehicle,
    line: textOf(r, F.line, false),
    direction,
    startAt,
    endAt: startAt + durationS * 1000,
    distanceKm,
    durationS: Math.round(durationS),
    avgSpeedKmh: nonNegative(F.averageSpeed, numberOf(r, F.averageSpeed, false)),
    consumptionKwh,
    kwhPerKm: numberOf(r, F.kwhPerKm, false) ?? (distanceKm > 0 ? consumptionKwh / distanceKm : null),
    regeneratedKwh: nonNegative(F.regeneration, numberOf(r, F.regeneration, false)),
    auxiliaryKwh: nonNegative(F.auxiliary, numberOf(r, F.auxiliary, false)),
    tractionKwh: numberOf(r, F.traction, false),
    insideTempC: temperature(r, F.insideTemperature),
    outsideTempC: temperature(r, F.outsideTemperature),
    dieselCo2Kg: nonNegative(F.dieselCo2, numberOf(r, F.dieselCo2, false)),
    electricCo2Kg: nonNegative(F.electricCo2, numberOf(r, F.electricCo2, false)),
  };
}

export interface ChargerRecord {
  code: string;
  current: 'AC' | 'DC';
  kind: string;
  powerKw: number;
  latitude: number | null;
  longitude: number | null;
  status: ChargerStatus;
  vehicle: string | null;
  socPct: number | null;
  updatedAt: number;
}

const STATUS_BY_LOWER = new Map<string, ChargerStatus>(CHARGER_STATUSES.map((s) => [s.toLowerCase(), s]));

/** A charger of the charger module, with its current status. */
export function readCharger(r: RawRecord): ChargerRecord {
  const F = CHARGER_FIELDS;
  const code = textOf(r, F.code, true) as string;
  const type = (textOf(r, F.type, true) as string).toUpperCase();
  if (type !== 'AC' && type !== 'DC') throw new RecordProblem(F.type, `neither AC nor DC: ${type}`);
  const powerKw = requiredNumber(r, F.power);
  if (powerKw <= 0 || powerKw > 2000)
    throw new RecordProblem(F.power, `not a charger's power (${powerKw} kW)`);
  const statusText = textOf(r, F.status, true) as string;
  const status = STATUS_BY_LOWER.get(statusText.toLowerCase());
  if (!status)
    throw new RecordProblem(F.status, `not an OCPP status (${CHARGER_STATUSES.join(', ')}): ${statusText}`);
  const socPct = numberOf(r, F.soc, false);
  if (socPct !== null && (socPct < 0 || socPct > 100))
    throw new RecordProblem(F.soc, `a state of charge is 0 to 100 % (${socPct})`);
  let latitude: number | null = null;
  let longitude: number | null = null;
  const position = r[F.position];
  if (present(position)) {
    const pair =
      typeof position === 'string'
        ? position.split(/[,; ]+/).map(Number)
        : Array.isArray(position)
          ? position.map(Number)
          : typeof position === 'object'
            ? [Number((position as RawRecord).lat), Number((position as RawRecord).lon)]
            : [];
    if (
      pair.length !== 2 ||
      !pair.every(Number.isFinite) ||
      Math.abs(pair[0]) > 90 ||
      Math.abs(pair[1]) > 180
    )
      throw new RecordProblem(F.position, `not "latitude,longitude": ${JSON.stringify(position)}`);
    [latitude, longitude] = pair;
  }
  return {
    code,
    current: type,
    kind: textOf(r, F.kind, false) ?? (type === 'DC' && powerKw >= 300 ? 'pantograph' : 'depot'),
    powerKw,
    latitude,
    longitude,
    status,
    vehicle: textOf(r, F.vehicle, false),
    socPct,
    updatedAt: instantOf(r, F.lastUpdate, true) as number,
  };
}

export interface ChargeRecord {
  number: string;
  charger: string;
  vehicle: string | null;
  startAt: number;
  endAt: number | null;
  durationS: number | null;
  energyKwh: number | null;
}

/** A charge of the charger module. Its average duration is the charger's, recomputed by CIOP. */
export function readCharge(r: RawRecord): ChargeRecord {
  const F = CHARGE_FIELDS;
  const startAt = instantOf(r, F.start, true) as number;
  const endAt = instantOf(r, F.end, false);
  if (endAt !== null && endAt < startAt) throw new RecordProblem(F.end, 'before the start');
  let durationS = secondsOf(r, F.duration, false);
  if (durationS === null && endAt !== null) durationS = (endAt - startAt) / 1000;
  if (durationS !== null && durationS > 7 * 86_400)
    throw new RecordProblem(F.duration, `longer than a week (${durationS} s)`);
  const energyKwh = nonNegative(F.energy, numberOf(r, F.energy, endAt !== null));
  return {
    number: textOf(r, F.number, true) as string,
    charger: textOf(r, F.charger, true) as string,
    vehicle: textOf(r, F.vehicle, false),
    startAt,
    endAt,
    durationS: durationS === null ? null : Math.round(durationS),
    energyKwh,
  };
}

/** A record's key at its source, for the report of what was kept out. */
export function recordKey(feed: string, r: RawRecord): string {
  const pick = (f: string) => (typeof r[f] === 'string' || typeof r[f] === 'number' ? String(r[f]) : '?');
  if (feed === 'trips') return `${pick(TRIP_FIELDS.vehicle)}@${pick(TRIP_FIELDS.date)}`;
  if (feed === 'chargers') return pick(CHARGER_FIELDS.code);
  return `${pick(CHARGE_FIELDS.charger)}#${pick(CHARGE_FIELDS.number)}`;
}
