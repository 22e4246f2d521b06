import proj4 from 'proj4';

/**
 * The coordinate systems the Álava cadastre and the Spanish DG Catastro publish buildings in,
 * and how to bring a position of each to WGS84 longitude and latitude (°).
 *
 * ETRS89 (EPSG:4258) and WGS84 differ by well under a metre in Spain today, less than a
 * footprint's drawing error, so ETRS89 positions are taken as WGS84 ones.
 */
interface Srs {
  code: number;
  /** The axes as EPSG defines them: `lat-lon` (4258, 4326), `east-north` (25830), `north-east` (3042). */
  axes: 'lat-lon' | 'lon-lat' | 'east-north' | 'north-east';
  /** proj4 definition of the projected ones. */
  proj?: string;
}

const ETRS89_UTM30 = '+proj=utm +zone=30 +ellps=GRS80 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs';

const SYSTEMS: Record<number, Srs> = {
  4258: { code: 4258, axes: 'lat-lon' },
  4326: { code: 4326, axes: 'lat-lon' },
  // ETRS89 / UTM zone 30N.
  25830: { code: 25830, axes: 'east-north', proj: ETRS89_UTM30 },
  // ETRS89 / ETRS-TM30: the same projection, with northing first.
  3042: { code: 3042, axes: 'north-east', proj: ETRS89_UTM30 },
  // CRS84: GeoJSON's longitude, latitude.
  84: { code: 84, axes: 'lon-lat' },
};

export const SUPPORTED_SRS = 'EPSG:4258, EPSG:4326, EPSG:25830, EPSG:3042 or CRS84';

/**
 * The EPSG code of an SRS name: `urn:ogc:def:crs:EPSG::25830`, `EPSG:25830`,
 * `http://www.opengis.net/def/crs/EPSG/0/25830`, `urn:ogc:def:crs:OGC:1.3:CRS84`; undefined
 * for an unknown one.
 */
export function srsCodeOf(name: string): number | undefined {
  if (/CRS84$/i.test(name.trim())) return 84;
  const m = /EPSG(?::+|\/0\/|\/)(\d+)\s*$/i.exec(name.trim());
  if (!m) return undefined;
  const code = Number(m[1]);
  return SYSTEMS[code] ? code : undefined;
}

export const srsLabel = (code: number) => (code === 84 ? 'CRS84' : `EPSG:${code}`);

/**
 * A function from a position as written (in the axis order of the system, as GML 3.2 writes it;
 * `xy` forces x-then-y, as GeoJSON writes every system) to [longitude, latitude] in degrees.
 */
export function toLonLat(code: number, order: 'axes' | 'xy'): (a: number, b: number) => [number, number] {
  const srs = SYSTEMS[code];
  if (!srs) throw new Error(`EPSG:${code} is not supported`);
  if (!srs.proj) {
    return order === 'xy' || srs.axes === 'lon-lat' ? (a, b) => [a, b] : (a, b) => [b, a];
  }
  const forward = proj4(srs.proj, 'WGS84');
  if (order === 'xy' || srs.axes === 'east-north')
    return (a, b) => forward.forward([a, b]) as [number, number];
  return (a, b) => forward.forward([b, a]) as [number, number];
}
