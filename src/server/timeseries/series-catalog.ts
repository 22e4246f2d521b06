import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { ensureGateways, ensureMedia, ensureSensors, sensorKey } from '../places/places.store.ts';
import { forwarderIdentity } from './series-key.ts';
import { findSeriesById, findSeriesByKeys, insertSeriesMany, listAllSeries } from './series.store.ts';

/** What the ingest path needs to know of a series. */
export interface SeriesInfo {
  id: number;
  /** Canonical key: `measurement,tags field`, escaped as InfluxDB escapes them. */
  key: string;
  /** The field key, unescaped. */
  field: string;
  valueType: 'number' | 'text';
  cumulative: boolean;
  sensorId: number | null;
  gatewayId: number | null;
}

/** A series a write names, to be found or created. */
export interface SeriesRequest {
  key: string;
  measurement: string;
  tags: ReadonlyArray<readonly [string, string]>;
  field: string;
  valueType: 'number' | 'text';
}

/**
 * Every series, in memory, by key and by id: the ingest path resolves thousands of keys a
 * second. Series unknown here are looked up in the database (another replica may have made
 * them) and otherwise created, with their gateway and sensor when they are a forwarder's.
 */
export class SeriesCatalog {
  private readonly byKey = new Map<string, SeriesInfo>();
  private readonly byId = new Map<number, SeriesInfo>();
  private readonly bySensor = new Map<number, SeriesInfo>();
  /** Series key (measurement and tags, as line protocol spells them) → field key → series. */
  private readonly byLine = new Map<string, Map<string, SeriesInfo>>();

  constructor(private readonly db: Kysely<Database>) {}

  async load(): Promise<void> {
    for (const info of await listAllSeries(this.db)) this.remember(info);
  }

  private remember(info: SeriesInfo): void {
    this.byKey.set(info.key, info);
    this.byId.set(info.id, info);
    if (info.sensorId !== null) this.bySensor.set(info.sensorId, info);
    this.rememberLine(seriesPart(info.key), info);
  }

  private rememberLine(seriesKey: string, info: SeriesInfo): void {
    let fields = this.byLine.get(seriesKey);
    if (!fields) {
      fields = new Map();
      this.byLine.set(seriesKey, fields);
    }
    fields.set(info.field, info);
  }

  /**
   * The series of every known field of a line-protocol series key (a live map: fields created
   * later appear in it), or undefined when none is known yet.
   */
  fieldsOfLine(seriesKey: string): Map<string, SeriesInfo> | undefined {
    return this.byLine.get(seriesKey);
  }

  get(key: string): SeriesInfo | undefined {
    return this.byKey.get(key);
  }

  getById(id: number): SeriesInfo | undefined {
    return this.byId.get(id);
  }

  /** Makes a second spelling of a key (a serial number in lower case) find the same series. */
  alias(key: string, info: SeriesInfo): void {
    if (this.byKey.size >= 5_000_000) return;
    this.byKey.set(key, info);
    this.rememberLine(seriesPart(key), info);
  }

  /** The key of the series a sensor writes to, if it has written. */
  keyOfSensor(sensorId: number): string | undefined {
    return this.bySensor.get(sensorId)?.key;
  }

  isCumulative(id: number): boolean {
    return this.byId.get(id)?.cumulative ?? false;
  }

  /** Re-reads one series (after its sensor mapping changed). */
  async refresh(id: number): Promise<void> {
    const info = await findSeriesById(this.db, id);
    if (info) this.remember(info);
  }

  /**
   * Series of `keys` that this replica does not know yet but the database holds (another replica
   * made them): they are known from now on, and returned.
   */
  async lookup(keys: string[]): Promise<SeriesInfo[]> {
    const found = await findSeriesByKeys(
      this.db,
      keys.filter((key) => !this.byKey.has(key)),
    );
    for (const info of found) this.remember(info);
    return found;
  }

  /**
   * Finds or creates every requested series; afterwards `get(key)` answers for each.
   *
   * `check` is called once every series that exists is known (`get` answers for it), with the
   * series that are to be created, before anything is created: when it throws, nothing is, and
   * `resolve` throws what it threw. Checks and creations of this process run one at a time.
   */
  async resolve(
    requests: SeriesRequest[],
    now: number,
    check: (toCreate: SeriesRequest[]) => void | Promise<void> = () => undefined,
  ): Promise<void> {
    if (requests.every((r) => this.byKey.has(r.key))) return check([]);
    // One creation at a time in this process; across replicas, rows are created in key order
    // so that two transactions wait for each other instead of deadlocking, and a deadlock the
    // database still reports is retried.
    const run = this.creating.then(() => this.resolveNow(requests, now, check));
    this.creating = run.catch(() => undefined);
    return run;
  }

  private creating: Promise<void> = Promise.resolve();

  private async resolveNow(
    requests: SeriesRequest[],
    now: number,
    check: ((toCreate: SeriesRequest[]) => void | Promise<void>) | undefined,
    attempt = 1,
  ): Promise<void> {
    const missing = requests.filter((r) => !this.byKey.has(r.key));
    if (missing.length > 0) await this.lookup(missing.map((r) => r.key));
    const toCreate = missing
      .filter((r) => !this.byKey.has(r.key))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    await check?.(toCreate);
    if (toCreate.length === 0) return;
    try {
      await this.create(toCreate, now);
    } catch (error) {
      const code = (error as { code?: string }).code;
      // 40P01: deadlock detected; 40001: serialization failure (PostgreSQL). The batch was
      // checked already: a retry only finds what the other transaction made.
      if ((code === '40P01' || code === '40001') && attempt < 4)
        return this.resolveNow(requests, now, undefined, attempt + 1);
      throw error;
    }
    for (const info of await findSeriesByKeys(
      this.db,
      toCreate.map((r) => r.key),
    ))
      this.remember(info);
  }

  /**
   * Creates the series of `toCreate` (in key order), with the gateways, media and sensors of the
   * forwarders' among them, in one transaction of a few multi-row statements: a new fleet's
   * thousands of series cost a handful of round trips rather than several each.
   */
  private async create(toCreate: SeriesRequest[], now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const identities = toCreate.map((r) =>
        r.valueType === 'number' ? forwarderIdentity(r.measurement, r.tags, r.field) : undefined,
      );
      const forwarders = identities.filter((f) => f !== undefined);
      const gateways = await ensureGateways(
        trx,
        forwarders.map((f) => f.sn),
        now,
      );
      const media = await ensureMedia(
        trx,
        forwarders.map((f) => f.medium),
      );
      const sensorOf = (f: NonNullable<(typeof identities)[number]>) => ({
        gatewayId: gateways.get(f.sn) as number,
        channel: f.channel,
        device: f.device,
        medium: f.medium,
        unit: (media.get(f.medium) as { unit: string }).unit,
      });
      const sensors = await ensureSensors(trx, forwarders.map(sensorOf), now);
      await insertSeriesMany(
        trx,
        toCreate.map((r, i) => {
          const f = identities[i];
          return {
            ...r,
            cumulative: f ? (media.get(f.medium) as { cumulative: boolean }).cumulative : false,
            sensorId: f ? (sensors.get(sensorKey(sensorOf(f))) as number) : null,
          };
        }),
        now,
      );
    });
  }
}

/** The series key of a full key: everything before the last unescaped space. */
function seriesPart(key: string): string {
  for (let i = key.length - 1; i > 0; i--) {
    if (key.charCodeAt(i) === 32 && key.charCodeAt(i - 1) !== 92) return key.slice(0, i);
  }
  return key;
}
