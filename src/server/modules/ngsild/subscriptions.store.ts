import type { Kysely, Selectable } from 'kysely';
import type { MachineScope, Role } from '#common/api/access.ts';
import type { Database, NgsiLdSubscriptionTable } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';

/** SQL of NGSI-LD subscriptions and their notifications waiting for delivery. */

type Db = Kysely<Database>;
export type SubscriptionRow = Selectable<NgsiLdSubscriptionTable>;

export async function insertSubscription(db: Db, row: SubscriptionRow): Promise<void> {
  await db.insertInto('ngsild_subscription').values(row).execute();
}

export async function findSubscription(db: Db, id: string): Promise<SubscriptionRow | undefined> {
  return db.selectFrom('ngsild_subscription').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Subscriptions of an owner (all of them for `owner` undefined), oldest first. */
export async function listSubscriptions(
  db: Db,
  owner: { kind: SubscriptionRow['owner_kind']; id: number } | undefined,
): Promise<SubscriptionRow[]> {
  let q = db.selectFrom('ngsild_subscription').selectAll();
  if (owner) q = q.where('owner_kind', '=', owner.kind).where('owner_id', '=', owner.id);
  return q.orderBy('created_at').orderBy('id').execute();
}

export async function updateSubscription(
  db: Db,
  id: string,
  set: Partial<Omit<SubscriptionRow, 'id'>>,
): Promise<void> {
  await db.updateTable('ngsild_subscription').set(set).where('id', '=', id).execute();
}

export async function deleteSubscription(db: Db, id: string): Promise<number> {
  await db.deleteFrom('ngsild_notification').where('subscription_id', '=', id).execute();
  const result = await db.deleteFrom('ngsild_subscription').where('id', '=', id).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The change feed's latest position (0 when empty). */
export async function feedPosition(db: Db): Promise<number> {
  const row = await db
    .selectFrom('ts_change')
    .select((e) => e.fn.max('id').as('id'))
    .executeTakeFirst();
  return Number(row?.id ?? 0);
}

export async function enqueueNotification(db: Db, subscriptionId: string, body: string, now: number) {
  await db
    .insertInto('ngsild_notification')
    .values({ subscription_id: subscriptionId, body, attempts: 0, next_at: now, created_at: now })
    .execute();
}

export async function dueNotifications(db: Db, now: number, limit: number) {
  return db
    .selectFrom('ngsild_notification')
    .innerJoin('ngsild_subscription', 'ngsild_subscription.id', 'ngsild_notification.subscription_id')
    .select([
      'ngsild_notification.id',
      'ngsild_notification.subscription_id',
      'ngsild_notification.body',
      'ngsild_notification.attempts',
      'ngsild_subscription.body as subscription',
      'ngsild_subscription.context',
    ])
    .where('ngsild_notification.next_at', '<=', now)
    .orderBy('ngsild_notification.id')
    .limit(limit)
    .execute();
}

export async function deleteNotification(db: Db, id: number): Promise<void> {
  await db.deleteFrom('ngsild_notification').where('id', '=', id).execute();
}

export async function retryNotification(db: Db, id: number, attempts: number, nextAt: number): Promise<void> {
  await db
    .updateTable('ngsild_notification')
    .set({ attempts, next_at: nextAt })
    .where('id', '=', id)
    .execute();
}

/** Records one delivery attempt on the subscription. */
export async function recordDelivery(
  db: Db,
  id: string,
  at: number,
  failure: string | undefined,
): Promise<void> {
  await db
    .updateTable('ngsild_subscription')
    .set((e) => ({
      times_sent: e('times_sent', '+', 1),
      last_notification: at,
      ...(failure === undefined
        ? { status: 'ok' as const, last_success: at }
        : {
            status: 'failed' as const,
            last_failure: at,
            last_failure_reason: failure,
            times_failed: e('times_failed', '+', 1),
          }),
    }))
    .where('id', '=', id)
    .execute();
}

/**
 * The owner of a subscription as they are now (roles, dwellings, organisation's buildings, a
 * machine token's scopes and restriction); undefined when the account is inactive or the token
 * revoked or expired, so that a notification never shows more than its owner may read today.
 */
export async function currentPrincipal(
  db: Db,
  kind: string,
  id: number,
  now: number,
): Promise<Principal | undefined> {
  if (kind === 'user') {
    const user = await db
      .selectFrom('app_user')
      .select(['id', 'name', 'active', 'organisation_id'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!user || Number(user.active) !== 1) return undefined;
    const roles = await db.selectFrom('user_role').select('role').where('user_id', '=', id).execute();
    const dwellings = await db
      .selectFrom('user_dwelling')
      .select('dwelling_id')
      .where('user_id', '=', id)
      .execute();
    const buildings =
      user.organisation_id === null
        ? []
        : await db
            .selectFrom('organisation_building')
            .select('building_id')
            .where('organisation_id', '=', user.organisation_id)
            .execute();
    return {
      kind: 'user',
      id,
      name: user.name,
      roles: roles.map((r) => r.role as Role),
      scopes: [],
      dwellingIds: dwellings.map((d) => d.dwelling_id),
      buildingIds: buildings.map((b) => b.building_id),
      gatewayIds: [],
    };
  }
  if (kind === 'machine') {
    const token = await db.selectFrom('machine_token').selectAll().where('id', '=', id).executeTakeFirst();
    if (!token || token.revoked_at !== null || (token.expires_at !== null && token.expires_at <= now))
      return undefined;
    return {
      kind: 'machine',
      id,
      name: token.name,
      roles: [],
      scopes: JSON.parse(token.scopes) as MachineScope[],
      dwellingIds: [],
      buildingIds: JSON.parse(token.building_ids) as number[],
      gatewayIds: JSON.parse(token.gateway_ids) as number[],
    };
  }
  return undefined;
}
