import { type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Database, FeatureDefinitionTable } from '../../db/schema.ts';

import type { PageRequest } from './registry-query.ts';

type Db = Kysely<Database> | Transaction<Database>;

// --- Feature definitions ----------------------------------------------------------------------

export async function listFeatureDefinitions(
  db: Db,
  page: PageRequest<string>,
): Promise<FeatureDefinitionTable[]> {
  let q = db.selectFrom('feature_definition').selectAll();
  if (page.after !== undefined) q = q.where('key', '>', page.after);
  return q.orderBy('key').limit(page.limit).execute();
}

/** Definitions of the given keys, for validating a building's features. */
export async function findFeatureDefinitions(
  db: Db,
  keys: readonly string[],
): Promise<FeatureDefinitionTable[]> {
  if (keys.length === 0) return [];
  return db.selectFrom('feature_definition').selectAll().where('key', 'in', keys).execute();
}

export async function insertFeatureDefinition(db: Db, f: FeatureDefinitionTable): Promise<void> {
  await db.insertInto('feature_definition').values(f).execute();
}

export async function updateFeatureDefinition(
  db: Db,
  key: string,
  values: Updateable<FeatureDefinitionTable>,
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await db.updateTable('feature_definition').set(values).where('key', '=', key).execute();
}

export async function deleteFeatureDefinition(db: Db, key: string): Promise<boolean> {
  const r = await db.deleteFrom('feature_definition').where('key', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
