import { DateTime } from 'luxon';
import type { SeriesCatalog } from '../../timeseries/series-catalog.ts';
import { seriesKey } from '../../timeseries/series-key.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { createBatch } from '../../timeseries/write-batch.ts';

/** The series Datadis consumption is stored in: `datadis,cups=… kWh` and `… estimated` (1 or 0). */
export const DATADIS_MEASUREMENT = 'datadis';
export const DATADIS_FIELD = 'kWh';
export const DATADIS_ESTIMATED_FIELD = 'estimated';

/** A supply point the authorised NIF may read, as Datadis lists it. */
export interface DatadisSupply {
  cups: string;
  address?: string;
  distributor?: string;
  distributorCode: string;
  pointType: number;
  validDateFrom?: string;
  validDateTo?: string;
}

/** One hour (or quarter hour) of consumption. */
export interface DatadisReading {
  /** Start of the interval, UTC epoch ms. */
  t: number;
  kWh: number;
  /** The distributor estimated it (`obtainMethod` "Estimada"), rather than reading the meter. */
  estimated: boolean;
}

export interface DatadisOptions {
  url: string;
  username: string;
  password: string;
  /** The city's time zone: Datadis gives local dates and hour-ending times (01:00 … 24:00). */
  zone: string;
  /** First wait after an HTTP 429 when the answer has no Retry-After, ms; doubled each time. */
  backoffMs?: number;
  /** Attempts of one request before giving up on 429s. */
  maxAttempts?: number;
}

export class DatadisError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A client of Datadis's private API (datadis.es): logs in for a token (`POST
 * /nikola-auth/tokens/login`, form fields username and password, the token as text), lists the
 * supplies (`GET /api-private/api/get-supplies`) and reads consumption by CUPS and month range
 * (`GET /api-private/api/get-consumption-data`, measurementType 0 hourly, 1 quarter-hourly).
 * A 401 means the token expired: it logs in once more and repeats the request. A 429 is waited
 * out (Retry-After, or a doubling back-off) before it tries again.
 */
export class DatadisClient {
  private token: string | undefined;
  private readonly backoffMs: number;
  private readonly maxAttempts: number;

  constructor(private readonly options: DatadisOptions) {
    this.backoffMs = options.backoffMs ?? 2000;
    this.maxAttempts = options.maxAttempts ?? 6;
  }

  private url(path: string, query: Record<string, string> = {}): string {
    const u = new URL(path, this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u.toString();
  }

  /** Logs in and keeps the token. */
  async login(): Promise<void> {
    const res = await this.send(() =>
      fetch(this.url('nikola-auth/tokens/login'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          username: this.options.username,
          password: this.options.password,
        }).toString(),
      }),
    );
    if (!res.ok) throw new DatadisError(`Datadis refused the login (HTTP ${res.status}).`, res.status);
    this.token = (await res.text()).trim();
  }

  /** Sends a request again while Datadis answers 429, waiting as it asks (or backing off). */
  private async send(request: () => Promise<Response>): Promise<Response> {
    let wait = this.backoffMs;
    for (let attempt = 1; ; attempt++) {
      const res = await request();
      if (res.status !== 429 || attempt >= this.maxAttempts) return res;
      await res.body?.cancel();
      const after = Number(res.headers.get('retry-after'));
      await sleep(Number.isFinite(after) && after > 0 ? after * 1000 : wait);
      wait *= 2;
    }
  }

  private async get<T>(path: string, query: Record<string, string>): Promise<T> {
    if (!this.token) await this.login();
    const call = () =>
      this.send(() => fetch(this.url(path, query), { headers: { authorization: `Bearer ${this.token}` } }));
    let res = await call();
    if (res.status === 401) {
      await res.body?.cancel();
      await this.login();
      res = await call();
    }
    if (res.status === 429)
      throw new DatadisError('Datadis kept answering 429 (too many requests); try later.', 429);
    if (!res.ok) throw new DatadisError(`Datadis answered HTTP ${res.status} to ${path}.`, res.status);
    return (await res.json()) as T;
  }

  /** The supplies the user may read, optionally of another NIF that authorised it. */
  async supplies(authorizedNif?: string): Promise<DatadisSupply[]> {
    const raw = await this.get<Record<string, unknown>[]>(
      'api-private/api/get-supplies',
      authorizedNif ? { authorizedNif } : {},
    );
    return raw.map((s) => ({
      cups: String(s.cups),
      address: s.address as string | undefined,
      distributor: s.distributor as string | undefined,
      distributorCode: String(s.distributorCode),
      pointType: Number(s.pointType),
      validDateFrom: s.validDateFrom as string | undefined,
      validDateTo: s.validDateTo as string | undefined,
    }));
  }

  /**
   * Consumption of a supply from the first day of `from` to the last of `to` (months
   * `YYYY/MM`), hourly or quarter-hourly, each interval with its start in UTC.
   */
  async consumption(
    supply: Pick<DatadisSupply, 'cups' | 'distributorCode' | 'pointType'>,
    from: string,
    to: string,
    quarterHourly = false,
  ): Promise<DatadisReading[]> {
    const raw = await this.get<Record<string, unknown>[]>('api-private/api/get-consumption-data', {
      cups: supply.cups,
      distributorCode: supply.distributorCode,
      startDate: from,
      endDate: to,
      measurementType: quarterHourly ? '1' : '0',
      pointType: String(supply.pointType),
    });
    const step = quarterHourly ? 15 : 60;
    return raw.map((r) => {
      const [y, m, d] = String(r.date).split('/').map(Number);
      const [hh, mm] = String(r.time).split(':').map(Number);
      // Times are interval ends, 01:00 to 24:00 local; counted in minutes from local midnight so
      // that the days when clocks change keep their 23 or 25 hours.
      const end = DateTime.fromObject({ year: y, month: m, day: d }, { zone: this.options.zone }).plus({
        minutes: hh * 60 + mm,
      });
      return {
        t: end.minus({ minutes: step }).toMillis(),
        kWh: Number(r.consumptionKWh),
        estimated: String(r.obtainMethod).toLowerCase().startsWith('estim'),
      };
    });
  }
}

/** Stores readings of a supply as its two series (kWh, estimated flag); answers how many. */
export async function storeDatadis(
  engine: TimeSeriesEngine,
  catalog: SeriesCatalog,
  cups: string,
  readings: DatadisReading[],
  now: number,
): Promise<number> {
  if (readings.length === 0) return 0;
  const tags: [string, string][] = [['cups', cups]];
  const keys = [DATADIS_FIELD, DATADIS_ESTIMATED_FIELD].map((field) => ({
    key: seriesKey(DATADIS_MEASUREMENT, tags, field),
    measurement: DATADIS_MEASUREMENT,
    tags,
    field,
    valueType: 'number' as const,
  }));
  await catalog.resolve(keys, now);
  const [kWh, estimated] = keys.map((k) => catalog.get(k.key)?.id as number);
  const batch = createBatch(readings.length * 2);
  readings.forEach((r, i) => {
    batch.seriesIds[2 * i] = kWh;
    batch.times[2 * i] = r.t;
    batch.values[2 * i] = r.kWh;
    batch.seriesIds[2 * i + 1] = estimated;
    batch.times[2 * i + 1] = r.t;
    batch.values[2 * i + 1] = r.estimated ? 1 : 0;
  });
  await engine.write(batch);
  return readings.length;
}

/** What one Datadis sync did. */
export interface DatadisSync {
  supplies: number;
  /** Supplies whose CUPS is a registered meter, and so were read. */
  read: number;
  readings: number;
  /** Supplies whose reading failed, with why; the others are still stored. */
  failed: { cups: string; error: string }[];
}

/** A CUPS without its optional 2-character suffix (Datadis lists some with `0F`). */
export const cupsBase = (cups: string) => cups.trim().toUpperCase().slice(0, 20);

/**
 * Reads, for every supply of the authorised NIF whose CUPS is a registered meter, its hourly
 * consumption of the previous and the current month, and stores it as that CUPS's series (a
 * reading already stored is written again with the same value, so a run repeated changes nothing).
 */
export async function syncDatadis(
  client: Pick<DatadisClient, 'supplies' | 'consumption'>,
  deps: {
    engine: TimeSeriesEngine;
    catalog: SeriesCatalog;
    meterCodes: (codes: string[]) => Promise<Set<string>>;
  },
  zone: string,
  now: number,
): Promise<DatadisSync> {
  const supplies = await client.supplies();
  const known = await deps.meterCodes(supplies.map((s) => cupsBase(s.cups)));
  const today = DateTime.fromMillis(now, { zone });
  const from = today.minus({ months: 1 }).toFormat('yyyy/MM');
  const to = today.toFormat('yyyy/MM');
  const answer: DatadisSync = { supplies: supplies.length, read: 0, readings: 0, failed: [] };
  for (const supply of supplies) {
    const cups = cupsBase(supply.cups);
    if (!known.has(cups)) continue;
    answer.read++;
    try {
      const readings = await client.consumption(supply, from, to);
      answer.readings += await storeDatadis(deps.engine, deps.catalog, cups, readings, now);
    } catch (e) {
      answer.failed.push({ cups, error: (e as Error).message });
    }
  }
  return answer;
}

/** The stored Datadis readings of a CUPS from `from` (included) to `to` (excluded), epoch ms. */
export async function readDatadis(
  engine: TimeSeriesEngine,
  catalog: SeriesCatalog,
  cups: string,
  from: number,
  to: number,
): Promise<DatadisReading[]> {
  const tags: [string, string][] = [['cups', cups]];
  const kWh = catalog.get(seriesKey(DATADIS_MEASUREMENT, tags, DATADIS_FIELD));
  if (!kWh) return [];
  const flag = catalog.get(seriesKey(DATADIS_MEASUREMENT, tags, DATADIS_ESTIMATED_FIELD));
  const points = await engine.readPoints(kWh.id, from, to);
  const flags = new Map<number, number>();
  if (flag) {
    const f = await engine.readPoints(flag.id, from, to);
    f.times.forEach((t, i) => flags.set(t, f.values[i]));
  }
  const out: DatadisReading[] = [];
  points.times.forEach((t, i) => {
    if (t >= from && t < to) out.push({ t, kWh: points.values[i], estimated: flags.get(t) === 1 });
  });
  return out;
}
