import type { Kysely, Transaction } from 'kysely';
import type { Database, MobilitySource } from '../../db/schema.ts';
import type { ChargeRecord, ChargerRecord, TripRecord } from './fleet-records.ts';
import { LocalCalendar } from './local-calendar.ts';
import { refreshDays, refreshStatusDays } from './mobility-rollups.store.ts';
import * as store from './mobility.store.ts';

/**
 * Where trips, chargers and charges enter the model, whatever brings them (the fleet platform,
 * GTFS-Realtime, OCPP, the demo): vehicles and chargers are found by code or plate (a vehicle the
 * model does not know yet is added), days and months are cut in the city's time zone, a record
 * sent again replaces the stored one, and a charger's change of status is added to its history.
 */
export class MobilityIngest {
  readonly calendar: LocalCalendar;

  constructor(
    private readonly db: Kysely<Database>,
    zone: string,
  ) {
    this.calendar = new LocalCalendar(zone);
  }

  private async vehicleIds(names: Iterable<string>, source: MobilitySource, now: number) {
    const keys = await store.vehicleKeys(this.db);
    for (const name of names)
      if (!keys.has(name))
        keys.set(
          name,
          await store.ensureVehicle(
            this.db,
            {
              code: name,
              plate: name,
              model: '',
              type: 'unknown',
              battery_kwh: null,
              line_id: null,
              diesel_l_per_100km: null,
              source,
            },
            now,
          ),
        );
    return keys;
  }

  private async lineIds(): Promise<Map<string, number>> {
    return new Map((await store.listLines(this.db)).map((l) => [l.code, l.id]));
  }

  /** The day rollups of the local days some records fall in. */
  private async refresh(db: Transaction<Database>, days: readonly number[]): Promise<void> {
    if (days.length === 0) return;
    await refreshDays(db, this.calendar, Math.min(...days), Math.max(...days));
  }

  /** Stores trips; returns how many. */
  async trips(records: readonly TripRecord[], source: MobilitySource, now: number): Promise<number> {
    if (records.length === 0) return 0;
    const vehicles = await this.vehicleIds(new Set(records.map((r) => r.vehicle)), source, now);
    const lines = await this.lineIds();
    const vehicleLine = new Map((await store.allVehicles(this.db)).map((v) => [v.id, v.line_id]));
    const rows: store.NewTrip[] = records.map((r) => {
      const vehicleId = vehicles.get(r.vehicle) as number;
      return {
        external_id: r.externalId,
        vehicle_id: vehicleId,
        line_id: (r.line !== null ? lines.get(r.line) : undefined) ?? vehicleLine.get(vehicleId) ?? null,
        scheduled_trip_id: null,
        direction: r.direction,
        start_at: r.startAt,
        end_at: r.endAt,
        day: this.calendar.day(r.startAt),
        month: this.calendar.month(r.startAt),
        distance_km: r.distanceKm,
        duration_s: r.durationS,
        avg_speed_kmh: r.avgSpeedKmh,
        consumption_kwh: r.consumptionKwh,
        kwh_per_km: r.kwhPerKm,
        regenerated_kwh: r.regeneratedKwh,
        auxiliary_kwh: r.auxiliaryKwh,
        traction_kwh: r.tractionKwh,
        inside_temp_c: r.insideTempC,
        outside_temp_c: r.outsideTempC,
        diesel_co2_kg: r.dieselCo2Kg,
        electric_co2_kg: r.electricCo2Kg,
        source,
        received_at: now,
      };
    });
    await this.db.transaction().execute(async (trx) => {
      await store.upsertTrips(trx, rows);
      await this.refresh(
        trx,
        rows.map((r) => r.day),
      );
    });
    return rows.length;
  }

  /** Stores chargers as they are now; a changed status goes into the history from its update time. */
  async chargers(records: readonly ChargerRecord[], source: MobilitySource, now: number): Promise<number> {
    if (records.length === 0) return 0;
    const vehicles = await this.vehicleIds(
      new Set(records.flatMap((r) => (r.vehicle ? [r.vehicle] : []))),
      source,
      now,
    );
    await this.db.transaction().execute(async (trx) => {
      for (const r of records) {
        const { id, before } = await store.upsertCharger(trx, {
          code: r.code,
          name: r.code,
          kind: r.kind,
          current: r.current,
          power_kw: r.powerKw,
          latitude: r.latitude,
          longitude: r.longitude,
          status: r.status,
          status_at: r.updatedAt,
          vehicle_id: r.vehicle ? (vehicles.get(r.vehicle) ?? null) : null,
          soc_pct: r.socPct,
          source,
          updated_at: r.updatedAt,
        });
        if (!before || before.status !== r.status) {
          await store.insertStatuses(trx, [
            { charger_id: id, connector: 0, status: r.status, error_code: null, at: r.updatedAt, source },
          ]);
          // The change holds from its day on, up to today.
          const day = this.calendar.day(r.updatedAt);
          await refreshStatusDays(trx, this.calendar, day, Math.max(day, this.calendar.day(now)), [id]);
        } else
          // The same status goes on: it has held since the earlier change.
          await trx
            .updateTable('mobility_charger')
            .set({ status_at: before.status_at })
            .where('id', '=', id)
            .execute();
      }
    });
    return records.length;
  }

  /** Stores charges; returns how many, and those whose charger is unknown. */
  async charges(
    records: readonly ChargeRecord[],
    source: MobilitySource,
    now: number,
  ): Promise<{ stored: number; unknownCharger: ChargeRecord[] }> {
    const chargers = await store.chargerIdsByCode(this.db);
    const known = records.filter((r) => chargers.has(r.charger));
    const unknownCharger = records.filter((r) => !chargers.has(r.charger));
    if (known.length === 0) return { stored: 0, unknownCharger };
    const vehicles = await this.vehicleIds(
      new Set(known.flatMap((r) => (r.vehicle ? [r.vehicle] : []))),
      source,
      now,
    );
    const rows: store.NewCharge[] = known.map((r) => ({
      number: r.number,
      charger_id: chargers.get(r.charger) as number,
      vehicle_id: r.vehicle ? (vehicles.get(r.vehicle) ?? null) : null,
      connector: 1,
      id_tag: null,
      start_at: r.startAt,
      end_at: r.endAt,
      day: this.calendar.day(r.startAt),
      month: this.calendar.month(r.startAt),
      duration_s: r.durationS,
      energy_kwh: r.energyKwh,
      meter_start_wh: null,
      meter_stop_wh: null,
      soc_start_pct: null,
      soc_end_pct: null,
      stop_reason: null,
      source,
      received_at: now,
    }));
    await this.db.transaction().execute(async (trx) => {
      await store.upsertCharges(trx, rows);
      await this.refresh(
        trx,
        rows.map((r) => r.day),
      );
    });
    return { stored: rows.length, unknownCharger };
  }
}
