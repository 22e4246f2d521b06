import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { BeforeAfter, BeforeAfterPeriod, BeforeAfterQuery } from '#common/api/municipal.ts';
import { energyPerDegreeDay, HDD_BASE_C, periodDegreeDays, relativeChange } from '#common/energy/hdd.ts';
import { MUNICIPAL_CARRIERS, type MunicipalCarrier } from '#common/municipal/carriers.ts';
import { systemPrincipal } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import { badRequest, notFound } from '../../plugins/errors.ts';
import type { ReadingsService } from '../readings/readings.service.ts';
import { addMonths, monthText } from './municipal-months.ts';
import * as store from './municipal.store.ts';

/** What heats a facility when no carrier is named: gas and district heat, counted in kWh. */
export const HEATING_CARRIERS = ['natural_gas', 'district_heating'];

/** The district's outdoor temperature is district-wide data: CIOP reads it for the comparison. */
const WEATHER_READER = systemPrincipal('municipal energy: district weather station');

/**
 * A facility's heating energy in the whole months before a refurbishment and in as many after it
 * (the month of the works in neither), each divided by its heating degree days from the weather
 * station of the facility's district, so that a milder winter after the works does not pass for
 * a saving. Both periods are as long as the shorter side's data allows.
 */
export async function beforeAfter(
  deps: { db: Kysely<Database>; readings: ReadingsService; timezone: string },
  facilityId: number,
  q: BeforeAfterQuery,
  now: number,
): Promise<BeforeAfter> {
  const facility = await store.findFacility(deps.db, facilityId);
  if (!facility) throw notFound(`There is no facility ${facilityId}.`);
  const day = DateTime.fromISO(q.date, { zone: deps.timezone });
  if (!day.isValid || day.toISODate() !== q.date)
    throw badRequest(`date: ${q.date} is not a day of the calendar (YYYY-MM-DD).`);
  if (q.carrier !== undefined && MUNICIPAL_CARRIERS[q.carrier as MunicipalCarrier]?.unit !== 'kWh')
    throw badRequest(
      `carrier: ${q.carrier} is not counted in kWh; name a heating carrier such as natural_gas.`,
    );
  const carriers = q.carrier !== undefined ? [q.carrier] : HEATING_CARRIERS;
  const baseC = q.base ?? HDD_BASE_C;
  const answer: BeforeAfter = {
    facilityId,
    status: 'ok',
    date: q.date,
    baseC,
    carriers,
    before: null,
    after: null,
    change: null,
  };
  if (facility.district_id === null) return { ...answer, status: 'no-district' };
  const works = day.year * 100 + day.month;
  const today = DateTime.fromMillis(now, { zone: deps.timezone });
  // The last whole month after the works is the one before the current month.
  const lastWhole = addMonths(today.year * 100 + today.month, -1);
  const available = monthsBetween(addMonths(works, 1), lastWhole);
  if (available < 1) return { ...answer, status: 'too-recent' };
  const wanted = Math.min(q.months ?? 12, available);

  const rows = await deps.db
    .selectFrom('municipal_month')
    .select((eb) => ['month', eb.fn.sum<number>('quantity').as('quantity')])
    .where('facility_id', '=', facilityId)
    .where('carrier', 'in', carriers)
    .where('month', '>=', addMonths(works, -wanted))
    .where('month', '<=', addMonths(works, wanted))
    .groupBy('month')
    .execute();
  const energy = new Map(rows.map((r) => [Number(r.month), Number(r.quantity)]));
  // As many months on each side as both have data for, counted outwards from the works.
  let length = 0;
  while (
    length < wanted &&
    energy.has(addMonths(works, -(length + 1))) &&
    energy.has(addMonths(works, length + 1))
  )
    length++;
  if (length === 0) return { ...answer, status: 'no-data' };

  const station = await findOutdoorStation(deps.db, Number(facility.district_id));
  if (!station) return { ...answer, status: 'no-weather-station' };
  const startOf = (month: number) =>
    DateTime.fromObject(
      { year: Math.floor(month / 100), month: month % 100, day: 1 },
      { zone: deps.timezone },
    );
  const firstBefore = addMonths(works, -length);
  const lastAfter = addMonths(works, length);
  const outdoor = await deps.readings.group(
    { gatewayId: station.gatewayId },
    'temperature',
    startOf(firstBefore).toMillis(),
    startOf(addMonths(lastAfter, 1)).toMillis() - 1,
    'day',
    WEATHER_READER,
  );
  const period = (first: number, last: number): BeforeAfterPeriod => {
    const from = startOf(first).toMillis();
    const to = startOf(addMonths(last, 1)).toMillis();
    const days = outdoor.buckets.filter((b) => b.start >= from && b.start < to).map((b) => b.mean);
    const degreeDays = periodDegreeDays(days, baseC);
    let energyKWh = 0;
    for (let m = first; m <= last; m = addMonths(m, 1)) energyKWh += energy.get(m) ?? 0;
    return {
      from: monthText(first),
      to: monthText(last),
      months: length,
      energyKWh,
      hdd: degreeDays.hdd,
      temperatureDays: degreeDays.measuredDays,
      kWhPerHdd: energyPerDegreeDay(energyKWh, degreeDays.hdd),
      meanOutdoorC: degreeDays.meanOutdoorC,
    };
  };
  const before = period(firstBefore, addMonths(works, -1));
  const after = period(addMonths(works, 1), lastAfter);
  return {
    ...answer,
    before,
    after,
    change: {
      energy: relativeChange(before.energyKWh, after.energyKWh),
      hdd: relativeChange(before.hdd, after.hdd),
      kWhPerHdd: relativeChange(before.kWhPerHdd, after.kWhPerHdd),
    },
  };
}

/** The gateway of the first weather station of a district that reads the outdoor temperature. */
async function findOutdoorStation(
  db: Kysely<Database>,
  districtId: number,
): Promise<{ gatewayId: number } | undefined> {
  const row = await db
    .selectFrom('weather_station')
    .innerJoin('sensor', 'sensor.gateway_id', 'weather_station.gateway_id')
    .innerJoin('series', 'series.sensor_id', 'sensor.id')
    .select('weather_station.gateway_id as gatewayId')
    .where('weather_station.district_id', '=', districtId)
    .where('sensor.medium', '=', 'temperature')
    .orderBy('weather_station.id')
    .limit(1)
    .executeTakeFirst();
  return row && row.gatewayId !== null ? { gatewayId: Number(row.gatewayId) } : undefined;
}

/** Months from `a` to `b`, both included (YYYYMM); 0 when b comes before a. */
function monthsBetween(a: number, b: number): number {
  let n = 0;
  for (let m = a; m <= b; m = addMonths(m, 1)) n++;
  return n;
}
