import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import type { RecordedChange } from '../../timeseries/timeseries-io.ts';
import { type ActiveContext, activeContext, CORE_CONTEXT_URL, ciopTerm, LINK_REL } from './context.ts';
import { type Entity, ENTITY_TYPES, type EntityType, entityId, parseEntityId } from './entities.ts';
import { ngsiLdError } from './ngsild-errors.ts';
import { type NgsiLdService, renderEntity } from './ngsild.service.ts';
import * as store from './ngsild.store.ts';
import { matchesQ, parseQ, type QExpr, renameAttributes } from './query.ts';
import { valuesOf } from './entities.ts';
import * as subs from './subscriptions.store.ts';

/** Name of the job that turns changes into notifications, and of its position in the change feed. */
export const SUBSCRIPTION_JOB = 'ngsild-subscriptions';
/** Name of the job that delivers notifications again after a failure. */
export const NOTIFICATION_JOB = 'ngsild-notifications';
/** Deliveries of one notification at most; then it is dropped (the failure stays recorded). */
export const MAX_ATTEMPTS = 8;
/** Wait before the n-th retry: 5 s doubled each time, at most an hour. */
export const retryDelayMs = (attempts: number) => Math.min(5_000 * 2 ** (attempts - 1), 3_600_000);
const DELIVERY_TIMEOUT_MS = 10_000;

/** A subscription as the client wrote it (ETSI GS CIM 009 V1.8.1 §5.2.12), its terms theirs. */
export interface SubscriptionBody {
  id?: string;
  type?: string;
  subscriptionName?: string;
  description?: string;
  entities?: { type?: string; id?: string; idPattern?: string }[];
  watchedAttributes?: string[];
  q?: string;
  notification?: {
    attributes?: string[];
    format?: string;
    endpoint?: { uri?: string; accept?: string };
  };
  throttling?: number;
  expiresAt?: string;
  isActive?: boolean;
}

/** A subscription read into CIOP's terms. */
interface Watch {
  entities?: { type?: EntityType; id?: string; idPattern?: RegExp }[];
  watched?: Set<string>;
  q?: QExpr;
  attributes?: Set<string>;
  keyValues: boolean;
  uri: string;
  ld: boolean;
  throttlingMs: number;
}

const FIELDS = new Set([
  'id',
  'type',
  'subscriptionName',
  'description',
  'entities',
  'watchedAttributes',
  'q',
  'notification',
  'throttling',
  'expiresAt',
  'isActive',
  '@context',
]);

const bad = (detail: string) => ngsiLdError('BadRequestData', detail);
const iso = (t: number | null) => (t === null ? undefined : new Date(t).toISOString());

/** Checks a subscription and reads it into CIOP's terms; BadRequestData naming what is wrong. */
export function interpret(body: SubscriptionBody, context: ActiveContext): Watch {
  for (const key of Object.keys(body))
    if (!FIELDS.has(key))
      throw bad(
        `${key}: not a member of a Subscription CIOP serves (timeInterval, geoQ and temporalQ are not).`,
      );
  if (body.type !== 'Subscription') throw bad('type: "Subscription".');
  if (!body.entities?.length && !body.watchedAttributes?.length)
    throw bad('Name what to watch: entities, watchedAttributes, or both.');
  const term = (t: string) => ciopTerm(t, context) ?? `?${t}`;
  const watch: Watch = { keyValues: false, uri: '', ld: false, throttlingMs: 0 };
  if (body.entities !== undefined) {
    if (!Array.isArray(body.entities)) throw bad('entities: a list of {type, id or idPattern}.');
    watch.entities = body.entities.map((e, i) => {
      if (!e || typeof e !== 'object' || typeof e.type !== 'string')
        throw bad(`entities[${i}].type: the entity type to watch.`);
      const type = term(e.type);
      let idPattern: RegExp | undefined;
      if (e.idPattern !== undefined)
        try {
          idPattern = new RegExp(e.idPattern);
        } catch {
          throw bad(`entities[${i}].idPattern: not a regular expression.`);
        }
      if (e.id !== undefined && typeof e.id !== 'string') throw bad(`entities[${i}].id: a URI.`);
      return {
        type: (ENTITY_TYPES as readonly string[]).includes(type) ? (type as EntityType) : undefined,
        id: e.id,
        idPattern,
      };
    });
  }
  if (body.watchedAttributes !== undefined) {
    if (!Array.isArray(body.watchedAttributes) || body.watchedAttributes.some((a) => typeof a !== 'string'))
      throw bad('watchedAttributes: a list of attribute names.');
    watch.watched = new Set(body.watchedAttributes.map(term));
  }
  if (body.q !== undefined) {
    if (typeof body.q !== 'string') throw bad('q: a query text.');
    watch.q = renameAttributes(parseQ(body.q), (a) => (a === 'id' || a === 'type' ? a : term(a)));
  }
  const n = body.notification;
  if (!n || typeof n !== 'object') throw bad('notification: where and how to notify.');
  const uri = n.endpoint?.uri;
  let url: URL | undefined;
  try {
    url = uri ? new URL(uri) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw bad('notification.endpoint.uri: an http or https URI CIOP POSTs notifications to.');
  watch.uri = url.href;
  const accept = n.endpoint?.accept ?? 'application/json';
  if (accept !== 'application/json' && accept !== 'application/ld+json')
    throw bad('notification.endpoint.accept: application/json or application/ld+json.');
  watch.ld = accept === 'application/ld+json';
  if (n.format !== undefined && !['normalized', 'keyValues', 'simplified'].includes(n.format))
    throw bad('notification.format: normalized, keyValues or simplified.');
  watch.keyValues = n.format === 'keyValues' || n.format === 'simplified';
  if (n.attributes !== undefined) {
    if (!Array.isArray(n.attributes)) throw bad('notification.attributes: a list of attribute names.');
    watch.attributes = new Set(n.attributes.map(term));
  }
  if (body.throttling !== undefined) {
    if (typeof body.throttling !== 'number' || !(body.throttling >= 0))
      throw bad('throttling: seconds between two notifications, at least 0.');
    watch.throttlingMs = body.throttling * 1000;
  }
  if (body.expiresAt !== undefined && !Number.isFinite(Date.parse(body.expiresAt)))
    throw bad('expiresAt: a DateTime (ISO 8601).');
  if (body.isActive !== undefined && typeof body.isActive !== 'boolean')
    throw bad('isActive: true or false.');
  return watch;
}

/** The attributes a change to a series touches on each entity it belongs to. */
const ENVIRONMENT_ATTRIBUTE: Record<string, string> = {
  temperature: 'temperature',
  humidity: 'relativeHumidity',
  co2: 'co2',
};

/**
 * NGSI-LD subscriptions (§5.8): stored per owner, turned into notifications by a job that follows
 * the change feed (each change of an entity's readings is notified once to each subscription that
 * watches it, as its owner may see it now), delivered by HTTP POST with retries.
 */
export class SubscriptionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly ngsild: NgsiLdService,
    private readonly logger: Logger,
    private readonly clock: () => number,
  ) {}

  private owner(principal: Principal) {
    return principal.kind === 'user' && principal.roles.includes('admin')
      ? undefined
      : { kind: principal.kind, id: principal.id };
  }

  private async own(principal: Principal, id: string): Promise<subs.SubscriptionRow> {
    const row = await subs.findSubscription(this.db, id);
    const owner = this.owner(principal);
    if (!row || (owner && (row.owner_kind !== owner.kind || Number(row.owner_id) !== owner.id)))
      throw ngsiLdError('ResourceNotFound', `There is no subscription ${id} of yours.`);
    return row;
  }

  async create(principal: Principal, body: SubscriptionBody, context: ActiveContext): Promise<string> {
    interpret(body, context);
    const id = body.id ?? `urn:ngsi-ld:Subscription:${randomUUID()}`;
    if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(id)) throw bad('id: a URI.');
    if (await subs.findSubscription(this.db, id))
      throw ngsiLdError('AlreadyExists', `There is already a subscription ${id}.`);
    const now = this.clock();
    const { '@context': _context, ...stored } = body as SubscriptionBody & { '@context'?: unknown };
    await subs.insertSubscription(this.db, {
      id,
      owner_kind: principal.kind,
      owner_id: principal.id,
      owner: principal.name,
      body: JSON.stringify({ ...stored, id }),
      context: JSON.stringify(context.given),
      is_active: body.isActive === false ? 0 : 1,
      expires_at: body.expiresAt ? Date.parse(body.expiresAt) : null,
      feed_position: await subs.feedPosition(this.db),
      times_sent: 0,
      times_failed: 0,
      status: null,
      last_notification: null,
      last_success: null,
      last_failure: null,
      last_failure_reason: null,
      created_at: now,
      updated_at: now,
    });
    return id;
  }

  /** A subscription as GET answers it: as written, with its status and its notifications' record. */
  private view(row: subs.SubscriptionRow): Record<string, unknown> {
    const body = JSON.parse(row.body) as SubscriptionBody;
    const now = this.clock();
    const expired = row.expires_at !== null && row.expires_at <= now;
    return {
      ...body,
      type: 'Subscription',
      isActive: row.is_active === 1,
      status: expired ? 'expired' : row.is_active === 1 ? 'active' : 'paused',
      notification: {
        ...body.notification,
        format: body.notification?.format ?? 'normalized',
        ...(row.status ? { status: row.status } : {}),
        timesSent: row.times_sent,
        timesFailed: row.times_failed,
        ...(row.last_notification !== null ? { lastNotification: iso(row.last_notification) } : {}),
        ...(row.last_success !== null ? { lastSuccess: iso(row.last_success) } : {}),
        ...(row.last_failure !== null ? { lastFailure: iso(row.last_failure) } : {}),
        ...(row.last_failure_reason ? { lastFailureReason: row.last_failure_reason } : {}),
      },
    };
  }

  async get(principal: Principal, id: string): Promise<Record<string, unknown>> {
    return this.view(await this.own(principal, id));
  }

  async list(principal: Principal): Promise<Record<string, unknown>[]> {
    return (await subs.listSubscriptions(this.db, this.owner(principal))).map((r) => this.view(r));
  }

  /** PATCH: the members given replace the stored ones (notification's merged), checked whole. */
  async update(
    principal: Principal,
    id: string,
    patch: SubscriptionBody,
    context: ActiveContext,
  ): Promise<void> {
    const row = await this.own(principal, id);
    if (patch.id !== undefined && patch.id !== id) throw bad('id: a subscription keeps its id.');
    const current = JSON.parse(row.body) as SubscriptionBody;
    const { '@context': _context, ...members } = patch as SubscriptionBody & { '@context'?: unknown };
    const next: SubscriptionBody = {
      ...current,
      ...members,
      ...(members.notification ? { notification: { ...current.notification, ...members.notification } } : {}),
      id,
      type: 'Subscription',
    };
    const stored = activeContext(undefined, JSON.parse(row.context));
    // Terms are read under the context of the patch when it brings one, else the subscription's.
    interpret(next, context.terms.size > 0 ? context : stored);
    await subs.updateSubscription(this.db, id, {
      body: JSON.stringify(next),
      is_active: next.isActive === false ? 0 : 1,
      expires_at: next.expiresAt ? Date.parse(next.expiresAt) : null,
      updated_at: this.clock(),
      ...(context.terms.size > 0 ? { context: JSON.stringify(context.given) } : {}),
    });
  }

  async delete(principal: Principal, id: string): Promise<void> {
    await this.own(principal, id);
    await subs.deleteSubscription(this.db, id);
  }

  /**
   * The job's work: the entities whose readings changed, notified to each active subscription that
   * watches them and whose owner sees them now (one notification per subscription per run, all its
   * entities in `data`), then delivery of what is due.
   */
  async onChanges(changes: RecordedChange[], now: number): Promise<number> {
    const rows = (await subs.listSubscriptions(this.db, undefined)).filter(
      (r) => r.is_active === 1 && (r.expires_at === null || r.expires_at > now),
    );
    let queued = 0;
    if (rows.length > 0 && changes.length > 0) {
      const sensors = await store.sensorsOfSeries(this.db, [...new Set(changes.map((c) => c.seriesId))]);
      const media = await this.mediaOf(sensors.map((s) => s.sensor_id));
      for (const row of rows) {
        const since = Number(row.feed_position);
        const fresh = new Set(changes.filter((c) => c.id > since).map((c) => c.seriesId));
        if (fresh.size === 0) continue;
        // Each entity touched, with the attributes the change touched on it.
        const touched = new Map<string, Set<string>>();
        const touch = (id: string, attr: string) => touched.set(id, (touched.get(id) ?? new Set()).add(attr));
        for (const s of sensors) {
          if (!fresh.has(s.series_id)) continue;
          touch(entityId('DeviceMeasurement', s.sensor_id), 'numValue');
          const attr = ENVIRONMENT_ATTRIBUTE[media.get(s.sensor_id) ?? ''];
          if (!attr) continue;
          if (s.dwelling_id !== null) touch(entityId('IndoorEnvironmentObserved', s.dwelling_id), attr);
          if (s.station_id !== null) touch(entityId('WeatherObserved', s.station_id), attr);
        }
        if (await this.notify(row, touched, now)) queued++;
      }
    }
    await this.deliverDue(now);
    return queued;
  }

  private async mediaOf(sensorIds: number[]): Promise<Map<number, string>> {
    if (sensorIds.length === 0) return new Map();
    const rows = await this.db
      .selectFrom('sensor')
      .select(['id', 'medium'])
      .where('id', 'in', sensorIds)
      .execute();
    return new Map(rows.map((r) => [r.id, r.medium]));
  }

  /** Queues one notification of a subscription for the touched entities it watches; false if none. */
  private async notify(
    row: subs.SubscriptionRow,
    touched: Map<string, Set<string>>,
    now: number,
  ): Promise<boolean> {
    const context = activeContext(undefined, JSON.parse(row.context));
    const body = JSON.parse(row.body) as SubscriptionBody;
    const watch = interpret(body, context);
    if (
      watch.throttlingMs > 0 &&
      row.last_notification !== null &&
      now - row.last_notification < watch.throttlingMs
    )
      return false;
    const principal = await subs.currentPrincipal(this.db, row.owner_kind, Number(row.owner_id), now);
    if (!principal) return false;
    const data: Entity[] = [];
    for (const [id, attrs] of touched) {
      const parsed = parseEntityId(id)!;
      const watched =
        !watch.entities ||
        watch.entities.some(
          (e) =>
            e.type === parsed.type &&
            (e.id === undefined || e.id === id) &&
            (e.idPattern === undefined || e.idPattern.test(id)),
        );
      if (!watched) continue;
      if (watch.watched && ![...attrs].some((a) => watch.watched!.has(a))) continue;
      const [entity] = await this.ngsild.load(principal, parsed.type, [parsed.n]);
      if (!entity) continue;
      if (watch.q && !matchesQ(watch.q, (a) => valuesOf(entity, a))) continue;
      data.push(entity);
    }
    if (data.length === 0) return false;
    const notification = {
      id: `urn:ngsi-ld:Notification:${randomUUID()}`,
      type: 'Notification',
      subscriptionId: row.id,
      notifiedAt: new Date(now).toISOString(),
      data: data.map((e) =>
        renderEntity(e, context, { attrs: watch.attributes, keyValues: watch.keyValues }),
      ),
    };
    await subs.enqueueNotification(this.db, row.id, JSON.stringify(notification), now);
    // Throttling counts from the notification made, delivered or not.
    await subs.updateSubscription(this.db, row.id, { last_notification: now });
    return true;
  }

  /** Delivers the notifications that are due; a failure is retried later, at most MAX_ATTEMPTS times. */
  async deliverDue(now: number): Promise<void> {
    for (;;) {
      const due = await subs.dueNotifications(this.db, now, 50);
      if (due.length === 0) return;
      for (const n of due) {
        const watch = interpret(
          JSON.parse(n.subscription) as SubscriptionBody,
          activeContext(undefined, JSON.parse(n.context)),
        );
        const failure = await this.post(watch, n.body, JSON.parse(n.context));
        await subs.recordDelivery(this.db, n.subscription_id, now, failure);
        const attempts = n.attempts + 1;
        if (failure === undefined || attempts >= MAX_ATTEMPTS) {
          if (failure !== undefined)
            this.logger.warn({ subscription: n.subscription_id, failure }, 'NGSI-LD notification dropped');
          await subs.deleteNotification(this.db, n.id);
        } else await subs.retryNotification(this.db, n.id, attempts, now + retryDelayMs(attempts));
      }
      if (due.length < 50) return;
    }
  }

  /** One HTTP POST of a notification; the reason of a failure, undefined on success. */
  private async post(watch: Watch, body: string, context: unknown): Promise<string | undefined> {
    const headers: Record<string, string> = {};
    let payload = body;
    if (watch.ld) {
      headers['content-type'] = 'application/ld+json';
      const parsed = JSON.parse(body) as Record<string, unknown>;
      payload = JSON.stringify({ ...parsed, '@context': context });
    } else {
      headers['content-type'] = 'application/json';
      const url = typeof context === 'string' ? context : CORE_CONTEXT_URL;
      headers.link = `<${url}>; rel="${LINK_REL}"; type="application/ld+json"`;
    }
    try {
      const res = await fetch(watch.uri, {
        method: 'POST',
        headers,
        body: payload,
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      await res.body?.cancel();
      return res.ok ? undefined : `HTTP ${res.status}`;
    } catch (error) {
      return (error as Error).message;
    }
  }
}
