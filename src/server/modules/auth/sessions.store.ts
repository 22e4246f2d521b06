import { type Kysely, sql, type Transaction } from 'kysely';
import type { AuthSessionTable, Database } from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertSession(
  db: Db,
  s: Omit<AuthSessionTable, 'id' | 'revoked_at' | 'revoked_reason'>,
): Promise<number> {
  const row = await db.insertInto('auth_session').values(s).returning('id').executeTakeFirstOrThrow();
  return row.id;
}

export async function insertRefreshToken(
  db: Db,
  t: { session_id: number; token_hash: string; created_at: number; expires_at: number },
): Promise<void> {
  await db.insertInto('refresh_token').values(t).execute();
}

/** A refresh token with the state of its session (family). */
export async function findRefreshToken(db: Db, tokenHash: string) {
  return db
    .selectFrom('refresh_token')
    .innerJoin('auth_session', 'auth_session.id', 'refresh_token.session_id')
    .select([
      'refresh_token.id as id',
      'refresh_token.used_at as usedAt',
      'refresh_token.expires_at as expiresAt',
      'auth_session.id as sessionId',
      'auth_session.user_id as userId',
      'auth_session.csrf_hash as csrfHash',
      'auth_session.revoked_at as sessionRevokedAt',
      'auth_session.expires_at as sessionExpiresAt',
    ])
    .where('refresh_token.token_hash', '=', tokenHash)
    .executeTakeFirst();
}

/** Marks a refresh token used; false when someone used it first (then it is a replay). */
export async function useRefreshToken(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('refresh_token')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function touchSession(db: Db, id: number, now: number): Promise<void> {
  await db.updateTable('auth_session').set({ last_used_at: now }).where('id', '=', id).execute();
}

export async function revokeSession(db: Db, id: number, reason: string, now: number): Promise<boolean> {
  const result = await db
    .updateTable('auth_session')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Ends every open session of a user (but `exceptId`); returns how many. */
export async function revokeUserSessions(
  db: Db,
  userId: number,
  reason: string,
  now: number,
  exceptId?: number,
): Promise<number> {
  let q = db
    .updateTable('auth_session')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now);
  if (exceptId !== undefined) q = q.where('id', '<>', exceptId);
  const result = await q.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Ends every open session of every user (after a suspected leak). */
export async function revokeAllSessions(db: Db, reason: string, now: number): Promise<number> {
  const result = await db
    .updateTable('auth_session')
    .set({ revoked_at: now, revoked_reason: reason })
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** What an access token's session and user are now: checked on every request. */
export async function sessionState(db: Db, sessionId: number) {
  return db
    .selectFrom('auth_session')
    .innerJoin('app_user', 'app_user.id', 'auth_session.user_id')
    .select([
      'auth_session.user_id as userId',
      'auth_session.revoked_at as revokedAt',
      'auth_session.expires_at as expiresAt',
      'auth_session.csrf_hash as csrfHash',
      'app_user.name as name',
      'app_user.active as active',
      'app_user.authz_version as authzVersion',
      'app_user.organisation_id as organisationId',
    ])
    .where('auth_session.id', '=', sessionId)
    .executeTakeFirst();
}

/** Forgets sessions (and their refresh tokens) that ended before `before`. */
export async function purgeSessions(db: Db, before: number): Promise<void> {
  await db
    .deleteFrom('auth_session')
    .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
    .execute();
}

// Failed logins, per account and per address.

export async function throttleState(db: Db, keys: readonly string[]) {
  return db
    .selectFrom('login_throttle')
    .selectAll()
    .where('key', 'in', [...keys])
    .execute();
}

/**
 * Counts one failure against `key` in one statement (so concurrent failures on several
 * replicas all count): a new window starts when the last one is older than `windowMs`.
 * Returns the failures in the current window.
 */
export async function countFailure(db: Db, key: string, now: number, windowMs: number): Promise<number> {
  const stale = now - windowMs;
  const row = await db
    .insertInto('login_throttle')
    .values({ key, failures: 1, window_start: now, locked_until: null, updated_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`case when login_throttle.window_start <= ${stale} then 1 else login_throttle.failures + 1 end`,
        window_start: sql<number>`case when login_throttle.window_start <= ${stale} then ${now} else login_throttle.window_start end`,
        updated_at: now,
      }),
    )
    .returning('failures')
    .executeTakeFirstOrThrow();
  return Number(row.failures);
}

/** Locks a key until `until`; its count starts again. */
export async function lockKey(db: Db, key: string, until: number, now: number): Promise<void> {
  await db
    .updateTable('login_throttle')
    .set({ locked_until: until, failures: 0, window_start: now, updated_at: now })
    .where('key', '=', key)
    .execute();
}

export async function clearKey(db: Db, key: string): Promise<void> {
  await db.deleteFrom('login_throttle').where('key', '=', key).execute();
}

export async function purgeThrottle(db: Db, before: number): Promise<void> {
  await db
    .deleteFrom('login_throttle')
    .where('updated_at', '<', before)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', before)]))
    .execute();
}
