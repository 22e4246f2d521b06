import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';

/** A per-instance value (secrets, generated once); `create` runs only when it is missing. */
export async function getOrCreateSetting(
  db: Kysely<Database>,
  key: string,
  create: () => string,
): Promise<{ value: string; created: boolean }> {
  const existing = await db
    .selectFrom('instance_setting')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst();
  if (existing) return { value: existing.value, created: false };
  const value = create();
  await db
    .insertInto('instance_setting')
    .values({ key, value, updated_at: Date.now() })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  // Another replica may have won the race: everyone uses the stored value.
  const stored = await db
    .selectFrom('instance_setting')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirstOrThrow();
  return { value: stored.value, created: stored.value === value };
}

export async function getSetting(db: Kysely<Database>, key: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('instance_setting')
    .select('value')
    .where('key', '=', key)
    .executeTakeFirst();
  return row?.value;
}

export async function setSetting(db: Kysely<Database>, key: string, value: string): Promise<void> {
  await db
    .insertInto('instance_setting')
    .values({ key, value, updated_at: Date.now() })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: Date.now() }))
    .execute();
}
