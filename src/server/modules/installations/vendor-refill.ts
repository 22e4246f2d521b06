import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { DateTime } from 'luxon';
import type { JsonReading } from '#common/api/readings.ts';
import type { VendorRefill } from '#common/api/vendor.ts';
import type { Clock } from '../../clock.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, HttpProblem } from '../../plugins/errors.ts';
import type { InstallationsService } from './installations.service.ts';
import type { IngestService } from '../readings/ingest.service.ts';
import type { RegistryService } from '../registry/registry.service.ts';
import { type VendorClient, VendorError } from './vendor-adapter.ts';
import * as store from './vendor-refill.store.ts';

/** Longest period one request from the heatmap may ask for, days. */
export const MAX_REFILL_DAYS = 92;
/** Readings handed to the ingest at once. */
const INGEST_CHUNK = 20_000;
const DAY_MS = 86_400_000;

export interface RefillOptions {
  timezone: string;
  /** Gaps older than this are not asked for by the job, days. */
  horizonDays: number;
}

/** What one run of the job did. */
export interface RefillJobResult {
  gateways: number;
  requests: number;
  failed: number;
}

const toRefill = (r: store.RefillRow): VendorRefill => ({
  id: Number(r.id),
  gatewayId: Number(r.gateway_id),
  sn: r.sn,
  from: Number(r.period_from),
  to: Number(r.period_to),
  trigger: r.trigger,
  startedAt: Number(r.started_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
  outcome: r.outcome,
  pages: r.pages,
  received: r.received,
  stored: r.stored,
  error: r.error,
});

/**
 * Fills gaps in a gateway's readings from its manufacturer's platform: what comes back goes
 * through the ingest like any forwarder's readings, keyed by sensor and time, so asking for the
 * same period again stores nothing twice. Every request is recorded with its outcome; a failure
 * is recorded and reported, never thrown out of the job.
 */
export class VendorRefillService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ingest: IngestService,
    private readonly registry: RegistryService,
    private readonly installations: InstallationsService,
    /** Undefined when `CIOP_VENDOR_URL` is not set. */
    private readonly client: VendorClient | undefined,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly options: RefillOptions,
  ) {}

  get configured(): boolean {
    return this.client !== undefined;
  }

  /**
   * Asks the manufacturer for a gateway's readings over [from, to] (epoch ms, inclusive) for a
   * person who sees the gateway. A failure of the platform answers 502, after it is recorded.
   */
  async request(gatewayId: number, from: number, to: number, principal: Principal): Promise<VendorRefill> {
    const gateway = await this.registry.getGateway(gatewayId, principal);
    if (!this.client)
      throw new HttpProblem(503, 'CIOP_VENDOR_URL is not set: this CIOP asks no manufacturer’s platform.');
    if (!(to >= from)) throw badRequest('to: the period ends before it starts.');
    if (to - from > MAX_REFILL_DAYS * DAY_MS)
      throw badRequest(`to: ask for at most ${MAX_REFILL_DAYS} days at once.`);
    const refill = await this.run(gateway.id, gateway.sn, from, to, 'request');
    if (refill.outcome === 'failed')
      throw new HttpProblem(502, refill.error ?? 'The manufacturer’s platform failed.', { refill });
    return refill;
  }

  /** The latest requests for a gateway the caller sees, newest first. */
  async list(gatewayId: number, principal: Principal): Promise<{ items: VendorRefill[] }> {
    await this.registry.getGateway(gatewayId, principal);
    return { items: (await store.listRefills(this.db, gatewayId, 50)).map(toRefill) };
  }

  /**
   * The job: for each gateway serving a dwelling, the days of the missing-data heatmap within
   * the horizon (whole days before today, in the city's time zone) where a sensor has less than
   * every expected reading, asked for in runs of consecutive days.
   */
  async fillGaps(now: number): Promise<RefillJobResult> {
    const result: RefillJobResult = { gateways: 0, requests: 0, failed: 0 };
    if (!this.client) return result;
    const today = DateTime.fromMillis(now, { zone: this.options.timezone }).startOf('day');
    const from = today.minus({ days: this.options.horizonDays }).toMillis();
    const to = today.toMillis() - 1;
    for (const gateway of await store.listRegisteredGateways(this.db)) {
      result.gateways++;
      const coverage = await this.installations.coverage({ gatewayId: gateway.id }, from, to);
      const ends = [...coverage.days.slice(1), to + 1];
      const missing = coverage.days.map((_, i) => coverage.sensors.some((s) => s.days[i].share < 1));
      for (let i = 0; i < missing.length; i++) {
        if (!missing[i]) continue;
        let j = i;
        while (j + 1 < missing.length && missing[j + 1]) j++;
        result.requests++;
        const refill = await this.run(gateway.id, gateway.sn, coverage.days[i], ends[j] - 1, 'job');
        if (refill.outcome === 'failed') result.failed++;
        i = j;
      }
    }
    if (result.failed > 0)
      this.logger.warn(
        { job: 'vendor-refill', ...result },
        `${result.failed} of ${result.requests} requests to the manufacturer's platform failed; see GET /api/v1/installations/gateways/{id}/refills.`,
      );
    return result;
  }

  /** One request, recorded from start to outcome. */
  private async run(
    gatewayId: number,
    sn: string,
    from: number,
    to: number,
    trigger: 'job' | 'request',
  ): Promise<VendorRefill> {
    const client = this.client as VendorClient;
    const id = await store.insertRefill(this.db, {
      gatewayId,
      sn,
      from,
      to,
      trigger,
      startedAt: this.clock.now(),
    });
    let pages = 0;
    let received = 0;
    let stored = 0;
    let error: string | null = null;
    try {
      const last = Math.min(to, this.clock.now());
      // A reading is named by its sensor and time; the platform may send one twice, on one page
      // or across pages, and only its first copy goes in.
      const seen = new Set<string>();
      for await (const page of client.readings(sn, from, to)) {
        pages++;
        received += page.readings.length + page.malformed;
        const fresh: JsonReading[] = [];
        for (const r of page.readings) {
          if (r.t < from || r.t > last) continue;
          const key = `${r.channel}\u0000${r.device}\u0000${r.medium}\u0000${r.t}`;
          if (seen.has(key)) continue;
          seen.add(key);
          fresh.push({ sn, channel: r.channel, device: r.device, medium: r.medium, ts: r.t, value: r.value });
        }
        for (let k = 0; k < fresh.length; k += INGEST_CHUNK)
          stored += await this.ingest.writeJson(fresh.slice(k, k + INGEST_CHUNK));
      }
    } catch (e) {
      // Whatever went wrong is this request's outcome; the job goes on with the next gap.
      error =
        e instanceof HttpProblem
          ? `The ingest refused the platform's readings: ${e.detail}`
          : e instanceof VendorError
            ? e.message
            : `Asking the manufacturer's platform failed: ${(e as Error).message}`;
      this.logger.warn({ gatewayId, sn, from, to, err: e }, `Filling gaps of gateway ${sn} failed: ${error}`);
    }
    await store.finishRefill(this.db, id, {
      finishedAt: this.clock.now(),
      outcome: error === null ? 'ok' : 'failed',
      pages,
      received,
      stored,
      error,
    });
    return toRefill((await store.findRefill(this.db, id)) as store.RefillRow);
  }
}
