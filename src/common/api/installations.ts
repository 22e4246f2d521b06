import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { LanguageSchema } from './auth.ts';
import { Page, PageQuery } from './pagination.ts';
import { ContractedPowerW, SERIAL_PATTERN } from './registry.ts';
import { EpochMs } from './time.ts';

const Id = (description: string) => Type.Integer({ minimum: 1, description });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const MEDIUM_PATTERN = '^[a-z][a-z0-9_]{0,63}$';
/** Texts kept as given, without surrounding blanks. */
const TEXT_PATTERN = '^\\S(.*\\S)?$';

// --- Device status ------------------------------------------------------------------------------

/**
 * How a gateway or sensor is doing: `reporting` (green) sent something within its threshold,
 * `silent` (red) not for longer than that, `never` (black) never sent anything.
 */
export const DEVICE_STATUSES = ['reporting', 'silent', 'never'] as const;
export type DeviceStatus = (typeof DEVICE_STATUSES)[number];
const DeviceStatusSchema = Type.Unsafe<DeviceStatus>({
  type: 'string',
  enum: [...DEVICE_STATUSES],
  description: 'reporting (green), silent (red: longer than the threshold), never (black: never reported)',
});

/**
 * A dwelling's status: `silent` when a gateway or a sensor of it is silent, `never` when a
 * gateway never reported, `no-gateway` when no gateway serves it.
 */
export const DWELLING_STATUSES = ['reporting', 'silent', 'never', 'no-gateway'] as const;
export type DwellingStatus = (typeof DWELLING_STATUSES)[number];
const DwellingStatusSchema = Type.Unsafe<DwellingStatus>({
  type: 'string',
  enum: [...DWELLING_STATUSES],
  description: 'reporting, silent (a gateway or sensor is), never (a gateway never reported), no-gateway',
});

const BellSchema = {
  incidentId: Nullable(Type.Integer({ description: 'Its open incident' })),
  notified: Type.Boolean({
    description: 'The maintenance contacts were told of its open incident (the bell)',
  }),
};

export const SensorStatusSchema = Type.Object({
  id: Type.Integer(),
  channel: Type.String(),
  device: Type.String(),
  medium: Type.String(),
  unit: Type.String(),
  label: Type.String(),
  status: DeviceStatusSchema,
  lastSeen: Nullable(EpochMs('Time of its latest reading')),
  value: Nullable(Type.Number({ description: 'Its latest reading, in `unit`' })),
  silentAfterS: Type.Integer({ description: 'Silent after this long without readings, s' }),
  ...BellSchema,
});
export type SensorStatus = Static<typeof SensorStatusSchema>;

export const GatewayStatusSchema = Type.Object({
  id: Type.Integer(),
  sn: Type.String(),
  status: DeviceStatusSchema,
  lastSeen: Nullable(EpochMs('Time of the latest reading of any of its sensors')),
  silentAfterS: Type.Integer({ description: 'Silent after this long without readings, s' }),
  ...BellSchema,
  sensors: Type.Array(SensorStatusSchema),
});
export type GatewayStatusEntry = Static<typeof GatewayStatusSchema>;

export const DwellingStatusEntrySchema = Type.Object({
  dwellingId: Type.Integer(),
  label: Type.String(),
  floor: Nullable(Type.Integer()),
  buildingId: Type.Integer(),
  buildingCode: Type.String(),
  address: Type.String(),
  status: DwellingStatusSchema,
  gateways: Type.Array(GatewayStatusSchema),
});
export type DwellingStatusEntry = Static<typeof DwellingStatusEntrySchema>;

const Counts = <K extends string>(keys: readonly K[]) =>
  Type.Object(
    Object.fromEntries(keys.map((k) => [k, Type.Integer()])) as Record<K, ReturnType<typeof Type.Integer>>,
  );

export const StatusCountsSchema = Type.Object({
  gateways: Counts(DEVICE_STATUSES),
  sensors: Counts(DEVICE_STATUSES),
  dwellings: Counts(DWELLING_STATUSES),
});
export type StatusCounts = Static<typeof StatusCountsSchema>;

export const StatusQuery = Type.Object({
  ...PageQuery,
  building: Type.Optional(Id('Only this building')),
  status: Type.Optional(DwellingStatusSchema),
});
export type StatusQuery = Static<typeof StatusQuery>;

export const StatusPageSchema = Type.Object({
  at: EpochMs('When the status was computed'),
  counts: StatusCountsSchema,
  items: Type.Array(DwellingStatusEntrySchema),
  next: Type.Optional(
    Type.String({ description: 'Pass as `cursor` for the next page; absent on the last.' }),
  ),
});
export type StatusPage = Static<typeof StatusPageSchema>;

// --- Registration -------------------------------------------------------------------------------

export const GATEWAY_STATES = ['unknown', 'unregistered', 'registered'] as const;
export type GatewayState = (typeof GATEWAY_STATES)[number];

export const GatewayPreviewQuery = Type.Object({
  sn: Type.String({ pattern: SERIAL_PATTERN, description: 'Serial number, 16 hexadecimal characters' }),
});

export const GatewayPreviewSchema = Type.Object({
  sn: Type.String({ description: 'In upper case' }),
  state: Type.Unsafe<GatewayState>({
    type: 'string',
    enum: [...GATEWAY_STATES],
    description:
      'unknown: never seen; unregistered: known (from its readings, or created by hand) but serving no dwelling; registered: serving a dwelling or carrying a weather station',
  }),
  gatewayId: Nullable(Type.Integer()),
  readings: Type.Integer({ description: 'Readings stored from it so far' }),
  firstSeenAt: Nullable(EpochMs('Its first reading arrived')),
  lastSeenAt: Nullable(EpochMs('Time of its latest reading')),
  dwelling: Nullable(
    Type.Object({
      id: Type.Integer(),
      label: Type.String(),
      buildingId: Type.Integer(),
      buildingCode: Type.String(),
      address: Type.String(),
    }),
  ),
  weatherStation: Nullable(Type.String({ description: 'Code of the weather station it carries' })),
  sensors: Type.Array(
    Type.Object({
      id: Type.Integer(),
      channel: Type.String(),
      device: Type.String(),
      medium: Type.String(),
      label: Type.String(),
      readings: Type.Integer(),
      lastSeen: Nullable(EpochMs('Time of its latest reading')),
    }),
    { description: 'Its sensors: those it reported while unregistered, and any registered by hand' },
  ),
});
export type GatewayPreview = Static<typeof GatewayPreviewSchema>;

export const SensorInputSchema = Type.Object(
  {
    channel: Type.String({ minLength: 1, maxLength: 64, pattern: TEXT_PATTERN }),
    device: Type.String({ minLength: 1, maxLength: 64, pattern: TEXT_PATTERN }),
    medium: Type.String({ pattern: MEDIUM_PATTERN, description: 'A medium of /api/v1/media' }),
    label: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type SensorInput = Static<typeof SensorInputSchema>;

export const NewDwellingSchema = Type.Object(
  {
    floor: Type.Optional(
      Nullable(Type.Integer({ minimum: -10, maximum: 300, description: 'Floor (0 = ground)' })),
    ),
    door: Type.Optional(
      Type.String({ minLength: 1, maxLength: 32, pattern: TEXT_PATTERN, description: 'Door, e.g. `Izq.`' }),
    ),
    label: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        pattern: TEXT_PATTERN,
        description: 'As on the door; default floor and door, e.g. `4 Izq.`',
      }),
    ),
    areaM2: Type.Optional(
      Nullable(Type.Number({ minimum: 0, maximum: 100_000, description: 'Floor area, m²' })),
    ),
    contractedPowerW: Type.Optional(Nullable(ContractedPowerW)),
  },
  { additionalProperties: false },
);

export const InstallationCreateSchema = Type.Object(
  {
    buildingId: Id('Building of the dwelling'),
    dwellingId: Type.Optional(
      Id('An existing dwelling of the building; or describe a new one in `newDwelling`'),
    ),
    newDwelling: Type.Optional(NewDwellingSchema),
    gateway: Type.Object(
      {
        sn: Type.String({ pattern: SERIAL_PATTERN, description: 'Serial number, 16 hexadecimal characters' }),
        notes: Type.Optional(Type.String({ maxLength: 2000 })),
        move: Type.Optional(
          Type.Boolean({
            description:
              'The gateway serves another dwelling: move it here (its readings until now stay with that dwelling)',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    sensors: Type.Array(SensorInputSchema, {
      maxItems: 64,
      description: 'The sensors synchronised with the gateway; those it already reported are kept',
    }),
    resident: Type.Optional(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 200, pattern: TEXT_PATTERN }),
          email: Type.String({ format: 'email', minLength: 3, maxLength: 254 }),
          language: Type.Optional(LanguageSchema),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type InstallationCreate = Static<typeof InstallationCreateSchema>;

export const InstallationSchema = Type.Object({
  dwelling: Type.Object({
    id: Type.Integer(),
    label: Type.String(),
    buildingId: Type.Integer(),
    created: Type.Boolean(),
  }),
  gateway: Type.Object({
    id: Type.Integer(),
    sn: Type.String(),
    was: Type.Unsafe<GatewayState>({ type: 'string', enum: [...GATEWAY_STATES] }),
    movedFrom: Nullable(Type.Integer({ description: 'Dwelling it served before' })),
  }),
  sensors: Type.Array(
    Type.Object({
      id: Type.Integer(),
      channel: Type.String(),
      device: Type.String(),
      medium: Type.String(),
      created: Type.Boolean(),
      hasReadings: Type.Boolean(),
    }),
  ),
  readings: Type.Integer({ description: 'Readings of the gateway now belonging to the dwelling' }),
  resident: Nullable(Type.Object({ id: Type.Integer(), email: Type.String(), invited: Type.Boolean() })),
});
export type Installation = Static<typeof InstallationSchema>;

// --- Alarms -------------------------------------------------------------------------------------

const SilentAfterS = Type.Integer({
  minimum: 60,
  maximum: 10 * 365 * 86_400,
  description: 'A device silent for longer than this raises an alarm, s',
});
const ExpectedIntervalS = Type.Integer({
  minimum: 1,
  maximum: 86_400,
  description: 'How often the sensors report, s (the missing-data heatmap expects one reading per interval)',
});

export const MediumAlarmSettingSchema = Type.Object({
  medium: Type.String(),
  unit: Type.String(),
  silentAfterS: Nullable(SilentAfterS),
  expectedIntervalS: Nullable(ExpectedIntervalS),
});

export const AlarmSettingsSchema = Type.Object({
  silentAfterS: SilentAfterS,
  expectedIntervalS: ExpectedIntervalS,
  contacts: Type.Array(Type.String(), { description: 'Maintenance contacts, e-mailed of new incidents' }),
  mailLanguage: LanguageSchema,
  webhookUrl: Nullable(Type.String({ description: 'Incidents are POSTed here as JSON (see the README)' })),
  media: Type.Array(MediumAlarmSettingSchema, {
    description: 'Every medium, with its overrides (null: the default)',
  }),
  defaults: Type.Object({
    silentAfterS: Type.Integer({ description: 'From CIOP_SILENT_AFTER_DAYS' }),
    expectedIntervalS: Type.Integer({ description: 'From CIOP_EXPECTED_INTERVAL_S' }),
  }),
  updatedAt: Nullable(EpochMs('Last edited by an admin; null: the configuration defaults apply')),
});
export type AlarmSettings = Static<typeof AlarmSettingsSchema>;

export const AlarmSettingsUpdateSchema = Type.Object(
  {
    silentAfterS: Type.Optional(SilentAfterS),
    expectedIntervalS: Type.Optional(ExpectedIntervalS),
    contacts: Type.Optional(
      Type.Array(Type.String({ format: 'email', minLength: 3, maxLength: 254 }), { maxItems: 50 }),
    ),
    mailLanguage: Type.Optional(LanguageSchema),
    webhookUrl: Type.Optional(
      Nullable(
        Type.String({ pattern: '^https?://[^/\\s]+\\S*$', maxLength: 2000, description: 'http(s) URL' }),
      ),
    ),
    media: Type.Optional(
      Type.Array(
        Type.Object(
          {
            medium: Type.String({ pattern: MEDIUM_PATTERN }),
            silentAfterS: Nullable(SilentAfterS),
            expectedIntervalS: Nullable(ExpectedIntervalS),
          },
          { additionalProperties: false },
        ),
        {
          maxItems: 200,
          description: 'Overrides of these media (null removes one); others stay as they are',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
export type AlarmSettingsUpdate = Static<typeof AlarmSettingsUpdateSchema>;

// --- Incidents ----------------------------------------------------------------------------------

export const INCIDENT_STATUSES = ['open', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];
export const CLOSE_REASONS = ['recovered', 'manual', 'unmonitored', 'threshold', 'passed'] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

export const IncidentSchema = Type.Object({
  id: Type.Integer(),
  kind: Type.Unsafe<'gateway' | 'sensor' | 'quality'>({
    type: 'string',
    enum: ['gateway', 'sensor', 'quality'],
    description: 'gateway, sensor: a silent device; quality: a sensor whose latest readings fail a check',
  }),
  qualityCheck: Nullable(Type.String({ description: 'The check failed, for a quality incident' })),
  flaggedFrom: Nullable(EpochMs('For a quality incident: its first flagged reading among the latest')),
  status: Type.Unsafe<IncidentStatus>({ type: 'string', enum: [...INCIDENT_STATUSES] }),
  gatewayId: Type.Integer(),
  sn: Type.String(),
  sensorId: Nullable(Type.Integer()),
  channel: Nullable(Type.String()),
  device: Nullable(Type.String()),
  medium: Nullable(Type.String()),
  dwellingId: Nullable(Type.Integer({ description: 'Dwelling the device served when the incident opened' })),
  dwellingLabel: Nullable(Type.String()),
  buildingId: Nullable(Type.Integer()),
  buildingCode: Nullable(Type.String()),
  address: Nullable(Type.String()),
  lastSeenAt: Nullable(EpochMs('Its last reading before it went silent (null: never reported)')),
  silentAfterS: Type.Integer({ description: 'The threshold it crossed, s' }),
  openedAt: EpochMs('Opened'),
  notifiedAt: Nullable(EpochMs('The maintenance contacts were told (the bell)')),
  assignee: Nullable(Type.Object({ id: Type.Integer(), name: Type.String() })),
  closedAt: Nullable(EpochMs('Closed')),
  closeReason: Nullable(
    Type.Unsafe<CloseReason>({
      type: 'string',
      enum: [...CLOSE_REASONS],
      description:
        'recovered: data returned; manual: closed by a person; unmonitored: the device no longer serves a dwelling; threshold: the threshold was raised; passed: the latest readings pass the check again',
    }),
  ),
  returnedAt: Nullable(EpochMs('Time of the first reading after the silence')),
  outageMs: Nullable(
    Type.Integer({ description: 'From the last reading before the silence to the first after it, ms' }),
  ),
});
export type Incident = Static<typeof IncidentSchema>;

export const IncidentEventSchema = Type.Object({
  id: Type.Integer(),
  at: EpochMs('When'),
  kind: Type.String({ description: 'opened, notified, notify-failed, assigned, comment, closed' }),
  actor: Type.Object({
    kind: Type.String(),
    id: Nullable(Type.Integer()),
    name: Type.String(),
  }),
  text: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
});
export type IncidentEvent = Static<typeof IncidentEventSchema>;

export const IncidentDetailSchema = Type.Composite([
  IncidentSchema,
  Type.Object({ events: Type.Array(IncidentEventSchema) }),
]);
export type IncidentDetail = Static<typeof IncidentDetailSchema>;

export const IncidentListQuery = Type.Object({
  ...PageQuery,
  status: Type.Optional(Type.Unsafe<IncidentStatus>({ type: 'string', enum: [...INCIDENT_STATUSES] })),
  building: Type.Optional(Id('Only incidents of this building')),
  gateway: Type.Optional(Id('Only incidents of this gateway and its sensors')),
});
export type IncidentListQuery = Static<typeof IncidentListQuery>;
export const IncidentPageSchema = Page(IncidentSchema);

export const IncidentPatchSchema = Type.Object(
  { assigneeId: Nullable(Id('An installer or admin; null: nobody')) },
  { additionalProperties: false },
);
export const IncidentCommentSchema = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S' }) },
  { additionalProperties: false },
);
export const IncidentCloseSchema = Type.Object(
  { comment: Type.Optional(Type.String({ maxLength: 4000 })) },
  { additionalProperties: false },
);
export const AssigneesSchema = Type.Object({
  items: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), email: Type.String() })),
});
export type Assignees = Static<typeof AssigneesSchema>;

// --- Data download ------------------------------------------------------------------------------

export const EXPORT_INTERVALS = ['raw', 'hour', 'day'] as const;
export type ExportInterval = (typeof EXPORT_INTERVALS)[number];
export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A time in a query: epoch ms, a local date (`2026-01-31`, the whole day) or ISO 8601 with offset. */
export const INSTANT_PATTERN =
  '^(-?\\d{1,15}|\\d{4}-\\d{2}-\\d{2}|\\d{4}-\\d{2}-\\d{2}T[0-9:.]+(Z|[+-]\\d{2}:?\\d{2}))$';
const Instant = (description: string) =>
  Type.String({
    pattern: INSTANT_PATTERN,
    description: `${description}: epoch ms, a date (YYYY-MM-DD, a whole day in the city time zone) or ISO 8601 with offset`,
  });

export const ExportQuerySchema = Type.Object(
  {
    dwelling: Type.Optional(Id('A dwelling; or name a building')),
    building: Type.Optional(Id('A building: all its dwellings')),
    media: Type.Optional(
      Type.Array(Type.String({ pattern: '^[a-z0-9_,]+$' }), {
        description: 'Only these media (repeat the parameter, or separate them with commas); default all',
      }),
    ),
    from: Instant('Start, inclusive'),
    to: Instant('End, inclusive'),
    interval: Type.Optional(
      Type.Unsafe<ExportInterval>({
        type: 'string',
        enum: [...EXPORT_INTERVALS],
        default: 'raw',
        description: 'raw readings, or hourly or daily means (consumption for cumulative meters)',
      }),
    ),
    format: Type.Optional(
      Type.Unsafe<ExportFormat>({ type: 'string', enum: [...EXPORT_FORMATS], default: 'csv' }),
    ),
    flagged: Type.Optional(
      Type.Union([Type.Literal('exclude'), Type.Literal('include')], {
        default: 'exclude',
        description:
          'Hourly and daily figures leave out readings that failed a quality check unless `include`; raw readings are all given.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ExportQuery = Static<typeof ExportQuerySchema>;

/** The export's columns, exactly what `POST /api/v1/ingest/csv` takes back. */
export const EXPORT_COLUMNS = ['sn', 'channel', 'device', 'medium', 'time', 'value'] as const;
/** Added to aggregates: readings in the interval, lowest and highest. */
export const AGGREGATE_COLUMNS = ['count', 'min', 'max'] as const;

export const ExportLinkSchema = Type.Object({
  url: Type.String({ description: 'GET it once, within a minute, without credentials' }),
  expiresAt: EpochMs('The link stops working'),
});
export type ExportLink = Static<typeof ExportLinkSchema>;

// --- Missing-data heatmap -----------------------------------------------------------------------

export const CoverageQuery = Type.Object({
  dwelling: Type.Optional(Id('A dwelling; or name a building')),
  building: Type.Optional(Id('A building')),
  from: Instant('Start, inclusive'),
  to: Instant('End, inclusive'),
});

export const InstallationCoverageSchema = Type.Object({
  days: Type.Array(EpochMs('Start of a day in the city time zone')),
  sensors: Type.Array(
    Type.Object({
      sensorId: Type.Integer(),
      sn: Type.String(),
      channel: Type.String(),
      device: Type.String(),
      medium: Type.String(),
      dwellingId: Nullable(Type.Integer()),
      dwellingLabel: Nullable(Type.String()),
      expectedIntervalS: Type.Integer(),
      days: Type.Array(
        Type.Object({
          day: EpochMs('Start of the day'),
          count: Type.Integer({ description: 'Readings that day' }),
          expected: Type.Integer({
            description:
              'Readings expected that day: none before the sensor was registered or first seen, nor while it served elsewhere, nor after now',
          }),
          share: Type.Number({ description: 'Share of the expected readings present, 0 to 1' }),
          flagged: Type.Integer({ description: 'Readings that day that failed a quality check' }),
          passedShare: Type.Number({
            description: 'Share of the expected readings present and passing the quality checks, 0 to 1',
          }),
        }),
      ),
    }),
  ),
});
export type InstallationCoverage = Static<typeof InstallationCoverageSchema>;
