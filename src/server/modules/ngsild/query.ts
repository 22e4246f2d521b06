import { ngsiLdError } from './ngsild-errors.ts';

/**
 * The NGSI-LD query language subset CIOP evaluates (ETSI GS CIM 009 V1.8.1 §4.9): `q` with
 * `==`, `!=`, `>`, `>=`, `<`, `<=`, `~=` (regular expression) and `!~=`, `;` (and), `|` (or),
 * parentheses, an attribute alone (it exists), dotted paths into a value (`address.streetAddress`)
 * or `attr[key]`, values as numbers, "strings", true/false, ranges `a..b` and lists `a,b`; and the
 * geo-query of §4.10 over Point locations: `near;maxDistance==m` / `near;minDistance==m` with a
 * Point, `within` and `intersects` with a Polygon (or a Point for intersects).
 */

export type QValue = number | string | boolean;
export type QExpr =
  | { kind: 'and' | 'or'; items: QExpr[] }
  | {
      kind: 'term';
      attr: string;
      path: string[];
      op?: '==' | '!=' | '>' | '>=' | '<' | '<=' | '~=' | '!~=';
      values?: QValue[];
      range?: [QValue, QValue];
    };

const OPS = ['==', '!=', '>=', '<=', '>', '<', '~=', '!~='] as const;

/** Parses `q`; a text it cannot read is `BadRequestData` naming where. */
export function parseQ(text: string): QExpr {
  let at = 0;
  const fail = (what: string): never => {
    throw ngsiLdError('BadRequestData', `q: ${what} at character ${at + 1} of "${text}"`);
  };
  const peek = () => text[at];
  const or = (): QExpr => {
    const items = [and()];
    while (peek() === '|') {
      at++;
      items.push(and());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  };
  const and = (): QExpr => {
    const items = [term()];
    while (peek() === ';') {
      at++;
      items.push(term());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  };
  const value = (): QValue => {
    if (peek() === '"') {
      const end = text.indexOf('"', at + 1);
      if (end < 0) fail('a string without its closing quote');
      const s = text.slice(at + 1, end);
      at = end + 1;
      return s;
    }
    const m = /^[^;|()",]+?(?=\.\.|[;|(),]|$)/.exec(text.slice(at));
    if (!m) return fail('a value expected');
    const raw = m[0];
    if (/^[<>=!~]/.test(raw)) fail('a value expected');
    at += raw.length;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    const n = Number(raw);
    return Number.isFinite(n) && raw.trim() !== '' ? n : raw;
  };
  const term = (): QExpr => {
    if (peek() === '(') {
      at++;
      const inner = or();
      if (peek() !== ')') fail('")" expected');
      at++;
      return inner;
    }
    const m = /^[A-Za-z_@][\w:/#.@-]*(\[[\w.]+\])?/.exec(text.slice(at));
    if (!m) return fail('an attribute name expected');
    at += m[0].length;
    const [base, bracket] = m[0].split('[');
    const [attr, ...path] = base.split('.');
    if (bracket) path.push(...bracket.slice(0, -1).split('.'));
    const op = OPS.find((o) => text.startsWith(o, at));
    if (!op) return { kind: 'term', attr, path };
    at += op.length;
    const first = value();
    if (text.startsWith('..', at)) {
      at += 2;
      return { kind: 'term', attr, path, op, range: [first, value()] };
    }
    const values = [first];
    while (peek() === ',') {
      at++;
      values.push(value());
    }
    return { kind: 'term', attr, path, op, values };
  };
  const expr = or();
  if (at !== text.length) fail('unexpected text');
  return expr;
}

/** The attribute names a query names (to expand them through the request's context). */
export function attributesOf(expr: QExpr): string[] {
  return expr.kind === 'term' ? [expr.attr] : expr.items.flatMap(attributesOf);
}

/** Renames attributes (from the client's terms to CIOP's); undefined when one names nothing. */
export function renameAttributes(expr: QExpr, rename: (attr: string) => string): QExpr {
  return expr.kind === 'term'
    ? { ...expr, attr: rename(expr.attr) }
    : { ...expr, items: expr.items.map((e) => renameAttributes(e, rename)) };
}

function compare(a: unknown, op: string, b: QValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    switch (op) {
      case '==':
        return a === b;
      case '!=':
        return a !== b;
      case '>':
        return a > b;
      case '>=':
        return a >= b;
      case '<':
        return a < b;
      case '<=':
        return a <= b;
    }
  }
  if (op === '~=' || op === '!~=') {
    let pattern: RegExp;
    try {
      pattern = new RegExp(String(b));
    } catch {
      throw ngsiLdError('BadRequestData', `q: ${String(b)} is not a regular expression`);
    }
    const matched = typeof a === 'string' && pattern.test(a);
    return op === '~=' ? matched : !matched;
  }
  const x = typeof a === 'string' ? a : a === undefined ? undefined : JSON.stringify(a);
  const y = String(b);
  if (x === undefined) return false;
  switch (op) {
    case '==':
      return x === y;
    case '!=':
      return x !== y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    case '<':
      return x < y;
    case '<=':
      return x <= y;
  }
  return false;
}

/** Evaluates a query over an entity's values: `valuesOf(attr)` gives the values of its instances. */
export function matchesQ(expr: QExpr, valuesOf: (attr: string) => unknown[]): boolean {
  if (expr.kind !== 'term')
    return expr.kind === 'and'
      ? expr.items.every((e) => matchesQ(e, valuesOf))
      : expr.items.some((e) => matchesQ(e, valuesOf));
  const values = valuesOf(expr.attr).map((v) => {
    let x: unknown = v;
    for (const key of expr.path)
      x = x && typeof x === 'object' ? (x as Record<string, unknown>)[key] : undefined;
    return x;
  });
  if (!expr.op) return values.some((v) => v !== undefined);
  return values.some((v) => {
    if (v === undefined) return false;
    if (expr.range) {
      const inside = compare(v, '>=', expr.range[0]) && compare(v, '<=', expr.range[1]);
      return expr.op === '!=' ? !inside : inside;
    }
    const list = expr.values ?? [];
    const op = expr.op!;
    if (op === '!=') return list.every((b) => compare(v, '!=', b));
    return list.some((b) => compare(v, op, b));
  });
}

// --- Geo-queries ---------------------------------------------------------------------------------

export type Position = [number, number];
export interface GeoQuery {
  georel: 'near' | 'within' | 'intersects';
  maxDistance?: number;
  minDistance?: number;
  geometry: { type: 'Point'; coordinates: Position } | { type: 'Polygon'; coordinates: Position[][] };
}

const isPosition = (p: unknown): p is Position =>
  Array.isArray(p) && p.length >= 2 && p.every((x) => typeof x === 'number' && Number.isFinite(x));

/** Reads `georel`, `geometry` and `coordinates` (all or none); BadRequestData naming what is wrong. */
export function parseGeoQuery(
  georel: string | undefined,
  geometry: string | undefined,
  coordinates: string | undefined,
): GeoQuery | undefined {
  if (georel === undefined && geometry === undefined && coordinates === undefined) return undefined;
  if (!georel || !geometry || !coordinates)
    throw ngsiLdError('BadRequestData', 'A geo-query needs all of georel, geometry and coordinates.');
  const [rel, ...modifiers] = georel.split(';');
  if (rel !== 'near' && rel !== 'within' && rel !== 'intersects')
    throw ngsiLdError(
      'BadRequestData',
      `georel: CIOP answers near, within and intersects, not "${rel}" (its entities are points).`,
    );
  let coords: unknown;
  try {
    coords = JSON.parse(coordinates);
  } catch {
    throw ngsiLdError('BadRequestData', `coordinates: "${coordinates}" is not a JSON array.`);
  }
  const query: GeoQuery = { georel: rel } as GeoQuery;
  if (geometry === 'Point') {
    if (!isPosition(coords))
      throw ngsiLdError('BadRequestData', 'coordinates: a Point is [longitude, latitude].');
    query.geometry = { type: 'Point', coordinates: coords };
  } else if (geometry === 'Polygon') {
    const rings = coords as unknown[];
    if (
      !Array.isArray(rings) ||
      rings.length === 0 ||
      !rings.every((r) => Array.isArray(r) && r.length >= 4 && r.every(isPosition))
    )
      throw ngsiLdError(
        'BadRequestData',
        'coordinates: a Polygon is a list of closed rings of at least 4 [longitude, latitude] positions.',
      );
    query.geometry = { type: 'Polygon', coordinates: rings as Position[][] };
  } else throw ngsiLdError('BadRequestData', `geometry: CIOP takes Point or Polygon, not "${geometry}".`);
  if (rel === 'near') {
    if (query.geometry.type !== 'Point')
      throw ngsiLdError('BadRequestData', 'georel near: the geometry is a Point.');
    for (const m of modifiers) {
      const [name, value] = m.split('==');
      const metres = Number(value);
      if ((name !== 'maxDistance' && name !== 'minDistance') || !Number.isFinite(metres) || metres < 0)
        throw ngsiLdError(
          'BadRequestData',
          `georel: "${m}" is not maxDistance==metres or minDistance==metres.`,
        );
      query[name] = metres;
    }
    if (query.maxDistance === undefined && query.minDistance === undefined)
      throw ngsiLdError('BadRequestData', 'georel near: give maxDistance==metres or minDistance==metres.');
  } else if (rel === 'within' && query.geometry.type !== 'Polygon')
    throw ngsiLdError('BadRequestData', 'georel within: the geometry is a Polygon.');
  return query;
}

/** Great-circle distance, metres (haversine on a sphere of radius 6 371 008.8 m, the IUGG mean). */
export function distanceM(a: Position, b: Position): number {
  const rad = Math.PI / 180;
  const dLat = (b[1] - a[1]) * rad;
  const dLon = (b[0] - a[0]) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[1] * rad) * Math.cos(b[1] * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.min(1, Math.sqrt(h)));
}

function inRing(p: Position, ring: Position[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Whether a point lies in a polygon: in its outer ring and in none of its holes. */
function inPolygon(p: Position, rings: Position[][]): boolean {
  return inRing(p, rings[0]) && !rings.slice(1).some((hole) => inRing(p, hole));
}

/** Whether an entity's Point location meets a geo-query. */
export function matchesGeo(query: GeoQuery, point: Position): boolean {
  const g = query.geometry;
  if (query.georel === 'near') {
    const d = distanceM(point, g.coordinates as Position);
    return (
      (query.maxDistance === undefined || d <= query.maxDistance) &&
      (query.minDistance === undefined || d >= query.minDistance)
    );
  }
  if (g.type === 'Point') return point[0] === g.coordinates[0] && point[1] === g.coordinates[1];
  return inPolygon(point, g.coordinates);
}
