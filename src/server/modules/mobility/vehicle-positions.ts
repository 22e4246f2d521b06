import type { SeriesCatalog, SeriesRequest } from '../../timeseries/series-catalog.ts';
import { seriesKey } from '../../timeseries/series-key.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { createBatch, sliceBatch } from '../../timeseries/write-batch.ts';

/** The measurement of vehicle positions: one series per vehicle and field, tagged by plate. */
export const POSITION_MEASUREMENT = 'vehicle_position';
const FIELDS = ['latitude', 'longitude'] as const;

export interface PositionFix {
  plate: string;
  /** Epoch ms. */
  t: number;
  latitude: number;
  longitude: number;
}

const request = (plate: string, field: string): SeriesRequest => {
  const tags = [['plate', plate]] as const;
  return {
    key: seriesKey(POSITION_MEASUREMENT, tags, field),
    measurement: POSITION_MEASUREMENT,
    tags,
    field,
    valueType: 'number',
  };
};

/**
 * Where the buses were: latitude and longitude as two series of the time-series store per
 * vehicle (`vehicle_position,plate=… latitude|longitude`, WGS 84 degrees), so they are written,
 * kept and read as any reading is (and an InfluxDB client or GTFS-Realtime feed writes the same
 * series).
 */
export class VehiclePositions {
  constructor(
    private readonly catalog: SeriesCatalog,
    private readonly engine: TimeSeriesEngine,
  ) {}

  /** Stores fixes durably; a fix of the same vehicle and time replaces the earlier one. */
  async write(fixes: readonly PositionFix[], now: number): Promise<void> {
    if (fixes.length === 0) return;
    const plates = [...new Set(fixes.map((f) => f.plate))];
    await this.catalog.resolve(
      plates.flatMap((p) => FIELDS.map((f) => request(p, f))),
      now,
    );
    const batch = createBatch(fixes.length * 2);
    let n = 0;
    for (const fix of fixes) {
      for (const field of FIELDS) {
        const info = this.catalog.get(request(fix.plate, field).key);
        if (!info) continue;
        batch.seriesIds[n] = info.id;
        batch.times[n] = fix.t;
        batch.values[n] = fix[field];
        n++;
      }
    }
    await this.engine.write(sliceBatch(batch, n));
  }

  private ids(plate: string): [number, number] | undefined {
    const lat = this.catalog.get(request(plate, 'latitude').key);
    const lon = this.catalog.get(request(plate, 'longitude').key);
    return lat && lon ? [lat.id, lon.id] : undefined;
  }

  /** The latest fix of each vehicle that has one. */
  async latest(
    plates: readonly string[],
  ): Promise<Map<string, { at: number; latitude: number; longitude: number }>> {
    const pairs = plates.flatMap((p) => {
      const ids = this.ids(p);
      return ids ? [{ plate: p, ids }] : [];
    });
    const last = await this.engine.latest(pairs.flatMap((p) => p.ids));
    const out = new Map<string, { at: number; latitude: number; longitude: number }>();
    for (const { plate, ids } of pairs) {
      const lat = last.get(ids[0]);
      const lon = last.get(ids[1]);
      if (lat && lon) out.set(plate, { at: Math.min(lat.t, lon.t), latitude: lat.v, longitude: lon.v });
    }
    return out;
  }

  /** A vehicle's fixes within [from, to], in time order. */
  async track(plate: string, from: number, to: number): Promise<PositionFix[]> {
    const ids = this.ids(plate);
    if (!ids) return [];
    const [lat, lon] = await Promise.all([
      this.engine.readPoints(ids[0], from, to),
      this.engine.readPoints(ids[1], from, to),
    ]);
    const lons = new Map<number, number>();
    for (let i = 0; i < lon.times.length; i++) lons.set(lon.times[i], lon.values[i]);
    const out: PositionFix[] = [];
    for (let i = 0; i < lat.times.length; i++) {
      const longitude = lons.get(lat.times[i]);
      if (longitude !== undefined) out.push({ plate, t: lat.times[i], latitude: lat.values[i], longitude });
    }
    return out;
  }
}
