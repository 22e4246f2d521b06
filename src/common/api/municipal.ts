import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { LEVELS, MUNICIPAL_CARRIER_NAMES, RECORD_SOURCES } from '../municipal/carriers.ts';
import { Page, PageQuery } from './pagination.ts';

/**
 * Municipal energy: the city's own areas, facilities and meters, what they consume and cost
 * month by month, and their carbon. Quantities are in the meter's unit (kWh, m3, l, kg), costs
 * in euros (VAT included, as invoiced), CO2 in kg; months are `YYYY-MM`, dates `YYYY-MM-DD`.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Id = (what: string) => Type.Integer({ minimum: 1, description: `Id of the ${what}` });
const Month = (description: string) => Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description });

export const CarrierName = Type.Unsafe<string>({
  type: 'string',
  enum: [...MUNICIPAL_CARRIER_NAMES],
  description: `What the meter counts: ${MUNICIPAL_CARRIER_NAMES.join(', ')}`,
});
export const SourceName = Type.Unsafe<string>({
  type: 'string',
  enum: [...RECORD_SOURCES],
  description: 'Where a record came from; in this order of precedence for a month',
});

// --- Areas ---------------------------------------------------------------------------------------

export const AreaSchema = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  name: Type.String(),
  parentId: Nullable(Type.Integer({ description: 'The area a sub-group belongs to; null for an area' })),
  facilities: Type.Integer({ description: 'Facilities in it and its sub-groups' }),
});
export type Area = Static<typeof AreaSchema>;
export const AreaListSchema = Type.Object({ items: Type.Array(AreaSchema) });

export const AreaCreateSchema = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$' }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    parentId: Type.Optional(Id('area this is a sub-group of')),
  },
  { additionalProperties: false },
);
export type AreaCreate = Static<typeof AreaCreateSchema>;
export const AreaPatchSchema = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);

// --- Facilities ----------------------------------------------------------------------------------

export const FacilitySchema = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  name: Type.String(),
  address: Type.String(),
  areaId: Type.Integer({ description: 'Its sub-group (or area)' }),
  districtId: Nullable(Type.Integer({ description: 'The neighbourhood it is in' })),
  buildingId: Nullable(Type.Integer({ description: 'The building of the registry it is, when linked' })),
  latitude: Nullable(Type.Number()),
  longitude: Nullable(Type.Number()),
  areaM2: Nullable(Type.Number({ description: 'Floor area, m²' })),
  meters: Type.Integer(),
});
export type Facility = Static<typeof FacilitySchema>;
export const FacilityPageSchema = Page(FacilitySchema);

export const FacilityCreateSchema = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    address: Type.Optional(Type.String({ maxLength: 300 })),
    areaId: Id('sub-group or area'),
    districtId: Type.Optional(Nullable(Id('district'))),
    buildingId: Type.Optional(Nullable(Id('building'))),
    latitude: Type.Optional(Nullable(Type.Number({ minimum: -90, maximum: 90 }))),
    longitude: Type.Optional(Nullable(Type.Number({ minimum: -180, maximum: 180 }))),
    areaM2: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
  },
  { additionalProperties: false },
);
export type FacilityCreate = Static<typeof FacilityCreateSchema>;
export const FacilityPatchSchema = Type.Partial(FacilityCreateSchema, { additionalProperties: false });
export type FacilityPatch = Static<typeof FacilityPatchSchema>;

export const FacilityListQuery = Type.Object({
  area: Type.Optional(Id('area or sub-group')),
  district: Type.Optional(Id('district')),
  q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the name, code or address' })),
  ...PageQuery,
});
export type FacilityListQuery = Static<typeof FacilityListQuery>;

// --- Meters --------------------------------------------------------------------------------------

const PowerSchema = Type.Record(Type.String({ pattern: '^p[1-6]$' }), Type.Number({ minimum: 0 }), {
  description: 'Per tariff period p1…p6, kW',
});

export const MeterSchema = Type.Object({
  id: Type.Integer(),
  facilityId: Type.Integer(),
  code: Type.String({ description: 'The CUPS of a grid supply, or the city’s own code' }),
  kind: Type.Union([Type.Literal('cups'), Type.Literal('internal')]),
  carrier: CarrierName,
  unit: Type.String(),
  supplier: Type.String(),
  tariff: Type.String(),
  contractedKw: PowerSchema,
});
export type Meter = Static<typeof MeterSchema>;
export const MeterPageSchema = Page(MeterSchema);

export const MeterCreateSchema = Type.Object(
  {
    facilityId: Id('facility'),
    cups: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'For a grid supply' })),
    code: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description: 'The city’s own code, for a meter without CUPS',
      }),
    ),
    carrier: CarrierName,
    supplier: Type.Optional(Type.String({ maxLength: 200 })),
    tariff: Type.Optional(Type.String({ maxLength: 64 })),
    contractedKw: Type.Optional(PowerSchema),
  },
  { additionalProperties: false },
);
export type MeterCreate = Static<typeof MeterCreateSchema>;

export const MeterListQuery = Type.Object({
  facility: Type.Optional(Id('facility')),
  carrier: Type.Optional(CarrierName),
  q: Type.Optional(Type.String({ maxLength: 100, description: 'Part of the code' })),
  ...PageQuery,
});
export type MeterListQuery = Static<typeof MeterListQuery>;

// --- Consumption ---------------------------------------------------------------------------------

export const MonthRowSchema = Type.Object({
  meterId: Type.Integer(),
  meterCode: Type.String(),
  facilityId: Type.Integer(),
  month: Type.String({ description: 'YYYY-MM' }),
  carrier: CarrierName,
  unit: Type.String(),
  quantity: Type.Number({ description: 'In the unit' }),
  costEur: Nullable(Type.Number({ description: '€' })),
  eurPerUnit: Nullable(Type.Number({ description: '€ per unit' })),
  maxKw: Nullable(Type.Number({ description: 'Largest power demanded, kW' })),
  source: SourceName,
});
export type MonthRow = Static<typeof MonthRowSchema>;
export const MonthPageSchema = Page(MonthRowSchema);

export const ConsumptionQuery = Type.Object({
  meter: Type.Optional(Id('meter')),
  facility: Type.Optional(Id('facility')),
  area: Type.Optional(Id('area or sub-group')),
  district: Type.Optional(Id('district')),
  carrier: Type.Optional(CarrierName),
  source: Type.Optional(SourceName),
  from: Type.Optional(Month('First month, YYYY-MM')),
  to: Type.Optional(Month('Last month included, YYYY-MM')),
  ...PageQuery,
});
export type ConsumptionQuery = Static<typeof ConsumptionQuery>;

export const ExportFormat = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')], { default: 'csv' }),
});

// --- Carbon factors ------------------------------------------------------------------------------

export const CarbonFactorSchema = Type.Object({
  id: Type.Integer(),
  carrier: CarrierName,
  year: Type.Integer(),
  scope: Type.Integer({ minimum: 1, maximum: 2 }),
  kgPerUnit: Type.Number({ description: 'kg CO2 per unit of the carrier' }),
  supplier: Type.String({ description: 'Empty: the location-based factor; otherwise the supplier’s own' }),
  source: Type.String(),
  updatedAt: Type.Integer(),
  updatedBy: Type.String(),
});
export type CarbonFactor = Static<typeof CarbonFactorSchema>;
export const CarbonFactorListSchema = Type.Object({ items: Type.Array(CarbonFactorSchema) });

export const CarbonFactorCreateSchema = Type.Object(
  {
    carrier: CarrierName,
    year: Type.Integer({ minimum: 1990, maximum: 2100 }),
    kgPerUnit: Type.Number({ minimum: 0, maximum: 100 }),
    supplier: Type.Optional(Type.String({ maxLength: 200 })),
    source: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
);
export type CarbonFactorCreate = Static<typeof CarbonFactorCreateSchema>;
export const CarbonFactorPatchSchema = Type.Object(
  {
    kgPerUnit: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    source: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type CarbonFactorPatch = Static<typeof CarbonFactorPatchSchema>;

// --- Summary -------------------------------------------------------------------------------------

export const SummaryQuery = Type.Object({
  level: Type.Unsafe<(typeof LEVELS)[number]>({ type: 'string', enum: [...LEVELS], default: 'city' }),
  id: Type.Optional(Id('district, area or sub-group, facility or meter the level names')),
  district: Type.Optional(
    Id('district an area is looked at within (city → neighbourhood → area → sub-group)'),
  ),
  from: Type.Optional(Month('First month, YYYY-MM (default: two years back)')),
  to: Type.Optional(Month('Last month included, YYYY-MM (default: the latest month with data)')),
  by: Type.Union([Type.Literal('month'), Type.Literal('year')], { default: 'month' }),
  basis: Type.Union([Type.Literal('location'), Type.Literal('market')], {
    default: 'location',
    description: 'Electricity CO2: the grid’s factor, or the supplier’s own where one is stored',
  }),
});
export type SummaryQuery = Static<typeof SummaryQuery>;

const Figures = {
  carrier: CarrierName,
  unit: Type.String(),
  quantity: Type.Number(),
  costEur: Type.Number(),
  co2Kg: Nullable(Type.Number({ description: 'null where a year has no factor' })),
  scope: Nullable(Type.Integer()),
};

export const NodeRefSchema = Type.Object({
  level: Type.String(),
  id: Nullable(Type.Integer()),
  name: Type.String(),
});
export type NodeRef = Static<typeof NodeRefSchema>;

export const SummarySchema = Type.Object({
  node: NodeRefSchema,
  trail: Type.Array(NodeRefSchema, { description: 'The breadcrumbs from the city down to this node' }),
  district: Nullable(Type.Integer()),
  from: Type.String(),
  to: Type.String(),
  by: Type.String(),
  carriers: Type.Array(Type.Object(Figures)),
  totals: Type.Object({
    costEur: Type.Number(),
    energyKWh: Type.Number({ description: 'Carriers counted in kWh, solar production left out' }),
    co2Kg: Nullable(Type.Number({ description: 'null when some consumption has no factor' })),
    co2Scope1Kg: Nullable(Type.Number()),
    co2Scope2Kg: Nullable(Type.Number()),
  }),
  missingFactors: Type.Array(
    Type.Object({ carrier: Type.String(), year: Type.Integer(), note: Type.String() }),
    { description: 'Carrier-years with consumption but no carbon factor: their CO2 is not guessed' },
  ),
  series: Type.Array(Type.Object({ period: Type.String(), ...Figures })),
  children: Type.Array(
    Type.Object({
      level: Type.String(),
      id: Nullable(Type.Integer()),
      name: Type.String(),
      latitude: Nullable(Type.Number()),
      longitude: Nullable(Type.Number()),
      energyKWh: Type.Number(),
      costEur: Type.Number(),
      co2Kg: Nullable(Type.Number()),
      eurPerKWh: Nullable(Type.Number()),
      recentEnergyKWh: Type.Number({
        description: 'The last twelve months of the period (all of it when shorter), kWh',
      }),
      previousEnergyKWh: Nullable(
        Type.Number({ description: 'The same months a year before; null when some have no data' }),
      ),
      change: Nullable(Type.Number({ description: 'recentEnergyKWh against previousEnergyKWh, relative' })),
      carriers: Type.Array(Type.Object({ carrier: Type.String(), quantity: Type.Number() })),
    }),
  ),
  sources: Type.Array(Type.Object({ source: Type.String(), months: Type.Integer() })),
  meter: Type.Optional(
    Type.Object({
      code: Type.String(),
      kind: Type.String(),
      tariff: Type.String(),
      supplier: Type.String(),
      contractedKw: PowerSchema,
      maxKw: Nullable(Type.Number({ description: 'Largest power demanded in the period, kW' })),
    }),
  ),
});
export type Summary = Static<typeof SummarySchema>;

// --- Open data -----------------------------------------------------------------------------------

export const OpenDataRowSchema = Type.Object({
  year: Type.Integer(),
  area: Type.String({ description: 'The area’s code' }),
  areaName: Type.String(),
  carrier: CarrierName,
  unit: Type.String(),
  quantity: Type.Number(),
  costEur: Type.Number(),
  co2Kg: Nullable(Type.Number({ description: 'null: no factor for that year' })),
});
export const OpenDataSchema = Type.Object({
  licence: Type.String(),
  note: Type.String(),
  items: Type.Array(OpenDataRowSchema),
});
export const OpenDataQuery = Type.Object({
  format: Type.Union([Type.Literal('json'), Type.Literal('csv'), Type.Literal('xlsx')], { default: 'json' }),
});

/** The most rows one invoice file holds (a city's ten years of monthly invoices, and then some). */
export const MAX_INVOICE_ROWS = 300_000;

export const MapSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  facilities: Type.Array(
    Type.Object({
      id: Type.Integer(),
      code: Type.String(),
      name: Type.String(),
      latitude: Type.Number(),
      longitude: Type.Number(),
      energyKWh: Type.Number({ description: 'Electricity, gas and district heat in the period, kWh' }),
      costEur: Type.Number(),
    }),
  ),
  districts: Type.Array(
    Type.Object({
      id: Type.Integer(),
      code: Type.String(),
      name: Type.String(),
      boundary: Nullable(Type.Unknown({ description: 'GeoJSON Polygon or MultiPolygon' })),
      energyKWh: Type.Number({ description: 'What the node consumed in the district, kWh' }),
    }),
  ),
});
export type MunicipalMapAnswer = Static<typeof MapSchema>;

// --- Before and after a refurbishment ------------------------------------------------------------

export const BeforeAfterQuery = Type.Object({
  date: Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}$',
    description: 'The day the refurbishment ended, YYYY-MM-DD; its month belongs to neither period',
  }),
  months: Type.Integer({
    minimum: 1,
    maximum: 36,
    default: 12,
    description: 'Whole months on each side (fewer when the data is shorter on either side)',
  }),
  carrier: Type.Optional(CarrierName),
  base: Type.Number({ minimum: 5, maximum: 25, default: 15, description: 'HDD base temperature, °C' }),
});
export type BeforeAfterQuery = Static<typeof BeforeAfterQuery>;

const BeforeAfterPeriodSchema = Type.Object({
  from: Type.String({ description: 'First month, YYYY-MM' }),
  to: Type.String({ description: 'Last month, YYYY-MM' }),
  months: Type.Integer(),
  energyKWh: Type.Number(),
  hdd: Nullable(Type.Number({ description: 'Heating degree days of the district weather station, K·day' })),
  temperatureDays: Type.Integer({ description: 'Days with an outdoor mean temperature' }),
  kWhPerHdd: Nullable(Type.Number()),
  meanOutdoorC: Nullable(Type.Number()),
});
export type BeforeAfterPeriod = Static<typeof BeforeAfterPeriodSchema>;

export const BeforeAfterSchema = Type.Object({
  facilityId: Type.Integer(),
  status: Type.Union(
    ['ok', 'no-district', 'no-weather-station', 'too-recent', 'no-data'].map((s) => Type.Literal(s)),
    {
      description:
        'ok; no-district (the facility has no neighbourhood); no-weather-station (its district has none); too-recent (no whole month after the works yet); no-data (no heating consumption on both sides)',
    },
  ),
  date: Type.String(),
  baseC: Type.Number(),
  carriers: Type.Array(CarrierName, { description: 'The heating carriers counted' }),
  before: Nullable(BeforeAfterPeriodSchema),
  after: Nullable(BeforeAfterPeriodSchema),
  change: Nullable(
    Type.Object({
      energy: Nullable(Type.Number()),
      hdd: Nullable(Type.Number()),
      kWhPerHdd: Nullable(
        Type.Number({ description: 'The weather-normalised change: −0.25 = a quarter less' }),
      ),
    }),
  ),
});
export type BeforeAfter = Static<typeof BeforeAfterSchema>;

// --- Datadis hours of a meter --------------------------------------------------------------------

export const HourlyQuery = Type.Object({
  from: Type.Optional(
    Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
      description: 'First day, YYYY-MM-DD (default: 14 days back)',
    }),
  ),
  to: Type.Optional(
    Type.String({
      pattern: '^\\d{4}-\\d{2}-\\d{2}$',
      description: 'Last day included, YYYY-MM-DD (default: today)',
    }),
  ),
});
export type HourlyQuery = Static<typeof HourlyQuery>;

export const HourlySchema = Type.Object({
  meterId: Type.Integer(),
  cups: Type.String(),
  from: Type.String(),
  to: Type.String(),
  points: Type.Array(
    Type.Object({
      t: Type.Integer({ description: 'Start of the hour (or quarter hour), epoch ms' }),
      kWh: Type.Number(),
      estimated: Type.Boolean({ description: 'The distributor estimated it rather than reading the meter' }),
    }),
  ),
});
export type Hourly = Static<typeof HourlySchema>;
