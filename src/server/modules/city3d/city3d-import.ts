import { SaxesParser } from 'saxes';
import {
  CITY_REFERENCE_PATTERN,
  type GeoJsonPolygonal,
  type HeightSource,
  type Position,
} from '#common/api/city3d.ts';
import { badRequest } from '../../plugins/errors.ts';
import { SUPPORTED_SRS, srsCodeOf, srsLabel, toLonLat } from './city3d-projections.ts';

/** Metres a floor adds when the cadastre gives floors but no height. */
export const METRES_PER_FLOOR = 3;

/** A building read from a file, in WGS84, ready to store. */
export interface ParsedBuilding {
  reference: string;
  footprint: GeoJsonPolygonal;
  heightM: number | null;
  heightSource: HeightSource;
  floors: number | null;
  currentUse: string | null;
  dwellings: number | null;
  yearBuilt: number | null;
  officialAreaM2: number | null;
  condition: string | null;
  address: string | null;
}

export interface Refusal {
  reference: string;
  reason: string;
}

export interface ParsedFile {
  format: 'geojson' | 'gml';
  srs: string;
  buildings: ParsedBuilding[];
  refusals: Refusal[];
}

/** A feature's fault: it is refused, and the others go on. */
class FeatureProblem extends Error {}

const REFERENCE = new RegExp(CITY_REFERENCE_PATTERN);

/**
 * Reads buildings from GeoJSON or from INSPIRE Buildings GML (bu-core2d / DG Catastro bu-ext2d),
 * telling them apart by their first character. A file that cannot be read at all is a 400; a
 * feature that is wrong is refused with its reference and the reason, and the others are read.
 * `srs` names the coordinate system of a file that does not say (GML without `srsName`).
 */
export function parseBuildings(bytes: Buffer | string, options: { srs?: string } = {}): ParsedFile {
  const text = (typeof bytes === 'string' ? bytes : bytes.toString('utf8')).replace(/^\uFEFF/, '');
  if (options.srs !== undefined && srsCodeOf(options.srs) === undefined)
    throw badRequest(`srs: ${options.srs} is not supported; use ${SUPPORTED_SRS}.`);
  const first = text.trimStart()[0];
  if (first === '<') return parseGml(text, options.srs);
  if (first === '{') return parseGeoJson(text, options.srs);
  throw badRequest('The body is neither GeoJSON (a JSON object) nor GML (XML): send one of them.');
}

// --- Shared checks -----------------------------------------------------------------------------

function finish(
  reference: string,
  rings: Position[][][],
  fields: {
    height?: number | null;
    floors?: number | null;
    currentUse?: string | null;
    dwellings?: number | null;
    yearBuilt?: number | null;
    officialArea?: number | null;
    condition?: string | null;
    address?: string | null;
  },
): ParsedBuilding {
  if (rings.length === 0)
    throw new FeatureProblem('it has no footprint (no Polygon, Surface or MultiSurface)');
  rings.forEach((polygon, p) =>
    polygon.forEach((ring, r) => {
      const where = `${rings.length > 1 ? `polygon ${p + 1}, ` : ''}${r === 0 ? 'exterior ring' : `interior ring ${r}`}`;
      if (ring.length < 4)
        throw new FeatureProblem(`${where} has ${ring.length} positions; a ring needs at least 4`);
      const [a, b] = [ring[0], ring[ring.length - 1]];
      if (a[0] !== b[0] || a[1] !== b[1])
        throw new FeatureProblem(`${where} is not closed (its last position is not its first)`);
      for (const [lon, lat] of ring)
        if (!Number.isFinite(lon) || !Number.isFinite(lat) || Math.abs(lon) > 180 || Math.abs(lat) > 90)
          throw new FeatureProblem(
            `${where} has a position outside the Earth (${lon}, ${lat}): check the coordinate system and its axis order`,
          );
    }),
  );
  const count = (name: string, v: number | null | undefined, max: number) => {
    if (v === null || v === undefined) return null;
    if (!Number.isInteger(v) || v < 0 || v > max)
      throw new FeatureProblem(`${name} ${v} is not a whole number from 0 to ${max}`);
    return v;
  };
  const floors = count('numberOfFloorsAboveGround', fields.floors, 200);
  const dwellings = count('numberOfDwellings', fields.dwellings, 100_000);
  const height = fields.height ?? null;
  if (height !== null && (!Number.isFinite(height) || height < 0 || height > 1000))
    throw new FeatureProblem(`heightAboveGround ${height} m is not a height from 0 to 1000 m`);
  const area = fields.officialArea ?? null;
  if (area !== null && (!Number.isFinite(area) || area < 0))
    throw new FeatureProblem(`officialArea ${area} m² is not a positive area`);
  const year = fields.yearBuilt ?? null;
  if (year !== null && (!Number.isInteger(year) || year < 1000 || year > 2200))
    throw new FeatureProblem(`dateOfConstruction ${year} is not a year from 1000 to 2200`);
  const [heightM, heightSource]: [number | null, HeightSource] =
    height !== null
      ? [height, 'measured']
      : floors !== null
        ? [floors * METRES_PER_FLOOR, 'floors']
        : [null, 'unknown'];
  return {
    reference,
    footprint:
      rings.length === 1
        ? { type: 'Polygon', coordinates: rings[0] }
        : { type: 'MultiPolygon', coordinates: rings },
    heightM,
    heightSource,
    floors,
    currentUse: fields.currentUse || null,
    dwellings,
    yearBuilt: year,
    officialAreaM2: area,
    condition: fields.condition || null,
    address: fields.address || null,
  };
}

/** Reads features one by one: each either becomes a building or a refusal with its reason. */
function collect(
  items: readonly unknown[],
  referenceOf: (item: unknown, index: number) => string,
  read: (item: unknown, reference: string) => ParsedBuilding,
): { buildings: ParsedBuilding[]; refusals: Refusal[] } {
  const buildings: ParsedBuilding[] = [];
  const refusals: Refusal[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    let reference = `#${index + 1}`;
    try {
      reference = referenceOf(item, index);
      if (!reference) {
        reference = `#${index + 1}`;
        throw new FeatureProblem('it has no reference (INSPIRE localId)');
      }
      if (!REFERENCE.test(reference))
        throw new FeatureProblem(
          'its reference has characters other than letters, digits and . _ : - or is longer than 100',
        );
      if (seen.has(reference))
        throw new FeatureProblem('its reference comes twice in the file; the first one was read');
      seen.add(reference);
      buildings.push(read(item, reference));
    } catch (error) {
      if (!(error instanceof FeatureProblem)) throw error;
      refusals.push({ reference, reason: error.message });
    }
  });
  return { buildings, refusals };
}

// --- GeoJSON -----------------------------------------------------------------------------------

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseGeoJson(text: string, srsOverride?: string): ParsedFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw badRequest(`The GeoJSON cannot be read: ${(error as Error).message}.`);
  }
  if (!isObject(doc) || (doc.type !== 'FeatureCollection' && doc.type !== 'Feature'))
    throw badRequest('The GeoJSON must be a FeatureCollection (or one Feature).');
  const features = doc.type === 'Feature' ? [doc] : doc.features;
  if (!Array.isArray(features) || features.length === 0)
    throw badRequest('The GeoJSON FeatureCollection has no features.');
  // RFC 7946 GeoJSON is longitude and latitude; files from GIS tools may still name another
  // system in the 2008 `crs` member, always with x (east, longitude) first.
  const crsName =
    srsOverride ??
    (isObject(doc.crs) && isObject(doc.crs.properties) ? String(doc.crs.properties.name ?? '') : '');
  const code = crsName ? srsCodeOf(crsName) : 84;
  if (code === undefined) throw badRequest(`crs: ${crsName} is not supported; use ${SUPPORTED_SRS}.`);
  const project = toLonLat(code, 'xy');

  const { buildings, refusals } = collect(
    features,
    (f) => {
      if (!isObject(f)) return '';
      const p = isObject(f.properties) ? f.properties : {};
      const ref = p.reference ?? p.localId ?? p.ref ?? f.id;
      return ref === undefined || ref === null ? '' : String(ref).trim();
    },
    (f, reference) => {
      if (!isObject(f) || f.type !== 'Feature') throw new FeatureProblem('it is not a GeoJSON Feature');
      const p = isObject(f.properties) ? f.properties : {};
      const g = f.geometry;
      if (!isObject(g)) throw new FeatureProblem('it has no geometry');
      const polygons =
        g.type === 'Polygon'
          ? [g.coordinates]
          : g.type === 'MultiPolygon'
            ? (g.coordinates as unknown[])
            : undefined;
      if (!polygons || !Array.isArray(polygons))
        throw new FeatureProblem(`its geometry is a ${String(g.type)}, not a Polygon or MultiPolygon`);
      const rings = polygons.map((polygon) => {
        if (!Array.isArray(polygon)) throw new FeatureProblem('its coordinates are not rings of positions');
        return polygon.map((ring) => {
          if (!Array.isArray(ring)) throw new FeatureProblem('its coordinates are not rings of positions');
          return ring.map((pos) => {
            if (!Array.isArray(pos) || typeof pos[0] !== 'number' || typeof pos[1] !== 'number')
              throw new FeatureProblem('a position is not a pair of numbers');
            return project(pos[0], pos[1]);
          });
        });
      });
      const num = (...names: string[]) => {
        for (const n of names) {
          const v = p[n];
          if (v === undefined || v === null || v === '') continue;
          const x = typeof v === 'number' ? v : Number(String(v).replace(',', '.'));
          if (!Number.isFinite(x)) throw new FeatureProblem(`${n} "${String(v)}" is not a number`);
          return x;
        }
        return null;
      };
      const str = (...names: string[]) => {
        for (const n of names) if (p[n] !== undefined && p[n] !== null && p[n] !== '') return String(p[n]);
        return null;
      };
      return finish(reference, rings, {
        height: num('heightAboveGround', 'height'),
        floors: num('numberOfFloorsAboveGround', 'floors'),
        currentUse: str('currentUse', 'use'),
        dwellings: num('numberOfDwellings', 'dwellings'),
        yearBuilt: yearOf(str('dateOfConstruction', 'yearBuilt')),
        officialArea: num('officialArea'),
        condition: str('conditionOfConstruction', 'condition'),
        address: str('address'),
      });
    },
  );
  return { format: 'geojson', srs: srsLabel(code), buildings, refusals };
}

/** The year of a date (`1975-01-01T00:00:00`, `1975`), or null. */
function yearOf(text: string | null): number | null {
  if (text === null) return null;
  const m = /^\s*(-?\d{1,4})(?:\D|$)/.exec(text);
  if (!m) throw new FeatureProblem(`dateOfConstruction "${text}" is not a date`);
  return Number(m[1]);
}

// --- INSPIRE Buildings GML -----------------------------------------------------------------------

type Node = Record<string, unknown>;
const ARRAYS = new Set(['surfaceMember', 'polygonMember', 'PolygonPatch', 'interior', 'pos']);

/** A tag's name without its namespace prefix (`bu-core2d:Building` → `Building`). */
const local = (name: string) => name.slice(name.indexOf(':') + 1);

/**
 * Reads a GML document with a streaming parser (saxes: it neither fetches nor expands external
 * entities), keeping each Building as a small tree of its elements by local name: attributes as
 * `@_name`, text as `#text` (or the element's value when it has neither attributes nor
 * children), repeated elements as lists. Each Building is cut from the document as it closes, so
 * a city's file is never held as a whole tree. Also answers the first srsName met, the file's
 * default (its boundedBy Envelope, or its first geometry).
 */
function readGml(text: string): { buildings: Node[]; firstSrs: string | undefined } {
  const buildings: Node[] = [];
  let firstSrs: string | undefined;
  // The open elements inside the Building being read (empty outside one).
  const stack: { name: string; node: Node; text: string }[] = [];
  const parser = new SaxesParser({ xmlns: false, position: true });
  parser.on('opentag', (tag) => {
    const name = local(tag.name);
    const srs = tag.attributes.srsName;
    if (firstSrs === undefined && typeof srs === 'string') firstSrs = srs;
    if (stack.length === 0 && name !== 'Building') return;
    const node: Node = {};
    for (const [key, value] of Object.entries(tag.attributes)) node[`@_${local(key)}`] = value;
    stack.push({ name, node, text: '' });
  });
  parser.on('text', (t) => {
    if (stack.length > 0) stack[stack.length - 1].text += t;
  });
  parser.on('closetag', () => {
    const top = stack.pop();
    if (!top) return;
    const trimmed = top.text.trim();
    const bare = Object.keys(top.node).length === 0;
    if (trimmed !== '' && !bare) top.node['#text'] = trimmed;
    if (stack.length === 0) {
      buildings.push(top.node);
      return;
    }
    const parent = stack[stack.length - 1].node;
    const value: unknown = bare ? trimmed : top.node;
    const existing = parent[top.name];
    if (existing === undefined) parent[top.name] = ARRAYS.has(top.name) ? [value] : value;
    else if (Array.isArray(existing)) existing.push(value);
    else parent[top.name] = [existing, value];
  });
  try {
    parser.write(text).close();
  } catch (error) {
    throw badRequest(`The GML cannot be read: ${(error as Error).message.split('\n')[0]}.`);
  }
  return { buildings, firstSrs };
}

/** The text of an element parsed with attributes (`{ '#text': …, '@_uom': … }`) or without. */
function textOf(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return textOf(v[0]);
  if (isObject(v)) {
    if (v['@_nil'] === 'true') return undefined;
    if (typeof v['#text'] === 'string' || typeof v['#text'] === 'number') return String(v['#text']);
  }
  return undefined;
}

/** A value nested in INSPIRE's wrappers (`heightAboveGround/HeightAboveGround/value`). */
function deepValue(v: unknown, depth = 0): string | undefined {
  const direct = textOf(v);
  if (direct !== undefined && direct !== '') return direct;
  if (!isObject(v) || depth > 4) return undefined;
  if (typeof v['@_href'] === 'string') return v['@_href'].split(/[/#]/).pop();
  for (const key of ['value', 'currentUse', 'end', 'beginning', 'anyPoint']) {
    if (key in v) {
      const found = deepValue(v[key], depth + 1);
      if (found !== undefined) return found;
    }
  }
  for (const [key, child] of Object.entries(v)) {
    if (key.startsWith('@_')) continue;
    const found = deepValue(child, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function gmlNumber(node: Node, name: string): number | null {
  const v = deepValue(node[name]);
  if (v === undefined || v === '') return null;
  const x = Number(v);
  if (!Number.isFinite(x)) throw new FeatureProblem(`${name} "${v}" is not a number`);
  return x;
}

interface GmlRing {
  numbers: number[];
  dimension: number;
}

/** The rings of a LinearRing: posList, a list of pos, or GML 2 coordinates. */
function ringOf(ringParent: unknown): GmlRing {
  const ring = isObject(ringParent) ? (ringParent.LinearRing ?? ringParent.Ring) : undefined;
  if (!isObject(ring)) throw new FeatureProblem('a ring is not a gml:LinearRing');
  const numbers = (s: string) =>
    s
      .trim()
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((x) => {
        const n = Number(x);
        if (!Number.isFinite(n)) throw new FeatureProblem(`a ring has "${x}", which is not a number`);
        return n;
      });
  if (ring.posList !== undefined) {
    const dim = Number(isObject(ring.posList) ? (ring.posList['@_srsDimension'] ?? 2) : 2);
    return { numbers: numbers(textOf(ring.posList) ?? ''), dimension: dim === 3 ? 3 : 2 };
  }
  if (Array.isArray(ring.pos)) {
    const list = ring.pos.map((p) => numbers(textOf(p) ?? ''));
    return { numbers: list.flatMap((p) => p.slice(0, 2)), dimension: 2 };
  }
  if (ring.coordinates !== undefined)
    return { numbers: numbers(textOf(ring.coordinates) ?? ''), dimension: 2 };
  throw new FeatureProblem('a ring has no gml:posList or gml:pos');
}

/** Every polygon (exterior and interiors) under a geometry, with the srsName in force there. */
function polygonsIn(
  node: unknown,
  srs: string | undefined,
  out: { exterior: GmlRing; interiors: GmlRing[]; srs: string | undefined }[],
  depth = 0,
): void {
  if (depth > 12) return;
  if (Array.isArray(node)) {
    for (const n of node) polygonsIn(n, srs, out, depth + 1);
    return;
  }
  if (!isObject(node)) return;
  const here = typeof node['@_srsName'] === 'string' ? node['@_srsName'] : srs;
  if ('exterior' in node) {
    const interiors = Array.isArray(node.interior) ? node.interior.map(ringOf) : [];
    out.push({ exterior: ringOf(node.exterior), interiors, srs: here });
    return;
  }
  for (const [key, child] of Object.entries(node))
    if (!key.startsWith('@_')) polygonsIn(child, here, out, depth + 1);
}

function parseGml(text: string, srsOverride?: string): ParsedFile {
  const { buildings: nodes, firstSrs } = readGml(text);
  if (nodes.length === 0)
    throw badRequest('The GML holds no Building (bu-core2d:Building or bu-ext2d:Building) feature.');
  const fallback = srsOverride ?? firstSrs;
  const codes = new Set<number>();

  const { buildings, refusals } = collect(
    nodes,
    (n) => {
      const b = n as Node;
      const identifier = isObject(b.inspireId) ? b.inspireId.Identifier : undefined;
      const local = isObject(identifier) ? textOf(identifier.localId) : undefined;
      return (local ?? (typeof b['@_id'] === 'string' ? b['@_id'] : '')).trim();
    },
    (n, reference) => {
      const b = n as Node;
      const found: { exterior: GmlRing; interiors: GmlRing[]; srs: string | undefined }[] = [];
      polygonsIn(b.geometry, typeof b['@_srsName'] === 'string' ? b['@_srsName'] : undefined, found);
      const rings = found.map((polygon) => {
        const name = srsOverride ?? polygon.srs ?? fallback;
        if (!name)
          throw new FeatureProblem(`its geometry names no srsName; send ?srs= with one of ${SUPPORTED_SRS}`);
        const code = srsCodeOf(name);
        if (code === undefined)
          throw new FeatureProblem(`its srsName ${name} is not supported; use ${SUPPORTED_SRS}`);
        codes.add(code);
        // GML 3.2 writes positions in the axis order of the system: latitude first in EPSG:4258.
        const project = toLonLat(code, 'axes');
        return [polygon.exterior, ...polygon.interiors].map(({ numbers, dimension }) => {
          if (numbers.length % dimension !== 0)
            throw new FeatureProblem(
              `a ring has ${numbers.length} numbers, not a whole number of ${dimension}D positions`,
            );
          const ring: Position[] = [];
          for (let i = 0; i < numbers.length; i += dimension) ring.push(project(numbers[i], numbers[i + 1]));
          return ring;
        });
      });
      const text = (name: string) => deepValue(b[name]) ?? null;
      return finish(reference, rings, {
        height: gmlNumber(b, 'heightAboveGround'),
        floors: gmlNumber(b, 'numberOfFloorsAboveGround'),
        currentUse: text('currentUse'),
        dwellings: gmlNumber(b, 'numberOfDwellings'),
        yearBuilt: yearOf(text('dateOfConstruction')),
        officialArea: gmlNumber(b, 'officialArea'),
        condition: text('conditionOfConstruction'),
        address: null,
      });
    },
  );
  const srs =
    codes.size > 0
      ? [...codes].map(srsLabel).join(', ')
      : fallback
        ? srsCodeOf(fallback)
          ? srsLabel(srsCodeOf(fallback)!)
          : fallback
        : 'unknown';
  return { format: 'gml', srs, buildings, refusals };
}
