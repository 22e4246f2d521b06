import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { placeVisibility, seenWhere, systemPrincipal, visibilityOf } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, forbidden, notFound } from '../../plugins/errors.ts';
import type { ReadingsService } from '../readings/readings.service.ts';
import { dayDegreeDays, energyPerDegreeDay, HDD_BASE_C } from '#common/energy/hdd.ts';

/** Who reads the district's weather station for the dashboards: CIOP itself (it is city-wide). */
const WEATHER_READER = systemPrincipal('dashboards: district weather station');

/**
 * What the ready-made building dashboards show beside comfort: the district's outdoor temperature,
 * the retrofit date and incidents (annotations), and the energy of the building and its dwellings
 * per day or month, per m² and per heating degree day.
 */
export class BuildingViewsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly readings: ReadingsService,
    private readonly zone: string,
  ) {}

  private async building(buildingId: number, p: Principal) {
    const seen = await placeVisibility(this.db, visibilityOf(p), 'building', buildingId);
    if (seen === 'missing') throw notFound(`There is no building ${buildingId}.`);
    if (seen === 'hidden') throw forbidden(`You may not read building ${buildingId}.`);
    const b = await this.db
      .selectFrom('building')
      .select(['id', 'code', 'address', 'district_id', 'features', 'area1_m2', 'area2_m2'])
      .where('id', '=', buildingId)
      .executeTakeFirstOrThrow();
    const features = JSON.parse(b.features) as Record<string, unknown>;
    const retrofit = typeof features.retrofit_date === 'string' ? features.retrofit_date : null;
    return { ...b, retrofitDate: retrofit };
  }

  /** The district weather station's outdoor temperature per interval (°C), or null without one. */
  private async outdoor(districtId: number, from: number, to: number, interval: 'hour' | 'day' | 'month') {
    const sensor = await this.db
      .selectFrom('weather_station')
      .innerJoin('sensor', 'sensor.gateway_id', 'weather_station.gateway_id')
      .innerJoin('series', 'series.sensor_id', 'sensor.id')
      .select(['sensor.id as sensorId', 'weather_station.name as name'])
      .where('weather_station.district_id', '=', districtId)
      .where('sensor.medium', '=', 'temperature')
      .orderBy('weather_station.id')
      .executeTakeFirst();
    if (!sensor) return null;
    const a = await this.readings.aggregate(
      { sensorId: Number(sensor.sensorId) },
      from,
      to,
      interval,
      WEATHER_READER,
    );
    return {
      station: sensor.name,
      points: a.buckets.map((b) => [b.start, b.avg] as [number, number | null]),
    };
  }

  /** The dwellings of the building the caller sees, the outdoor temperature and the annotations. */
  async context(
    buildingId: number,
    q: { from: number; to: number; interval?: 'hour' | 'day' },
    p: Principal,
  ) {
    if (!(q.to >= q.from))
      throw badRequest(`query.to: the range ends (${q.to}) before it starts (${q.from}).`);
    const b = await this.building(buildingId, p);
    const visibility = visibilityOf(p);
    const dwellings = await this.db
      .selectFrom('dwelling')
      .select(['id', 'label', 'floor', 'area_m2'])
      .where('building_id', '=', buildingId)
      .where(seenWhere(visibility, { dwelling: 'dwelling.id', building: 'dwelling.building_id' }))
      .orderBy('floor')
      .orderBy('label')
      .execute();
    const incidents = await this.db
      .selectFrom('incident')
      .select(['id', 'kind', 'dwelling_id', 'medium', 'opened_at', 'closed_at', 'status'])
      .where('building_id', '=', buildingId)
      .where('opened_at', '<=', q.to)
      .where((eb) => eb.or([eb('closed_at', 'is', null), eb('closed_at', '>=', q.from)]))
      .where(seenWhere(visibility, { building: 'incident.building_id', gateway: 'incident.gateway_id' }))
      .orderBy('opened_at')
      .limit(200)
      .execute();
    return {
      buildingId,
      code: b.code,
      address: b.address,
      districtId: Number(b.district_id),
      retrofitDate: b.retrofitDate,
      dwellings: dwellings.map((d) => ({
        id: Number(d.id),
        label: d.label,
        floor: d.floor,
        areaM2: d.area_m2,
      })),
      outdoor: await this.outdoor(Number(b.district_id), q.from, q.to, q.interval ?? 'hour'),
      incidents: incidents.map((i) => ({
        id: Number(i.id),
        kind: i.kind,
        dwellingId: i.dwelling_id === null ? null : Number(i.dwelling_id),
        medium: i.medium,
        from: Number(i.opened_at),
        to: i.closed_at === null ? null : Number(i.closed_at),
      })),
    };
  }

  /**
   * Energy of the building and each dwelling it sees per day or month (kWh, from the cumulative
   * `energy` meters), per m² of the dwelling, and per heating degree day of the district's weather
   * station (base 15 °C, as the home views), with the retrofit date to split before from after.
   */
  async energy(
    buildingId: number,
    q: { from: number; to: number; interval?: 'day' | 'month' },
    p: Principal,
  ) {
    if (!(q.to >= q.from))
      throw badRequest(`query.to: the range ends (${q.to}) before it starts (${q.from}).`);
    const interval = q.interval ?? 'day';
    const b = await this.building(buildingId, p);
    const ctx = await this.context(buildingId, { from: q.from, to: q.to, interval: 'day' }, p);
    const dwellings: { dwellingId: number; label: string; areaM2: number | null; kWh: (number | null)[] }[] =
      [];
    // Every dwelling's meters in one pass over the building's series.
    const perDwelling = await this.readings.groupPerDwelling(buildingId, 'energy', q.from, q.to, interval, p);
    for (const d of ctx.dwellings) {
      const g = perDwelling.dwellings.get(d.id);
      if (!g || g.members === 0) continue;
      dwellings.push({
        dwellingId: d.id,
        label: d.label,
        areaM2: d.areaM2,
        kWh: g.buckets.map((x) => (x.mean === null ? null : x.mean * x.members)),
      });
    }
    const starts = dwellings.length > 0 ? perDwelling.boundaries.slice(0, -1) : [];
    // Degree days per interval, from the outdoor daily means.
    const hdd = starts.map(() => 0);
    const measured = starts.map(() => 0);
    for (const [t, v] of ctx.outdoor?.points ?? []) {
      if (v === null) continue;
      let i = starts.length - 1;
      while (i > 0 && starts[i] > t) i--;
      if (i < 0 || starts.length === 0) continue;
      hdd[i] += dayDegreeDays(v);
      measured[i]++;
    }
    const total = starts.map((_, i) => {
      const vs = dwellings.map((d) => d.kWh[i]).filter((v): v is number => v !== null);
      return vs.length > 0 ? vs.reduce((s, v) => s + v, 0) : null;
    });
    const area = dwellings.reduce((s, d) => s + (d.areaM2 ?? 0), 0);
    const retrofitAt = b.retrofitDate
      ? DateTime.fromISO(b.retrofitDate, { zone: this.zone }).toMillis()
      : null;
    const split = (which: 'before' | 'after') => {
      const idx = starts
        .map((s, i) => i)
        .filter(
          (i) =>
            retrofitAt !== null && (which === 'before' ? starts[i] < retrofitAt : starts[i] >= retrofitAt),
        );
      const kWh = idx.reduce((s, i) => s + (total[i] ?? 0), 0);
      const degreeDays = idx.reduce((s, i) => s + hdd[i], 0);
      return {
        intervals: idx.length,
        kWh,
        hdd: degreeDays,
        kWhPerHdd: energyPerDegreeDay(kWh, degreeDays),
        kWhPerM2: area > 0 ? kWh / area : null,
      };
    };
    return {
      buildingId,
      interval,
      hddBaseC: HDD_BASE_C,
      retrofitDate: b.retrofitDate,
      areaM2: area,
      starts,
      building: total.map((v, i) => ({
        kWh: v,
        kWhPerM2: v !== null && area > 0 ? v / area : null,
        hdd: measured[i] > 0 ? hdd[i] : null,
        kWhPerHdd: measured[i] > 0 ? energyPerDegreeDay(v, hdd[i]) : null,
      })),
      dwellings: dwellings.map((d) => ({
        ...d,
        kWhPerM2: d.kWh.map((v) => (v !== null && d.areaM2 ? v / d.areaM2 : null)),
      })),
      beforeAfter: retrofitAt === null ? null : { before: split('before'), after: split('after') },
    };
  }
}
