import { type Kysely, sql, type Transaction } from 'kysely';
import type { AppUserTable, Database, PasswordTokenTable } from '../../db/schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type UserRow = Omit<AppUserTable, 'id' | 'authz_version'> & { id: number; authz_version: number };

/** The key an e-mail is unique by: trimmed and lower-cased. */
export const emailKey = (email: string) => email.trim().toLowerCase();

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('app_user').selectAll().where('email_key', '=', emailKey(email)).executeTakeFirst();
}

export async function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('app_user').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('app_user')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function insertUser(
  db: Db,
  u: Pick<AppUserTable, 'email' | 'name' | 'language' | 'password_hash' | 'organisation_id'>,
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('app_user')
    .values({
      ...u,
      email: u.email.trim(),
      email_key: emailKey(u.email),
      active: 1,
      password_changed_at: u.password_hash ? now : null,
      last_login_at: null,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateUser(
  db: Db,
  id: number,
  patch: Partial<
    Pick<
      AppUserTable,
      'email' | 'email_key' | 'name' | 'language' | 'active' | 'organisation_id' | 'password_hash'
    >
  > & {
    password_changed_at?: number;
    last_login_at?: number;
  },
  now: number,
  options: { authzChanged?: boolean } = {},
): Promise<void> {
  await db
    .updateTable('app_user')
    .set({
      ...patch,
      updated_at: now,
      ...(options.authzChanged ? { authz_version: sql<number>`authz_version + 1` } : {}),
    })
    .where('id', '=', id)
    .execute();
}

export async function setUserRoles(db: Db, userId: number, roles: readonly string[]): Promise<void> {
  await db.deleteFrom('user_role').where('user_id', '=', userId).execute();
  if (roles.length > 0)
    await db
      .insertInto('user_role')
      .values(roles.map((role) => ({ user_id: userId, role })))
      .execute();
}

export async function setUserDwellings(
  db: Db,
  userId: number,
  dwellingIds: readonly number[],
): Promise<void> {
  await db.deleteFrom('user_dwelling').where('user_id', '=', userId).execute();
  if (dwellingIds.length > 0)
    await db
      .insertInto('user_dwelling')
      .values(dwellingIds.map((dwelling_id) => ({ user_id: userId, dwelling_id })))
      .execute();
}

/** What a set of users may do: their roles, dwellings and organisation's buildings, by user id. */
export async function authzOfUsers(
  db: Db,
  users: readonly { id: number; organisation_id: number | null }[],
): Promise<Map<number, { roles: string[]; dwellingIds: number[]; buildingIds: number[] }>> {
  const out = new Map(
    users.map((u) => [
      u.id,
      { roles: [] as string[], dwellingIds: [] as number[], buildingIds: [] as number[] },
    ]),
  );
  if (users.length === 0) return out;
  const ids = users.map((u) => u.id);
  const orgIds = [...new Set(users.map((u) => u.organisation_id).filter((o): o is number => o !== null))];
  const [roles, dwellings, buildings] = await Promise.all([
    db
      .selectFrom('user_role')
      .select(['user_id', 'role'])
      .where('user_id', 'in', ids)
      .orderBy('role')
      .execute(),
    db
      .selectFrom('user_dwelling')
      .select(['user_id', 'dwelling_id'])
      .where('user_id', 'in', ids)
      .orderBy('dwelling_id')
      .execute(),
    orgIds.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('organisation_building')
          .select(['organisation_id', 'building_id'])
          .where('organisation_id', 'in', orgIds)
          .orderBy('building_id')
          .execute(),
  ]);
  for (const r of roles) out.get(r.user_id)!.roles.push(r.role);
  for (const d of dwellings) out.get(d.user_id)!.dwellingIds.push(d.dwelling_id);
  const byOrg = new Map<number, number[]>();
  for (const b of buildings) {
    if (!byOrg.has(b.organisation_id)) byOrg.set(b.organisation_id, []);
    byOrg.get(b.organisation_id)!.push(b.building_id);
  }
  for (const u of users)
    if (u.organisation_id !== null) out.get(u.id)!.buildingIds = byOrg.get(u.organisation_id) ?? [];
  return out;
}

export interface UserFilter {
  role?: string;
  active?: boolean;
  q?: string;
  dwellingId?: number;
  organisationId?: number;
  beforeId?: number;
  limit: number;
}

/** Users newest first, filtered in the query. */
export async function listUsers(db: Db, f: UserFilter): Promise<UserRow[]> {
  let q = db.selectFrom('app_user').selectAll('app_user');
  if (f.role !== undefined) {
    const role = f.role;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('user_role')
          .select('user_role.user_id')
          .whereRef('user_role.user_id', '=', 'app_user.id')
          .where('user_role.role', '=', role),
      ),
    );
  }
  if (f.dwellingId !== undefined) {
    const dwellingId = f.dwellingId;
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('user_dwelling')
          .select('user_dwelling.user_id')
          .whereRef('user_dwelling.user_id', '=', 'app_user.id')
          .where('user_dwelling.dwelling_id', '=', dwellingId),
      ),
    );
  }
  if (f.organisationId !== undefined) q = q.where('app_user.organisation_id', '=', f.organisationId);
  if (f.active !== undefined) q = q.where('app_user.active', '=', f.active ? 1 : 0);
  if (f.q !== undefined && f.q.trim() !== '') {
    const pattern = `%${f.q
      .trim()
      .toLowerCase()
      .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([
        eb(sql`lower(app_user.name)`, 'like', sql`${pattern} escape '\\'`),
        eb(sql`app_user.email_key`, 'like', sql`${pattern} escape '\\'`),
      ]),
    );
  }
  if (f.beforeId !== undefined) q = q.where('app_user.id', '<', f.beforeId);
  return q.orderBy('app_user.id', 'desc').limit(f.limit).execute();
}

/** Active users holding a role, other than `exceptId`. */
export async function countActiveWithRole(db: Db, role: string, exceptId?: number): Promise<number> {
  let q = db
    .selectFrom('app_user')
    .innerJoin('user_role', 'user_role.user_id', 'app_user.id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_role.role', '=', role)
    .where('app_user.active', '=', 1);
  if (exceptId !== undefined) q = q.where('app_user.id', '<>', exceptId);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** Which of `ids` exist in a table. */
export async function existingIds(
  db: Db,
  table: 'dwelling' | 'building' | 'organisation' | 'gateway',
  ids: readonly number[],
): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom(table)
    .select('id')
    .where('id', 'in', [...ids])
    .execute();
  return new Set(rows.map((r) => r.id));
}

// Organisations (ESCO companies and the buildings they look after).

export async function insertOrganisation(db: Db, name: string, now: number): Promise<number> {
  const row = await db
    .insertInto('organisation')
    .values({ name: name.trim(), name_key: emailKey(name), created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findOrganisationByName(db: Db, name: string) {
  return db.selectFrom('organisation').selectAll().where('name_key', '=', emailKey(name)).executeTakeFirst();
}

export async function renameOrganisation(db: Db, id: number, name: string, now: number): Promise<void> {
  await db
    .updateTable('organisation')
    .set({ name: name.trim(), name_key: emailKey(name), updated_at: now })
    .where('id', '=', id)
    .execute();
}

/** Replaces an organisation's buildings; its members' permissions are re-read. */
export async function setOrganisationBuildings(
  db: Db,
  id: number,
  buildingIds: readonly number[],
): Promise<void> {
  await db.deleteFrom('organisation_building').where('organisation_id', '=', id).execute();
  if (buildingIds.length > 0)
    await db
      .insertInto('organisation_building')
      .values(buildingIds.map((building_id) => ({ organisation_id: id, building_id })))
      .execute();
  await db
    .updateTable('app_user')
    .set({ authz_version: sql<number>`authz_version + 1` })
    .where('organisation_id', '=', id)
    .execute();
}

export async function listOrganisations(db: Db, ids?: readonly number[]) {
  let q = db
    .selectFrom('organisation')
    .select((eb) => [
      'organisation.id',
      'organisation.name',
      eb
        .selectFrom('app_user')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('app_user.organisation_id', '=', 'organisation.id')
        .as('members'),
    ])
    .orderBy('organisation.name');
  if (ids) q = q.where('organisation.id', 'in', [...ids]);
  const orgs = await q.execute();
  const links =
    orgs.length === 0
      ? []
      : await db
          .selectFrom('organisation_building')
          .select(['organisation_id', 'building_id'])
          .where(
            'organisation_id',
            'in',
            orgs.map((o) => o.id),
          )
          .orderBy('building_id')
          .execute();
  return orgs.map((o) => ({
    id: o.id,
    name: o.name,
    members: Number(o.members ?? 0),
    buildingIds: links.filter((l) => l.organisation_id === o.id).map((l) => l.building_id),
  }));
}

// Single-use password links.

export async function insertPasswordToken(
  db: Db,
  t: Omit<PasswordTokenTable, 'id' | 'used_at'>,
): Promise<void> {
  await db.insertInto('password_token').values(t).execute();
}

export async function findPasswordToken(db: Db, tokenHash: string) {
  return db.selectFrom('password_token').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Marks a link used; false when it already was (two clicks racing). */
export async function usePasswordToken(db: Db, id: number, now: number): Promise<boolean> {
  const result = await db
    .updateTable('password_token')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Every unused link of a user stops working (a new password was set). */
export async function expirePasswordTokens(db: Db, userId: number, now: number): Promise<void> {
  await db
    .updateTable('password_token')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .execute();
}

export async function countPasswordTokensSince(db: Db, userId: number, since: number): Promise<number> {
  const row = await db
    .selectFrom('password_token')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
