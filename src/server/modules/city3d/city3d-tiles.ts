import { gzipSync } from 'node:zlib';
import { GeoJSONVT } from '@maplibre/geojson-vt';
import { fromGeojsonVt } from '@maplibre/vt-pbf';
import type { Feature } from 'geojson';
import type { GeoJsonPolygonal } from '#common/api/city3d.ts';
import type { CityBuildingRow } from './city3d.store.ts';
import { INDICATORS } from './city3d-indicators.ts';

/** The vector tiles' one layer. */
export const TILE_LAYER = 'buildings';
/** Tiles are cut from this zoom (a whole city fits in a few tiles) to MAX_ZOOM (overzoomed above). */
export const MIN_ZOOM = 12;
export const MAX_ZOOM = 16;
/** Height drawn for a building whose height the cadastre does not tell, m. */
export const UNKNOWN_HEIGHT_M = 3;
/** Tiles kept encoded in memory. */
const CACHE_TILES = 4096;

/** One feature of the tiles: the footprint and what can colour it. */
export function featureOf(row: CityBuildingRow): Feature {
  const properties: Record<string, number | string> = {
    ref: row.reference,
    h: Math.round((row.height_m ?? UNKNOWN_HEIGHT_M) * 10) / 10,
  };
  const set = (key: string, v: number | string | null) => {
    if (v !== null && v !== '') properties[key] = v;
  };
  set('use', row.current_use);
  set('year', row.year_built);
  set('floors', row.floors);
  set('height', row.height_m);
  set('dwellings', row.dwellings);
  set('area', row.official_area_m2);
  set('condition', row.condition);
  for (const [key, v] of Object.entries(JSON.parse(row.attributes) as Record<string, number | string>))
    set(key, v);
  return {
    type: 'Feature',
    id: row.id,
    geometry: JSON.parse(row.footprint) as GeoJsonPolygonal,
    properties,
  };
}

/** Class limits and categories found among the stored buildings, per indicator. */
export interface IndicatorStats {
  breaks: number[];
  categories: string[];
}

/** Quintile limits of numbers (fewer when values repeat), ascending. */
export function quantileBreaks(values: number[], classes = 5): number[] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const breaks: number[] = [];
  for (let k = 1; k < classes; k++) {
    const v = sorted[Math.min(sorted.length - 1, Math.floor((k * sorted.length) / classes))];
    const rounded = Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 10) / 10;
    if (breaks.length === 0 || rounded > breaks[breaks.length - 1]) breaks.push(rounded);
  }
  return breaks;
}

function statsOf(features: readonly Feature[]): Map<string, IndicatorStats> {
  const stats = new Map<string, IndicatorStats>();
  for (const indicator of INDICATORS) {
    const numbers: number[] = [];
    const categories = new Map<string, number>();
    for (const f of features) {
      const v = f.properties?.[indicator.id] as number | string | undefined;
      if (v === undefined) continue;
      if (indicator.kind === 'number' && typeof v === 'number') numbers.push(v);
      else if (indicator.kind === 'category') categories.set(String(v), (categories.get(String(v)) ?? 0) + 1);
    }
    stats.set(indicator.id, {
      breaks: quantileBreaks(numbers),
      // The commonest first, at most 12: a legend longer than that is not read.
      categories: [...categories.entries()]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, 12)
        .map(([value]) => value),
    });
  }
  return stats;
}

/** What one build of the tile index holds. */
interface Built {
  stamp: string;
  index: GeoJSONVT;
  stats: Map<string, IndicatorStats>;
  bounds: [number, number, number, number] | null;
  count: number;
}

/**
 * The city's Mapbox Vector Tiles, cut on demand (geojson-vt) from an index of every stored
 * footprint and kept encoded and gzipped. The index is rebuilt when the stored buildings change:
 * at once on this replica after an import, and on others when the store's stamp (count and last
 * change) moves, looked at most every `checkMs`.
 */
export class CityTiles {
  private built?: Built;
  private building?: Promise<Built>;
  private cache = new Map<string, Buffer>();
  private checkedAt = 0;

  constructor(
    private readonly load: () => Promise<CityBuildingRow[]>,
    private readonly stamp: () => Promise<string>,
    private readonly checkMs = 5000,
  ) {}

  /** Forgets the index: the next tile builds it again from the store. */
  invalidate(): void {
    this.built = undefined;
    this.building = undefined;
    this.cache.clear();
    this.checkedAt = 0;
  }

  /** The current index, rebuilt if the store has changed since. */
  async current(): Promise<Built> {
    const now = Date.now();
    if (this.built && now - this.checkedAt < this.checkMs) return this.built;
    const stamp = await this.stamp();
    this.checkedAt = now;
    if (this.built?.stamp === stamp) return this.built;
    if (!this.building || (await this.building).stamp !== stamp) {
      this.building = this.build(stamp);
      this.cache.clear();
    }
    this.built = await this.building;
    return this.built;
  }

  private async build(stamp: string): Promise<Built> {
    const rows = await this.load();
    const features = rows.map(featureOf);
    const index = new GeoJSONVT(
      { type: 'FeatureCollection', features },
      { maxZoom: MAX_ZOOM, indexMaxZoom: 5, tolerance: 3, extent: 4096, buffer: 64 },
    );
    let bounds: Built['bounds'] = null;
    for (const r of rows) {
      bounds ??= [r.west, r.south, r.east, r.north];
      bounds = [
        Math.min(bounds[0], r.west),
        Math.min(bounds[1], r.south),
        Math.max(bounds[2], r.east),
        Math.max(bounds[3], r.north),
      ];
    }
    return { stamp, index, stats: statsOf(features), bounds, count: rows.length };
  }

  /** A tile, gzipped; undefined when it holds no building. */
  async tile(z: number, x: number, y: number): Promise<Buffer | undefined> {
    const built = await this.current();
    const key = `${z}/${x}/${y}`;
    const cached = this.cache.get(key);
    if (cached) return cached.length === 0 ? undefined : cached;
    const tile = built.index.getTile(z, x, y);
    const bytes =
      tile && tile.features.length > 0
        ? gzipSync(fromGeojsonVt({ [TILE_LAYER]: tile }, { version: 2, extent: 4096 }))
        : Buffer.alloc(0);
    if (this.cache.size >= CACHE_TILES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, bytes);
    return bytes.length === 0 ? undefined : bytes;
  }
}
