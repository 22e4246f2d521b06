import type { Kysely, Updateable } from 'kysely';
import type { Logger } from 'pino';
import type { PageOf } from '#common/api/pagination.ts';
import type { Incident, IncidentDetail, IncidentListQuery } from '#common/api/installations.ts';
import { isUniqueViolation } from '../../db/database.ts';
import type { Database, IncidentTable } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, conflict, notFound } from '../../plugins/errors.ts';
import type { MailService } from '../../mail/mail.service.ts';
import { decodeCursor, encodeCursor, pageLimit } from '../../pagination/pagination.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import type { FailingCheck } from '../quality/quality.service.ts';
import { silentDevicesMail, type WebhookBody, webhookIncident } from './alarm-messages.ts';
import type { AlarmSettingsService } from './alarm-settings.service.ts';
import * as store from './alarms.store.ts';
import { type EvaluatedGateway, type EvaluatedSensor, evaluateDevices } from './device-status.ts';
import { listMonitoredGateways, listSensorsOfGateways, listAssignees } from './installations.store.ts';
import { DAY_MS } from '#common/time.ts';

/** The scheduled job that looks for silent devices. */
export const SILENT_DEVICES_JOB = 'silent-devices';

/** The checks failed by the latest readings of series (the quality module's service). */
export interface QualitySource {
  failingNow(latest: ReadonlyMap<number, number>, windowMs: number): Promise<Map<number, FailingCheck[]>>;
}

export const qualityKey = (check: string, sensorId: number) => `quality:${check}:sensor:${sensorId}`;

/** A webhook delivery that keeps failing is given up after this many attempts per incident. */
const MAX_WEBHOOK_ATTEMPTS = 10;
/** Incidents told of in one run, at most (the rest in the next). */
const NOTIFY_BATCH = 500;

type Actor = { kind: 'user' | 'machine' | 'system' | 'anonymous'; id?: number; name: string };
export const SYSTEM_ACTOR: Actor = { kind: 'system', name: 'ciop' };

export const actorOf = (p: Principal): Actor => ({ kind: p.kind, id: p.id, name: p.name });

export interface AlarmsOptions {
  publicUrl: string;
  timezone: string;
  /**
   * A quality incident is open while a flag of its check lies within this time (ms) before the
   * sensor's latest reading; it closes once the latest readings of this long pass the check
   * (CIOP_QUALITY_INCIDENT_WINDOW_H).
   */
  qualityWindowMs: number;
  /** Delivery of the webhook, replaceable in tests only to point at a local server. */
  webhookTimeoutMs?: number;
}

/** What a run of the job did, for logs and tests. */
export interface DetectionReport {
  opened: number[];
  closed: number[];
  /** Quality incidents opened and closed in the run (also in `opened` and `closed`). */
  quality: { opened: number[]; closed: number[] };
  mailed: number[];
  webhook: { delivered: number[]; failed: number[]; error?: string };
}

/** The latest reading of many series, a slice at a time. */
export async function latestOf(engine: TimeSeriesEngine, seriesIds: number[]) {
  const out = new Map<number, { t: number; v: number }>();
  for (let i = 0; i < seriesIds.length; i += 5000)
    for (const [id, last] of await engine.latest(seriesIds.slice(i, i + 5000))) out.set(id, last);
  return out;
}

/** Devices as the job sees them, by device key (`gateway:ID`, `sensor:ID`). */
interface DeviceState {
  key: string;
  kind: 'gateway' | 'sensor';
  gateway: EvaluatedGateway;
  sensor?: EvaluatedSensor;
  overdue: boolean;
  lastSeen: number | null;
  silentSince: number;
  silentAfterS: number;
}

function deviceStates(evaluated: EvaluatedGateway[]): Map<string, DeviceState> {
  const out = new Map<string, DeviceState>();
  for (const g of evaluated) {
    out.set(`gateway:${g.gateway.id}`, {
      key: `gateway:${g.gateway.id}`,
      kind: 'gateway',
      gateway: g,
      overdue: g.overdue,
      lastSeen: g.lastSeen,
      silentSince: g.silentSince,
      silentAfterS: g.silentAfterS,
    });
    for (const s of g.sensors)
      out.set(`sensor:${s.sensor.id}`, {
        key: `sensor:${s.sensor.id}`,
        kind: 'sensor',
        gateway: g,
        sensor: s,
        overdue: s.overdue,
        lastSeen: s.lastSeen,
        silentSince: s.silentSince,
        silentAfterS: s.silentAfterS,
      });
  }
  return out;
}

function toIncident(v: store.IncidentView): Incident {
  const { assigneeId, assigneeName, silentSince, ...rest } = v;
  return {
    ...rest,
    flaggedFrom: v.kind === 'quality' ? silentSince : null,
    assignee: assigneeId === null ? null : { id: assigneeId, name: assigneeName ?? '' },
  };
}

/**
 * Alarms of silent devices. A job (`silent-devices`) opens one incident per gateway or sensor
 * silent for longer than its threshold (a sensor only while its gateway reports: a silent
 * gateway is one incident, not one per sensor), tells the maintenance contacts by e-mail and
 * the webhook, and closes the incident by itself when data returns, recording the outage. At
 * most one incident per device is open, whichever replica opens it (a unique index).
 */
export class AlarmsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
    private readonly settings: AlarmSettingsService,
    private readonly mail: MailService,
    private readonly logger: Logger,
    private readonly options: AlarmsOptions,
    private readonly quality?: QualitySource,
  ) {}

  /** Looks at every registered device at `now` (epoch ms): opens, closes and tells. */
  async detect(now: number): Promise<DetectionReport> {
    const settings = await this.settings.effective();
    const gateways = await listMonitoredGateways(this.db);
    const sensors = await listSensorsOfGateways(
      this.db,
      gateways.map((g) => g.id),
    );
    const latest = await latestOf(
      this.engine,
      sensors.flatMap((s) => (s.seriesId === null ? [] : [s.seriesId])),
    );
    const devices = deviceStates(evaluateDevices(gateways, sensors, latest, settings.thresholds, now));
    const allOpen = await store.listOpenIncidents(this.db);
    const open = allOpen.filter((i) => i.kind !== 'quality');
    const openKeys = new Set(open.map((i) => i.device_key));

    const candidates = [...devices.values()].filter(
      (d) => d.overdue && !openKeys.has(d.key) && (d.kind === 'gateway' || !d.gateway.overdue),
    );
    const acknowledged = await this.acknowledgedSilences(candidates.map((d) => d.key));
    const opened: number[] = [];
    for (const d of candidates) {
      // Closed by hand during this same silence: not again until the device reports.
      if (acknowledged.get(d.key) === d.silentSince) continue;
      const id = await this.open(d, now);
      if (id !== undefined) opened.push(id);
    }

    const closed: number[] = [];
    for (const incident of open) {
      const device = devices.get(incident.device_key);
      if (device?.overdue) continue;
      if (await this.closeBySelf(incident, device, now)) closed.push(incident.id);
    }
    const quality = await this.detectQuality(
      devices,
      latest,
      allOpen.filter((i) => i.kind === 'quality'),
      now,
    );
    opened.push(...quality.opened);
    closed.push(...quality.closed);
    const told = await this.notify(now, closed, settings);
    if (opened.length + closed.length > 0)
      this.logger.info({ opened: opened.length, closed: closed.length }, 'silent devices: incidents changed');
    return { opened, closed, quality, ...told };
  }

  /**
   * Quality incidents, one per sensor and check: opened when a flag of the check lies within
   * `qualityWindowMs` before the sensor's latest reading (and was set after the last incident of
   * that sensor and check closed), closed as `passed` when no flag of the check lies there any
   * more, as `unmonitored` when the sensor no longer serves a dwelling.
   */
  private async detectQuality(
    devices: Map<string, DeviceState>,
    latest: Map<number, { t: number; v: number }>,
    open: store.IncidentRow[],
    now: number,
  ): Promise<{ opened: number[]; closed: number[] }> {
    const report = { opened: [] as number[], closed: [] as number[] };
    if (!this.quality) return report;
    const sensors = new Map<number, DeviceState>();
    const lastBySeries = new Map<number, number>();
    for (const d of devices.values()) {
      const seriesId = d.sensor?.sensor.seriesId;
      if (d.kind !== 'sensor' || seriesId === null || seriesId === undefined) continue;
      sensors.set(seriesId, d);
      const last = latest.get(seriesId);
      if (last) lastBySeries.set(seriesId, last.t);
    }
    const failing = await this.quality.failingNow(lastBySeries, this.options.qualityWindowMs);
    const failingKeys = new Map<string, { d: DeviceState; f: FailingCheck; last: number }>();
    for (const [seriesId, checks] of failing) {
      const d = sensors.get(seriesId) as DeviceState;
      for (const f of checks)
        failingKeys.set(qualityKey(f.check, d.sensor!.sensor.id), {
          d,
          f,
          last: lastBySeries.get(seriesId) as number,
        });
    }
    const openKeys = new Set(open.map((i) => i.device_key));
    const candidates = [...failingKeys].filter(([key]) => !openKeys.has(key));
    const lastClosed = await this.lastClosed(candidates.map(([key]) => key));
    for (const [key, { d, f, last }] of candidates) {
      // Closed already after this flag was set (by hand, or passed): not again for it.
      if ((lastClosed.get(key) ?? -Infinity) >= f.checkedAt) continue;
      const id = await this.openQuality(key, d, f, last, now);
      if (id !== undefined) report.opened.push(id);
    }
    for (const incident of open) {
      if (failingKeys.has(incident.device_key)) continue;
      const monitored = incident.sensor_id !== null && devices.has(`sensor:${incident.sensor_id}`);
      const closed = await this.db.transaction().execute(async (trx) => {
        const reason = monitored ? ('passed' as const) : ('unmonitored' as const);
        const ok = await store.updateOpenIncident(trx, incident.id, {
          status: 'closed',
          close_reason: reason,
          closed_at: now,
          updated_at: now,
        });
        if (ok)
          await this.event(incident.id, now, 'closed', SYSTEM_ACTOR, '', { reason }, trx as Kysely<Database>);
        return ok;
      });
      if (closed) report.closed.push(incident.id);
    }
    return report;
  }

  private async lastClosed(keys: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < keys.length; i += 1000) {
      const rows = await this.db
        .selectFrom('incident')
        .select(['device_key', 'closed_at'])
        .where('device_key', 'in', keys.slice(i, i + 1000))
        .where('status', '=', 'closed')
        .execute();
      for (const r of rows)
        if (r.closed_at !== null)
          out.set(r.device_key, Math.max(out.get(r.device_key) ?? -Infinity, r.closed_at));
    }
    return out;
  }

  private openQuality(
    key: string,
    d: DeviceState,
    f: FailingCheck,
    last: number,
    now: number,
  ): Promise<number | undefined> {
    const sensor = d.sensor!.sensor;
    return this.insertOpened(
      {
        device_key: key,
        kind: 'quality',
        quality_check: f.check,
        gateway_id: d.gateway.gateway.id,
        sensor_id: sensor.id,
        dwelling_id: d.gateway.gateway.dwellingId,
        building_id: d.gateway.gateway.buildingId,
        medium: sensor.medium,
        last_seen_at: last,
        // For a quality incident: the first flagged reading among the latest ones.
        silent_since: f.from,
        silent_after_s: 0,
      },
      now,
      { check: f.check, flaggedFrom: f.from, checkedAt: f.checkedAt },
    );
  }

  private async acknowledgedSilences(keys: string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < keys.length; i += 1000) {
      const rows = await this.db
        .selectFrom('incident')
        .select(['device_key', 'silent_since'])
        .where('device_key', 'in', keys.slice(i, i + 1000))
        .where('close_reason', '=', 'manual')
        .execute();
      for (const r of rows)
        out.set(r.device_key, Math.max(out.get(r.device_key) ?? -Infinity, r.silent_since));
    }
    return out;
  }

  private open(d: DeviceState, now: number): Promise<number | undefined> {
    return this.insertOpened(
      {
        device_key: d.key,
        kind: d.kind,
        quality_check: null,
        gateway_id: d.gateway.gateway.id,
        sensor_id: d.sensor?.sensor.id ?? null,
        dwelling_id: d.gateway.gateway.dwellingId,
        building_id: d.gateway.gateway.buildingId,
        medium: d.sensor?.sensor.medium ?? null,
        last_seen_at: d.lastSeen,
        silent_since: d.silentSince,
        silent_after_s: d.silentAfterS,
      },
      now,
      { lastSeenAt: d.lastSeen, silentSince: d.silentSince, silentAfterS: d.silentAfterS },
    );
  }

  /**
   * Opens an incident for what sets it apart (the rest starts empty) with its first event;
   * undefined when one is open for the device already (another replica opened it meanwhile).
   */
  private async insertOpened(
    device: Pick<
      IncidentTable,
      | 'device_key'
      | 'kind'
      | 'quality_check'
      | 'gateway_id'
      | 'sensor_id'
      | 'dwelling_id'
      | 'building_id'
      | 'medium'
      | 'last_seen_at'
      | 'silent_since'
      | 'silent_after_s'
    >,
    now: number,
    detail: object,
  ): Promise<number | undefined> {
    const row = {
      ...device,
      status: 'open' as const,
      opened_at: now,
      notified_at: null,
      mail_sent_at: null,
      webhook_sent_at: null,
      assignee_id: null,
      closed_at: null,
      close_reason: null,
      returned_at: null,
      outage_ms: null,
      updated_at: now,
    } satisfies Omit<IncidentTable, 'id' | 'notify_attempts'>;
    try {
      return await this.db.transaction().execute((trx) =>
        store.insertIncident(trx, row, {
          at: now,
          kind: 'opened',
          actor_kind: 'system',
          actor_id: null,
          actor_name: SYSTEM_ACTOR.name,
          text: '',
          detail: JSON.stringify(detail),
        }),
      );
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
  }

  /** Closes an incident whose device reports again (or is no longer looked after). */
  private async closeBySelf(incident: store.IncidentRow, device: DeviceState | undefined, now: number) {
    let values: Pick<Updateable<IncidentTable>, 'close_reason' | 'returned_at' | 'outage_ms'>;
    if (!device) {
      values = { close_reason: 'unmonitored' };
    } else if (
      device.lastSeen !== null &&
      (incident.last_seen_at === null || device.lastSeen > incident.last_seen_at)
    ) {
      const returnedAt =
        (await this.firstReadingAfter(device, incident.silent_since, now)) ?? device.lastSeen;
      values = {
        close_reason: 'recovered',
        returned_at: returnedAt,
        outage_ms: returnedAt - incident.silent_since,
      };
    } else {
      values = { close_reason: 'threshold' };
    }
    const changed = await this.db.transaction().execute(async (trx) => {
      const ok = await store.updateOpenIncident(trx, incident.id, {
        ...values,
        status: 'closed',
        closed_at: now,
        updated_at: now,
      });
      if (ok)
        await store.insertIncidentEvent(trx, {
          incident_id: incident.id,
          at: now,
          kind: 'closed',
          actor_kind: 'system',
          actor_id: null,
          actor_name: SYSTEM_ACTOR.name,
          text: '',
          detail: JSON.stringify({
            reason: values.close_reason,
            returnedAt: values.returned_at,
            outageMs: values.outage_ms,
          }),
        });
      return ok;
    });
    return changed;
  }

  /** Time of the first reading of a device after `t`, looking a window at a time. */
  private async firstReadingAfter(device: DeviceState, t: number, now: number): Promise<number | undefined> {
    const series = (device.sensor ? [device.sensor] : device.gateway.sensors)
      .filter((s) => s.lastSeen !== null && s.lastSeen > t && s.sensor.seriesId !== null)
      .map((s) => s.sensor.seriesId as number);
    let first: number | undefined;
    for (const seriesId of series) {
      let start = t + 1;
      let span = DAY_MS;
      while (start <= now && (first === undefined || start < first)) {
        const points = await this.engine.readPoints(seriesId, start, start + span - 1);
        if (points.times.length > 0) {
          if (first === undefined || points.times[0] < first) first = points.times[0];
          break;
        }
        start += span;
        span *= 2;
      }
    }
    return first;
  }

  /**
   * Tells the maintenance contacts of open incidents not told yet (one e-mail each, listing
   * them), and POSTs them, with those closed in this run, to the webhook. A failed webhook is
   * tried again at the next runs.
   */
  private async notify(
    now: number,
    closed: number[],
    settings: Awaited<ReturnType<AlarmSettingsService['effective']>>,
  ): Promise<Omit<DetectionReport, 'opened' | 'closed' | 'quality'>> {
    const report: Omit<DetectionReport, 'opened' | 'closed' | 'quality'> = {
      mailed: [],
      webhook: { delivered: [], failed: [] },
    };
    const mailing = settings.contacts.length > 0;
    const hooking = settings.webhookUrl !== null;
    if (!mailing && !hooking) return report;
    const pending = await store.listUnnotified(
      this.db,
      { mail: mailing, webhook: hooking, maxAttempts: MAX_WEBHOOK_ATTEMPTS },
      NOTIFY_BATCH,
    );
    if (mailing) {
      const claimed = await store.claimIncidentMail(
        this.db,
        pending.filter((i) => i.mail_sent_at === null).map((i) => i.id),
        now,
      );
      if (claimed.length > 0) {
        const views = await store.listIncidents(this.db, { ids: claimed }, { limit: claimed.length });
        views.sort((a, b) => a.id - b.id);
        const message = silentDevicesMail(views, settings.mailLanguage, this.options);
        for (const to of settings.contacts) await this.mail.sendMessage(to, message, 'silent-devices');
        await store.markNotified(this.db, claimed, { now });
        for (const id of claimed)
          await this.event(id, now, 'notified', SYSTEM_ACTOR, '', { channel: 'mail', to: settings.contacts });
        report.mailed = claimed;
      }
    }
    if (hooking) {
      const fresh = pending
        .filter((i) => i.webhook_sent_at === null && i.notify_attempts < MAX_WEBHOOK_ATTEMPTS)
        .map((i) => i.id);
      const ids = [...fresh, ...closed];
      if (ids.length > 0) {
        const views = await store.listIncidents(this.db, { ids }, { limit: ids.length });
        views.sort((a, b) => a.id - b.id);
        const body: WebhookBody = {
          type: 'ciop.incidents',
          sentAt: new Date(now).toISOString(),
          incidents: views.map((v) => webhookIncident(v, this.options.publicUrl)),
        };
        const error = await this.postWebhook(settings.webhookUrl as string, body);
        if (error === undefined) {
          await store.markNotified(this.db, fresh, { now, webhook: true });
          for (const id of fresh)
            await this.event(id, now, 'notified', SYSTEM_ACTOR, '', { channel: 'webhook' });
          report.webhook.delivered = ids;
        } else {
          await store.countFailedWebhook(this.db, fresh);
          for (const id of fresh)
            await this.event(id, now, 'notify-failed', SYSTEM_ACTOR, '', { channel: 'webhook', error });
          report.webhook = { delivered: [], failed: ids, error };
          this.logger.warn(
            { url: settings.webhookUrl, error },
            'alarm webhook not delivered; tried again at the next run',
          );
        }
      }
    }
    return report;
  }

  /** POSTs the body; undefined when the receiver answered 2xx, else why not. */
  private async postWebhook(url: string, body: WebhookBody): Promise<string | undefined> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'CIOP', 'x-ciop-event': body.type },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.webhookTimeoutMs ?? 10_000),
        redirect: 'error',
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? undefined : `HTTP ${res.status}`;
    } catch (error) {
      const e = error as Error & { cause?: { code?: string } };
      return e.cause?.code ?? e.message;
    }
  }

  private async event(
    incidentId: number,
    at: number,
    kind: string,
    actor: Actor,
    text: string,
    detail: Record<string, unknown> = {},
    db: Kysely<Database> = this.db,
  ): Promise<void> {
    await store.insertIncidentEvent(db, {
      incident_id: incidentId,
      at,
      kind,
      actor_kind: actor.kind,
      actor_id: actor.id ?? null,
      actor_name: actor.name,
      text,
      detail: JSON.stringify(detail),
    });
  }

  // --- Incidents, for people ----------------------------------------------------------------

  async list(q: IncidentListQuery): Promise<PageOf<Incident>> {
    const limit = pageLimit(q.limit);
    const rows = await store.listIncidents(
      this.db,
      { status: q.status, buildingId: q.building, gatewayId: q.gateway },
      { before: decodeCursor<number>(q.cursor, 'number'), limit: limit + 1 },
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return {
      items: page.map(toIncident),
      ...(more ? { next: encodeCursor(page[page.length - 1].id) } : {}),
    };
  }

  async get(id: number): Promise<IncidentDetail> {
    const row = await store.findIncident(this.db, id);
    if (!row) throw notFound(`There is no incident ${id}.`);
    const events = await store.listIncidentEvents(this.db, id, 1000);
    return {
      ...toIncident(row),
      events: events.map((e) => ({
        id: e.id,
        at: e.at,
        kind: e.kind,
        actor: { kind: e.actor_kind, id: e.actor_id, name: e.actor_name },
        text: e.text,
        detail: JSON.parse(e.detail) as Record<string, unknown>,
      })),
    };
  }

  /** Open incidents by device key, for the bells of the status monitor. */
  async openByDevice(): Promise<Map<string, { id: number; notified: boolean }>> {
    const rows = await store.listOpenIncidents(this.db);
    return new Map(rows.map((r) => [r.device_key, { id: r.id, notified: r.notified_at !== null }]));
  }

  async assign(
    id: number,
    assigneeId: number | null,
    principal: Principal,
    now = Date.now(),
  ): Promise<IncidentDetail> {
    await this.db.transaction().execute(async (trx) => {
      const current = await store.findIncident(trx, id);
      if (!current) throw notFound(`There is no incident ${id}.`);
      if (assigneeId !== null && !(await store.isAssignable(trx, assigneeId)))
        throw badRequest(`assigneeId: user ${assigneeId} is not an active installer or admin.`);
      if (current.assigneeId === assigneeId) return;
      await store.updateIncident(trx, id, { assignee_id: assigneeId, updated_at: now });
      const name = assigneeId === null ? null : await store.userName(trx, assigneeId);
      await this.event(id, now, 'assigned', actorOf(principal), '', { assigneeId, assignee: name }, trx);
    });
    return this.get(id);
  }

  async comment(id: number, text: string, principal: Principal, now = Date.now()): Promise<IncidentDetail> {
    if (!(await store.findIncident(this.db, id))) throw notFound(`There is no incident ${id}.`);
    await this.event(id, now, 'comment', actorOf(principal), text.trim());
    await store.updateIncident(this.db, id, { updated_at: now });
    return this.get(id);
  }

  /**
   * Closes an incident by hand. The device is not alarmed again for the same silence: only
   * once it has reported and gone silent again.
   */
  async close(
    id: number,
    comment: string | undefined,
    principal: Principal,
    now = Date.now(),
  ): Promise<IncidentDetail> {
    await this.db.transaction().execute(async (trx) => {
      const current = await store.findIncident(trx, id);
      if (!current) throw notFound(`There is no incident ${id}.`);
      const ok = await store.updateOpenIncident(trx, id, {
        status: 'closed',
        close_reason: 'manual',
        closed_at: now,
        updated_at: now,
      });
      if (!ok) throw conflict(`Incident ${id} is already closed.`);
      await this.event(
        id,
        now,
        'closed',
        actorOf(principal),
        comment?.trim() ?? '',
        { reason: 'manual' },
        trx,
      );
    });
    return this.get(id);
  }

  async assignees() {
    return { items: await listAssignees(this.db) };
  }
}
