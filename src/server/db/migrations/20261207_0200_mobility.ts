import type { Kysely } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

/**
 * Public transport and charging: lines, stops, shapes and a timetable shaped as GTFS names them
 * (routes, stops, shapes, calendar, calendar_dates, trips, stop_times), the vehicles and the trips
 * they ran as the fleet platform reports them, chargers with their status history and charges as
 * OCPP names them (status notifications, transactions), the records the fleet adapter kept out,
 * and how far it has read each of the platform's lists.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);

  await t
    .withId(db.schema.createTable('mobility_line'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('agency', 'text', (c) => c.notNull().defaultTo(''))
    // GTFS route_type: 3 = bus.
    .addColumn('route_type', 'integer', (c) => c.notNull().defaultTo(3))
    .addColumn('colour', 'text')
    .addColumn('reference_stop_id', 'bigint')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await t
    .withId(db.schema.createTable('mobility_stop'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('latitude', t.double, (c) => c.notNull())
    .addColumn('longitude', t.double, (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .execute();

  // A line's path in one direction (GTFS shapes.txt), points as a JSON array of [lon, lat].
  await t
    .withId(db.schema.createTable('mobility_shape'))
    .addColumn('line_id', 'bigint', (c) => c.notNull().references('mobility_line.id'))
    .addColumn('direction', 'integer', (c) => c.notNull())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('length_km', t.double, (c) => c.notNull())
    .addColumn('points', 'text', (c) => c.notNull())
    .execute();

  // The stops a line serves in each direction, in order (its pattern, as GTFS stop_times list it).
  await db.schema
    .createTable('mobility_line_stop')
    .addColumn('line_id', 'bigint', (c) => c.notNull().references('mobility_line.id'))
    .addColumn('direction', 'integer', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('stop_id', 'bigint', (c) => c.notNull().references('mobility_stop.id'))
    .addColumn('distance_km', t.double, (c) => c.notNull())
    .addPrimaryKeyConstraint('mobility_line_stop_pk', ['line_id', 'direction', 'seq'])
    .execute();

  // GTFS calendar: the weekdays a service runs (Monday first, '1'/'0'), between two local dates.
  await t
    .withId(db.schema.createTable('mobility_service'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('weekdays', 'text', (c) => c.notNull())
    .addColumn('start_date', 'text', (c) => c.notNull())
    .addColumn('end_date', 'text', (c) => c.notNull())
    .execute();
  // GTFS calendar_dates: 1 = the service is added that date, 2 = removed.
  await db.schema
    .createTable('mobility_service_date')
    .addColumn('service_id', 'bigint', (c) => c.notNull().references('mobility_service.id'))
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('exception_type', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('mobility_service_date_pk', ['service_id', 'date'])
    .execute();

  // The timetable: GTFS trips and stop_times (seconds after the service day's local noon minus
  // 12 h, so past midnight is 24:xx:xx as GTFS writes it).
  await t
    .withId(db.schema.createTable('mobility_scheduled_trip'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('line_id', 'bigint', (c) => c.notNull().references('mobility_line.id'))
    .addColumn('service_id', 'bigint', (c) => c.notNull().references('mobility_service.id'))
    .addColumn('direction', 'integer', (c) => c.notNull())
    .addColumn('shape_id', 'bigint')
    .addColumn('headsign', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('departure_s', 'integer', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('mobility_scheduled_trip_line_idx')
    .on('mobility_scheduled_trip')
    .columns(['line_id', 'service_id'])
    .execute();
  await db.schema
    .createTable('mobility_stop_time')
    .addColumn('trip_id', 'bigint', (c) => c.notNull().references('mobility_scheduled_trip.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('stop_id', 'bigint', (c) => c.notNull().references('mobility_stop.id'))
    .addColumn('arrival_s', 'integer', (c) => c.notNull())
    .addColumn('departure_s', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('mobility_stop_time_pk', ['trip_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('mobility_stop_time_stop_idx')
    .on('mobility_stop_time')
    .columns(['stop_id', 'departure_s'])
    .execute();

  await t
    .withId(db.schema.createTable('mobility_vehicle'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('plate', 'text', (c) => c.notNull().unique())
    .addColumn('model', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('battery_kwh', t.double)
    .addColumn('line_id', 'bigint')
    // A diesel bus's consumption this vehicle is compared with, l/100 km; null = the configured one of its type.
    .addColumn('diesel_l_per_100km', t.double)
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // A trip a vehicle ran, as the fleet platform (or GTFS-Realtime) reports it.
  await t
    .withId(db.schema.createTable('mobility_trip'))
    .addColumn('external_id', 'text', (c) => c.notNull().unique())
    .addColumn('vehicle_id', 'bigint', (c) => c.notNull().references('mobility_vehicle.id'))
    .addColumn('line_id', 'bigint')
    .addColumn('scheduled_trip_id', 'bigint')
    .addColumn('direction', 'integer')
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint', (c) => c.notNull())
    // Local service day (YYYYMMDD) and month (YYYYMM) of the start, so KPIs sum in SQL.
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('month', 'integer', (c) => c.notNull())
    .addColumn('distance_km', t.double, (c) => c.notNull())
    .addColumn('duration_s', 'integer', (c) => c.notNull())
    .addColumn('avg_speed_kmh', t.double)
    .addColumn('consumption_kwh', t.double, (c) => c.notNull())
    .addColumn('kwh_per_km', t.double)
    .addColumn('regenerated_kwh', t.double)
    .addColumn('auxiliary_kwh', t.double)
    .addColumn('traction_kwh', t.double)
    .addColumn('inside_temp_c', t.double)
    .addColumn('outside_temp_c', t.double)
    .addColumn('diesel_co2_kg', t.double)
    .addColumn('electric_co2_kg', t.double)
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('mobility_trip_vehicle_idx')
    .on('mobility_trip')
    .columns(['vehicle_id', 'start_at'])
    .execute();
  await db.schema.createIndex('mobility_trip_start_idx').on('mobility_trip').columns(['start_at']).execute();
  await db.schema
    .createIndex('mobility_trip_line_day_idx')
    .on('mobility_trip')
    .columns(['line_id', 'day'])
    .execute();
  await db.schema
    .createIndex('mobility_trip_month_idx')
    .on('mobility_trip')
    .columns(['month', 'vehicle_id'])
    .execute();

  // A charge point (OCPP), its latest status and what is connected to it.
  await t
    .withId(db.schema.createTable('mobility_charger'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('current', 'text', (c) => c.notNull())
    .addColumn('power_kw', t.double, (c) => c.notNull())
    .addColumn('latitude', t.double)
    .addColumn('longitude', t.double)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_at', 'bigint', (c) => c.notNull())
    .addColumn('vehicle_id', 'bigint')
    .addColumn('soc_pct', t.double)
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  // OCPP StatusNotification: a charger's (connector 0) or a connector's status from `at` on.
  await t
    .withId(db.schema.createTable('mobility_charger_status'))
    .addColumn('charger_id', 'bigint', (c) => c.notNull().references('mobility_charger.id'))
    .addColumn('connector', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('mobility_charger_status_idx')
    .on('mobility_charger_status')
    .columns(['charger_id', 'at'])
    .execute();

  // A charge: an OCPP transaction, or a charge the fleet platform reports, keyed by its number.
  await t
    .withId(db.schema.createTable('mobility_charge'))
    .addColumn('number', 'text', (c) => c.notNull())
    .addColumn('charger_id', 'bigint', (c) => c.notNull().references('mobility_charger.id'))
    .addColumn('vehicle_id', 'bigint')
    .addColumn('connector', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('id_tag', 'text')
    .addColumn('start_at', 'bigint', (c) => c.notNull())
    .addColumn('end_at', 'bigint')
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('month', 'integer', (c) => c.notNull())
    .addColumn('duration_s', 'integer')
    .addColumn('energy_kwh', t.double)
    .addColumn('meter_start_wh', t.double)
    .addColumn('meter_stop_wh', t.double)
    .addColumn('soc_start_pct', t.double)
    .addColumn('soc_end_pct', t.double)
    .addColumn('stop_reason', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addUniqueConstraint('mobility_charge_number_uq', ['charger_id', 'number'])
    .execute();
  await db.schema
    .createIndex('mobility_charge_start_idx')
    .on('mobility_charge')
    .columns(['charger_id', 'start_at'])
    .execute();
  await db.schema
    .createIndex('mobility_charge_time_idx')
    .on('mobility_charge')
    .columns(['start_at'])
    .execute();
  await db.schema
    .createIndex('mobility_charge_vehicle_idx')
    .on('mobility_charge')
    .columns(['vehicle_id', 'start_at'])
    .execute();

  // Day rollups, kept current as trips, charges and status changes arrive, so that a year of a
  // city's KPIs reads days, not millions of trips: per vehicle, line and charger and local day.
  await db.schema
    .createTable('mobility_vehicle_day')
    .addColumn('vehicle_id', 'bigint', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('trips', 'integer', (c) => c.notNull())
    .addColumn('distance_km', t.double, (c) => c.notNull())
    .addColumn('consumption_kwh', t.double, (c) => c.notNull())
    .addColumn('regenerated_kwh', t.double, (c) => c.notNull())
    .addPrimaryKeyConstraint('mobility_vehicle_day_pk', ['vehicle_id', 'day'])
    .execute();
  await db.schema
    .createTable('mobility_line_day')
    .addColumn('line_id', 'bigint', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('trips', 'integer', (c) => c.notNull())
    // Departures from the first stop outbound (direction 0): how many, the first and the last.
    .addColumn('departures', 'integer', (c) => c.notNull())
    .addColumn('first_departure', 'bigint')
    .addColumn('last_departure', 'bigint')
    .addPrimaryKeyConstraint('mobility_line_day_pk', ['line_id', 'day'])
    .execute();
  await db.schema
    .createTable('mobility_charger_day')
    .addColumn('charger_id', 'bigint', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('charges', 'integer', (c) => c.notNull())
    .addColumn('energy_kwh', t.double, (c) => c.notNull())
    .addColumn('charge_s', t.double, (c) => c.notNull())
    .addColumn('timed', 'integer', (c) => c.notNull())
    .addColumn('first_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('mobility_charger_day_pk', ['charger_id', 'day'])
    .execute();
  // Per charger and day, the time its status was known and the part out of service (Faulted or
  // Unavailable), up to the day's end, and its status at the end of the day.
  await db.schema
    .createTable('mobility_charger_status_day')
    .addColumn('charger_id', 'bigint', (c) => c.notNull())
    .addColumn('day', 'integer', (c) => c.notNull())
    .addColumn('known_ms', 'bigint', (c) => c.notNull())
    .addColumn('out_ms', 'bigint', (c) => c.notNull())
    .addColumn('changes', 'integer', (c) => c.notNull())
    .addColumn('last_status', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('mobility_charger_status_day_pk', ['charger_id', 'day'])
    .execute();

  // Records of the fleet platform that were kept out, and why (shown to admins).
  await t
    .withId(db.schema.createTable('mobility_rejection'))
    .addColumn('feed', 'text', (c) => c.notNull())
    .addColumn('record_key', 'text', (c) => c.notNull())
    .addColumn('field', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('record', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();

  // How far the adapter has read each list of the fleet platform, and its back-off.
  await db.schema
    .createTable('mobility_feed_state')
    .addColumn('feed', 'text', (c) => c.primaryKey())
    .addColumn('cursor', 'text')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_ok_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('stored', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('rejected', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
