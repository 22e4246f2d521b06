import type { Platform } from '../platform.ts';
import { ensureGateway } from '../places/places.store.ts';
import { forwarderKey } from '../timeseries/series-key.ts';
import { MIN_TIME } from '../timeseries/timeseries-io.ts';
import { createBatch } from '../timeseries/write-batch.ts';
import { insertBuilding } from '../modules/registry/buildings.store.ts';
import { insertDistrict } from '../modules/registry/districts.store.ts';
import { insertDwelling } from '../modules/registry/dwellings.store.ts';
import { assignGateway } from '../modules/registry/gateways.store.ts';

/**
 * A building made to order for the tests and the benchmark of the dashboards: its registry, one
 * gateway a dwelling, and readings written straight into the time-series engine from functions
 * of time (the same path the demo's history takes).
 */

export type SyntheticMedium = 'temperature' | 'humidity' | 'co2' | 'power' | 'energy';

export interface SyntheticDwelling {
  label: string;
  floor: number;
  areaM2: number;
  /** Reading of each medium at `t` (epoch ms); a medium left out has no sensor. */
  signals: Partial<Record<SyntheticMedium, (t: number) => number>>;
}

export interface SyntheticBuilding {
  code: string;
  /** A district made for it, unless given. */
  districtId?: number;
  features?: Record<string, string | number>;
  areaM2?: number;
  dwellings: SyntheticDwelling[];
  /** Readings every `stepMs` within [from, to). */
  from: number;
  to: number;
  stepMs: number;
}

const CHANNEL: Record<SyntheticMedium, { channel: string; device: string }> = {
  temperature: { channel: '1', device: '1' },
  humidity: { channel: '1', device: '1' },
  co2: { channel: '1', device: '2' },
  power: { channel: '2', device: '1' },
  energy: { channel: '2', device: '1' },
};

let serial = 0;

/** A serial number no other synthetic gateway of this process has. */
const nextSerial = (code: string) =>
  `5E${(Date.now() % 0xffffff).toString(16).padStart(6, '0')}${(++serial).toString(16).padStart(4, '0')}${code.length.toString(16).padStart(4, '0')}`
    .toUpperCase()
    .slice(0, 16);

export async function seedSyntheticBuilding(
  platform: Platform,
  spec: SyntheticBuilding,
): Promise<{ districtId: number; buildingId: number; dwellingIds: number[]; gateways: string[] }> {
  const db = platform.db;
  const now = Date.now();
  const districtId =
    spec.districtId ??
    (await insertDistrict(
      db,
      {
        code: `D-${spec.code}`,
        name: `District ${spec.code}`,
        city: 'Vitoria-Gasteiz',
        latitude: 42.85,
        longitude: -2.67,
      },
      now,
    ));
  const buildingId = await insertBuilding(
    db,
    {
      district_id: districtId,
      code: spec.code,
      address: `Synthetic street ${spec.code}`,
      latitude: 42.852,
      longitude: -2.675,
      carrier1: 'natural_gas',
      area1_m2: spec.areaM2 ?? spec.dwellings.reduce((s, d) => s + d.areaM2, 0),
      carrier2: null,
      area2_m2: null,
      floors: Math.max(...spec.dwellings.map((d) => d.floor)),
      features: spec.features ?? {},
    },
    now,
  );
  const dwellingIds: number[] = [];
  const gateways: string[] = [];
  for (const d of spec.dwellings) {
    const dwellingId = await insertDwelling(
      db,
      { building_id: buildingId, label: d.label, floor: d.floor, area_m2: d.areaM2 },
      now,
    );
    dwellingIds.push(dwellingId);
    const sn = nextSerial(spec.code);
    gateways.push(sn);
    const gatewayId = await ensureGateway(db, sn, now);
    await assignGateway(db, gatewayId, dwellingId, MIN_TIME, now);
    const media = Object.keys(d.signals) as SyntheticMedium[];
    const requests = media.map((medium) => ({
      key: forwarderKey(sn, CHANNEL[medium].channel, CHANNEL[medium].device, medium),
      measurement: 'forwarder_data',
      tags: [
        ['SN', sn],
        ['channel', CHANNEL[medium].channel],
        ['device', CHANNEL[medium].device],
        ['medium', medium],
      ] as [string, string][],
      field: 'value',
      valueType: 'number' as const,
    }));
    await platform.catalog.resolve(requests, now);
    const slots = Math.ceil((spec.to - spec.from) / spec.stepMs);
    // A month at a time keeps each write batch bounded.
    const chunk = Math.max(1, Math.floor((31 * 86_400_000) / spec.stepMs));
    for (const [i, medium] of media.entries()) {
      const info = platform.catalog.get(requests[i].key);
      if (!info) throw new Error(`series ${requests[i].key} was not made`);
      const signal = d.signals[medium]!;
      for (let first = 0; first < slots; first += chunk) {
        const n = Math.min(chunk, slots - first);
        const batch = createBatch(n);
        for (let k = 0; k < n; k++) {
          const t = spec.from + (first + k) * spec.stepMs;
          batch.seriesIds[k] = info.id;
          batch.times[k] = t;
          batch.values[k] = signal(t);
        }
        await platform.engine.write(batch);
      }
    }
  }
  await platform.engine.flush();
  return { districtId, buildingId, dwellingIds, gateways };
}
