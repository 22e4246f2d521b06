import { type Kysely, type Transaction, type Updateable } from 'kysely';
import type { Database, MediumTable } from '../../db/schema.ts';

import type { PageRequest } from './registry-query.ts';

type Db = Kysely<Database> | Transaction<Database>;

// --- Media ------------------------------------------------------------------------------------

export async function listMedia(db: Db, page: PageRequest<string>): Promise<MediumTable[]> {
  let q = db.selectFrom('medium').selectAll();
  if (page.after !== undefined) q = q.where('name', '>', page.after);
  return q.orderBy('name').limit(page.limit).execute();
}

export async function findMedium(db: Db, name: string): Promise<MediumTable | undefined> {
  return db.selectFrom('medium').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertMedium(db: Db, m: MediumTable): Promise<void> {
  await db.insertInto('medium').values(m).execute();
}

/**
 * Changes a medium. A new unit reaches the sensors that had the old one (their readings were
 * in the medium's unit); a sensor given its own unit keeps it.
 */
export async function updateMedium(
  db: Db,
  name: string,
  values: Updateable<MediumTable>,
  previousUnit: string,
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await db.updateTable('medium').set(values).where('name', '=', name).execute();
  if (values.unit !== undefined && values.unit !== previousUnit)
    await db
      .updateTable('sensor')
      .set({ unit: values.unit })
      .where('medium', '=', name)
      .where('unit', '=', previousUnit)
      .execute();
}

/** Sensors of a medium, and how many of them have stored readings. */
export async function countSensorsOfMedium(
  db: Db,
  name: string,
): Promise<{ sensors: number; withReadings: number }> {
  const r = await db
    .selectFrom('sensor')
    .leftJoin('series', 'series.sensor_id', 'sensor.id')
    .select((eb) => [
      eb.fn.countAll<number>().as('sensors'),
      eb.fn.count<number>('series.id').as('withReadings'),
    ])
    .where('sensor.medium', '=', name)
    .executeTakeFirstOrThrow();
  return { sensors: Number(r.sensors), withReadings: Number(r.withReadings) };
}

export async function deleteMedium(db: Db, name: string): Promise<boolean> {
  const r = await db.deleteFrom('medium').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
