/**
 * What a municipal meter counts, in its fixed unit, and which emission scope burning or buying it
 * falls in (GHG Protocol corporate standard): scope 1 for fuels burnt on site and by the fleet,
 * scope 2 for bought electricity and district heat. Water and the solar electricity the city
 * produces emit nothing to count.
 */
export const MUNICIPAL_CARRIERS = {
  electricity: { unit: 'kWh', scope: 2 },
  natural_gas: { unit: 'kWh', scope: 1 },
  district_heating: { unit: 'kWh', scope: 2 },
  water: { unit: 'm3', scope: null },
  diesel: { unit: 'l', scope: 1 },
  gasoline: { unit: 'l', scope: 1 },
  lpg: { unit: 'kg', scope: 1 },
  biomass: { unit: 'kg', scope: 1 },
  solar_pv: { unit: 'kWh', scope: null },
} as const satisfies Record<string, { unit: string; scope: 1 | 2 | null }>;

export type MunicipalCarrier = keyof typeof MUNICIPAL_CARRIERS;
export const MUNICIPAL_CARRIER_NAMES = Object.keys(MUNICIPAL_CARRIERS) as MunicipalCarrier[];

/** Where a month's consumption came from, in order of precedence (the first present wins). */
export const RECORD_SOURCES = ['invoice', 'reading', 'datadis', 'manual'] as const;
export type RecordSource = (typeof RECORD_SOURCES)[number];

/** The levels the city is looked at, from the whole city to one meter. */
export const LEVELS = ['city', 'district', 'area', 'facility', 'meter'] as const;
export type Level = (typeof LEVELS)[number];

/** Spellings of units on invoices, by their normal form, for the unit they mean. */
const UNIT_ALIASES: Record<string, string> = {
  kwh: 'kWh',
  m3: 'm3',
  'm³': 'm3',
  l: 'l',
  litros: 'l',
  litres: 'l',
  liters: 'l',
  kg: 'kg',
};

/** The unit a cell names, in its normal spelling, or undefined. */
export const unitOf = (text: string): string | undefined => UNIT_ALIASES[text.trim().toLowerCase()];

/** Electricity tariffs' power periods. */
export const POWER_PERIODS = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'] as const;
