import type { Kysely, Transaction } from 'kysely';
import { isUniqueViolation } from '../../db/database.ts';
import type { ChargerStatus } from '#common/api/mobility.ts';
import type { Database } from '../../db/schema.ts';
import type { SeriesCatalog, SeriesRequest } from '../../timeseries/series-catalog.ts';
import { seriesKey } from '../../timeseries/series-key.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { createBatch, sliceBatch } from '../../timeseries/write-batch.ts';
import type { LocalCalendar } from './local-calendar.ts';
import { refreshChargerDay, refreshStatusDays } from './mobility-rollups.store.ts';

/**
 * The measurement of what a charger's meter reads: one series per charger, connector and field
 * (`charger_meter,charger=…,connector=… energy_kwh|power_w|soc_pct`).
 */
export const METER_MEASUREMENT = 'charger_meter';
/** Fields of {@link METER_MEASUREMENT}: energy register kWh, active power W, vehicle state of charge %. */
export const METER_FIELDS = ['energy_kwh', 'power_w', 'soc_pct'] as const;
export type MeterField = (typeof METER_FIELDS)[number];

/** A charger as the charger itself names it (its OCPP charge point id is its code). */
export interface ChargerRef {
  id: number;
  code: string;
}

/** A status a charger reports (OCPP StatusNotification). */
export interface StatusReport {
  /** 0: the charger as a whole; 1…: one of its connectors. */
  connector: number;
  status: ChargerStatus;
  /** OCPP ChargePointErrorCode (NoError…); null when not given. */
  errorCode: string | null;
  /** Epoch ms. */
  at: number;
}

/** A sample of a charger's meter. */
export interface MeterSample {
  connector: number;
  /** Epoch ms. */
  t: number;
  field: MeterField;
  value: number;
}

export interface ChargeStart {
  connector: number;
  /** The transaction's id as the charger gives it (OCPP 2.0.1); undefined: CIOP numbers it (1.6). */
  number?: string;
  idTag: string | null;
  /** Epoch ms. */
  startAt: number;
  /** The meter's energy register at the start, Wh; null when not given. */
  meterStartWh: number | null;
}

export interface ChargeStop {
  /** Epoch ms. */
  endAt: number;
  /** The meter's energy register at the end, Wh; null when not given. */
  meterStopWh: number | null;
  reason: string | null;
  idTag: string | null;
}

const meterRequest = (charger: string, connector: number, field: MeterField): SeriesRequest => {
  const tags = [
    ['charger', charger],
    ['connector', String(connector)],
  ] as const;
  return {
    key: seriesKey(METER_MEASUREMENT, tags, field),
    measurement: METER_MEASUREMENT,
    tags,
    field,
    valueType: 'number',
  };
};

/**
 * What chargers report themselves (OCPP): their status history, their transactions as charges
 * (energy = meter stop − meter start, the vehicle found by the idTag it charged with) and their
 * meter readings as series of the time-series store. Day rollups are kept current as for any
 * charge or status change.
 */
export class ChargerReports {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly catalog: SeriesCatalog,
    private readonly engine: TimeSeriesEngine,
    private readonly calendar: LocalCalendar,
  ) {}

  /**
   * Runs `work` in a transaction, again (up to 3 times) when the database refused it for a
   * concurrent one (two replicas writing the same charger's rollup row).
   */
  private async transact<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction().execute(work);
      } catch (error) {
        const code = (error as { code?: string }).code;
        const conflict = isUniqueViolation(error) || code === '40P01' || code === '40001';
        if (!conflict || attempt >= 3) throw error;
      }
    }
  }

  /** The charger of a code, or undefined when the model has none. */
  async find(code: string): Promise<ChargerRef | undefined> {
    return this.db
      .selectFrom('mobility_charger')
      .select(['id', 'code'])
      .where('code', '=', code)
      .executeTakeFirst();
  }

  /** The vehicle an idTag names (its code or plate), or undefined. */
  async vehicleOfTag(idTag: string): Promise<{ id: number; plate: string } | undefined> {
    return this.db
      .selectFrom('mobility_vehicle')
      .select(['id', 'plate'])
      .where((eb) => eb.or([eb('code', '=', idTag), eb('plate', '=', idTag)]))
      .orderBy('id')
      .executeTakeFirst();
  }

  /**
   * Adds a reported status to the charger's history; the charger's own status becomes it when it
   * is not older than the one it has (a charger with one connector reports the charge on it).
   */
  async status(charger: ChargerRef, report: StatusReport, now: number): Promise<void> {
    await this.transact(async (trx) => {
      await trx
        .insertInto('mobility_charger_status')
        .values({
          charger_id: charger.id,
          connector: report.connector,
          status: report.status,
          error_code: report.errorCode,
          at: report.at,
          source: 'ocpp',
        })
        .execute();
      const current = await trx
        .selectFrom('mobility_charger')
        .select(['status', 'status_at'])
        .where('id', '=', charger.id)
        .executeTakeFirstOrThrow();
      if (report.at >= current.status_at && current.status !== report.status)
        await trx
          .updateTable('mobility_charger')
          .set({ status: report.status, status_at: report.at, updated_at: now })
          .where('id', '=', charger.id)
          .execute();
      // The availability KPI reads the charger as a whole (connector 0), from the change's day on.
      if (report.connector === 0) {
        const day = this.calendar.day(report.at);
        await refreshStatusDays(trx, this.calendar, day, Math.max(day, this.calendar.day(now)), [charger.id]);
      }
    });
  }

  /**
   * Opens a charge. The same start sent again (a charger retries what it got no answer to) finds
   * the charge it opened. Returns the charge's id and number (for OCPP 1.6 the number is the id,
   * the transactionId the charger is given).
   */
  async start(charger: ChargerRef, start: ChargeStart, now: number): Promise<{ id: number; number: string }> {
    const vehicle = start.idTag ? await this.vehicleOfTag(start.idTag) : undefined;
    return this.transact(async (trx) => {
      let existing = trx
        .selectFrom('mobility_charge')
        .select(['id', 'number'])
        .where('charger_id', '=', charger.id)
        .where('source', '=', 'ocpp');
      existing =
        start.number !== undefined
          ? existing.where('number', '=', start.number)
          : existing.where('connector', '=', start.connector).where('start_at', '=', start.startAt);
      const found = await existing.executeTakeFirst();
      if (found) return found;
      const row = await trx
        .insertInto('mobility_charge')
        .values({
          number: start.number ?? `pending:${start.connector}:${start.startAt}`,
          charger_id: charger.id,
          vehicle_id: vehicle?.id ?? null,
          connector: start.connector,
          id_tag: start.idTag,
          start_at: start.startAt,
          end_at: null,
          day: this.calendar.day(start.startAt),
          month: this.calendar.month(start.startAt),
          duration_s: null,
          energy_kwh: null,
          meter_start_wh: start.meterStartWh,
          meter_stop_wh: null,
          soc_start_pct: null,
          soc_end_pct: null,
          stop_reason: null,
          source: 'ocpp',
          received_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const number = start.number ?? String(row.id);
      if (start.number === undefined)
        await trx.updateTable('mobility_charge').set({ number }).where('id', '=', row.id).execute();
      if (vehicle)
        await trx
          .updateTable('mobility_charger')
          .set({ vehicle_id: vehicle.id, updated_at: now })
          .where('id', '=', charger.id)
          .execute();
      await refreshChargerDay(trx, this.calendar, charger.id, this.calendar.day(start.startAt));
      return { id: row.id, number };
    });
  }

  /** A charge of the charger by its number (the transaction id), or undefined. */
  async charge(charger: ChargerRef, number: string) {
    return this.db
      .selectFrom('mobility_charge')
      .selectAll()
      .where('charger_id', '=', charger.id)
      .where('number', '=', number)
      .executeTakeFirst();
  }

  /** Sets the meter start of an open charge that has none (OCPP 2.0.1 may give it after the start). */
  async meterStart(charger: ChargerRef, number: string, meterStartWh: number): Promise<void> {
    await this.db
      .updateTable('mobility_charge')
      .set({ meter_start_wh: meterStartWh })
      .where('charger_id', '=', charger.id)
      .where('number', '=', number)
      .where('meter_start_wh', 'is', null)
      .execute();
  }

  /**
   * Closes a charge: its end, energy (meter stop − meter start, kWh), duration, the state of charge
   * at its start and end (from the meter series) and why it stopped. False when there is no such
   * charge.
   */
  async stop(charger: ChargerRef, number: string, stop: ChargeStop, now: number): Promise<boolean> {
    const charge = await this.charge(charger, number);
    if (!charge) return false;
    const vehicle =
      charge.vehicle_id === null && stop.idTag ? await this.vehicleOfTag(stop.idTag) : undefined;
    const soc = await this.socWithin(charger.code, charge.connector, charge.start_at, stop.endAt);
    const energyKwh =
      charge.meter_start_wh !== null && stop.meterStopWh !== null
        ? Math.round(stop.meterStopWh - charge.meter_start_wh) / 1000
        : null;
    await this.transact(async (trx) => {
      await trx
        .updateTable('mobility_charge')
        .set({
          end_at: stop.endAt,
          duration_s: Math.max(0, Math.round((stop.endAt - charge.start_at) / 1000)),
          meter_stop_wh: stop.meterStopWh,
          energy_kwh: energyKwh,
          stop_reason: stop.reason,
          soc_start_pct: soc?.start ?? charge.soc_start_pct,
          soc_end_pct: soc?.end ?? charge.soc_end_pct,
          ...(vehicle ? { vehicle_id: vehicle.id } : {}),
          received_at: now,
        })
        .where('id', '=', charge.id)
        .execute();
      await trx
        .updateTable('mobility_charger')
        .set({ vehicle_id: null, ...(soc ? { soc_pct: soc.end } : {}), updated_at: now })
        .where('id', '=', charger.id)
        .execute();
      await refreshChargerDay(trx, this.calendar, charger.id, charge.day);
    });
    return true;
  }

  /** The first and last state of charge a connector's meter read within [from, to], %. */
  private async socWithin(code: string, connector: number, from: number, to: number) {
    const info = this.catalog.get(meterRequest(code, connector, 'soc_pct').key);
    if (!info) return undefined;
    const points = await this.engine.readPoints(info.id, from, to);
    const n = points.times.length;
    return n > 0 ? { start: points.values[0], end: points.values[n - 1] } : undefined;
  }

  /** Samples waiting for the write in flight to end, and the callers waiting for them. */
  private next:
    { samples: { seriesId: number; t: number; value: number }[]; done: Promise<void> } | undefined;
  private writing: Promise<void> = Promise.resolve();

  /**
   * Stores meter samples durably as series; resolves once they are. Chargers send a few samples
   * at a time, hundreds of them a second: samples that arrive while a write is in flight go
   * together in the next one (one durable append for many chargers, instead of a queue of them).
   */
  async meter(charger: ChargerRef, samples: readonly MeterSample[], now: number): Promise<void> {
    if (samples.length === 0) return;
    const requests = samples.map((s) => meterRequest(charger.code, s.connector, s.field));
    await this.catalog.resolve([...new Map(requests.map((r) => [r.key, r])).values()], now);
    const points = samples.flatMap((s, i) => {
      const info = this.catalog.get(requests[i].key);
      return info ? [{ seriesId: info.id, t: s.t, value: s.value }] : [];
    });
    if (!this.next) {
      const batch: { seriesId: number; t: number; value: number }[] = [];
      const done = this.writing.then(
        () => this.writeNow(batch),
        () => this.writeNow(batch),
      );
      this.next = { samples: batch, done };
      this.writing = done.catch(() => undefined);
    }
    this.next.samples.push(...points);
    return this.next.done;
  }

  private async writeNow(points: { seriesId: number; t: number; value: number }[]): Promise<void> {
    // From here on, samples that arrive wait for the next write.
    this.next = undefined;
    const batch = createBatch(points.length);
    points.forEach((p, i) => {
      batch.seriesIds[i] = p.seriesId;
      batch.times[i] = p.t;
      batch.values[i] = p.value;
    });
    await this.engine.write(sliceBatch(batch, points.length));
  }

  /** A connector's meter series of one field within [from, to] (times epoch ms). */
  async meterSeries(code: string, connector: number, field: MeterField, from: number, to: number) {
    const info = this.catalog.get(meterRequest(code, connector, field).key);
    if (!info) return { times: [] as number[], values: [] as number[] };
    const points = await this.engine.readPoints(info.id, from, to);
    return { times: [...points.times], values: [...points.values] };
  }
}
