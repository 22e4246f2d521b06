import { type Kysely, sql } from 'kysely';
import type { AuditEventTable, Database } from '../db/schema.ts';

type NewAuditEvent = Omit<AuditEventTable, 'id'>;

export async function insertAuditEvent(db: Kysely<Database>, event: NewAuditEvent): Promise<void> {
  await db.insertInto('audit_event').values(event).execute();
}

export interface AuditFilter {
  action?: string;
  actorKind?: AuditEventTable['actor_kind'];
  actorId?: number;
  targetType?: string;
  targetId?: string;
  from?: number;
  to?: number;
  /** Only events older than this id (the cursor). */
  beforeId?: number;
  limit: number;
}

/** Events newest first; an `action` ending in `.` matches every action under that prefix. */
export async function listAuditEvents(db: Kysely<Database>, f: AuditFilter) {
  let q = db.selectFrom('audit_event').selectAll();
  if (f.action !== undefined) {
    if (f.action.endsWith('.')) {
      const pattern = `${f.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q = q.where(sql<boolean>`action like ${pattern} escape '\\'`);
    } else q = q.where('action', '=', f.action);
  }
  if (f.actorKind !== undefined) q = q.where('actor_kind', '=', f.actorKind);
  if (f.actorId !== undefined) q = q.where('actor_id', '=', f.actorId);
  if (f.targetType !== undefined) q = q.where('target_type', '=', f.targetType);
  if (f.targetId !== undefined) q = q.where('target_id', '=', f.targetId);
  if (f.from !== undefined) q = q.where('at', '>=', f.from);
  if (f.to !== undefined) q = q.where('at', '<=', f.to);
  if (f.beforeId !== undefined) q = q.where('id', '<', f.beforeId);
  return q.orderBy('id', 'desc').limit(f.limit).execute();
}
