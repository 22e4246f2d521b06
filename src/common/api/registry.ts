import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Page, PageQuery } from './pagination.ts';
import { EpochMs } from './time.ts';

/**
 * The registry: district → building → dwelling → gateway → sensor, weather stations, the open
 * list of media and the typed building features. Quantities name their unit; times are UTC
 * epoch milliseconds.
 */

/** Energy carriers a building's heated area can be served by. */
export const CARRIERS = [
  'natural_gas',
  'electricity',
  'district_heating',
  'heating_oil',
  'lpg',
  'biomass',
  'pellets',
  'solar_thermal',
  'other',
] as const;
export type Carrier = (typeof CARRIERS)[number];

/**
 * Spellings found in the cities' spreadsheets, by their normal form (lower case, spaces and
 * hyphens as underscores, accents dropped), for the carriers they mean.
 */
export const CARRIER_ALIASES: Readonly<Record<string, Carrier>> = {
  gas: 'natural_gas',
  gas_natural: 'natural_gas',
  electricidad: 'electricity',
  electric: 'electricity',
  calefaccion_urbana: 'district_heating',
  red_de_calor: 'district_heating',
  district: 'district_heating',
  gasoleo: 'heating_oil',
  gasoil: 'heating_oil',
  oil: 'heating_oil',
  glp: 'lpg',
  propano: 'lpg',
  propane: 'lpg',
  biomasa: 'biomass',
  pellet: 'pellets',
  solar: 'solar_thermal',
  solar_termica: 'solar_thermal',
  otro: 'other',
  otros: 'other',
};

/** The carrier a spreadsheet cell names, or undefined when it names none known. */
export function carrierOf(text: string): Carrier | undefined {
  const normal = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
  if ((CARRIERS as readonly string[]).includes(normal)) return normal as Carrier;
  return CARRIER_ALIASES[normal];
}

export const FEATURE_TYPES = ['number', 'text', 'boolean', 'date'] as const;
export type FeatureType = (typeof FEATURE_TYPES)[number];

/** A gateway's serial number: 16 hexadecimal characters, stored in upper case. */
export const SERIAL_PATTERN = '^[0-9A-Fa-f]{16}$';
/** Names of media and feature keys. */
export const NAME_PATTERN = '^[a-z][a-z0-9_]{0,63}$';
/** Codes kept as given, but without surrounding blanks. */
const CODE_PATTERN = '^\\S(.*\\S)?$';

/** `schema`, or null; one JSON Schema type list, so a wrong value gets one message, not three. */
export function Nullable<T extends TSchema>(schema: T) {
  const s = schema as TSchema & { type?: string; enum?: unknown[] };
  return Type.Unsafe<Static<T> | null>({
    ...s,
    type: [s.type, 'null'],
    ...(s.enum ? { enum: [...s.enum, null] } : {}),
  });
}

const Id = (description: string) => Type.Integer({ minimum: 1, description });
const Latitude = Type.Number({ minimum: -90, maximum: 90, description: 'WGS 84 latitude, ° (−90 to 90)' });
const Longitude = Type.Number({
  minimum: -180,
  maximum: 180,
  description: 'WGS 84 longitude, ° (−180 to 180; west is negative)',
});
const AreaM2 = (description: string) =>
  Type.Number({ minimum: 0, maximum: 10_000_000, description: `${description}, m²` });
const CarrierSchema = Type.Unsafe<Carrier>({
  type: 'string',
  enum: [...CARRIERS],
  description: `Energy carrier: ${CARRIERS.join(', ')}`,
});
const Floors = Type.Integer({ minimum: 0, maximum: 300, description: 'Floors above ground' });
const Floor = Type.Integer({ minimum: -10, maximum: 300, description: 'Floor (0 = ground floor)' });

/** The largest contracted power CIOP accepts for a dwelling, W (1 MW: far above any home). */
export const MAX_CONTRACTED_POWER_W = 1_000_000;
/** A dwelling's contracted power, W: what its supply contract allows (e.g. 3450, 4600, 5750). */
export const ContractedPowerW = Type.Integer({
  minimum: 1,
  maximum: MAX_CONTRACTED_POWER_W,
  description:
    "Power the supply contract allows, W (e.g. 4600); the upper bound of the quality check of the dwelling's power readings",
});

// --- Districts -------------------------------------------------------------------------------

export const DistrictSchema = Type.Object({
  id: Type.Integer(),
  code: Type.String({ description: 'Unique code, kept as given' }),
  name: Type.String(),
  city: Type.String(),
  latitude: Nullable(Latitude),
  longitude: Nullable(Longitude),
  createdAt: EpochMs('Created'),
});
export type District = Static<typeof DistrictSchema>;

export const DistrictCreateSchema = Type.Object(
  {
    code: Type.String({ minLength: 1, maxLength: 64, pattern: CODE_PATTERN }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    city: Type.Optional(Type.String({ maxLength: 200 })),
    latitude: Type.Optional(Nullable(Latitude)),
    longitude: Type.Optional(Nullable(Longitude)),
  },
  { additionalProperties: false },
);
export type DistrictCreate = Static<typeof DistrictCreateSchema>;
export const DistrictPatchSchema = Type.Partial(DistrictCreateSchema, { additionalProperties: false });
export type DistrictPatch = Static<typeof DistrictPatchSchema>;

export const DistrictListQuery = Type.Object(PageQuery);

// --- Feature definitions -------------------------------------------------------------------------

const FeatureTypeSchema = Type.Unsafe<FeatureType>({
  type: 'string',
  enum: [...FEATURE_TYPES],
  description: 'number, text, boolean or date (YYYY-MM-DD)',
});

export const FeatureDefinitionSchema = Type.Object({
  key: Type.String(),
  type: FeatureTypeSchema,
  unit: Nullable(Type.String({ description: 'Unit of a number feature, e.g. % or °' })),
  description: Type.String(),
});
export type FeatureDefinition = Static<typeof FeatureDefinitionSchema>;

export const FeatureDefinitionCreateSchema = Type.Object(
  {
    key: Type.String({ pattern: NAME_PATTERN, description: 'lower case letters, digits and _' }),
    type: FeatureTypeSchema,
    unit: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type FeatureDefinitionCreate = Static<typeof FeatureDefinitionCreateSchema>;
export const FeatureDefinitionPatchSchema = Type.Partial(Type.Omit(FeatureDefinitionCreateSchema, ['key']), {
  additionalProperties: false,
});
export type FeatureDefinitionPatch = Static<typeof FeatureDefinitionPatchSchema>;

export const FeatureDefinitionListQuery = Type.Object(PageQuery);

// --- Media -------------------------------------------------------------------------------------

export const MediumSchema = Type.Object({
  name: Type.String({ description: 'What is measured, as the forwarders name it' }),
  unit: Type.String({ description: 'Unit of every reading of this medium (°C, %RH, ppm, W, kWh, …)' }),
  cumulative: Type.Boolean({
    description: 'A meter counting since installation (consumption from differences)',
  }),
  description: Type.String(),
});
export type Medium = Static<typeof MediumSchema>;

export const MediumCreateSchema = Type.Object(
  {
    name: Type.String({ pattern: NAME_PATTERN, description: 'lower case letters, digits and _' }),
    unit: Type.String({ maxLength: 32 }),
    cumulative: Type.Optional(Type.Boolean({ default: false })),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type MediumCreate = Static<typeof MediumCreateSchema>;
export const MediumPatchSchema = Type.Partial(Type.Omit(MediumCreateSchema, ['name']), {
  additionalProperties: false,
});
export type MediumPatch = Static<typeof MediumPatchSchema>;

export const MediumListQuery = Type.Object(PageQuery);

// --- Buildings ---------------------------------------------------------------------------------

export type FeatureValue = string | number | boolean;
// No type keyword: the request validator coerces types (it would turn 1962 into "1962" under a
// union's first branch), so the service checks each value against its feature's definition.
const FeatureValue = Type.Unsafe<FeatureValue>({
  description:
    'A number, text (at most 500 characters), true/false, or a date as YYYY-MM-DD, as its definition says',
});
const FeatureValueOrNull = Type.Unsafe<FeatureValue | null>({
  description: 'As in the feature definition; null removes the feature',
});

export const BuildingSchema = Type.Object({
  id: Type.Integer(),
  districtId: Type.Integer(),
  code: Type.String({ description: 'Cadastral-style code, unique, kept as given (e.g. 59_473_7)' }),
  address: Type.String(),
  latitude: Latitude,
  longitude: Longitude,
  carrier1: Nullable(CarrierSchema),
  area1M2: Nullable(AreaM2('Heated area served by carrier1')),
  carrier2: Nullable(CarrierSchema),
  area2M2: Nullable(AreaM2('Heated area served by carrier2')),
  floors: Nullable(Floors),
  features: Type.Record(Type.String(), FeatureValue, {
    description: 'Typed features by feature definition key (see /api/v1/feature-definitions)',
  }),
  createdAt: EpochMs('Created'),
  updatedAt: EpochMs('Last changed'),
});
export type Building = Static<typeof BuildingSchema>;

export const BuildingCreateSchema = Type.Object(
  {
    districtId: Id('District the building is in'),
    code: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: CODE_PATTERN,
      description: 'Cadastral-style code, unique, kept as given',
    }),
    address: Type.String({ minLength: 1, maxLength: 300 }),
    latitude: Latitude,
    longitude: Longitude,
    carrier1: Type.Optional(Nullable(CarrierSchema)),
    area1M2: Type.Optional(Nullable(AreaM2('Heated area served by carrier1'))),
    carrier2: Type.Optional(Nullable(CarrierSchema)),
    area2M2: Type.Optional(Nullable(AreaM2('Heated area served by carrier2'))),
    floors: Type.Optional(Nullable(Floors)),
    features: Type.Optional(
      Type.Record(Type.String(), FeatureValue, { description: 'Typed features by feature definition key' }),
    ),
  },
  { additionalProperties: false },
);
export type BuildingCreate = Static<typeof BuildingCreateSchema>;

export const BuildingPatchSchema = Type.Partial(
  Type.Composite([
    Type.Omit(BuildingCreateSchema, ['features']),
    Type.Object({
      features: Type.Record(Type.String(), FeatureValueOrNull, {
        description: 'Features to set; a null value removes that feature; keys not named stay as they are',
      }),
    }),
  ]),
  { additionalProperties: false },
);
export type BuildingPatch = Static<typeof BuildingPatchSchema>;

export const BuildingListQuery = Type.Object({
  ...PageQuery,
  district: Type.Optional(Id('Only buildings of this district')),
  codePrefix: Type.Optional(
    Type.String({ minLength: 1, maxLength: 64, description: 'Codes starting with this' }),
  ),
  carrier: Type.Optional(CarrierSchema),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'Text in the address (case-insensitive)' }),
  ),
});
export type BuildingListQuery = Static<typeof BuildingListQuery>;

// --- Dwellings ---------------------------------------------------------------------------------

export const DwellingSchema = Type.Object({
  id: Type.Integer(),
  buildingId: Type.Integer(),
  label: Type.String({ description: 'As on the door, e.g. `4 Izq.`; unique within the building' }),
  floor: Nullable(Floor),
  areaM2: Nullable(AreaM2('Useful floor area')),
  contractedPowerW: Nullable(ContractedPowerW),
  createdAt: EpochMs('Created'),
  updatedAt: EpochMs('Last changed'),
});
export type Dwelling = Static<typeof DwellingSchema>;

export const DwellingCreateSchema = Type.Object(
  {
    buildingId: Id('Building the dwelling is in'),
    label: Type.String({ minLength: 1, maxLength: 64, pattern: CODE_PATTERN }),
    floor: Type.Optional(Nullable(Floor)),
    areaM2: Type.Optional(Nullable(AreaM2('Useful floor area'))),
    contractedPowerW: Type.Optional(Nullable(ContractedPowerW)),
  },
  { additionalProperties: false },
);
export type DwellingCreate = Static<typeof DwellingCreateSchema>;
export const DwellingPatchSchema = Type.Partial(DwellingCreateSchema, { additionalProperties: false });
export type DwellingPatch = Static<typeof DwellingPatchSchema>;

export const DwellingListQuery = Type.Object({
  ...PageQuery,
  building: Type.Optional(Id('Only dwellings of this building')),
  district: Type.Optional(Id('Only dwellings of this district')),
});
export type DwellingListQuery = Static<typeof DwellingListQuery>;

// --- Gateways ----------------------------------------------------------------------------------

export const GATEWAY_STATUSES = ['registered', 'unregistered'] as const;
export type GatewayStatus = (typeof GATEWAY_STATUSES)[number];
const GatewayStatusSchema = Type.Unsafe<GatewayStatus>({
  type: 'string',
  enum: [...GATEWAY_STATUSES],
  description:
    'registered: serves a dwelling or carries a weather station; unregistered: known only from its readings, or not placed yet',
});

export const GatewaySchema = Type.Object({
  id: Type.Integer(),
  sn: Type.String({ description: 'Serial number, 16 hexadecimal characters in upper case' }),
  status: GatewayStatusSchema,
  dwellingId: Nullable(Type.Integer({ description: 'Dwelling it serves now' })),
  buildingId: Nullable(Type.Integer({ description: 'Building of that dwelling' })),
  registeredAt: Nullable(EpochMs('When it was registered')),
  firstSeenAt: Nullable(EpochMs('When its first reading arrived')),
  notes: Type.String(),
  createdAt: EpochMs('Created'),
  updatedAt: EpochMs('Last changed'),
});
export type Gateway = Static<typeof GatewaySchema>;

export const GatewayCreateSchema = Type.Object(
  {
    sn: Type.String({ pattern: SERIAL_PATTERN, description: 'Serial number, 16 hexadecimal characters' }),
    dwellingId: Type.Optional(Nullable(Id('Dwelling it serves; leave out to create it unregistered'))),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type GatewayCreate = Static<typeof GatewayCreateSchema>;

export const GatewayPatchSchema = Type.Object(
  {
    dwellingId: Type.Optional(
      Nullable(
        Id(
          'Register the gateway to this dwelling, or move it here; null unregisters it. A first registration takes all its earlier readings along.',
        ),
      ),
    ),
    since: Type.Optional(
      EpochMs(
        'When a move or unregistration took effect (default now); readings before it stay with the earlier dwelling',
      ),
    ),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type GatewayPatch = Static<typeof GatewayPatchSchema>;

export const GatewayListQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(GatewayStatusSchema),
  dwelling: Type.Optional(Id('Only gateways serving this dwelling now')),
  building: Type.Optional(Id('Only gateways serving a dwelling of this building now')),
  sn: Type.Optional(
    Type.String({ pattern: '^[0-9A-Fa-f]{1,16}$', description: 'Serial numbers starting with this' }),
  ),
});
export type GatewayListQuery = Static<typeof GatewayListQuery>;

export const GatewayAssignmentSchema = Type.Object({
  dwellingId: Type.Integer(),
  buildingId: Type.Integer(),
  validFrom: Nullable(EpochMs('Start; null: since the gateway first reported')),
  validTo: Nullable(EpochMs('End, exclusive; null: still serving')),
});
export type GatewayAssignment = Static<typeof GatewayAssignmentSchema>;
export const GatewayAssignmentsSchema = Type.Object({
  items: Type.Array(GatewayAssignmentSchema, {
    description: 'Every dwelling the gateway served, oldest first (at most 1,000)',
  }),
});

// --- Sensors -----------------------------------------------------------------------------------

export const SensorSchema = Type.Object({
  id: Type.Integer(),
  gatewayId: Type.Integer(),
  sn: Type.String({ description: "The gateway's serial number" }),
  channel: Type.String(),
  device: Type.String(),
  medium: Type.String(),
  unit: Type.String({ description: 'Unit of its readings' }),
  label: Type.String(),
  dwellingId: Nullable(Type.Integer({ description: 'Dwelling its gateway serves now' })),
  buildingId: Nullable(Type.Integer()),
  hasReadings: Type.Boolean({ description: 'Whether readings of it are stored' }),
  createdAt: EpochMs('Created'),
});
export type Sensor = Static<typeof SensorSchema>;

export const SensorCreateSchema = Type.Object(
  {
    gatewayId: Id('Gateway the sensor reports through'),
    channel: Type.String({ minLength: 1, maxLength: 64 }),
    device: Type.String({ minLength: 1, maxLength: 64 }),
    medium: Type.String({ pattern: NAME_PATTERN, description: 'A medium of /api/v1/media' }),
    unit: Type.Optional(Type.String({ maxLength: 32, description: "Default: the medium's unit" })),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type SensorCreate = Static<typeof SensorCreateSchema>;
export const SensorPatchSchema = Type.Object(
  {
    unit: Type.Optional(Type.String({ maxLength: 32 })),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type SensorPatch = Static<typeof SensorPatchSchema>;

export const SensorListQuery = Type.Object({
  ...PageQuery,
  gateway: Type.Optional(Id('Only sensors of this gateway')),
  medium: Type.Optional(Type.String({ pattern: NAME_PATTERN })),
  dwelling: Type.Optional(Id('Only sensors whose gateway serves this dwelling now')),
  building: Type.Optional(Id('Only sensors whose gateway serves a dwelling of this building now')),
});
export type SensorListQuery = Static<typeof SensorListQuery>;

// --- Weather stations --------------------------------------------------------------------------

export const WeatherStationSchema = Type.Object({
  id: Type.Integer(),
  districtId: Type.Integer(),
  code: Type.String({ description: 'Unique code, kept as given' }),
  name: Type.String(),
  latitude: Nullable(Latitude),
  longitude: Nullable(Longitude),
  gatewayId: Nullable(
    Type.Integer({ description: 'Gateway carrying its outdoor temperature and humidity readings' }),
  ),
  createdAt: EpochMs('Created'),
});
export type WeatherStation = Static<typeof WeatherStationSchema>;

export const WeatherStationCreateSchema = Type.Object(
  {
    districtId: Id('District the station serves'),
    code: Type.String({ minLength: 1, maxLength: 64, pattern: CODE_PATTERN }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    latitude: Type.Optional(Nullable(Latitude)),
    longitude: Type.Optional(Nullable(Longitude)),
    gatewayId: Type.Optional(Nullable(Id('Gateway carrying its readings'))),
  },
  { additionalProperties: false },
);
export type WeatherStationCreate = Static<typeof WeatherStationCreateSchema>;
export const WeatherStationPatchSchema = Type.Partial(WeatherStationCreateSchema, {
  additionalProperties: false,
});
export type WeatherStationPatch = Static<typeof WeatherStationPatchSchema>;

export const WeatherStationListQuery = Type.Object({
  ...PageQuery,
  district: Type.Optional(Id('Only stations of this district')),
});
export type WeatherStationListQuery = Static<typeof WeatherStationListQuery>;

// --- Pages -------------------------------------------------------------------------------------

export const DistrictPageSchema = Page(DistrictSchema);
export const BuildingPageSchema = Page(BuildingSchema);
export const DwellingPageSchema = Page(DwellingSchema);
export const GatewayPageSchema = Page(GatewaySchema);
export const SensorPageSchema = Page(SensorSchema);
export const WeatherStationPageSchema = Page(WeatherStationSchema);
export const MediumPageSchema = Page(MediumSchema);
export const FeatureDefinitionPageSchema = Page(FeatureDefinitionSchema);

// --- Import ------------------------------------------------------------------------------------

/** The most data rows one import file may hold. */
export const MAX_IMPORT_ROWS = 20_000;
/** The most problems an import report lists; the rest are counted. */
export const MAX_IMPORT_PROBLEMS = 1_000;

export const ImportQuery = Type.Object({
  dryRun: Type.Optional(
    Type.Boolean({ default: false, description: 'Check the file and report, storing nothing' }),
  ),
  district: Type.Optional(
    Id('District of new buildings whose row has no District column (building import only)'),
  ),
  sheet: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 100,
      description: 'XLSX: the worksheet to read (default the first)',
    }),
  ),
});
export type ImportQuery = Static<typeof ImportQuery>;

export const ImportProblemSchema = Type.Object({
  row: Type.Integer({ description: 'Row number as the spreadsheet shows it (the header is row 1)' }),
  column: Type.String({ description: 'Header of the column, as written in the file' }),
  value: Type.Optional(Type.String({ description: 'The cell as read' })),
  reason: Type.String(),
});
export type ImportProblem = Static<typeof ImportProblemSchema>;

export const ImportReportSchema = Type.Object({
  dryRun: Type.Boolean({ description: 'When true, nothing was stored' }),
  rows: Type.Integer({ description: 'Data rows read (blank rows are skipped)' }),
  created: Type.Integer({ description: 'Rows that created a record (or would, on a dry run)' }),
  updated: Type.Integer({ description: 'Rows that updated an existing record (or would)' }),
  rejected: Type.Integer({ description: 'Rows refused; each has at least one problem below' }),
  problems: Type.Array(ImportProblemSchema, {
    description: `What is wrong with each rejected row, in row order (at most ${MAX_IMPORT_PROBLEMS})`,
  }),
  problemsOmitted: Type.Integer({ description: 'Problems beyond the listed ones' }),
  ignoredColumns: Type.Array(Type.String(), { description: 'Headers that are not read' }),
});
export type ImportReport = Static<typeof ImportReportSchema>;
