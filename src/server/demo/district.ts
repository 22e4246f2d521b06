import { type DwellingProfile, hash01, peakDraw } from './signals.ts';

/**
 * The layout of the demo district: Coronación, Vitoria-Gasteiz. Deterministic: the same
 * buildings, dwellings, gateways and sensors every time.
 */

export const DEMO_DISTRICT = {
  code: 'VG-CORONACION',
  name: 'Coronación',
  city: 'Vitoria-Gasteiz',
  latitude: 42.852,
  longitude: -2.675,
};

const STREETS = [
  { name: 'Calle Eulogio Serdán', lat: 42.8531, lon: -2.6772, dLat: 0.00018, dLon: 0.00034 },
  { name: 'Calle Aldabe', lat: 42.8512, lon: -2.6781, dLat: 0.00026, dLon: 0.00012 },
  { name: 'Calle Coronación de la Virgen Blanca', lat: 42.8524, lon: -2.6748, dLat: -0.00015, dLon: 0.0003 },
  { name: 'Calle Domingo Beltrán', lat: 42.8541, lon: -2.6736, dLat: 0.0001, dLon: -0.00032 },
  { name: 'Calle Gorbea', lat: 42.8502, lon: -2.6722, dLat: 0.00022, dLon: 0.0002 },
];

export interface DemoSensor {
  channel: string;
  device: string;
  medium: 'temperature' | 'humidity' | 'co2' | 'power' | 'energy';
  /** 0 for the main room; 1 for a second, cooler room. */
  room: number;
}

export interface DemoGateway {
  sn: string;
  sensors: DemoSensor[];
  /** Stops reporting this many days before now (the silent gateway). */
  silentForDays?: number;
  /** Registered but never switched on. */
  neverReported?: boolean;
  /** Its meter was replaced this many days before now (the counter restarts at zero). */
  meterReplacedDaysAgo?: number;
}

export interface DemoDwelling {
  label: string;
  floor: number;
  areaM2: number;
  /** The power its supply contract allows, W. */
  contractedPowerW: number;
  profile: DwellingProfile;
  gateway?: DemoGateway;
}

export interface DemoBuilding {
  code: string;
  address: string;
  latitude: number;
  longitude: number;
  floors: number;
  carrier1: string;
  area1: number;
  carrier2: string | null;
  area2: number | null;
  features: Record<string, string | number>;
  /** Retrofit finished this many days before now, if at all. */
  retrofitDaysAgo?: number;
  dwellings: DemoDwelling[];
}

/** Powers commonly contracted by Spanish homes, W (230 V × 15, 20, 25, 30 A). */
const CONTRACTED_POWERS_W = [3_450, 4_600, 5_750, 6_900];

/**
 * The contracted power of a demo home: the smallest common one its household's peak draw fits
 * under, one step more for a quarter of the homes (contracts are often larger than needed).
 */
function contractedPowerOf(p: DwellingProfile): number {
  const fits = CONTRACTED_POWERS_W.findIndex((w) => w >= peakDraw(p));
  const step = fits + (hash01(p.seed, 8) < 0.25 ? 1 : 0);
  return CONTRACTED_POWERS_W[Math.min(step, CONTRACTED_POWERS_W.length - 1)];
}

const ORIENTATIONS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'];

/** A gateway serial number: 16 upper-case hexadecimal characters. */
export function serialNumber(seed: number): string {
  const a = Math.floor(hash01(seed, 1) * 2 ** 32);
  const b = Math.floor(hash01(seed, 2) * 2 ** 32);
  return (a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0')).toUpperCase();
}

function sensorsFor(seed: number): DemoSensor[] {
  const sensors: DemoSensor[] = [
    { channel: '1', device: '1', medium: 'temperature', room: 0 },
    { channel: '1', device: '1', medium: 'humidity', room: 0 },
    { channel: '1', device: '2', medium: 'co2', room: 0 },
    { channel: '2', device: '1', medium: 'power', room: 0 },
    { channel: '2', device: '1', medium: 'energy', room: 0 },
  ];
  // One home in three has a second room sensor.
  if (hash01(seed, 7) < 0.33) {
    sensors.push(
      { channel: '3', device: '1', medium: 'temperature', room: 1 },
      { channel: '3', device: '1', medium: 'humidity', room: 1 },
    );
  }
  return sensors;
}

/** The demo district: 27 buildings, about 300 dwellings, about 100 of them monitored. */
export function demoBuildings(): DemoBuilding[] {
  const buildings: DemoBuilding[] = [];
  let monitored = 0;
  for (let i = 0; i < 27; i++) {
    const street = STREETS[i % STREETS.length];
    const k = Math.floor(i / STREETS.length);
    const number = 3 + k * 4 + (i % 2) * 2;
    const floors = 4 + Math.floor(hash01(i, 1) * 5);
    const perFloor = hash01(i, 2) < 0.7 ? 2 : 3;
    const dwellingArea = 60 + Math.round(hash01(i, 3) * 35);
    const heated = floors * perFloor * dwellingArea;
    const gasShare = hash01(i, 4);
    const retrofitDaysAgo = i % 6 === 1 ? 45 + (i % 4) * 5 : undefined;
    const dwellings: DemoDwelling[] = [];
    for (let f = 1; f <= floors; f++) {
      for (let d = 0; d < perFloor; d++) {
        const side = perFloor === 2 ? ['Izq.', 'Dcha.'][d] : ['Izq.', 'Centro', 'Dcha.'][d];
        const seed = i * 1000 + f * 10 + d;
        const profile: DwellingProfile = {
          seed,
          setpoint: 19.5 + hash01(seed, 1) * 3,
          leakiness: 0.08 + hash01(i, 5) * 0.17,
          retrofitLeakiness: retrofitDaysAgo !== undefined ? 0.04 : undefined,
          humidityBias: (hash01(seed, 2) - 0.4) * 14,
          occupants: 1 + Math.floor(hash01(seed, 3) * 4),
          baseLoad: 110 + Math.round(hash01(seed, 4) * 140),
        };
        const dwelling: DemoDwelling = {
          label: `${f} ${side}`,
          floor: f,
          areaM2: dwellingArea + Math.round((hash01(seed, 5) - 0.5) * 10),
          contractedPowerW: contractedPowerOf(profile),
          profile,
        };
        // About a third of the homes take part in the monitoring campaign.
        if (hash01(seed, 6) < 0.34) {
          monitored++;
          dwelling.gateway = { sn: serialNumber(seed), sensors: sensorsFor(seed) };
          if (monitored === 7) dwelling.gateway.silentForDays = 20;
          if (monitored === 13) dwelling.gateway.neverReported = true;
          if (monitored === 21) dwelling.gateway.meterReplacedDaysAgo = 30;
        }
        dwellings.push(dwelling);
      }
    }
    buildings.push({
      code: `59_${473 + i * 7}_${(i % 9) + 1}`,
      address: `${street.name} ${number}, 01005 Vitoria-Gasteiz`,
      latitude: Math.round((street.lat + street.dLat * k + (i % 2) * 0.00008) * 1e6) / 1e6,
      longitude: Math.round((street.lon + street.dLon * k) * 1e6) / 1e6,
      floors,
      carrier1: gasShare < 0.75 ? 'natural_gas' : 'district_heating',
      area1: heated,
      // Some homes heat with electricity (heat pumps, radiators): the secondary carrier's area.
      carrier2: 'electricity',
      area2: Math.round(heated * (0.08 + hash01(i, 11) * 0.17)),
      features: {
        orientation: ORIENTATIONS[Math.floor(hash01(i, 6) * 8)],
        adjacent_blocks: 1 + Math.floor(hash01(i, 7) * 2),
        shadowed_facades: Math.floor(hash01(i, 8) * 3),
        retrofit_status: retrofitDaysAgo !== undefined ? 'done' : i % 6 === 4 ? 'planned' : 'none',
        window_share: 18 + Math.round(hash01(i, 9) * 20),
        year_built: 1955 + Math.floor(hash01(i, 10) * 25),
      },
      retrofitDaysAgo,
      dwellings,
    });
  }
  plantAnomalies(buildings[0]);
  return buildings;
}

/**
 * What the ESCO dashboards' anomaly list shows in the demo, in the first building of the demo
 * ESCO: a cold home (heating set to 15 °C), a damp one and a stuck CO2 sensor. The building's
 * first reporting home (beside them) stays as it was.
 */
function plantAnomalies(building: DemoBuilding): void {
  const reporting = building.dwellings.filter(
    (d) => d.gateway && !d.gateway.neverReported && d.gateway.silentForDays === undefined,
  );
  const [, cold, damp, stuck] = reporting;
  if (cold) cold.profile.setpoint = 15;
  if (damp) damp.profile.humidityBias = 32;
  if (stuck) stuck.profile.stuckCo2 = 655;
}

/** The district weather station's gateway. */
export const WEATHER_GATEWAY: DemoGateway = {
  sn: 'A1B2C3D4E5F60001',
  sensors: [
    { channel: '1', device: '1', medium: 'temperature', room: 0 },
    { channel: '1', device: '1', medium: 'humidity', room: 0 },
  ],
};

/** A gateway that sends data but that nobody has registered yet. */
export const UNREGISTERED_GATEWAY: DemoGateway = {
  sn: 'B00B5CAFE0000042',
  sensors: [
    { channel: '1', device: '1', medium: 'temperature', room: 0 },
    { channel: '1', device: '1', medium: 'humidity', room: 0 },
  ],
};
