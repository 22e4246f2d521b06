import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Role } from '#common/api/access.ts';
import type { AdminUser, CreateUserBody, Language, Organisation, UpdateUserBody } from '#common/api/auth.ts';
import { isUniqueViolation } from '../../db/database.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, conflict, forbidden, notFound } from '../../plugins/errors.ts';
import { type AuditService, decodeCursor, pageOf } from '../../audit/audit.service.ts';
import {
  authzOfUsers,
  countActiveWithRole,
  countPasswordTokensSince,
  countUsers,
  emailKey,
  existingIds,
  expirePasswordTokens,
  findOrganisationByName,
  findPasswordToken,
  findUserByEmail,
  findUserById,
  insertOrganisation,
  insertPasswordToken,
  insertUser,
  listOrganisations,
  listUsers,
  renameOrganisation,
  setOrganisationBuildings,
  setUserDwellings,
  setUserRoles,
  updateUser,
  usePasswordToken,
  type UserRow,
} from './accounts.store.ts';
import { BY_SYSTEM, type By } from '../../audit/by.ts';
import type { Clock } from '../../clock.ts';
import type { MailService } from '../../mail/mail.service.ts';
import { checkPassword, hashPassword } from './passwords.ts';
import type { ClientInfo, SessionsService } from './sessions.service.ts';
import { HOUR_MS } from '#common/time.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** Reset e-mails per account and hour, so that nobody can flood someone's mailbox. */
const RESETS_PER_HOUR = 3;

export interface AccountOptions {
  publicUrl: string;
  passwordResetTtlS: number;
  inviteTtlDays: number;
}

/** A random password that passes the rules: 20 characters, 120 bits. */
export function randomPassword(): string {
  return randomBytes(15).toString('base64url');
}

/**
 * People's accounts: creation (by an admin, an approved request, the command line or the
 * first start), roles and links to dwellings and organisations, passwords and their reset.
 */
export class AccountsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly sessions: SessionsService,
    private readonly options: AccountOptions,
  ) {}

  // Users.

  async create(body: CreateUserBody, by: By): Promise<AdminUser> {
    // The hash (argon2id, tens of milliseconds) is made before the transaction, which holds the
    // database's write lock on SQLite.
    if (body.password !== undefined) checkPassword(body.password, body.email, 'password');
    const passwordHash = body.password !== undefined ? await hashPassword(body.password) : null;
    let created: { id: number; invite: () => Promise<void> };
    try {
      created = await this.db
        .transaction()
        .execute((trx) => this.createIn(trx, { ...body, password: undefined }, by, passwordHash));
    } catch (error) {
      if (isUniqueViolation(error))
        throw conflict(`email: there is already an account with the e-mail ${body.email}.`);
      throw error;
    }
    await created.invite();
    return this.get(created.id);
  }

  /**
   * Creates an account within the caller's transaction (with the audit event), for work that
   * creates an account along with other things. Call `invite()` once the transaction has
   * committed: an account without a password then gets its link to set one. A password comes
   * already hashed (`passwordHash`), never in `body`: hashing within the transaction would hold it.
   */
  async createIn(
    trx: Kysely<Database>,
    body: Omit<CreateUserBody, 'password'> & { password?: undefined },
    by: By,
    passwordHash: string | null = null,
  ): Promise<{ id: number; invite: () => Promise<void> }> {
    const now = this.clock.now();
    if (await findUserByEmail(trx, body.email))
      throw conflict(`email: there is already an account with the e-mail ${body.email}.`);
    const roles = [...new Set(body.roles)];
    const dwellingIds = body.dwellingIds ?? [];
    await this.checkLinks(dwellingIds, body.organisationId ?? null, trx);
    const id = await insertUser(
      trx,
      {
        email: body.email,
        name: body.name.trim(),
        language: body.language ?? 'en',
        password_hash: passwordHash,
        organisation_id: body.organisationId ?? null,
      },
      now,
    );
    await setUserRoles(trx, id, roles);
    await setUserDwellings(trx, id, dwellingIds);
    await this.audit.record(
      {
        ...by,
        action: 'user.created',
        target: { type: 'user', id },
        detail: { email: body.email, roles, dwellingIds, organisationId: body.organisationId ?? null },
      },
      trx,
    );
    return { id, invite: async () => (passwordHash === null ? this.sendInvite(id) : undefined) };
  }

  private async checkLinks(
    dwellingIds: readonly number[],
    organisationId: number | null,
    db: Kysely<Database> = this.db,
  ): Promise<void> {
    const found = await existingIds(db, 'dwelling', dwellingIds);
    const missing = dwellingIds.filter((d) => !found.has(d));
    if (missing.length > 0) throw badRequest(`dwellingIds: there is no dwelling ${missing.join(', ')}.`);
    if (organisationId !== null && (await existingIds(db, 'organisation', [organisationId])).size === 0)
      throw badRequest(`organisationId: there is no organisation ${organisationId}.`);
  }

  async get(id: number): Promise<AdminUser> {
    const user = await findUserById(this.db, id);
    if (!user) throw notFound(`There is no user ${id}.`);
    return (await this.toAdminUsers([user]))[0];
  }

  private async toAdminUsers(users: UserRow[]): Promise<AdminUser[]> {
    const authz = await authzOfUsers(this.db, users);
    return users.map((u) => {
      const a = authz.get(u.id)!;
      return {
        id: u.id,
        name: u.name,
        email: u.email,
        language: u.language as Language,
        roles: a.roles as Role[],
        dwellingIds: a.dwellingIds,
        buildingIds: a.buildingIds,
        active: u.active === 1,
        organisationId: u.organisation_id,
        hasPassword: u.password_hash !== null,
        createdAt: u.created_at,
        lastLoginAt: u.last_login_at,
      };
    });
  }

  async list(query: {
    role?: Role;
    active?: boolean;
    q?: string;
    dwelling?: number;
    organisation?: number;
    cursor?: string;
    limit?: number;
  }) {
    const limit = query.limit ?? 50;
    const rows = await listUsers(this.db, {
      role: query.role,
      active: query.active,
      q: query.q,
      dwellingId: query.dwelling,
      organisationId: query.organisation,
      beforeId: decodeCursor(query.cursor),
      limit: limit + 1,
    });
    const page = pageOf(rows, limit, (r) => r);
    return { items: await this.toAdminUsers(page.items), nextCursor: page.nextCursor };
  }

  async update(id: number, body: UpdateUserBody, by: By): Promise<AdminUser> {
    const now = this.clock.now();
    const before = await this.get(id);
    const roles = body.roles ? [...new Set(body.roles)] : undefined;
    const losesAdmin =
      before.roles.includes('admin') &&
      before.active &&
      ((roles !== undefined && !roles.includes('admin')) || body.active === false);
    if (losesAdmin && (await countActiveWithRole(this.db, 'admin', id)) === 0)
      throw conflict('This is the last active admin: make someone else admin first.');
    if (body.email !== undefined && emailKey(body.email) !== emailKey(before.email)) {
      const other = await findUserByEmail(this.db, body.email);
      if (other) throw conflict(`email: there is already an account with the e-mail ${body.email}.`);
    }
    if (body.dwellingIds !== undefined || body.organisationId !== undefined)
      await this.checkLinks(body.dwellingIds ?? [], body.organisationId ?? null);
    const authzChanged =
      roles !== undefined || body.dwellingIds !== undefined || body.organisationId !== undefined;
    await this.db.transaction().execute(async (trx) => {
      await updateUser(
        trx,
        id,
        {
          ...(body.name !== undefined ? { name: body.name.trim() } : {}),
          ...(body.email !== undefined ? { email: body.email.trim(), email_key: emailKey(body.email) } : {}),
          ...(body.language !== undefined ? { language: body.language } : {}),
          ...(body.organisationId !== undefined ? { organisation_id: body.organisationId } : {}),
          ...(body.active !== undefined ? { active: body.active ? 1 : 0 } : {}),
        },
        now,
        { authzChanged },
      );
      if (roles) await setUserRoles(trx, id, roles);
      if (body.dwellingIds) await setUserDwellings(trx, id, body.dwellingIds);
    });
    const after = await this.get(id);
    const target = { type: 'user', id };
    if (roles && (roles.length !== before.roles.length || roles.some((r) => !before.roles.includes(r))))
      await this.audit.record({
        ...by,
        action: 'user.roles_changed',
        target,
        detail: { from: before.roles, to: after.roles },
      });
    const changed = Object.keys(body).filter((k) => k !== 'roles' && k !== 'active');
    if (changed.length > 0)
      await this.audit.record({
        ...by,
        action: 'user.updated',
        target,
        detail: Object.fromEntries(changed.map((k) => [k, (body as Record<string, unknown>)[k]])),
      });
    if (body.active !== undefined && body.active !== before.active) {
      await this.audit.record({ ...by, action: body.active ? 'user.activated' : 'user.deactivated', target });
      if (!body.active) await this.sessions.revokeUser(id, 'deactivated');
    }
    return after;
  }

  async revokeSessions(id: number, by: By): Promise<void> {
    await this.get(id);
    await this.sessions.revokeUser(id, 'revoked by an admin', by);
  }

  // Passwords.

  /** A person changes their own password; their other sessions end. */
  async changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<void> {
    if (principal.kind !== 'user') throw forbidden('Only people have passwords.');
    const user = await findUserById(this.db, principal.id);
    if (!user) throw notFound(`There is no user ${principal.id}.`);
    if (!(await this.sessions.checkCurrentPassword(user.id, currentPassword, client)))
      throw badRequest('currentPassword: this is not your current password.', {
        errors: [{ where: 'currentPassword', message: 'is not your current password' }],
      });
    if (currentPassword === newPassword)
      throw badRequest('newPassword: choose a password different from the current one.');
    checkPassword(newPassword, user.email, 'newPassword');
    await this.setPasswordHash(user.id, await hashPassword(newPassword));
    await this.sessions.revokeUser(user.id, 'password changed', undefined, principal.sessionId);
    await this.audit.record({
      actor: principal,
      ip: client.ip,
      action: 'auth.password_changed',
      target: { type: 'user', id: user.id },
    });
  }

  private async setPasswordHash(userId: number, hash: string): Promise<void> {
    const now = this.clock.now();
    await updateUser(this.db, userId, { password_hash: hash, password_changed_at: now }, now);
    await expirePasswordTokens(this.db, userId, now);
  }

  /** Sends a reset link when the e-mail has an active account; says nothing either way. */
  async requestPasswordReset(email: string, client: ClientInfo): Promise<void> {
    const now = this.clock.now();
    const user = await findUserByEmail(this.db, email);
    const known = user !== undefined && user.active === 1;
    const throttled =
      known && (await countPasswordTokensSince(this.db, user.id, now - HOUR_MS)) >= RESETS_PER_HOUR;
    await this.audit.record({
      action: 'auth.password_reset_requested',
      ip: client.ip,
      target: user ? { type: 'user', id: user.id } : undefined,
      detail: { email, sent: known && !throttled },
    });
    if (!known || throttled) return;
    const token = await this.newPasswordToken(user.id, 'reset', now + this.options.passwordResetTtlS * 1000);
    await this.mail.send(user.email, 'password-reset', user.language as Language, {
      name: user.name,
      link: this.link(token),
      minutes: Math.round(this.options.passwordResetTtlS / 60),
    });
  }

  /** Sends the link with which a new account sets its first password. */
  async sendInvite(userId: number): Promise<void> {
    const user = await findUserById(this.db, userId);
    if (!user) throw notFound(`There is no user ${userId}.`);
    const now = this.clock.now();
    const token = await this.newPasswordToken(
      user.id,
      'invite',
      now + this.options.inviteTtlDays * 86_400_000,
    );
    await this.mail.send(user.email, 'invite', user.language as Language, {
      name: user.name,
      link: this.link(token),
      url: this.options.publicUrl,
      days: this.options.inviteTtlDays,
    });
  }

  private link(token: string): string {
    return `${this.options.publicUrl}/set-password?token=${encodeURIComponent(token)}`;
  }

  private async newPasswordToken(
    userId: number,
    purpose: 'reset' | 'invite',
    expiresAt: number,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await insertPasswordToken(this.db, {
      user_id: userId,
      purpose,
      token_hash: sha256(token),
      created_at: this.clock.now(),
      expires_at: expiresAt,
    });
    return token;
  }

  /** The row and user of a password link that can still be used; a 400 naming the token otherwise. */
  private async usablePasswordToken(token: string, now: number) {
    const row = await findPasswordToken(this.db, sha256(token));
    const user = row ? await findUserById(this.db, row.user_id) : undefined;
    if (!row || !user || row.used_at !== null || row.expires_at <= now || user.active !== 1)
      throw badRequest(
        'token: this link is not valid any more (already used, expired, or mistyped); ask for a new one.',
      );
    return { row, user };
  }

  /** Whether an e-mailed link can still set a password (a 400 when not); spends nothing. */
  async checkPasswordToken(token: string): Promise<void> {
    await this.usablePasswordToken(token, this.clock.now());
  }

  /** Sets a password from an e-mailed link (reset, or the first one); the link is then spent and every session ends. */
  async confirmPasswordReset(token: string, newPassword: string, client: ClientInfo): Promise<void> {
    const now = this.clock.now();
    const { row, user } = await this.usablePasswordToken(token, now);
    const invalid = badRequest(
      'token: this link is not valid any more (already used, expired, or mistyped); ask for a new one.',
    );
    checkPassword(newPassword, user.email, 'newPassword');
    const hash = await hashPassword(newPassword);
    if (!(await usePasswordToken(this.db, row.id, now))) throw invalid;
    await this.setPasswordHash(user.id, hash);
    await this.sessions.revokeUser(user.id, 'password reset');
    await this.sessions.unlock(user.email);
    await this.audit.record({
      actor: { kind: 'user', id: user.id, name: user.name },
      ip: client.ip,
      action: row.purpose === 'invite' ? 'auth.password_set' : 'auth.password_reset',
      target: { type: 'user', id: user.id },
    });
  }

  /** Sets a password from the command line (a random one when none is given) and returns it. */
  async setPassword(email: string, password: string | undefined, by: By = BY_SYSTEM): Promise<string> {
    const user = await findUserByEmail(this.db, email);
    if (!user) throw notFound(`There is no account with the e-mail ${email}.`);
    const chosen = password ?? randomPassword();
    checkPassword(chosen, user.email, 'password');
    await this.setPasswordHash(user.id, await hashPassword(chosen));
    await this.sessions.revokeUser(user.id, 'password set by an administrator');
    await this.sessions.unlock(user.email);
    await this.audit.record({ ...by, action: 'auth.password_set', target: { type: 'user', id: user.id } });
    return chosen;
  }

  /**
   * On a database without accounts, creates the first admin: from CIOP_ADMIN_EMAIL and
   * CIOP_ADMIN_PASSWORD when set, otherwise `admin@localhost` with a random password, which is
   * returned so that it can be shown once. Undefined when there were accounts already (or
   * another replica created the admin first).
   */
  async ensureFirstAdmin(config: {
    adminEmail?: string;
    adminPassword?: string;
  }): Promise<{ email: string; password?: string } | undefined> {
    if ((await countUsers(this.db)) > 0) return undefined;
    const email = config.adminEmail ?? 'admin@localhost';
    const generated = config.adminPassword === undefined ? randomPassword() : undefined;
    try {
      await this.create(
        { email, name: 'Administrator', roles: ['admin'], password: config.adminPassword ?? generated },
        BY_SYSTEM,
      );
    } catch (error) {
      if ((error as { status?: number }).status === 409) return undefined;
      if ((error as { status?: number }).status === 400)
        throw new Error(`CIOP_ADMIN_PASSWORD is not accepted: ${(error as Error).message}`, { cause: error });
      throw error;
    }
    return { email, password: generated };
  }

  // Organisations.

  async listOrganisations(): Promise<Organisation[]> {
    return listOrganisations(this.db);
  }

  async createOrganisation(body: { name: string; buildingIds?: number[] }, by: By): Promise<Organisation> {
    if (await findOrganisationByName(this.db, body.name))
      throw conflict(`name: there is already an organisation called ${body.name}.`);
    const buildingIds = body.buildingIds ?? [];
    await this.checkBuildings(buildingIds);
    const now = this.clock.now();
    const id = await this.db.transaction().execute(async (trx) => {
      const orgId = await insertOrganisation(trx, body.name, now);
      await setOrganisationBuildings(trx, orgId, buildingIds);
      return orgId;
    });
    await this.audit.record({
      ...by,
      action: 'organisation.created',
      target: { type: 'organisation', id },
      detail: { name: body.name, buildingIds },
    });
    return (await listOrganisations(this.db, [id]))[0];
  }

  async updateOrganisation(
    id: number,
    body: { name?: string; buildingIds?: number[] },
    by: By,
  ): Promise<Organisation> {
    const [before] = await listOrganisations(this.db, [id]);
    if (!before) throw notFound(`There is no organisation ${id}.`);
    if (body.buildingIds) await this.checkBuildings(body.buildingIds);
    if (body.name !== undefined) {
      const other = await findOrganisationByName(this.db, body.name);
      if (other && other.id !== id)
        throw conflict(`name: there is already an organisation called ${body.name}.`);
    }
    const now = this.clock.now();
    await this.db.transaction().execute(async (trx) => {
      if (body.name !== undefined) await renameOrganisation(trx, id, body.name, now);
      if (body.buildingIds) await setOrganisationBuildings(trx, id, body.buildingIds);
    });
    await this.audit.record({
      ...by,
      action: 'organisation.updated',
      target: { type: 'organisation', id },
      detail: { ...body, buildingsBefore: before.buildingIds },
    });
    return (await listOrganisations(this.db, [id]))[0];
  }

  private async checkBuildings(ids: readonly number[]): Promise<void> {
    const found = await existingIds(this.db, 'building', ids);
    const missing = ids.filter((b) => !found.has(b));
    if (missing.length > 0) throw badRequest(`buildingIds: there is no building ${missing.join(', ')}.`);
  }
}
