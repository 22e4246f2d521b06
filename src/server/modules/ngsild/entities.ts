import type { Charger, Vehicle } from '#common/api/mobility.ts';
import type { Position } from './query.ts';
import type { SensorRow } from './ngsild.store.ts';

/**
 * CIOP's records as NGSI-LD entities of FIWARE Smart Data Models (and the custom type Dwelling):
 * what each type holds, its id (`urn:ngsi-ld:<Type>:<CIOP id>`) and which series stand behind its
 * measured attributes (for the temporal API and subscriptions).
 */

export const ENTITY_TYPES = [
  'Building',
  'Dwelling',
  'Device',
  'DeviceMeasurement',
  'IndoorEnvironmentObserved',
  'WeatherObserved',
  'Vehicle',
  'EVChargingStation',
] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** One instance of an attribute. Times are epoch ms. */
export interface Attribute {
  type: 'Property' | 'GeoProperty' | 'Relationship';
  value?: unknown;
  object?: string | string[];
  observedAt?: number;
  unitCode?: string;
  datasetId?: string;
}

/** A series behind a measured attribute: values are the stored ones × `scale`. */
export interface SeriesSource {
  seriesId: number;
  scale: number;
  unitCode?: string;
  datasetId?: string;
  cumulative: boolean;
}

export interface Entity {
  id: string;
  type: EntityType;
  /** Each attribute's instances (more than one only with datasetIds). */
  attrs: Record<string, Attribute[]>;
  location?: Position;
  series: Record<string, SeriesSource[]>;
  modifiedAt?: number;
}

/** The attributes each type may hold (the answer of /types and /attributes). */
export const TYPE_ATTRIBUTES: Record<EntityType, readonly string[]> = {
  Building: ['name', 'address', 'floorsAboveGround', 'location'],
  Dwelling: ['name', 'floor', 'area', 'refBuilding', 'location'],
  Device: ['serialNumber', 'controlledProperty', 'controlledAsset', 'dateLastValueReported', 'location'],
  DeviceMeasurement: [
    'name',
    'numValue',
    'unit',
    'controlledProperty',
    'refDevice',
    'dateObserved',
    'location',
  ],
  IndoorEnvironmentObserved: [
    'temperature',
    'relativeHumidity',
    'co2',
    'dateObserved',
    'refDevice',
    'refDwelling',
    'location',
  ],
  WeatherObserved: ['name', 'temperature', 'relativeHumidity', 'dateObserved', 'refDevice', 'location'],
  Vehicle: [
    'name',
    'vehicleType',
    'vehiclePlateIdentifier',
    'fleetVehicleId',
    'serviceStatus',
    'batteryLevel',
    'location',
  ],
  EVChargingStation: ['name', 'status', 'capacity', 'socketType', 'location'],
};

/** `urn:ngsi-ld:Building:5` → Building 5; undefined for an id CIOP does not give. */
export function parseEntityId(id: string): { type: EntityType; n: number } | undefined {
  const m = /^urn:ngsi-ld:([A-Za-z]+):([1-9]\d{0,15})$/.exec(id);
  if (!m || !(ENTITY_TYPES as readonly string[]).includes(m[1])) return undefined;
  return { type: m[1] as EntityType, n: Number(m[2]) };
}

export const entityId = (type: EntityType, n: number) => `urn:ngsi-ld:${type}:${n}`;

/** UN/CEFACT common codes (Rec. 20) of CIOP's units. */
const UNIT_CODES: Record<string, string> = {
  '°C': 'CEL',
  '%RH': 'P1',
  '%': 'P1',
  ppm: '59',
  W: 'WTT',
  kW: 'KWT',
  kWh: 'KWH',
  'm²': 'MTK',
  m: 'MTR',
  km: 'KMT',
};
export const unitCodeOf = (unit: string): string | undefined => UNIT_CODES[unit];

/**
 * The media of an environment (indoor or weather) as attributes of the Smart Data Models:
 * relative humidity there is a fraction of 1, where CIOP stores %RH.
 */
const ENVIRONMENT: Record<string, { attr: string; scale: number; unitCode: string }> = {
  temperature: { attr: 'temperature', scale: 1, unitCode: 'CEL' },
  humidity: { attr: 'relativeHumidity', scale: 0.01, unitCode: 'C62' },
  co2: { attr: 'co2', scale: 1, unitCode: '59' },
};

const point = (lat: number | null, lon: number | null): Position | undefined =>
  lat !== null && lon !== null ? [lon, lat] : undefined;

const prop = (value: unknown, extra: Partial<Attribute> = {}): Attribute[] => [
  { type: 'Property', value, ...extra },
];
const rel = (object: string | string[]): Attribute[] => [{ type: 'Relationship', object }];
const iso = (t: number) => new Date(t).toISOString();

/** The latest reading of a series, epoch ms and value. */
export type Latest = Map<number, { t: number; v: number }>;

function withLocation(entity: Omit<Entity, 'attrs'> & { attrs: Record<string, Attribute[]> }): Entity {
  if (entity.location)
    entity.attrs.location = [{ type: 'GeoProperty', value: { type: 'Point', coordinates: entity.location } }];
  return entity;
}

export function buildingEntity(b: {
  id: number;
  code: string;
  address: string;
  latitude: number;
  longitude: number;
  floors: number | null;
  city: string;
  district: string;
  updated_at: number;
}): Entity {
  return withLocation({
    id: entityId('Building', b.id),
    type: 'Building',
    attrs: {
      name: prop(b.code),
      address: prop({ streetAddress: b.address, addressLocality: b.city, district: b.district }),
      ...(b.floors !== null ? { floorsAboveGround: prop(b.floors) } : {}),
    },
    location: point(b.latitude, b.longitude),
    series: {},
    modifiedAt: b.updated_at,
  });
}

export function dwellingEntity(d: {
  id: number;
  label: string;
  floor: number | null;
  area_m2: number | null;
  building_id: number;
  latitude: number;
  longitude: number;
  updated_at: number;
}): Entity {
  return withLocation({
    id: entityId('Dwelling', d.id),
    type: 'Dwelling',
    attrs: {
      name: prop(d.label),
      ...(d.floor !== null ? { floor: prop(d.floor) } : {}),
      ...(d.area_m2 !== null ? { area: prop(d.area_m2, { unitCode: 'MTK' }) } : {}),
      refBuilding: rel(entityId('Building', d.building_id)),
    },
    location: point(d.latitude, d.longitude),
    series: {},
    modifiedAt: d.updated_at,
  });
}

const sensorPoint = (s: {
  latitude: number | null;
  longitude: number | null;
  station_latitude: number | null;
  station_longitude: number | null;
}) => point(s.latitude, s.longitude) ?? point(s.station_latitude, s.station_longitude);

export function deviceEntity(
  g: {
    id: number;
    sn: string;
    dwelling_id: number | null;
    station_id: number | null;
    latitude: number | null;
    longitude: number | null;
    station_latitude: number | null;
    station_longitude: number | null;
    updated_at: number;
  },
  sensors: SensorRow[],
  latest: Latest,
): Entity {
  const last = Math.max(...sensors.map((s) => latest.get(s.series_id)?.t ?? -Infinity));
  const asset =
    g.dwelling_id !== null
      ? entityId('Dwelling', g.dwelling_id)
      : g.station_id !== null
        ? entityId('WeatherObserved', g.station_id)
        : undefined;
  return withLocation({
    id: entityId('Device', g.id),
    type: 'Device',
    attrs: {
      serialNumber: prop(g.sn),
      controlledProperty: prop([...new Set(sensors.map((s) => s.medium))].sort()),
      ...(asset ? { controlledAsset: rel(asset) } : {}),
      ...(Number.isFinite(last) ? { dateLastValueReported: prop(iso(last)) } : {}),
    },
    location: sensorPoint(g),
    series: {},
    modifiedAt: g.updated_at,
  });
}

export function measurementEntity(s: SensorRow, latest: Latest): Entity {
  const reading = latest.get(s.series_id);
  const unitCode = unitCodeOf(s.unit);
  return withLocation({
    id: entityId('DeviceMeasurement', s.id),
    type: 'DeviceMeasurement',
    attrs: {
      name: prop(s.label || `${s.medium} of device ${s.gateway_id}`),
      ...(reading
        ? {
            numValue: prop(reading.v, { observedAt: reading.t, ...(unitCode ? { unitCode } : {}) }),
            dateObserved: prop(iso(reading.t)),
          }
        : {}),
      ...(unitCode ? { unit: prop(unitCode) } : {}),
      controlledProperty: prop(s.medium),
      refDevice: rel(entityId('Device', s.gateway_id)),
    },
    location: sensorPoint(s),
    series: {
      numValue: [{ seriesId: s.series_id, scale: 1, unitCode, cumulative: s.cumulative === 1 }],
    },
  });
}

/**
 * The environment attributes of sensors (temperature, relativeHumidity, co2); where a medium has
 * several sensors, each is an instance whose datasetId is its DeviceMeasurement.
 */
function environment(sensors: SensorRow[], latest: Latest) {
  const attrs: Record<string, Attribute[]> = {};
  const series: Record<string, SeriesSource[]> = {};
  let observed = -Infinity;
  for (const s of sensors) {
    const media = ENVIRONMENT[s.medium];
    if (!media) continue;
    const several = sensors.filter((x) => x.medium === s.medium).length > 1;
    const datasetId = several ? entityId('DeviceMeasurement', s.id) : undefined;
    const source = { seriesId: s.series_id, scale: media.scale, unitCode: media.unitCode, cumulative: false };
    (series[media.attr] ??= []).push(datasetId ? { ...source, datasetId } : source);
    const reading = latest.get(s.series_id);
    if (!reading) continue;
    observed = Math.max(observed, reading.t);
    (attrs[media.attr] ??= []).push({
      type: 'Property',
      value: reading.v * media.scale,
      observedAt: reading.t,
      unitCode: media.unitCode,
      ...(datasetId ? { datasetId } : {}),
    });
  }
  if (Number.isFinite(observed)) attrs.dateObserved = prop(iso(observed));
  const devices = [...new Set(sensors.map((s) => s.gateway_id))].map((g) => entityId('Device', g));
  if (devices.length > 0) attrs.refDevice = rel(devices.length === 1 ? devices[0] : devices);
  return { attrs, series };
}

export function indoorEntity(
  d: { id: number; latitude: number; longitude: number },
  sensors: SensorRow[],
  latest: Latest,
): Entity {
  const { attrs, series } = environment(sensors, latest);
  return withLocation({
    id: entityId('IndoorEnvironmentObserved', d.id),
    type: 'IndoorEnvironmentObserved',
    attrs: { ...attrs, refDwelling: rel(entityId('Dwelling', d.id)) },
    location: point(d.latitude, d.longitude),
    series,
  });
}

export function weatherEntity(
  w: { id: number; name: string; latitude: number | null; longitude: number | null },
  sensors: SensorRow[],
  latest: Latest,
): Entity {
  const { attrs, series } = environment(sensors, latest);
  return withLocation({
    id: entityId('WeatherObserved', w.id),
    type: 'WeatherObserved',
    attrs: { name: prop(w.name), ...attrs },
    location: point(w.latitude, w.longitude),
    series,
  });
}

/** SDM Vehicle serviceStatus from CIOP's state of a bus. */
const SERVICE_STATUS: Record<string, string> = {
  running: 'onRoute',
  charging: 'parked',
  idle: 'parked',
  unknown: 'outOfService',
};

export function vehicleEntity(v: Vehicle): Entity {
  return withLocation({
    id: entityId('Vehicle', v.id),
    type: 'Vehicle',
    attrs: {
      name: prop(v.model),
      vehicleType: prop('bus'),
      vehiclePlateIdentifier: prop(v.plate),
      fleetVehicleId: prop(v.code),
      serviceStatus: prop(SERVICE_STATUS[v.state] ?? 'outOfService'),
      ...(v.socPct !== null ? { batteryLevel: prop(v.socPct / 100) } : {}),
    },
    location: v.position ? [v.position.longitude, v.position.latitude] : undefined,
    series: {},
  });
}

/** SDM EVChargingStation status from the OCPP ChargePointStatus. */
function stationStatus(ocpp: string): string {
  if (ocpp === 'Faulted') return 'withIncidence';
  if (ocpp === 'Unavailable') return 'outOfService';
  return 'working';
}

export function chargerEntity(c: Charger): Entity {
  return withLocation({
    id: entityId('EVChargingStation', c.id),
    type: 'EVChargingStation',
    attrs: {
      name: prop(c.name),
      status: prop([stationStatus(c.status)], { observedAt: c.statusAt }),
      capacity: prop(1),
      socketType: prop([c.kind]),
    },
    location: point(c.latitude, c.longitude),
    series: {},
    modifiedAt: c.updatedAt,
  });
}

/** The values of an attribute's instances, for `q`: a Relationship's object, a Property's value. */
export function valuesOf(entity: Entity, attr: string): unknown[] {
  if (attr === 'id') return [entity.id];
  if (attr === 'type') return [entity.type];
  return (entity.attrs[attr] ?? []).map((a) => (a.type === 'Relationship' ? a.object : a.value));
}
