import type { Kysely, Transaction } from 'kysely';
import type { AccountRequestTable, Database } from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertAccountRequest(
  db: Db,
  r: Omit<AccountRequestTable, 'id' | 'status' | 'decided_at' | 'decided_by' | 'decision_note' | 'user_id'>,
): Promise<number> {
  const row = await db
    .insertInto('account_request')
    .values({ ...r, status: 'pending' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findAccountRequest(db: Db, id: number) {
  return db.selectFrom('account_request').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listAccountRequests(
  db: Db,
  f: { status?: AccountRequestTable['status']; beforeId?: number; limit: number },
) {
  let q = db.selectFrom('account_request').selectAll();
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}

/** Moves a pending request to a decision; false when someone decided it first. */
export async function decideAccountRequest(
  db: Db,
  id: number,
  d: {
    status: 'approved' | 'rejected';
    decided_at: number;
    decided_by: number | null;
    decision_note: string | null;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('account_request')
    .set(d)
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function setRequestUser(db: Db, id: number, userId: number): Promise<void> {
  await db.updateTable('account_request').set({ user_id: userId }).where('id', '=', id).execute();
}

/** Puts a request back to pending (its approval could not be completed). */
export async function reopenAccountRequest(db: Db, id: number): Promise<void> {
  await db
    .updateTable('account_request')
    .set({ status: 'pending', decided_at: null, decided_by: null, decision_note: null })
    .where('id', '=', id)
    .execute();
}
