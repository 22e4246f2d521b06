import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { EpochMs } from './time.ts';

/** A text in the interface's three languages. */
const Texts = (description: string) =>
  Type.Object({ en: Type.String(), es: Type.String(), eu: Type.String() }, { description });

/** A cadastral reference as the cadastre writes it (the INSPIRE local id). */
export const CITY_REFERENCE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$';

/** Where a building's height comes from. */
export const HEIGHT_SOURCES = ['measured', 'floors', 'unknown'] as const;
export type HeightSource = (typeof HEIGHT_SOURCES)[number];

/** How a city building is linked to a building of the registry. */
export const LINK_SOURCES = ['point', 'manual'] as const;

/** One refused feature of an import. */
export const ImportRefusalSchema = Type.Object({
  reference: Type.String({
    description: 'The feature’s reference, or `#n` (its position, from 1) when it has none',
  }),
  reason: Type.String({ description: 'Why it was refused, in words a person can act on' }),
});

export const CityImportReportSchema = Type.Object({
  format: Type.Union([Type.Literal('geojson'), Type.Literal('gml')]),
  srs: Type.String({ description: 'Coordinate system the file was read in, e.g. EPSG:25830' }),
  imported: Type.Integer({ description: 'Buildings new to CIOP' }),
  replaced: Type.Integer({ description: 'Buildings whose reference was known: their record was replaced' }),
  refused: Type.Integer({ description: 'Features not stored; each is listed in `refusals`' }),
  refusals: Type.Array(ImportRefusalSchema, { description: 'At most 1,000, in file order' }),
  linked: Type.Integer({ description: 'Imported buildings linked to a registry building by its point' }),
});
export type CityImportReport = Static<typeof CityImportReportSchema>;

export const AttributeImportReportSchema = Type.Object({
  dryRun: Type.Boolean(),
  rows: Type.Integer({ description: 'Data rows read' }),
  updated: Type.Integer({ description: 'Buildings whose attributes were set (or would be, on a dry run)' }),
  refused: Type.Integer(),
  refusals: Type.Array(
    Type.Object({
      row: Type.Integer({ description: 'Row of the file, the header being row 1' }),
      reference: Type.String(),
      reason: Type.String(),
    }),
  ),
  columns: Type.Array(Type.String(), { description: 'Indicators read from the file' }),
});
export type AttributeImportReport = Static<typeof AttributeImportReportSchema>;

export const INDICATOR_GROUPS = ['building', 'energy', 'solar', 'kpi'] as const;
export type IndicatorGroup = (typeof INDICATOR_GROUPS)[number];

/** An indicator that can colour the city. */
export const IndicatorSchema = Type.Object({
  id: Type.String({ description: 'The property of the tiles’ features (for KPIs: `kpi:CODE`)' }),
  group: Type.Union(INDICATOR_GROUPS.map((g) => Type.Literal(g))),
  kind: Type.Union([Type.Literal('number'), Type.Literal('category')]),
  unit: Type.String({ description: 'Unit of its values; empty for categories and counts' }),
  name: Texts('Its name'),
  help: Texts('What it means and where it comes from'),
  breaks: Type.Array(Type.Number(), {
    description:
      'Numbers: class limits (quantiles of the stored values), ascending; a value below the first is class 0',
  }),
  categories: Type.Array(Type.Object({ value: Type.String(), name: Texts('Its name') }), {
    description: 'Categories: the values found, each with its name',
  }),
});
export type Indicator = Static<typeof IndicatorSchema>;

export const IndicatorListSchema = Type.Object({
  items: Type.Array(IndicatorSchema),
  buildings: Type.Integer({ description: 'City buildings stored' }),
  bounds: Type.Union([Type.Array(Type.Number(), { minItems: 4, maxItems: 4 }), Type.Null()], {
    description: 'West, south, east, north of all buildings (°), or null when there are none',
  }),
  baseMapStyleUrl: Type.Union([Type.String(), Type.Null()], {
    description: 'The MapLibre style drawn under the buildings (CIOP_MAP_STYLE_URL), or null for none',
  }),
  perBuildingKpis: Type.Boolean({ description: 'Whether the caller may read each building’s KPIs' }),
});
export type IndicatorList = Static<typeof IndicatorListSchema>;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const MonthlyKpiSchema = Type.Object({
  kpi: Type.String(),
  unit: Type.String(),
  name: Texts('KPI name'),
  points: Type.Array(Type.Object({ periodStart: EpochMs('Start of the month'), value: Type.Number() })),
});
export type MonthlyKpi = Static<typeof MonthlyKpiSchema>;

export const CityBuildingSchema = Type.Object({
  reference: Type.String(),
  source: Type.String({ description: 'geojson, gml or demo' }),
  footprint: Type.Unsafe<GeoJsonPolygonal>({
    type: 'object',
    description: 'GeoJSON Polygon or MultiPolygon, longitude and latitude (°, WGS84)',
  }),
  centroid: Type.Array(Type.Number(), { minItems: 2, maxItems: 2, description: 'Longitude, latitude (°)' }),
  heightM: Nullable(Type.Number({ description: 'Height above ground (m)' })),
  heightSource: Type.Union(
    HEIGHT_SOURCES.map((s) => Type.Literal(s)),
    {
      description: 'measured: heightAboveGround; floors: floors above ground × 3 m; unknown: neither',
    },
  ),
  floors: Nullable(Type.Integer()),
  currentUse: Type.Union([Type.String(), Type.Null()]),
  dwellings: Nullable(Type.Integer()),
  yearBuilt: Nullable(Type.Integer()),
  officialAreaM2: Nullable(Type.Number({ description: 'Official (gross floor) area, m²' })),
  condition: Type.Union([Type.String(), Type.Null()]),
  address: Type.Union([Type.String(), Type.Null()]),
  attributes: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String()]), {
    description: 'Imported indicators (solar potential, energy), by indicator id',
  }),
  updatedAt: EpochMs('When it was last imported'),
  registry: Type.Union(
    [
      Type.Object({
        code: Type.String({ description: 'The registry building’s cadastral code' }),
        link: Type.Union(LINK_SOURCES.map((s) => Type.Literal(s))),
      }),
      Type.Null(),
    ],
    { description: 'The monitored building it is, for callers who see per-building KPIs; otherwise null' },
  ),
  kpis: Type.Union([Type.Array(MonthlyKpiSchema), Type.Null()], {
    description:
      'Monthly KPIs of the monitored building, for planners, municipal, KPI and admin users; otherwise null',
  }),
});
export type CityBuilding = Static<typeof CityBuildingSchema>;

export const CitySearchSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      reference: Type.String(),
      address: Type.Union([Type.String(), Type.Null()]),
      centroid: Type.Array(Type.Number()),
    }),
  ),
});
export type CitySearch = Static<typeof CitySearchSchema>;

export const LinkBodySchema = Type.Object({
  building: Type.Union([Type.String({ minLength: 1, maxLength: 100 }), Type.Null()], {
    description:
      'The registry building’s code, or null to keep the building unlinked; either way the point rule no longer applies',
  }),
});

export type Position = [number, number];
export type GeoJsonPolygonal =
  { type: 'Polygon'; coordinates: Position[][] } | { type: 'MultiPolygon'; coordinates: Position[][][] };

/** The latest value of a KPI for each city building linked to a monitored building. */
export const KpiValuesSchema = Type.Object({
  kpi: Type.String(),
  unit: Type.String(),
  breaks: Type.Array(Type.Number(), { description: 'Class limits (quintiles of the values), ascending' }),
  items: Type.Array(
    Type.Object({
      id: Type.Integer({ description: 'The feature id of the building in the tiles' }),
      reference: Type.String(),
      value: Type.Number(),
      periodStart: EpochMs('Start of the period of the value'),
      periodEnd: EpochMs('End of that period, exclusive'),
    }),
  ),
});
export type KpiValues = Static<typeof KpiValuesSchema>;
