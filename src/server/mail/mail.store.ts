import type { Kysely } from 'kysely';
import type { Database, MailOutboxTable } from '../db/schema.ts';

export async function insertOutboxMessage(
  db: Kysely<Database>,
  m: Omit<MailOutboxTable, 'id' | 'sent_at' | 'error'>,
): Promise<number> {
  const row = await db.insertInto('mail_outbox').values(m).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

/** Once sent, the body (which may hold a link with a secret) is no longer kept. */
export async function markSent(db: Kysely<Database>, id: number, at: number): Promise<void> {
  await db
    .updateTable('mail_outbox')
    .set({ sent_at: at, body: '', error: null })
    .where('id', '=', id)
    .execute();
}

export async function markFailed(db: Kysely<Database>, id: number, error: string): Promise<void> {
  await db.updateTable('mail_outbox').set({ error }).where('id', '=', id).execute();
}

export async function listOutbox(db: Kysely<Database>, f: { to?: string; beforeId?: number; limit: number }) {
  let q = db.selectFrom('mail_outbox').selectAll();
  if (f.to !== undefined) q = q.where('to_address', '=', f.to);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}
