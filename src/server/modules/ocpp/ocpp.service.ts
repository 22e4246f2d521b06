import type { ChargerStatus } from '#common/api/mobility.ts';
import type { Clock } from '../../clock.ts';
import type { ChargerRef, ChargerReports, MeterField, MeterSample } from '../mobility/charger-reports.ts';
import {
  instantOf,
  type MeterValue16,
  type MeterValue201,
  OcppError,
  type OcppVersion,
  Requests16,
  Requests201,
  validate,
} from './ocpp-messages.ts';

/** What a measurand is kept as, and the factor from the unit OCPP sends it in. */
const MEASURANDS: Record<string, { field: MeterField; units: Record<string, number>; unit: string }> = {
  'Energy.Active.Import.Register': { field: 'energy_kwh', units: { Wh: 0.001, kWh: 1 }, unit: 'Wh' },
  'Power.Active.Import': { field: 'power_w', units: { W: 1, kW: 1000 }, unit: 'W' },
  SoC: { field: 'soc_pct', units: { Percent: 1 }, unit: 'Percent' },
};
const DEFAULT_MEASURAND = 'Energy.Active.Import.Register';

/** OCPP 2.0.1 connector statuses and charging states as the model's (OCPP 1.6) charger statuses. */
const STATUS_201: Record<string, ChargerStatus> = {
  Available: 'Available',
  Occupied: 'Preparing',
  Reserved: 'Reserved',
  Unavailable: 'Unavailable',
  Faulted: 'Faulted',
};
const CHARGING_STATE_201: Record<string, ChargerStatus> = {
  Charging: 'Charging',
  EVConnected: 'Preparing',
  SuspendedEV: 'SuspendedEV',
  SuspendedEVSE: 'SuspendedEVSE',
  Idle: 'Available',
};

/** A sample as both versions give it: the value as sent, its unit, multiplier (10^n) and where it is read. */
interface RawSample {
  value: number;
  measurand?: string;
  unit?: string;
  multiplier?: number;
  phase?: string;
  signed?: boolean;
}

/** The samples CIOP keeps (totals, not phases; not signed data): energy kWh, power W, SoC %. */
function samplesOf(
  connector: number,
  meterValues: readonly { timestamp: string; sampledValue: readonly RawSample[] }[],
): MeterSample[] {
  const out: MeterSample[] = [];
  meterValues.forEach((mv, i) => {
    const t = instantOf(mv.timestamp, `meterValue/${i}/timestamp`);
    for (const s of mv.sampledValue) {
      const m = MEASURANDS[s.measurand ?? DEFAULT_MEASURAND];
      if (!m || s.phase || s.signed) continue;
      const factor = m.units[s.unit ?? m.unit];
      if (factor === undefined)
        throw new OcppError(
          'PropertyConstraintViolation',
          `${s.measurand ?? DEFAULT_MEASURAND} in ${s.unit}: CIOP reads it in ${Object.keys(m.units).join(' or ')}.`,
        );
      out.push({ connector, t, field: m.field, value: s.value * factor * 10 ** (s.multiplier ?? 0) });
    }
  });
  return out;
}

function samples16(connector: number, meterValues: readonly MeterValue16[]): MeterSample[] {
  return samplesOf(
    connector,
    meterValues.map((mv, i) => ({
      timestamp: mv.timestamp,
      sampledValue: mv.sampledValue.map((s, j) => {
        const value = Number(s.value);
        if (s.value.trim() === '' || !Number.isFinite(value))
          throw new OcppError(
            'PropertyConstraintViolation',
            `meterValue/${i}/sampledValue/${j}/value: ${JSON.stringify(s.value)} is not a number.`,
          );
        return {
          value,
          measurand: s.measurand,
          unit: s.unit,
          phase: s.phase,
          signed: s.format === 'SignedData',
        };
      }),
    })),
  );
}

function samples201(connector: number, meterValues: readonly MeterValue201[]): MeterSample[] {
  return samplesOf(
    connector,
    meterValues.map((mv) => ({
      timestamp: mv.timestamp,
      sampledValue: mv.sampledValue.map((s) => ({
        value: s.value,
        measurand: s.measurand,
        unit: s.unitOfMeasure?.unit,
        multiplier: s.unitOfMeasure?.multiplier,
        phase: s.phase,
      })),
    })),
  );
}

/** The energy register in a list of samples, Wh (the last one). */
const registerWh = (samples: readonly MeterSample[]) => {
  const energy = samples.filter((s) => s.field === 'energy_kwh');
  return energy.length > 0 ? Math.round(energy[energy.length - 1].value * 1000 * 1000) / 1000 : null;
};

export interface OcppOptions {
  /** Heartbeat interval given at boot, s. */
  heartbeatS: number;
}

/** One charger's connection, as the central system answers it. */
export interface OcppSession {
  charger: ChargerRef;
  version: OcppVersion;
}

/**
 * CIOP as an OCPP central system (1.6J) and charging station management system (2.0.1):
 * BootNotification is accepted with the heartbeat interval; StatusNotification goes into the
 * charger's status history; Authorize accepts an idTag that names a vehicle (its code or plate);
 * a transaction (StartTransaction/StopTransaction, or TransactionEvent) becomes a charge;
 * MeterValues (energy register, active power, state of charge) become series.
 */
export class OcppCentralSystem {
  constructor(
    private readonly reports: ChargerReports,
    private readonly clock: Clock,
    private readonly options: OcppOptions,
  ) {}

  /** The answer to one CALL of a session; throws an OcppError for a CALLERROR. */
  async handle(session: OcppSession, action: string, payload: unknown): Promise<Record<string, unknown>> {
    return session.version === 'ocpp1.6'
      ? this.handle16(session.charger, action, payload)
      : this.handle201(session.charger, action, payload);
  }

  private boot() {
    return {
      status: 'Accepted',
      currentTime: new Date(this.clock.now()).toISOString(),
      interval: this.options.heartbeatS,
    };
  }

  private async tagStatus(idTag: string | undefined): Promise<'Accepted' | 'Invalid'> {
    return idTag && (await this.reports.vehicleOfTag(idTag)) ? 'Accepted' : 'Invalid';
  }

  private async handle16(
    charger: ChargerRef,
    action: string,
    payload: unknown,
  ): Promise<Record<string, unknown>> {
    const now = this.clock.now();
    switch (action) {
      case 'BootNotification':
        validate(Requests16.BootNotification, payload, action);
        return this.boot();
      case 'Heartbeat':
        validate(Requests16.Heartbeat, payload, action);
        return { currentTime: new Date(now).toISOString() };
      case 'StatusNotification': {
        const p = validate(Requests16.StatusNotification, payload, action);
        const at = p.timestamp ? instantOf(p.timestamp, 'timestamp') : now;
        await this.reports.status(
          charger,
          { connector: p.connectorId, status: p.status, errorCode: p.errorCode, at },
          now,
        );
        return {};
      }
      case 'Authorize': {
        const p = validate(Requests16.Authorize, payload, action);
        return { idTagInfo: { status: await this.tagStatus(p.idTag) } };
      }
      case 'StartTransaction': {
        const p = validate(Requests16.StartTransaction, payload, action);
        const startAt = instantOf(p.timestamp, 'timestamp');
        const { id } = await this.reports.start(
          charger,
          { connector: p.connectorId, idTag: p.idTag, startAt, meterStartWh: p.meterStart },
          now,
        );
        return { transactionId: id, idTagInfo: { status: await this.tagStatus(p.idTag) } };
      }
      case 'StopTransaction': {
        const p = validate(Requests16.StopTransaction, payload, action);
        const endAt = instantOf(p.timestamp, 'timestamp');
        if (p.transactionData) {
          const charge = await this.reports.charge(charger, String(p.transactionId));
          await this.reports.meter(charger, samples16(charge?.connector ?? 1, p.transactionData), now);
        }
        // A stop of a transaction CIOP does not know is still acknowledged (OCPP 1.6 §4.10): the
        // charger would otherwise send it again for ever.
        await this.reports.stop(
          charger,
          String(p.transactionId),
          { endAt, meterStopWh: p.meterStop, reason: p.reason ?? null, idTag: p.idTag ?? null },
          now,
        );
        return p.idTag ? { idTagInfo: { status: await this.tagStatus(p.idTag) } } : {};
      }
      case 'MeterValues': {
        const p = validate(Requests16.MeterValues, payload, action);
        await this.reports.meter(charger, samples16(p.connectorId, p.meterValue), now);
        return {};
      }
      case 'DataTransfer':
        validate(Requests16.DataTransfer, payload, action);
        return { status: 'UnknownVendorId' };
      case 'DiagnosticsStatusNotification':
      case 'FirmwareStatusNotification':
        validate(Requests16[action], payload, action);
        return {};
      default:
        throw new OcppError(
          'NotImplemented',
          `CIOP does not implement the OCPP 1.6 action ${JSON.stringify(action)}.`,
        );
    }
  }

  private async handle201(
    charger: ChargerRef,
    action: string,
    payload: unknown,
  ): Promise<Record<string, unknown>> {
    const now = this.clock.now();
    switch (action) {
      case 'BootNotification':
        validate(Requests201.BootNotification, payload, action);
        return this.boot();
      case 'Heartbeat':
        validate(Requests201.Heartbeat, payload, action);
        return { currentTime: new Date(now).toISOString() };
      case 'StatusNotification': {
        const p = validate(Requests201.StatusNotification, payload, action);
        await this.reports.status(
          charger,
          {
            connector: p.evseId,
            status: STATUS_201[p.connectorStatus],
            errorCode: null,
            at: instantOf(p.timestamp, 'timestamp'),
          },
          now,
        );
        return {};
      }
      case 'Authorize': {
        const p = validate(Requests201.Authorize, payload, action);
        return { idTokenInfo: { status: await this.tagStatus(p.idToken.idToken) } };
      }
      case 'TransactionEvent':
        return this.transactionEvent(charger, validate(Requests201.TransactionEvent, payload, action), now);
      case 'MeterValues': {
        const p = validate(Requests201.MeterValues, payload, action);
        await this.reports.meter(charger, samples201(p.evseId, p.meterValue), now);
        return {};
      }
      case 'DataTransfer':
        validate(Requests201.DataTransfer, payload, action);
        return { status: 'UnknownVendorId' };
      case 'FirmwareStatusNotification':
      case 'LogStatusNotification':
        validate(Requests201[action], payload, action);
        return {};
      default:
        throw new OcppError(
          'NotImplemented',
          `CIOP does not implement the OCPP 2.0.1 action ${JSON.stringify(action)}.`,
        );
    }
  }

  /** OCPP 2.0.1 E01–E15: a transaction's start, updates and end, as one charge. */
  private async transactionEvent(
    charger: ChargerRef,
    p: Requests201['TransactionEvent'],
    now: number,
  ): Promise<Record<string, unknown>> {
    const at = instantOf(p.timestamp, 'timestamp');
    const number = p.transactionInfo.transactionId;
    const known = await this.reports.charge(charger, number);
    const connector = p.evse?.id ?? known?.connector ?? 1;
    const samples = samples201(connector, p.meterValue ?? []);
    const registerWhNow = registerWh(samples);
    const idTag = p.idToken?.idToken ?? null;
    await this.reports.meter(charger, samples, now);
    if (!known)
      // A transaction first heard of in an update or its end (the charger was offline) starts at its first event.
      await this.reports.start(
        charger,
        {
          connector,
          number,
          idTag,
          startAt: at,
          meterStartWh: p.eventType === 'Ended' ? null : registerWhNow,
        },
        now,
      );
    else if (registerWhNow !== null && p.eventType !== 'Ended')
      await this.reports.meterStart(charger, number, registerWhNow);
    const state = p.transactionInfo.chargingState;
    if (state)
      await this.reports.status(
        charger,
        { connector, status: CHARGING_STATE_201[state], errorCode: null, at },
        now,
      );
    if (p.eventType === 'Ended')
      await this.reports.stop(
        charger,
        number,
        { endAt: at, meterStopWh: registerWhNow, reason: p.transactionInfo.stoppedReason ?? null, idTag },
        now,
      );
    return idTag ? { idTokenInfo: { status: await this.tagStatus(idTag) } } : {};
  }
}
