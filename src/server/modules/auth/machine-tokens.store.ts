import type { Kysely, Transaction } from 'kysely';
import type { Database, MachineTokenTable } from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertMachineToken(
  db: Db,
  t: Omit<MachineTokenTable, 'id' | 'revoked_at' | 'last_used_at'>,
): Promise<number> {
  const row = await db.insertInto('machine_token').values(t).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** A token that works at `now`: known, not revoked, not expired. */
export async function findLiveMachineToken(db: Db, tokenHash: string, now: number) {
  return db
    .selectFrom('machine_token')
    .select(['id', 'name', 'scopes', 'gateway_ids', 'building_ids'])
    .where('token_hash', '=', tokenHash)
    .where('revoked_at', 'is', null)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
    .executeTakeFirst();
}

export async function findMachineToken(db: Db, id: number) {
  return db.selectFrom('machine_token').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listMachineTokens(
  db: Db,
  f: { includeRevoked: boolean; beforeId?: number; limit: number },
) {
  let q = db.selectFrom('machine_token').selectAll();
  if (!f.includeRevoked) q = q.where('revoked_at', 'is', null);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}

export async function revokeMachineToken(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('machine_token')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function touchMachineToken(db: Db, id: number, now: number): Promise<void> {
  await db.updateTable('machine_token').set({ last_used_at: now }).where('id', '=', id).execute();
}
