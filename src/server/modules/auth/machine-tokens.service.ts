import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { MachineScope } from '#common/api/access.ts';
import type { IssueTokenBody, MachineToken } from '#common/api/auth.ts';
import type { Database, MachineTokenTable } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, notFound } from '../../plugins/errors.ts';
import { type AuditService, decodeCursor, pageOf } from '../../audit/audit.service.ts';
import { existingIds } from './accounts.store.ts';
import type { By } from '../../audit/by.ts';
import type { Clock } from '../../clock.ts';
import {
  findLiveMachineToken,
  findMachineToken,
  insertMachineToken,
  listMachineTokens,
  revokeMachineToken,
  touchMachineToken,
} from './machine-tokens.store.ts';

/** Machine tokens start with this, so that people and secret scanners recognise them. */
export const MACHINE_TOKEN_PREFIX = 'ciop_';
/** The last-used time is written at most this often per token, ms. */
const TOUCH_EVERY_MS = 60_000;

/**
 * A random token of 256 bits is not guessable, so a fast hash (SHA-256) is the right way to
 * store it: a slow password hash would only slow every request down.
 */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

function toMachineToken(r: Selectable<MachineTokenTable>): MachineToken {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: JSON.parse(r.scopes) as MachineScope[],
    gatewayIds: JSON.parse(r.gateway_ids) as number[],
    buildingIds: JSON.parse(r.building_ids) as number[],
    createdBy: r.created_by,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  };
}

/** API tokens for machines (forwarders, integrations): issued by admins, shown once, stored hashed. */
export class MachineTokensService {
  private readonly touched = new Map<number, number>();
  private readonly revokedListeners = new Set<(tokenId: number) => void>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditService,
  ) {}

  async issue(body: IssueTokenBody, by: By): Promise<MachineToken & { token: string }> {
    const now = this.clock.now();
    const gatewayIds = body.gatewayIds ?? [];
    const buildingIds = body.buildingIds ?? [];
    await this.checkExist('gateway', gatewayIds, 'gatewayIds');
    await this.checkExist('building', buildingIds, 'buildingIds');
    if (body.expiresAt !== undefined && body.expiresAt <= now)
      throw badRequest('expiresAt: the token would be expired already; give a time in the future.');
    const token = MACHINE_TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const id = await insertMachineToken(this.db, {
      name: body.name.trim(),
      prefix: token.slice(0, MACHINE_TOKEN_PREFIX.length + 6),
      token_hash: hashToken(token),
      scopes: JSON.stringify([...body.scopes].sort()),
      gateway_ids: JSON.stringify(gatewayIds),
      building_ids: JSON.stringify(buildingIds),
      created_by: by.actor.kind === 'user' ? (by.actor.id ?? null) : null,
      created_at: now,
      expires_at: body.expiresAt ?? null,
    });
    await this.audit.record({
      ...by,
      action: 'token.issued',
      target: { type: 'machine_token', id },
      detail: {
        name: body.name,
        scopes: body.scopes,
        gatewayIds,
        buildingIds,
        expiresAt: body.expiresAt ?? null,
      },
    });
    const row = await findMachineToken(this.db, id);
    return { ...toMachineToken(row!), token };
  }

  private async checkExist(table: 'gateway' | 'building', ids: number[], field: string): Promise<void> {
    const found = await existingIds(this.db, table, ids);
    const missing = ids.filter((i) => !found.has(i));
    if (missing.length > 0) throw badRequest(`${field}: there is no ${table} ${missing.join(', ')}.`);
  }

  /** The machine a presented secret belongs to, or undefined when it is not a live machine token. */
  async verify(secret: string): Promise<Principal | undefined> {
    if (!secret.startsWith(MACHINE_TOKEN_PREFIX)) return undefined;
    const now = this.clock.now();
    const row = await findLiveMachineToken(this.db, hashToken(secret), now);
    if (!row) return undefined;
    if (now - (this.touched.get(row.id) ?? -Infinity) >= TOUCH_EVERY_MS) {
      this.touched.set(row.id, now);
      await touchMachineToken(this.db, row.id, now);
    }
    return {
      kind: 'machine',
      id: row.id,
      name: row.name,
      roles: [],
      scopes: JSON.parse(row.scopes) as MachineScope[],
      dwellingIds: [],
      buildingIds: JSON.parse(row.building_ids) as number[],
      gatewayIds: JSON.parse(row.gateway_ids) as number[],
    };
  }

  async list(query: { includeRevoked?: boolean; cursor?: string; limit?: number }) {
    const limit = query.limit ?? 50;
    const rows = await listMachineTokens(this.db, {
      includeRevoked: query.includeRevoked ?? false,
      beforeId: decodeCursor(query.cursor),
      limit: limit + 1,
    });
    return pageOf(rows, limit, toMachineToken);
  }

  /** Revokes a token: refused from the next request on, and MQTT connections made with it are closed. */
  async revoke(id: number, by: By): Promise<void> {
    const row = await findMachineToken(this.db, id);
    if (!row) throw notFound(`There is no machine token ${id}.`);
    if (await revokeMachineToken(this.db, id, this.clock.now())) {
      await this.audit.record({
        ...by,
        action: 'token.revoked',
        target: { type: 'machine_token', id },
        detail: { name: row.name },
      });
    }
    for (const listener of this.revokedListeners) listener(id);
  }

  /** Calls `listener` with the id of each token revoked through this process. */
  onRevoked(listener: (tokenId: number) => void): () => void {
    this.revokedListeners.add(listener);
    return () => this.revokedListeners.delete(listener);
  }
}
