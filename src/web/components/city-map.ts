import type { Feature, FeatureCollection, Geometry } from 'geojson';
import type { AddLayerObject } from 'maplibre-gl';

// What CityMap.vue draws and how, as plain data and pure functions: pages build their features and
// settings with these without loading MapLibre (only its types are imported here), and the rules
// (ramps, categories, sizes, the legend) are tested without a browser.

/** The values a feature carries: its id (what `select` names) and whatever it is coloured, sized or raised by. */
export type MapProperties = Record<string, string | number | boolean | null>;
export type MapFeature = Feature<Geometry, MapProperties>;
export type MapFeatures = FeatureCollection<Geometry, MapProperties>;

/** A MapLibre expression (style specification), as a paint property takes it. */
type CirclePaint = NonNullable<Extract<AddLayerObject, { type: 'circle' }>['paint']>;
export type Expression = Extract<CirclePaint['circle-color'], unknown[]>;
// The style specification types each expression as a tuple, which TypeScript cannot follow
// through the spread stops of a ramp: they are built as arrays and typed here, once.
const expression = (parts: unknown[]) => parts as unknown as Expression;

/** Colour by a number: a continuous ramp from the lowest value to the highest. */
export interface RampColour {
  by: string;
  /** Colours from low to high, evenly spread (default green, amber, red: lower is better). */
  ramp?: readonly string[];
  /** The ends of the ramp; by default the lowest and highest value of the features. */
  min?: number;
  max?: number;
  /** A value as the legend writes it, with its unit. */
  format?: (value: number) => string;
}

/** Colour by a category: each value its own colour and its words in the legend. */
export interface CategoryColour {
  by: string;
  categories: readonly { value: string | number; colour: string; label: string }[];
}

/** How features are coloured: one colour for all, a ramp or categories. */
export type MapColour = string | RampColour | CategoryColour;

/** Size by a number: circle radius (points) or line width (lines), in CSS pixels. */
export interface MapSize {
  by: string;
  range: readonly [number, number];
  min?: number;
  max?: number;
}

/** Polygons raised to a height in metres, read from a property (3D buildings). */
export interface MapExtrusion {
  by: string;
  /** Metres per unit of the property (e.g. 3 for a number of floors); default 1. */
  scale?: number;
}

/** One line of the legend, in text beside its colour. */
export interface LegendEntry {
  colour: string;
  label: string;
}

/** What the legend shows: entries, and for a ramp its gradient between its two ends. */
export interface Legend {
  entries: LegendEntry[];
  ramp?: { colours: readonly string[]; low: string; high: string };
}

/** Better to worse, as the KPIs' ramps read (the good green and bad red of styles.css). */
export const DEFAULT_RAMP = ['#1e6b3f', '#e0a200', '#a4262c'] as const;
/** Features without a value: a grey that still stands apart from the background. */
export const NO_DATA_COLOUR = '#8a96a3';

const isRamp = (c: MapColour): c is RampColour => typeof c === 'object' && !('categories' in c);

/** The numbers of a property over the features (null and non-numbers left out). */
export function valuesOf(features: MapFeatures, by: string): number[] {
  return features.features
    .map((f) => f.properties?.[by])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

function extent(features: MapFeatures, by: string, min?: number, max?: number): [number, number] | undefined {
  const values = valuesOf(features, by);
  const low = min ?? (values.length > 0 ? Math.min(...values) : undefined);
  const high = max ?? (values.length > 0 ? Math.max(...values) : undefined);
  return low === undefined || high === undefined ? undefined : [low, high];
}

/** A linear interpolation of a property between stops; one value when the range is empty. */
function interpolate(
  by: string,
  low: number,
  high: number,
  outputs: readonly (string | number)[],
): unknown[] {
  if (high <= low || outputs.length === 1) return ['literal', outputs[Math.floor(outputs.length / 2)]];
  const step = (high - low) / (outputs.length - 1);
  return ['interpolate', ['linear'], ['get', by], ...outputs.flatMap((o, i) => [low + i * step, o])];
}

/** The colour of each feature, as a MapLibre expression. */
export function colourExpression(colour: MapColour, features: MapFeatures): Expression | string {
  if (typeof colour === 'string') return colour;
  const value = ['get', colour.by];
  if (!isRamp(colour)) {
    if (colour.categories.length === 0) return NO_DATA_COLOUR;
    return expression([
      'match',
      value,
      ...colour.categories.flatMap((c) => [c.value, c.colour]),
      NO_DATA_COLOUR,
    ]);
  }
  const range = extent(features, colour.by, colour.min, colour.max);
  if (!range) return NO_DATA_COLOUR;
  const ramp = colour.ramp ?? DEFAULT_RAMP;
  return expression([
    'case',
    ['==', ['typeof', value], 'number'],
    interpolate(colour.by, range[0], range[1], ramp),
    NO_DATA_COLOUR,
  ]);
}

/** A size (circle radius, line width) of each feature, as a MapLibre expression. */
export function sizeExpression(
  size: MapSize | undefined,
  features: MapFeatures,
  fallback: number,
): Expression | number {
  if (!size) return fallback;
  const range = extent(features, size.by, size.min, size.max);
  if (!range) return fallback;
  return expression([
    'case',
    ['==', ['typeof', ['get', size.by]], 'number'],
    interpolate(size.by, range[0], range[1], size.range),
    fallback,
  ]);
}

/** The legend of a colouring, in text: every category, or a ramp from its lowest to its highest value. */
export function legendOf(colour: MapColour, features: MapFeatures, noData: string): Legend {
  if (typeof colour === 'string') return { entries: [] };
  const missing = features.features.some((f) => {
    const v = f.properties?.[colour.by];
    return v === null || v === undefined;
  });
  const none = missing ? [{ colour: NO_DATA_COLOUR, label: noData }] : [];
  if (!isRamp(colour))
    return { entries: [...colour.categories.map((c) => ({ colour: c.colour, label: c.label })), ...none] };
  const range = extent(features, colour.by, colour.min, colour.max);
  if (!range) return { entries: none };
  const shown = colour.format ?? String;
  return {
    entries: none,
    ramp: { colours: colour.ramp ?? DEFAULT_RAMP, low: shown(range[0]), high: shown(range[1]) },
  };
}

/** The box around every coordinate of the features, west-south and east-north; undefined when empty. */
export function boundsOf(features: MapFeatures): [[number, number], [number, number]] | undefined {
  let west = Infinity;
  let south = Infinity;
  let east = -Infinity;
  let north = -Infinity;
  const visit = (c: unknown): void => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      west = Math.min(west, c[0]);
      east = Math.max(east, c[0]);
      south = Math.min(south, c[1]);
      north = Math.max(north, c[1]);
      return;
    }
    for (const inner of c) visit(inner);
  };
  const walk = (g: Geometry | null): void => {
    if (!g) return;
    if (g.type === 'GeometryCollection') g.geometries.forEach(walk);
    else visit(g.coordinates);
  };
  for (const f of features.features) walk(f.geometry);
  return Number.isFinite(west)
    ? [
        [west, south],
        [east, north],
      ]
    : undefined;
}

/** Points from items that have a longitude and latitude (WGS 84, degrees), with their properties. */
export function pointFeatures<T extends { longitude: number; latitude: number }>(
  items: readonly T[],
  properties: (item: T) => MapProperties,
): MapFeatures {
  return {
    type: 'FeatureCollection',
    features: items.map((item) => ({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [item.longitude, item.latitude] },
      properties: properties(item),
    })),
  };
}

/**
 * Classes of a value that say what they mean: `count` ranges cut at the quantiles of the values
 * (each holds about as many features), each with its colour from `ramp` and its range in words
 * ("120–150 kWh/m²") for the legend. `classOf` gives a value's class (null without a value), to
 * store as a property and colour by as categories.
 */
export function classesOf(
  values: readonly (number | null)[],
  format: (value: number) => string,
  count = 5,
  ramp: readonly string[] = ['#1e6b3f', '#6f9a2e', '#e0a200', '#d1631a', '#a4262c'],
): { classOf(value: number | null): number | null; categories: CategoryColour['categories'] } {
  const sorted = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { classOf: () => null, categories: [] };
  const n = Math.min(count, new Set(sorted).size);
  const edges = Array.from({ length: n + 1 }, (_, i) =>
    i === n ? sorted[sorted.length - 1] : sorted[Math.floor((i * sorted.length) / n)],
  );
  const classOf = (value: number | null) => {
    if (value === null || !Number.isFinite(value)) return null;
    for (let i = n - 1; i > 0; i--) if (value >= edges[i]) return i;
    return 0;
  };
  const colourAt = (i: number) => ramp[n === 1 ? 0 : Math.round((i * (ramp.length - 1)) / (n - 1))];
  const categories = Array.from({ length: n }, (_, i) => ({
    value: i,
    colour: colourAt(i),
    label: `${format(edges[i])} – ${format(edges[i + 1])}`,
  }));
  return { classOf, categories };
}

/**
 * The outline of the area a set of points covers (their convex hull, Andrew's monotone chain) as a
 * polygon feature: a district drawn from its buildings where the registry holds no boundary.
 */
export function hullFeature(
  points: readonly (readonly [number, number])[],
  properties: MapProperties,
): MapFeature | undefined {
  const p = [...new Map(points.map((q) => [`${q[0]},${q[1]}`, q])).values()].sort(
    (a, b) => a[0] - b[0] || a[1] - b[1],
  );
  if (p.length < 3) return undefined;
  const cross = (o: readonly number[], a: readonly number[], b: readonly number[]) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const half = (list: (readonly [number, number])[]) => {
    const out: (readonly [number, number])[] = [];
    for (const q of list) {
      while (out.length >= 2 && cross(out[out.length - 2], out[out.length - 1], q) <= 0) out.pop();
      out.push(q);
    }
    return out.slice(0, -1);
  };
  const ring = [...half(p), ...half([...p].reverse())];
  if (ring.length < 3) return undefined;
  return {
    type: 'Feature',
    geometry: { type: 'Polygon', coordinates: [[...ring, ring[0]].map((q) => [q[0], q[1]])] },
    properties,
  };
}
