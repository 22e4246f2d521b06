import type { FastifyRequest } from 'fastify';
import type { Kysely, Selectable } from 'kysely';
import type { AuditEvent } from '#common/api/auth.ts';
import type { AuditEventTable, Database } from '../db/schema.ts';
import { badRequest } from '../plugins/errors.ts';
import type { Clock } from '../clock.ts';
import { type AuditFilter, insertAuditEvent, listAuditEvents } from './audit.store.ts';

/** Who did something: a principal, someone not logged in, or CIOP itself (CLI, first start). */
export interface AuditActor {
  kind: 'user' | 'machine' | 'anonymous' | 'system';
  id?: number;
  name: string;
}

export interface AuditEntry {
  /** What happened, `area.verb`: auth.login, auth.login_failed, user.roles_changed, token.revoked, data.export… */
  action: string;
  actor?: AuditActor;
  target?: { type: string; id: string | number };
  /** Address the request came from. */
  ip?: string;
  /** Facts worth keeping (never secrets or passwords). */
  detail?: Record<string, unknown>;
}

const encodeCursor = (id: number) => String(id);
export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  if (!/^\d{1,15}$/.test(cursor)) throw badRequest('cursor: pass the nextCursor of the previous page as is.');
  return Number(cursor);
}

/** A page of rows fetched with one extra, to know whether another page follows. */
export function pageOf<R extends { id: number }, T>(rows: R[], limit: number, map: (r: R) => T) {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return {
    items: page.map(map),
    nextCursor: more ? encodeCursor(page[page.length - 1].id) : null,
  };
}

/** The audit log: who did what, when and from where. Readable by admins. */
export class AuditService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  /** Records an event, within `db` when it is a transaction the event belongs to. */
  async record(entry: AuditEntry, db: Kysely<Database> = this.db): Promise<void> {
    const actor = entry.actor ?? { kind: 'anonymous' as const, name: 'anonymous' };
    await insertAuditEvent(db, {
      at: this.clock.now(),
      actor_kind: actor.kind,
      actor_id: actor.id ?? null,
      actor_name: actor.name,
      action: entry.action,
      target_type: entry.target?.type ?? null,
      target_id: entry.target === undefined ? null : String(entry.target.id),
      ip: entry.ip ?? '',
      detail: JSON.stringify(entry.detail ?? {}),
    });
  }

  async list(query: Omit<AuditFilter, 'beforeId' | 'limit'> & { cursor?: string; limit?: number }) {
    const limit = query.limit ?? 50;
    const rows = await listAuditEvents(this.db, {
      ...query,
      beforeId: decodeCursor(query.cursor),
      limit: limit + 1,
    });
    return pageOf(rows, limit, toAuditEvent);
  }
}

function toAuditEvent(r: Selectable<AuditEventTable>): AuditEvent {
  return {
    id: r.id,
    at: r.at,
    actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    ip: r.ip,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  };
}

/**
 * Records an audit event for a request: the actor is its principal (or anonymous), the address
 * its client's. For every module: `await audit(request, 'data.export', { target, detail })`.
 */
export async function audit(
  request: FastifyRequest,
  action: string,
  fields: Omit<AuditEntry, 'action' | 'actor' | 'ip'> & { actor?: AuditActor } = {},
): Promise<void> {
  await request.server.platform.audit.record({
    action,
    actor: request.principal,
    ip: request.ip,
    ...fields,
  });
}
