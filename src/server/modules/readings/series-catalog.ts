import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { ensureGateway, ensureMedium, ensureSensor } from '../registry/registry.store.ts';
import { forwarderIdentity } from './series-key.ts';
import { findSeriesById, findSeriesByKeys, insertSeries, listAllSeries } from './series.store.ts';

/** What the ingest path needs to know of a series. */
export interface SeriesInfo {
  id: number;
  key: string;
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

  constructor(private readonly db: Kysely<Database>) {}

  async load(): Promise<void> {
    for (const info of await listAllSeries(this.db)) this.remember(info);
  }

  private remember(info: SeriesInfo): void {
    this.byKey.set(info.key, info);
    this.byId.set(info.id, info);
    if (info.sensorId !== null) this.bySensor.set(info.sensorId, info);
  }

  get(key: string): SeriesInfo | undefined {
    return this.byKey.get(key);
  }

  getById(id: number): SeriesInfo | undefined {
    return this.byId.get(id);
  }

  /** Makes a second spelling of a key (a serial number in lower case) find the same series. */
  alias(key: string, info: SeriesInfo): void {
    if (this.byKey.size < 5_000_000) this.byKey.set(key, info);
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

  /** Finds or creates every requested series; afterwards `get(key)` answers for each. */
  async resolve(requests: SeriesRequest[], now: number): Promise<void> {
    const missing = requests.filter((r) => !this.byKey.has(r.key));
    if (missing.length === 0) return;
    for (const info of await findSeriesByKeys(
      this.db,
      missing.map((r) => r.key),
    ))
      this.remember(info);
    const toCreate = missing.filter((r) => !this.byKey.has(r.key));
    if (toCreate.length === 0) return;
    await this.db.transaction().execute(async (trx) => {
      const gateways = new Map<string, number>();
      const media = new Map<string, { unit: string; cumulative: boolean }>();
      for (const r of toCreate) {
        const forwarder = forwarderIdentity(r.measurement, r.tags, r.field);
        let sensorId: number | null = null;
        let cumulative = false;
        if (forwarder && r.valueType === 'number') {
          let gatewayId = gateways.get(forwarder.sn);
          if (gatewayId === undefined) {
            gatewayId = await ensureGateway(trx, forwarder.sn, now);
            gateways.set(forwarder.sn, gatewayId);
          }
          let medium = media.get(forwarder.medium);
          if (!medium) {
            medium = await ensureMedium(trx, forwarder.medium);
            media.set(forwarder.medium, medium);
          }
          cumulative = medium.cumulative;
          sensorId = await ensureSensor(
            trx,
            gatewayId,
            {
              channel: forwarder.channel,
              device: forwarder.device,
              medium: forwarder.medium,
              unit: medium.unit,
            },
            now,
          );
        }
        await insertSeries(trx, { ...r, cumulative, sensorId }, now);
      }
    });
    for (const info of await findSeriesByKeys(
      this.db,
      toCreate.map((r) => r.key),
    ))
      this.remember(info);
  }
}
