import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType } from '@sinclair/typebox/errors';

/**
 * The requests a charger sends that CIOP handles, as OCPP 1.6 (JSON schemas of OCPP-J 1.6) and
 * OCPP 2.0.1 (part 3, JSON schemas) define them: what must be there, of which type, in which range.
 * Properties the standard does not name are let through (chargers add vendor fields).
 */

const enumOf = <T extends string>(values: readonly T[]) => Type.Union(values.map((v) => Type.Literal(v)));
const text = (max: number) => Type.String({ maxLength: max });
/** An instant as OCPP writes it (RFC 3339); read with {@link instantOf}. */
const DateTime = Type.String({ minLength: 10, maxLength: 40 });

// --- OCPP 1.6 ------------------------------------------------------------------------------------

export const CHARGE_POINT_STATUSES_16 = [
  'Available',
  'Preparing',
  'Charging',
  'SuspendedEVSE',
  'SuspendedEV',
  'Finishing',
  'Reserved',
  'Unavailable',
  'Faulted',
] as const;

const ERROR_CODES_16 = [
  'ConnectorLockFailure',
  'EVCommunicationError',
  'GroundFailure',
  'HighTemperature',
  'InternalError',
  'LocalListConflict',
  'NoError',
  'OtherError',
  'OverCurrentFailure',
  'PowerMeterFailure',
  'PowerSwitchFailure',
  'ReaderFailure',
  'ResetFailure',
  'UnderVoltage',
  'OverVoltage',
  'WeakSignal',
] as const;

const SampledValue16 = Type.Object({
  value: Type.String(),
  context: Type.Optional(Type.String()),
  format: Type.Optional(enumOf(['Raw', 'SignedData'])),
  measurand: Type.Optional(Type.String()),
  phase: Type.Optional(Type.String()),
  location: Type.Optional(Type.String()),
  unit: Type.Optional(Type.String()),
});
const MeterValue16 = Type.Object({
  timestamp: DateTime,
  sampledValue: Type.Array(SampledValue16, { minItems: 1 }),
});
export type MeterValue16 = Static<typeof MeterValue16>;

export const Requests16 = {
  BootNotification: Type.Object({
    chargePointVendor: text(20),
    chargePointModel: text(20),
    chargePointSerialNumber: Type.Optional(text(25)),
    chargeBoxSerialNumber: Type.Optional(text(25)),
    firmwareVersion: Type.Optional(text(50)),
    iccid: Type.Optional(text(20)),
    imsi: Type.Optional(text(20)),
    meterType: Type.Optional(text(25)),
    meterSerialNumber: Type.Optional(text(25)),
  }),
  Heartbeat: Type.Object({}),
  StatusNotification: Type.Object({
    connectorId: Type.Integer({ minimum: 0 }),
    errorCode: enumOf(ERROR_CODES_16),
    info: Type.Optional(text(50)),
    status: enumOf(CHARGE_POINT_STATUSES_16),
    timestamp: Type.Optional(DateTime),
    vendorId: Type.Optional(text(255)),
    vendorErrorCode: Type.Optional(text(50)),
  }),
  Authorize: Type.Object({ idTag: text(20) }),
  StartTransaction: Type.Object({
    connectorId: Type.Integer({ minimum: 1 }),
    idTag: text(20),
    meterStart: Type.Integer(),
    reservationId: Type.Optional(Type.Integer()),
    timestamp: DateTime,
  }),
  StopTransaction: Type.Object({
    idTag: Type.Optional(text(20)),
    meterStop: Type.Integer(),
    timestamp: DateTime,
    transactionId: Type.Integer(),
    reason: Type.Optional(Type.String()),
    transactionData: Type.Optional(Type.Array(MeterValue16)),
  }),
  MeterValues: Type.Object({
    connectorId: Type.Integer({ minimum: 0 }),
    transactionId: Type.Optional(Type.Integer()),
    meterValue: Type.Array(MeterValue16, { minItems: 1 }),
  }),
  DataTransfer: Type.Object({
    vendorId: text(255),
    messageId: Type.Optional(text(50)),
    data: Type.Optional(Type.String()),
  }),
  DiagnosticsStatusNotification: Type.Object({ status: Type.String() }),
  FirmwareStatusNotification: Type.Object({ status: Type.String() }),
} as const;

// --- OCPP 2.0.1 ----------------------------------------------------------------------------------

const SampledValue201 = Type.Object({
  value: Type.Number(),
  context: Type.Optional(Type.String()),
  measurand: Type.Optional(Type.String()),
  phase: Type.Optional(Type.String()),
  location: Type.Optional(Type.String()),
  unitOfMeasure: Type.Optional(
    Type.Object({ unit: Type.Optional(text(20)), multiplier: Type.Optional(Type.Integer()) }),
  ),
});
const MeterValue201 = Type.Object({
  timestamp: DateTime,
  sampledValue: Type.Array(SampledValue201, { minItems: 1 }),
});
export type MeterValue201 = Static<typeof MeterValue201>;
const IdToken = Type.Object({ idToken: text(36), type: Type.String() });

export const CONNECTOR_STATUSES_201 = [
  'Available',
  'Occupied',
  'Reserved',
  'Unavailable',
  'Faulted',
] as const;
export const CHARGING_STATES_201 = [
  'Charging',
  'EVConnected',
  'SuspendedEV',
  'SuspendedEVSE',
  'Idle',
] as const;

export const Requests201 = {
  BootNotification: Type.Object({
    chargingStation: Type.Object({
      model: text(20),
      vendorName: text(50),
      serialNumber: Type.Optional(text(25)),
      firmwareVersion: Type.Optional(text(50)),
    }),
    reason: Type.String(),
  }),
  Heartbeat: Type.Object({}),
  StatusNotification: Type.Object({
    timestamp: DateTime,
    connectorStatus: enumOf(CONNECTOR_STATUSES_201),
    evseId: Type.Integer({ minimum: 0 }),
    connectorId: Type.Integer({ minimum: 0 }),
  }),
  Authorize: Type.Object({ idToken: IdToken }),
  TransactionEvent: Type.Object({
    eventType: enumOf(['Started', 'Updated', 'Ended']),
    timestamp: DateTime,
    triggerReason: Type.String(),
    seqNo: Type.Integer({ minimum: 0 }),
    offline: Type.Optional(Type.Boolean()),
    transactionInfo: Type.Object({
      transactionId: text(36),
      chargingState: Type.Optional(enumOf(CHARGING_STATES_201)),
      stoppedReason: Type.Optional(Type.String()),
    }),
    idToken: Type.Optional(IdToken),
    evse: Type.Optional(
      Type.Object({ id: Type.Integer({ minimum: 0 }), connectorId: Type.Optional(Type.Integer()) }),
    ),
    meterValue: Type.Optional(Type.Array(MeterValue201, { minItems: 1 })),
  }),
  MeterValues: Type.Object({
    evseId: Type.Integer({ minimum: 0 }),
    meterValue: Type.Array(MeterValue201, { minItems: 1 }),
  }),
  DataTransfer: Type.Object({ vendorId: text(255), messageId: Type.Optional(text(50)) }),
  FirmwareStatusNotification: Type.Object({ status: Type.String() }),
  LogStatusNotification: Type.Object({ status: Type.String() }),
} as const;

export type Requests16 = { [K in keyof typeof Requests16]: Static<(typeof Requests16)[K]> };
export type Requests201 = { [K in keyof typeof Requests201]: Static<(typeof Requests201)[K]> };

// --- Errors --------------------------------------------------------------------------------------

/** The OCPP versions CIOP speaks, by their WebSocket subprotocol. */
export const SUBPROTOCOLS = ['ocpp1.6', 'ocpp2.0.1'] as const;
export type OcppVersion = (typeof SUBPROTOCOLS)[number];

/** What went wrong, in the words of OCPP 2.0.1; {@link errorCodeFor} gives 1.6's spelling. */
export type OcppErrorKind =
  | 'FormatViolation'
  | 'GenericError'
  | 'InternalError'
  | 'MessageTypeNotSupported'
  | 'NotImplemented'
  | 'NotSupported'
  | 'OccurrenceConstraintViolation'
  | 'PropertyConstraintViolation'
  | 'ProtocolError'
  | 'TypeConstraintViolation';

/** A CALLERROR to answer: its code, a description and details. */
export class OcppError extends Error {
  constructor(
    readonly kind: OcppErrorKind,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The error code as the version spells it (1.6: FormationViolation, OccurenceConstraintViolation; no MessageTypeNotSupported). */
export function errorCodeFor(kind: OcppErrorKind, version: OcppVersion): string {
  if (version === 'ocpp2.0.1') return kind;
  switch (kind) {
    case 'FormatViolation':
      return 'FormationViolation';
    case 'OccurrenceConstraintViolation':
      return 'OccurenceConstraintViolation';
    case 'MessageTypeNotSupported':
      return 'ProtocolError';
    default:
      return kind;
  }
}

const checks = new Map<TSchema, TypeCheck<TSchema>>();

/** Checks a payload against its schema; throws the OcppError naming the first field at fault. */
export function validate<S extends TSchema>(schema: S, payload: unknown, action: string): Static<S> {
  let check = checks.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    checks.set(schema, check);
  }
  if (check.Check(payload)) return payload as Static<S>;
  const error = check.Errors(payload).First();
  const where = error?.path || '/';
  if (!error) throw new OcppError('FormatViolation', `${action}: the payload is not what OCPP defines.`);
  const kind: OcppErrorKind =
    error.type === ValueErrorType.ObjectRequiredProperty
      ? 'OccurrenceConstraintViolation'
      : error.type === ValueErrorType.Object && where === '/'
        ? 'FormatViolation'
        : [
              ValueErrorType.String,
              ValueErrorType.Number,
              ValueErrorType.Integer,
              ValueErrorType.Boolean,
              ValueErrorType.Object,
              ValueErrorType.Array,
            ].includes(error.type)
          ? 'TypeConstraintViolation'
          : 'PropertyConstraintViolation';
  throw new OcppError(kind, `${action}: ${where}: ${error.message}.`, { path: where });
}

/** An OCPP instant as epoch ms; a value that is none is a PropertyConstraintViolation. */
export function instantOf(value: string, field: string): number {
  const t = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(t))
    throw new OcppError(
      'PropertyConstraintViolation',
      `${field}: ${JSON.stringify(value)} is not a date and time (RFC 3339).`,
      {
        path: field,
      },
    );
  return t;
}
