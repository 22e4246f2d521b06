import type { Kysely, Selectable } from 'kysely';
import type { Database, VendorRefillTable } from '../../db/schema.ts';

type Db = Kysely<Database>;
export type RefillRow = Selectable<VendorRefillTable>;

/** Gateways that serve a dwelling now: the ones the missing-data heatmap shows. */
export async function listRegisteredGateways(db: Db): Promise<{ id: number; sn: string }[]> {
  return db
    .selectFrom('gateway')
    .select(['id', 'sn'])
    .where('dwelling_id', 'is not', null)
    .orderBy('id')
    .execute();
}

export async function insertRefill(
  db: Db,
  r: {
    gatewayId: number;
    sn: string;
    from: number;
    to: number;
    trigger: 'job' | 'request';
    startedAt: number;
  },
): Promise<number> {
  const row = await db
    .insertInto('vendor_refill')
    .values({
      gateway_id: r.gatewayId,
      sn: r.sn,
      period_from: r.from,
      period_to: r.to,
      trigger: r.trigger,
      started_at: r.startedAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export async function finishRefill(
  db: Db,
  id: number,
  r: {
    finishedAt: number;
    outcome: 'ok' | 'failed';
    pages: number;
    received: number;
    stored: number;
    error: string | null;
  },
): Promise<void> {
  await db
    .updateTable('vendor_refill')
    .set({
      finished_at: r.finishedAt,
      outcome: r.outcome,
      pages: r.pages,
      received: r.received,
      stored: r.stored,
      error: r.error,
    })
    .where('id', '=', id)
    .execute();
}

export async function findRefill(db: Db, id: number): Promise<RefillRow | undefined> {
  return db.selectFrom('vendor_refill').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The latest requests of a gateway, newest first. */
export async function listRefills(db: Db, gatewayId: number, limit: number): Promise<RefillRow[]> {
  return db
    .selectFrom('vendor_refill')
    .selectAll()
    .where('gateway_id', '=', gatewayId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
