import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { BeforeAfter, BeforeAfterPeriod, BeforeAfterQuery, Tips } from '#common/api/home.ts';
import type { Language } from '#common/api/news.ts';
import { systemPrincipal } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest } from '../../plugins/errors.ts';
import type { ReadingsService } from '../readings/readings.service.ts';
import type { RegistryService } from '../registry/registry.service.ts';
import { energyPerDegreeDay, HDD_BASE_C, periodDegreeDays, relativeChange } from '#common/energy/hdd.ts';
import { findOutdoorStation } from './home.store.ts';
import { drawTips, type HourValue, TIP_RULES } from './tips.ts';
import { HOUR_MS, DAY_MS } from '#common/time.ts';

/** Fewest whole days after an intervention worth comparing. */
export const MIN_COMPARISON_DAYS = 7;

/**
 * Who reads the district's outdoor temperature for the home views: CIOP itself. The weather
 * station is district-wide data, and only its daily means reach the resident; their own
 * visibility would refuse a gateway outside their dwelling.
 */
const WEATHER_READER = systemPrincipal('home views: district weather station');
const HOME_READER = systemPrincipal('home views: the building of a dwelling the caller sees');

/** The resident's home views computed on the server: before and after an intervention, and tips. */
export class HomeService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly readings: ReadingsService,
    private readonly registry: RegistryService,
    private readonly timezone: string,
  ) {}

  /**
   * The energy a dwelling used in a period before an intervention and in as long a period after
   * it, each divided by its heating degree days (outdoor temperature of the district's weather
   * station), so that a colder winter after the works does not hide what they saved.
   */
  async beforeAfter(
    dwellingId: number,
    query: BeforeAfterQuery,
    principal: Principal,
    now = Date.now(),
  ): Promise<BeforeAfter> {
    const place = await this.place(dwellingId, principal);
    const baseC = query.base ?? HDD_BASE_C;
    const medium = query.medium ?? 'energy';
    const retrofit = place.features.retrofit_date;
    const retrofitDate = typeof retrofit === 'string' ? retrofit : null;
    const date = query.date ?? retrofitDate;
    const answer: BeforeAfter = {
      dwellingId,
      buildingId: place.buildingId,
      status: 'ok',
      interventionDate: date,
      source: query.date ? 'given' : retrofitDate ? 'retrofit_date' : null,
      retrofitDate,
      baseC,
      medium,
      unit: (await this.registry.getMedium(medium).catch(() => undefined))?.unit ?? 'kWh',
      before: null,
      after: null,
      change: null,
    };
    if (!date) return { ...answer, status: 'no-intervention-date' };

    const start = DateTime.fromISO(date, { zone: this.timezone });
    if (!start.isValid || start.toISODate() !== date)
      throw badRequest(`date: ${date} is not a day of the calendar (YYYY-MM-DD).`);
    const today = DateTime.fromMillis(now, { zone: this.timezone }).startOf('day');
    // Whole days since the intervention, today (not over yet) left out.
    const available = Math.floor(today.diff(start, 'days').days);
    const days = Math.min(query.days ?? 60, available);
    if (days < MIN_COMPARISON_DAYS) return { ...answer, status: 'too-recent' };

    const station = await findOutdoorStation(this.db, place.districtId);
    if (!station) return { ...answer, status: 'no-weather-station' };
    const from = start.minus({ days }).toMillis();
    const to = start.plus({ days }).toMillis() - 1;
    // The dwelling's meter, narrowed to what the caller may read in the query (403 otherwise).
    const energy = await this.readings.group({ dwellingId }, medium, from, to, 'day', principal);
    if (energy.members === 0) return { ...answer, status: 'no-meter' };
    if (!energy.cumulative)
      throw badRequest(
        `medium: ${medium} is not a cumulative meter; name one that counts energy, such as energy.`,
      );
    const outdoor = await this.readings.group(
      { gatewayId: station.gatewayId },
      'temperature',
      from,
      to,
      'day',
      WEATHER_READER,
    );
    // Both periods as long as the meter's readings allow on both sides: a meter installed within
    // the period before, or silent at the end of the one after, shortens both alike. The first day
    // of a meter installed within the window counts only from its first reading: left out.
    const buckets = energy.buckets;
    const split = buckets.findIndex((b) => b.start >= start.toMillis());
    const firstData = buckets.findIndex((b) => b.mean !== null);
    const lastData = buckets.findLastIndex((b) => b.mean !== null);
    if (split < 0 || firstData < 0 || firstData >= split || lastData < split)
      return { ...answer, status: 'no-meter' };
    const length = Math.min(split - (firstData > 0 ? firstData + 1 : 0), lastData - split + 1);
    if (length < MIN_COMPARISON_DAYS) return { ...answer, status: 'too-little-data' };
    const period = (first: number): BeforeAfterPeriod => {
      const e = buckets.slice(first, first + length);
      const o = outdoor.buckets.slice(first, first + length);
      // A group's mean times its members is their sum: the dwelling's meters together.
      const used = e.filter((b) => b.mean !== null);
      const energyKWh = used.length > 0 ? used.reduce((s, b) => s + (b.mean as number) * b.members, 0) : null;
      const degreeDays = periodDegreeDays(
        o.map((b) => b.mean),
        baseC,
      );
      return {
        from: e[0].start,
        to: e[e.length - 1].end,
        days: e.length,
        energyDays: used.length,
        temperatureDays: degreeDays.measuredDays,
        energyKWh,
        hdd: degreeDays.hdd,
        kWhPerHdd: energyPerDegreeDay(energyKWh, degreeDays.hdd),
        meanOutdoorC: degreeDays.meanOutdoorC,
      };
    };
    const before = period(split - length);
    const after = period(split);
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

  /**
   * Tips drawn from the dwelling's hourly means of the last `days` days: ventilate, mould risk,
   * the cost of each degree of heating, in the language asked for.
   */
  async tips(
    dwellingId: number,
    query: { lang?: Language; days?: number },
    principal: Principal,
    now = Date.now(),
  ): Promise<Tips> {
    const place = await this.place(dwellingId, principal);
    const language = query.lang ?? 'en';
    const days = query.days ?? 7;
    const to = now;
    const from = Math.floor(now / HOUR_MS) * HOUR_MS - days * DAY_MS;
    const hourly = async (medium: string): Promise<HourValue[]> => {
      const group = await this.readings.group({ dwellingId }, medium, from, to, 'hour', principal);
      return group.buckets.filter((b) => b.mean !== null).map((b) => ({ t: b.start, v: b.mean as number }));
    };
    const co2 = await hourly('co2');
    const humidity = await hourly('humidity');
    const temperature = await hourly('temperature');
    const outdoorDaily = new Map<number, number>();
    const station = await findOutdoorStation(this.db, place.districtId);
    if (station) {
      const outdoor = await this.readings.group(
        { gatewayId: station.gatewayId },
        'temperature',
        from,
        to,
        'day',
        WEATHER_READER,
      );
      for (const b of outdoor.buckets) if (b.mean !== null) outdoorDaily.set(b.start, b.mean);
    }
    const tips = drawTips(
      { days, timezone: this.timezone, co2, humidity, temperature, outdoorDaily },
      language,
    );
    return {
      dwellingId,
      language,
      from,
      to,
      tips,
      assumptions: {
        co2LimitPpm: TIP_RULES.co2LimitPpm,
        humidityLimitPct: TIP_RULES.humidityLimitPct,
        comfortableC: TIP_RULES.comfortableC,
        heatingPerDegree: TIP_RULES.heatingPerDegree,
        heatingDayBelowC: TIP_RULES.heatingDayBelowC,
        sources: [...TIP_RULES.sources],
      },
    };
  }

  /** The dwelling, if the caller may see it (narrowed in the query), with its building's place. */
  private async place(dwellingId: number, principal: Principal) {
    const dwelling = await this.registry.getDwelling(dwellingId, principal);
    // Whom sees the dwelling may read where it is.
    const building = await this.registry.getBuilding(dwelling.buildingId, HOME_READER);
    return {
      buildingId: building.id,
      districtId: building.districtId,
      features: building.features as Record<string, unknown>,
    };
  }
}
