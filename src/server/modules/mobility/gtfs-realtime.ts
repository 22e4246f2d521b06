import GtfsRealtimeBindings from 'gtfs-realtime-bindings';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.ts';
import type { SeriesCatalog, SeriesRequest } from '../../timeseries/series-catalog.ts';
import { seriesKey } from '../../timeseries/series-key.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { createBatch, sliceBatch } from '../../timeseries/write-batch.ts';
import { addVehicles, vehicleNames } from './gtfs.store.ts';
import * as store from './mobility.store.ts';
import type { PositionFix, VehiclePositions } from './vehicle-positions.ts';

const { FeedMessage } = GtfsRealtimeBindings.transit_realtime;
type FeedMessage = GtfsRealtimeBindings.transit_realtime.FeedMessage;

/** The measurement of delays: `transit_delay,line=…,vehicle=… delay_s`, s late (negative: early). */
export const DELAY_MEASUREMENT = 'transit_delay';
export const DELAY_FIELD = 'delay_s';

/** A GTFS-Realtime body that cannot be read. */
export class GtfsRtError extends Error {}

/** What one FeedMessage brought. */
export interface GtfsRtReport {
  /** Vehicle positions stored. */
  positions: number;
  /** Trip delays stored. */
  delays: number;
  /** Entities with neither a position nor a delay CIOP can use. */
  skipped: number;
  /** Vehicles the model did not know, added. */
  newVehicles: number;
  /** The feed header's time, epoch ms (0 when it has none). */
  feedAt: number;
}

/** Reads a FeedMessage (protobuf, GTFS-Realtime 2.0) with the official bindings. */
export function decodeFeed(bytes: Uint8Array): FeedMessage {
  try {
    return FeedMessage.decode(bytes);
  } catch (error) {
    throw new GtfsRtError(
      `The body is not a GTFS-Realtime FeedMessage (protobuf): ${(error as Error).message}.`,
    );
  }
}

/** Whether a decoded message carries a field (absent optional fields read as their default). */
const has = (message: object, field: string) => Object.prototype.hasOwnProperty.call(message, field);

/** The names a vehicle descriptor gives (plate, id, label), and the code and plate of a vehicle added for it. */
function namesOf(d: GtfsRealtimeBindings.transit_realtime.IVehicleDescriptor | null | undefined) {
  const names = [d?.licensePlate, d?.id, d?.label].filter((n): n is string => !!n);
  if (names.length === 0) return undefined;
  const code = d?.id || d?.label || (d?.licensePlate as string);
  return { names, code, plate: d?.licensePlate || code };
}

/** A protobuf uint64 or int64 (Long or number) as a number. */
const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

const delayRequest = (tags: [string, string][]): SeriesRequest => ({
  key: seriesKey(DELAY_MEASUREMENT, tags, DELAY_FIELD),
  measurement: DELAY_MEASUREMENT,
  tags,
  field: DELAY_FIELD,
  valueType: 'number',
});

interface Delay {
  line: string;
  vehicle: string;
  t: number;
  delayS: number;
}

/**
 * Where GTFS-Realtime enters the model: VehiclePosition entities become fixes of the vehicle
 * position series (the bus app's map reads them), TripUpdate entities become points of a delay
 * series per line and vehicle. A vehicle is found by its licence plate, id or label among the
 * model's plates and codes; one the model does not know is added.
 */
export class GtfsRealtime {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly positions: VehiclePositions,
    private readonly catalog: SeriesCatalog,
    private readonly engine: TimeSeriesEngine,
  ) {}

  /** Decodes and stores a FeedMessage. */
  async store(bytes: Uint8Array, now: number): Promise<GtfsRtReport> {
    return this.storeFeed(decodeFeed(bytes), now);
  }

  async storeFeed(feed: FeedMessage, now: number): Promise<GtfsRtReport> {
    const feedAt = num(feed.header?.timestamp) * 1000;
    // Vehicles the model does not know yet are added first, all in one statement.
    let { keys, plates } = await vehicleNames(this.db);
    const named = feed.entity.flatMap((e) => {
      const route = e.vehicle?.trip?.routeId || e.tripUpdate?.trip?.routeId || '';
      const of = (d: GtfsRealtimeBindings.transit_realtime.IVehicleDescriptor) => {
        const n = namesOf(d);
        return n ? [{ ...n, route }] : [];
      };
      return [
        ...(e.vehicle?.position ? of(e.vehicle.vehicle ?? { id: e.id }) : []),
        ...(e.tripUpdate?.vehicle ? of(e.tripUpdate.vehicle) : []),
      ];
    });
    const unknown = new Map<string, { code: string; plate: string; route: string }>();
    for (const n of named)
      if (!n.names.some((name) => keys.has(name)) && !unknown.has(n.code)) unknown.set(n.code, n);
    const known = new Set(keys.values()).size;
    if (unknown.size > 0) {
      // A vehicle added is put on the line of the trip it runs (a route_id or a line code).
      const lines = new Map<string, number>();
      for (const l of await store.listLines(this.db)) {
        lines.set(l.code, l.id);
        if (l.external_id) lines.set(l.external_id, l.id);
      }
      await addVehicles(
        this.db,
        [...unknown.values()].map((v) => ({ ...v, lineId: lines.get(v.route) ?? null })),
        'gtfs-rt',
        now,
      );
      ({ keys, plates } = await vehicleNames(this.db));
    }
    const newVehicles = new Set(keys.values()).size - known;
    /** The plate of the vehicle a descriptor names. */
    const plateOf = (d: GtfsRealtimeBindings.transit_realtime.IVehicleDescriptor | null | undefined) => {
      for (const name of namesOf(d)?.names ?? []) {
        const id = keys.get(name);
        if (id !== undefined) return plates.get(id);
      }
      return undefined;
    };

    const fixes: PositionFix[] = [];
    const delays: Delay[] = [];
    const unresolvedTrips = new Set<string>();
    const updates: { tripId: string; line: string; vehicle: string; t: number; delayS: number }[] = [];
    let skipped = 0;
    for (const e of feed.entity) {
      let used = false;
      const v = e.vehicle;
      if (v?.position && Number.isFinite(v.position.latitude) && Number.isFinite(v.position.longitude)) {
        const plate = plateOf(v.vehicle ?? { id: e.id });
        if (plate) {
          fixes.push({
            plate,
            t: num(v.timestamp) * 1000 || feedAt || now,
            // GTFS-Realtime carries degrees as 32-bit floats (about 0.4 m apart here): 5 decimals (1 m) keep what is real.
            latitude: Math.round(v.position.latitude * 1e5) / 1e5,
            longitude: Math.round(v.position.longitude * 1e5) / 1e5,
          });
          used = true;
        }
      }
      const u = e.tripUpdate;
      if (u) {
        // The trip's own delay, or that of the first stop that gives one.
        // (The bindings give an absent optional field its default on the prototype: ask for own fields.)
        let delayS = has(u, 'delay') ? num(u.delay) : undefined;
        for (const s of u.stopTimeUpdate ?? []) {
          if (delayS !== undefined) break;
          const event = [s.arrival, s.departure].find((e) => e && has(e, 'delay'));
          if (event) delayS = num(event.delay);
        }
        if (delayS !== undefined) {
          const vehicle = u.vehicle ? (plateOf(u.vehicle) ?? '') : '';
          const tripId = u.trip?.tripId ?? '';
          const line = u.trip?.routeId ?? '';
          if (!line && tripId) unresolvedTrips.add(tripId);
          updates.push({ tripId, line, vehicle, t: num(u.timestamp) * 1000 || feedAt || now, delayS });
          used = true;
        }
      }
      if (!used) skipped++;
    }
    // A TripUpdate that names only its trip is on the line the timetable gives that trip.
    const tripLines = await this.linesOfTrips([...unresolvedTrips]);
    for (const u of updates) {
      const line = u.line || tripLines.get(u.tripId) || '';
      if (!line && !u.vehicle) {
        skipped++;
        continue;
      }
      delays.push({ line, vehicle: u.vehicle, t: u.t, delayS: u.delayS });
    }

    await this.positions.write(fixes, now);
    await this.writeDelays(delays, now);
    return { positions: fixes.length, delays: delays.length, skipped, newVehicles, feedAt };
  }

  private async linesOfTrips(tripIds: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < tripIds.length; i += 1000) {
      const rows = await this.db
        .selectFrom('mobility_scheduled_trip as t')
        .innerJoin('mobility_line as l', 'l.id', 't.line_id')
        .select(['t.code', 'l.code as line'])
        .where('t.code', 'in', tripIds.slice(i, i + 1000))
        .execute();
      for (const r of rows) out.set(r.code, r.line);
    }
    return out;
  }

  private async writeDelays(delays: readonly Delay[], now: number): Promise<void> {
    if (delays.length === 0) return;
    const requests = delays.map((d) => delayRequest(this.tagsOf(d)));
    await this.catalog.resolve([...new Map(requests.map((r) => [r.key, r])).values()], now);
    const batch = createBatch(delays.length);
    let n = 0;
    for (let i = 0; i < delays.length; i++) {
      const info = this.catalog.get(requests[i].key);
      if (!info) continue;
      batch.seriesIds[n] = info.id;
      batch.times[n] = delays[i].t;
      batch.values[n] = delays[i].delayS;
      n++;
    }
    await this.engine.write(sliceBatch(batch, n));
  }

  private tagsOf(d: { line: string; vehicle: string }): [string, string][] {
    const tags: [string, string][] = [];
    if (d.line) tags.push(['line', d.line]);
    if (d.vehicle) tags.push(['vehicle', d.vehicle]);
    return tags;
  }

  /** The latest delay of a line (and vehicle), s, with its time; undefined when none is stored. */
  async latestDelay(line: string, vehicle = ''): Promise<{ at: number; delayS: number } | undefined> {
    const info = this.catalog.get(delayRequest(this.tagsOf({ line, vehicle })).key);
    if (!info) return undefined;
    const last = (await this.engine.latest([info.id])).get(info.id);
    return last ? { at: last.t, delayS: last.v } : undefined;
  }
}

export interface GtfsRtPollOptions {
  vehiclesUrl?: string;
  tripUpdatesUrl?: string;
  /** Wait between polls, ms; after a failure it doubles, up to an hour. */
  pollIntervalMs: number;
  /** A request that has not answered after this long fails, ms. */
  timeoutMs?: number;
}

/** The feeds polled, as their state is kept (mobility_feed_state). */
export const GTFS_RT_FEEDS = {
  vehiclesUrl: 'gtfs-rt:vehicles',
  tripUpdatesUrl: 'gtfs-rt:trip-updates',
} as const;

/**
 * Polls GTFS-Realtime feeds (VehiclePositions and TripUpdates URLs, protobuf) and stores what they
 * bring. A feed whose header time has not moved since the last poll is not stored again; a failed
 * poll waits the interval doubled per failure in a row (at most an hour) before the next try.
 */
export class GtfsRtPoller {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly realtime: GtfsRealtime,
    private readonly options: GtfsRtPollOptions,
    private readonly logger?: Logger,
  ) {}

  async poll(
    now: number,
  ): Promise<Record<string, GtfsRtReport | { error: string } | 'skipped' | 'unchanged'>> {
    const out: Record<string, GtfsRtReport | { error: string } | 'skipped' | 'unchanged'> = {};
    for (const key of ['vehiclesUrl', 'tripUpdatesUrl'] as const) {
      const url = this.options[key];
      if (!url) continue;
      const feed = GTFS_RT_FEEDS[key];
      const state = await store.feedState(this.db, feed);
      if (state && state.next_at > now) {
        out[feed] = 'skipped';
        continue;
      }
      try {
        const res = await fetch(url, {
          headers: { accept: 'application/x-protobuf, application/octet-stream' },
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
        });
        if (!res.ok) throw new Error(`${url} answered ${res.status}`);
        const message = decodeFeed(new Uint8Array(await res.arrayBuffer()));
        const stamp = String(num(message.header?.timestamp));
        if (stamp !== '0' && state?.cursor === stamp) {
          await store.saveFeedState(this.db, feed, {
            failures: 0,
            next_at: now,
            last_ok_at: now,
            last_error: null,
          });
          out[feed] = 'unchanged';
          continue;
        }
        const report = await this.realtime.storeFeed(message, now);
        await store.saveFeedState(this.db, feed, {
          cursor: stamp,
          failures: 0,
          next_at: now,
          last_ok_at: now,
          last_error: null,
          stored: report.positions + report.delays,
          rejected: report.skipped,
        });
        out[feed] = report;
      } catch (error) {
        const failures = (state?.failures ?? 0) + 1;
        const message = (error as Error).message;
        await store.saveFeedState(this.db, feed, {
          failures,
          next_at: now + Math.min(3_600_000, this.options.pollIntervalMs * 2 ** failures),
          last_error: message,
        });
        this.logger?.warn({ feed, url, err: message }, 'GTFS-Realtime poll failed');
        out[feed] = { error: message };
      }
    }
    return out;
  }
}
