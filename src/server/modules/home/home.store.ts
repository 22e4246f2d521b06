import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';

/** A weather station that measures the outdoor temperature, and the gateway that carries it. */
export interface OutdoorStation {
  id: number;
  code: string;
  name: string;
  gatewayId: number;
}

/**
 * The district's weather station with an outdoor temperature sensor that has readings (the
 * first registered, when there are several); undefined when there is none.
 */
export async function findOutdoorStation(
  db: Kysely<Database>,
  districtId: number,
): Promise<OutdoorStation | undefined> {
  const row = await db
    .selectFrom('weather_station')
    .innerJoin('sensor', 'sensor.gateway_id', 'weather_station.gateway_id')
    .innerJoin('series', 'series.sensor_id', 'sensor.id')
    .select([
      'weather_station.id as id',
      'weather_station.code as code',
      'weather_station.name as name',
      'weather_station.gateway_id as gatewayId',
    ])
    .where('weather_station.district_id', '=', districtId)
    .where('sensor.medium', '=', 'temperature')
    .orderBy('weather_station.id')
    .limit(1)
    .executeTakeFirst();
  return row && row.gatewayId !== null ? { ...row, gatewayId: row.gatewayId } : undefined;
}
