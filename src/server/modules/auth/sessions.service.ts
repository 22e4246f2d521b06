import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Role } from '#common/api/access.ts';
import type { AccessGrant, AuthUser, Language } from '#common/api/auth.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { forbidden, HttpProblem, notFound, unauthorized } from '../../plugins/errors.ts';
import { AccessTokenError, type AccessTokens } from './access-tokens.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import { authzOfUsers, findUserById, findUserByEmail, emailKey, updateUser } from './accounts.store.ts';
import type { By } from '../../audit/by.ts';
import type { Clock } from '../../clock.ts';
import { hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import {
  clearKey,
  countFailure,
  findRefreshToken,
  insertRefreshToken,
  insertSession,
  lockKey,
  purgeSessions,
  purgeThrottle,
  revokeSession,
  revokeUserSessions,
  sessionState,
  throttleState,
  touchSession,
  useRefreshToken,
} from './sessions.store.ts';
import { DAY_MS } from '#common/time.ts';

const PURGE_EVERY_MS = 3_600_000;

export interface SessionOptions {
  sessionIdleDays: number;
  sessionMaxDays: number;
  loginMaxFailures: number;
  loginMaxFailuresPerAddress: number;
  loginLockoutS: number;
}

/** Where a request comes from, kept with the session and in the audit log. */
export interface ClientInfo {
  ip: string;
  userAgent?: string;
}

/** What a login or refresh gives: the body, and the cookies' values. */
export interface SessionGrant {
  grant: AccessGrant;
  refreshToken: string;
  csrfToken: string;
  /** Lifetime of the refresh cookie, s. */
  refreshMaxAgeS: number;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const newSecret = () => randomBytes(32).toString('base64url');

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/** Permissions of a user as last read, valid while their `authz_version` stays the same. */
interface CachedAuthz {
  version: number;
  roles: Role[];
  dwellingIds: number[];
  buildingIds: number[];
}

/**
 * Logins, sessions and the requests made with their access tokens.
 *
 * A login starts a session: a short-lived access token (JWT) and a refresh token that is
 * replaced at every use. The refresh tokens of a session form a family: presenting one that was
 * already used means it was copied, so the whole session ends. Every request with an access
 * token reads its session and user (one indexed query), so logout, revocation, deactivation and
 * role changes take effect at once, on every replica.
 */
export class SessionsService {
  private readonly authz = new Map<number, CachedAuthz>();
  private lastPurge = -Infinity;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly tokens: AccessTokens,
    private readonly options: SessionOptions,
  ) {}

  // Logging in.

  async login(email: string, password: string, client: ClientInfo): Promise<SessionGrant> {
    const now = this.clock.now();
    const accountKey = `account:${emailKey(email)}`;
    const addressKey = `address:${client.ip}`;
    const locks = await this.refuseIfLocked([accountKey, addressKey], now, email, client);

    const user = await findUserByEmail(this.db, email);
    const ok = await verifyPassword(user?.password_hash, password);
    if (!user || !ok || user.active !== 1) {
      const reason = !user
        ? 'unknown_email'
        : !user.password_hash
          ? 'no_password'
          : !ok
            ? 'wrong_password'
            : 'inactive';
      await this.countFailure(accountKey, addressKey, now);
      await this.audit.record({
        action: 'auth.login_failed',
        target: user ? { type: 'user', id: user.id } : undefined,
        ip: client.ip,
        detail: { email, reason },
      });
      if (reason === 'inactive') throw unauthorized('This account is deactivated; ask an administrator.');
      throw unauthorized('The e-mail or the password is wrong.');
    }
    const rehashed = needsRehash(user.password_hash!) ? await hashPassword(password) : undefined;
    // One transaction: one durable write per login.
    const session = await this.db.transaction().execute(async (trx) => {
      if (locks.some((r) => r.key === accountKey)) await clearKey(trx, accountKey);
      await updateUser(
        trx,
        user.id,
        { last_login_at: now, ...(rehashed ? { password_hash: rehashed } : {}) },
        now,
      );
      const started = await this.startSession(trx, user.id, client, now);
      await this.audit.record(
        {
          action: 'auth.login',
          actor: { kind: 'user', id: user.id, name: user.name },
          target: { type: 'session', id: started.sessionId },
          ip: client.ip,
        },
        trx,
      );
      return started;
    });
    await this.purgeNowAndThen(now);
    return this.grant(user.id, session.sessionId, session.refreshToken, session.csrfToken);
  }

  /** Refuses (429) when a key is locked; returns the keys' counts otherwise. */
  private async refuseIfLocked(keys: string[], now: number, email: string, client: ClientInfo) {
    const rows = await throttleState(this.db, keys);
    const locked = rows.filter((r) => r.locked_until !== null && r.locked_until > now);
    if (locked.length === 0) return rows;
    const until = Math.max(...locked.map((r) => r.locked_until!));
    const seconds = Math.ceil((until - now) / 1000);
    const byAccount = locked.some((r) => r.key.startsWith('account:'));
    await this.audit.record({
      action: 'auth.login_failed',
      ip: client.ip,
      detail: { email, reason: byAccount ? 'account_locked' : 'address_locked' },
    });
    throw new HttpProblem(
      429,
      `Too many failed logins ${byAccount ? 'for this account' : 'from your address'}: try again in ${Math.ceil(seconds / 60)} minute(s), or reset the password.`,
      { retryAfterS: seconds },
      { 'retry-after': String(seconds) },
    );
  }

  private async countFailure(accountKey: string, addressKey: string, now: number): Promise<void> {
    const windowMs = this.options.loginLockoutS * 1000;
    const until = now + windowMs;
    if ((await countFailure(this.db, accountKey, now, windowMs)) >= this.options.loginMaxFailures)
      await lockKey(this.db, accountKey, until, now);
    if ((await countFailure(this.db, addressKey, now, windowMs)) >= this.options.loginMaxFailuresPerAddress)
      await lockKey(this.db, addressKey, until, now);
  }

  /**
   * Checks a person's current password outside a login (password change): a wrong one counts
   * as a failed login, so a stolen access token cannot be used to guess it.
   */
  async checkCurrentPassword(userId: number, password: string, client: ClientInfo): Promise<boolean> {
    const now = this.clock.now();
    const user = await findUserById(this.db, userId);
    if (!user) throw notFound(`There is no user ${userId}.`);
    const accountKey = `account:${user.email_key}`;
    const addressKey = `address:${client.ip}`;
    await this.refuseIfLocked([accountKey, addressKey], now, user.email, client);
    const ok = await verifyPassword(user.password_hash, password);
    if (!ok) await this.countFailure(accountKey, addressKey, now);
    return ok;
  }

  /** Lifts the lock-out of an account (its password was reset). */
  async unlock(email: string): Promise<void> {
    await clearKey(this.db, `account:${emailKey(email)}`);
  }

  private async startSession(db: Kysely<Database>, userId: number, client: ClientInfo, now: number) {
    const csrfToken = newSecret();
    const refreshToken = newSecret();
    const sessionId = await insertSession(db, {
      user_id: userId,
      csrf_hash: sha256(csrfToken),
      created_at: now,
      last_used_at: now,
      expires_at: now + this.options.sessionMaxDays * DAY_MS,
      ip: client.ip,
      user_agent: (client.userAgent ?? '').slice(0, 300),
    });
    await insertRefreshToken(db, {
      session_id: sessionId,
      token_hash: sha256(refreshToken),
      created_at: now,
      expires_at: now + this.options.sessionIdleDays * DAY_MS,
    });
    return { sessionId, refreshToken, csrfToken };
  }

  private async grant(
    userId: number,
    sessionId: number,
    refreshToken: string,
    csrfToken: string,
  ): Promise<SessionGrant> {
    return {
      grant: {
        accessToken: await this.tokens.sign({ userId, sessionId }),
        tokenType: 'Bearer',
        expiresIn: this.tokens.lifetimeS,
        user: await this.user(userId),
      },
      refreshToken,
      csrfToken,
      refreshMaxAgeS: this.options.sessionIdleDays * 86_400,
    };
  }

  private async purgeNowAndThen(now: number): Promise<void> {
    if (now - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = now;
    // Ended sessions are kept a while so that a replayed refresh token is still recognised.
    await purgeSessions(this.db, now - this.options.sessionIdleDays * DAY_MS);
    await purgeThrottle(this.db, now - this.options.loginLockoutS * 1000);
  }

  // The refresh cookie.

  /**
   * Exchanges a refresh token for a new access token and a new refresh token. The CSRF token
   * must come twice (cookie and header) and belong to the session. A refresh token used before
   * ends its session.
   */
  async refresh(
    refreshToken: string | undefined,
    csrf: { cookie?: string; header?: string },
    client: ClientInfo,
  ): Promise<SessionGrant> {
    const now = this.clock.now();
    if (!refreshToken) throw unauthorized('There is no session cookie: log in.');
    const row = await findRefreshToken(this.db, sha256(refreshToken));
    if (!row) throw unauthorized('The session is not valid: log in again.');
    this.checkCsrf(csrf, row.csrfHash);
    if (row.usedAt !== null || !(await useRefreshToken(this.db, row.id, now))) {
      if (await revokeSession(this.db, row.sessionId, 'refresh token replayed', now)) {
        await this.audit.record({
          action: 'auth.refresh_replayed',
          target: { type: 'session', id: row.sessionId },
          ip: client.ip,
          detail: { userId: row.userId, sessionRevoked: true },
        });
      }
      throw unauthorized(
        'This session token was already used, so the session was ended for safety: log in again.',
      );
    }
    if (row.sessionRevokedAt !== null) throw unauthorized('This session has ended: log in again.');
    if (row.expiresAt <= now || row.sessionExpiresAt <= now)
      throw unauthorized('This session has expired: log in again.');
    const user = await findUserById(this.db, row.userId);
    if (!user || user.active !== 1) throw unauthorized('This account is deactivated; ask an administrator.');
    const next = newSecret();
    await insertRefreshToken(this.db, {
      session_id: row.sessionId,
      token_hash: sha256(next),
      created_at: now,
      expires_at: Math.min(now + this.options.sessionIdleDays * DAY_MS, row.sessionExpiresAt),
    });
    await touchSession(this.db, row.sessionId, now);
    return this.grant(row.userId, row.sessionId, next, csrf.cookie!);
  }

  /**
   * Whether `csrfToken`, a `ciop_csrf` cookie, is that of session `sessionId`, and the session is
   * still open: a browser's plain navigation (a download) carries this cookie but no access token.
   */
  async isOpenSession(sessionId: number, csrfToken: string | undefined): Promise<boolean> {
    if (!csrfToken) return false;
    const state = await sessionState(this.db, sessionId);
    return (
      state !== undefined &&
      sameSecret(sha256(csrfToken), state.csrfHash) &&
      state.revokedAt === null &&
      state.expiresAt > this.clock.now() &&
      state.active === 1
    );
  }

  private checkCsrf(csrf: { cookie?: string; header?: string }, csrfHash: string): void {
    if (
      !csrf.header ||
      !csrf.cookie ||
      !sameSecret(csrf.header, csrf.cookie) ||
      !sameSecret(sha256(csrf.header), csrfHash)
    )
      throw forbidden('The X-CSRF-Token header must repeat the ciop_csrf cookie of this session.');
  }

  /** Ends the session of the refresh cookie (CSRF-checked), or of the access token. */
  async logout(
    refreshToken: string | undefined,
    csrf: { cookie?: string; header?: string },
    principal: Principal | undefined,
    client: ClientInfo,
  ): Promise<void> {
    const now = this.clock.now();
    let sessionId: number | undefined;
    let userId: number | undefined;
    if (refreshToken) {
      const row = await findRefreshToken(this.db, sha256(refreshToken));
      if (row) {
        this.checkCsrf(csrf, row.csrfHash);
        sessionId = row.sessionId;
        userId = row.userId;
      }
    }
    if (sessionId === undefined && principal?.kind === 'user' && principal.sessionId !== undefined) {
      sessionId = principal.sessionId;
      userId = principal.id;
    }
    if (sessionId === undefined) return;
    if (await revokeSession(this.db, sessionId, 'logout', now)) {
      await this.audit.record({
        action: 'auth.logout',
        actor: principal ?? { kind: 'user', id: userId, name: `user ${userId}` },
        target: { type: 'session', id: sessionId },
        ip: client.ip,
      });
    }
  }

  /** Ends every session of a user (but `exceptSessionId`): their access tokens stop working at once. */
  async revokeUser(userId: number, reason: string, by?: By, exceptSessionId?: number): Promise<number> {
    const n = await revokeUserSessions(this.db, userId, reason, this.clock.now(), exceptSessionId);
    if (by)
      await this.audit.record({
        ...by,
        action: 'user.sessions_revoked',
        target: { type: 'user', id: userId },
        detail: { sessions: n, reason },
      });
    return n;
  }

  // Requests with an access token.

  /** The person an access token speaks for, as they are now; 401 with the reason when it is not valid. */
  async authenticate(accessToken: string): Promise<Principal> {
    let claims;
    try {
      claims = await this.tokens.verify(accessToken);
    } catch (error) {
      if (error instanceof AccessTokenError) throw unauthorized(error.message);
      throw error;
    }
    const state = await sessionState(this.db, claims.sessionId);
    if (!state || state.userId !== claims.userId)
      throw unauthorized('The session of this access token no longer exists: log in again.');
    if (state.revokedAt !== null)
      throw unauthorized('The session of this access token has ended: log in again.');
    if (state.expiresAt <= this.clock.now())
      throw unauthorized('The session of this access token has expired: log in again.');
    if (state.active !== 1) throw unauthorized('This account is deactivated; ask an administrator.');
    let authz = this.authz.get(state.userId);
    if (!authz || authz.version !== state.authzVersion) {
      const loaded = (
        await authzOfUsers(this.db, [{ id: state.userId, organisation_id: state.organisationId }])
      ).get(state.userId)!;
      authz = { version: state.authzVersion, ...loaded, roles: loaded.roles as Role[] };
      if (this.authz.size > 10_000) this.authz.clear();
      this.authz.set(state.userId, authz);
    }
    return {
      kind: 'user',
      id: state.userId,
      name: state.name,
      roles: authz.roles,
      scopes: [],
      dwellingIds: authz.dwellingIds,
      buildingIds: authz.buildingIds,
      gatewayIds: [],
      sessionId: claims.sessionId,
    };
  }

  /** A user as the web sees them. */
  async user(userId: number): Promise<AuthUser> {
    const user = await findUserById(this.db, userId);
    if (!user) throw notFound(`There is no user ${userId}.`);
    const authz = (await authzOfUsers(this.db, [user])).get(user.id)!;
    return {
      id: user.id,
      name: user.name,
      email: user.email,
      language: user.language as Language,
      roles: authz.roles as Role[],
      dwellingIds: authz.dwellingIds,
      buildingIds: authz.buildingIds,
    };
  }
}
