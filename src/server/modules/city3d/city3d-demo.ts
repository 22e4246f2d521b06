import type { Position } from '#common/api/city3d.ts';
import { demoBuildings } from '../../demo/district.ts';
import type { City3dService } from './city3d.service.ts';
import { countBuildings, setAttributes } from './city3d.store.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

/** Metres per degree of latitude, and of longitude at Vitoria-Gasteiz (42.85° N). */
const M_PER_DEG_LAT = 111_320;
const M_PER_DEG_LON = 111_320 * Math.cos((42.85 * Math.PI) / 180);

/** A deterministic number in [0, 1) from two integers. */
function hash01(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x27d4eb2f, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

/** A closed rectangle of `w` × `d` metres centred on a point (longitude, latitude). */
function rectangle(lon: number, lat: number, w: number, d: number): Position[] {
  const dx = w / 2 / M_PER_DEG_LON;
  const dy = d / 2 / M_PER_DEG_LAT;
  const r = (x: number) => Math.round(x * 1e7) / 1e7;
  return [
    [r(lon - dx), r(lat - dy)],
    [r(lon + dx), r(lat - dy)],
    [r(lon + dx), r(lat + dy)],
    [r(lon - dx), r(lat + dy)],
    [r(lon - dx), r(lat - dy)],
  ];
}

const USES = [
  '1_residential',
  '1_residential',
  '1_residential',
  '1_residential',
  '4_2_retail',
  '4_1_office',
  '3_industrial',
  '4_3_publicServices',
];
const RATINGS = ['A', 'B', 'C', 'D', 'D', 'E', 'E', 'F', 'G'];

/** One synthetic building as a GeoJSON feature, with INSPIRE-named properties. */
interface SyntheticFeature {
  type: 'Feature';
  geometry: { type: 'Polygon'; coordinates: Position[][] };
  properties: Record<string, string | number>;
}

/**
 * A synthetic city of `count` buildings around a centre: blocks of 100 × 80 m with streets
 * between them, eight buildings to a block, filled outwards from the centre and leaving out
 * blocks within `hole` metres of it (where the demo district is). Deterministic.
 */
export function syntheticCity(
  count: number,
  options: { center?: [number, number]; hole?: number; prefix?: string } = {},
): { type: 'FeatureCollection'; features: SyntheticFeature[] } {
  const [lon0, lat0] = options.center ?? [-2.675, 42.852];
  const hole = options.hole ?? 0;
  const prefix = options.prefix ?? 'SYN';
  const features: SyntheticFeature[] = [];
  const blockW = 100;
  const blockD = 80;
  // Blocks in rings around the centre, nearest first.
  for (let ring = 0; features.length < count; ring++) {
    for (let bx = -ring; bx <= ring && features.length < count; bx++) {
      for (let by = -ring; by <= ring && features.length < count; by++) {
        if (Math.max(Math.abs(bx), Math.abs(by)) !== ring) continue;
        const cx = bx * (blockW + 20);
        const cy = by * (blockD + 20);
        if (Math.hypot(cx, cy) < hole) continue;
        for (let k = 0; k < 8 && features.length < count; k++) {
          const n = features.length;
          const seed = (bx + 5000) * 10007 + (by + 5000) * 31 + k;
          const col = k % 4;
          const row = Math.floor(k / 4);
          const x = cx - blockW / 2 + 12.5 + col * 25;
          const y = cy - blockD / 2 + 20 + row * 40;
          const w = 18 + hash01(seed, 1) * 5;
          const d = 22 + hash01(seed, 2) * 12;
          const lon = lon0 + x / M_PER_DEG_LON;
          const lat = lat0 + y / M_PER_DEG_LAT;
          const far = Math.hypot(cx, cy) / 1000;
          const floors = Math.max(1, Math.round(2 + hash01(seed, 3) * 9 - far * 1.5));
          const use = USES[Math.floor(hash01(seed, 4) * USES.length)];
          const year = Math.round(1900 + hash01(seed, 5) * 60 + Math.min(60, far * 25));
          const properties: Record<string, string | number> = {
            reference: `${prefix}${String(n + 1).padStart(6, '0')}`,
            numberOfFloorsAboveGround: floors,
            currentUse: use,
            dateOfConstruction: `${year}-01-01`,
            officialArea: Math.round(w * d * floors),
            conditionOfConstruction: hash01(seed, 6) < 0.96 ? 'functional' : 'declined',
            address: `Calle ${['Olarizu', 'Zaramaga', 'Lakua', 'Arana', 'Txagorritxu', 'Judimendi'][Math.abs(bx + by) % 6]} ${(n % 90) + 1}, Vitoria-Gasteiz`,
          };
          if (use === '1_residential')
            properties.numberOfDwellings = floors * (2 + Math.floor(hash01(seed, 7) * 3));
          // About half the cadastre gives a measured height.
          if (hash01(seed, 8) < 0.5)
            properties.heightAboveGround = Math.round((floors * 3 + 0.5 + hash01(seed, 9) * 2) * 10) / 10;
          features.push({
            type: 'Feature',
            geometry: { type: 'Polygon', coordinates: [rectangle(lon, lat, w, d)] },
            properties,
          });
        }
      }
    }
  }
  return { type: 'FeatureCollection', features };
}

/** The demo district's buildings: a footprint around each registry point, as tall as its floors. */
export function demoDistrictFeatures(): SyntheticFeature[] {
  return demoBuildings().map((b, i) => ({
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [rectangle(b.longitude, b.latitude, 14, 10)] },
    properties: {
      reference: b.code,
      numberOfFloorsAboveGround: b.floors,
      heightAboveGround: b.floors * 3 + 1.5,
      currentUse: '1_residential',
      numberOfDwellings: b.dwellings.length,
      dateOfConstruction: `${b.features.year_built}-01-01`,
      officialArea: b.area1 + (i % 3) * 40,
      conditionOfConstruction: 'functional',
      address: b.address,
    },
  }));
}

/** Imported attributes of the demo: an energy rating, a heating demand and a solar potential. */
function demoAttributes(reference: string, n: number, floors: number, areaM2: number) {
  const roof = Math.round((areaM2 / Math.max(1, floors)) * (0.35 + hash01(n, 11) * 0.3));
  return {
    reference,
    attributes: {
      energy_rating: RATINGS[Math.floor(hash01(n, 12) * RATINGS.length)],
      heat_demand: Math.round(40 + hash01(n, 13) * 160),
      solar_roof_area: roof,
      // Vitoria-Gasteiz: about 1,250 kWh a year per kWp, and about 5.5 m² per kWp.
      solar_potential: Math.round((roof / 5.5) * 1250),
    },
  };
}

/**
 * The 3D city of the demo: the district's buildings (linked to the registry by their points)
 * and a synthetic city of `count` buildings around them, with imported attributes. Does
 * nothing when the city has buildings.
 */
export async function seedCityDemo(
  city: City3dService,
  db: Kysely<Database>,
  now: number,
  count = 3000,
): Promise<void> {
  if ((await countBuildings(db)) > 0) return;
  const district = demoDistrictFeatures();
  const around = syntheticCity(count, { hole: 450 });
  const features = [...district, ...around.features];
  await city.importBuildings(JSON.stringify({ type: 'FeatureCollection', features }), { source: 'demo' });
  await setAttributes(
    db,
    features.map((f, n) =>
      demoAttributes(
        String(f.properties.reference),
        n,
        Number(f.properties.numberOfFloorsAboveGround),
        Number(f.properties.officialArea),
      ),
    ),
    now,
  );
  city.tiles.invalidate();
}
