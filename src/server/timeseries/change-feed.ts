import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { RecordedChange, TimeSeriesIo } from './timeseries-io.ts';

/**
 * Hands the hours of series that compactions changed to one named consumer (a derived-data
 * job), in order, at least once: the consumer's position advances only after its handler
 * returns, so a failed run is retried. Handlers must be idempotent.
 */
export async function consumeChanges(
  db: Kysely<Database>,
  io: TimeSeriesIo,
  consumer: string,
  handle: (changes: RecordedChange[]) => Promise<void>,
  /** Compactions handed over at once; each may hold thousands of series. */
  batchSize = 20,
): Promise<number> {
  const row = await db
    .selectFrom('job_cursor')
    .select('position')
    .where('name', '=', consumer)
    .executeTakeFirst();
  let position = row?.position ?? 0;
  let total = 0;
  for (;;) {
    const changes = await io.changesSince(position, batchSize);
    if (changes.length === 0) break;
    await handle(changes);
    position = changes[changes.length - 1].id;
    total += changes.length;
    await db
      .insertInto('job_cursor')
      .values({ name: consumer, position, updated_at: Date.now() })
      .onConflict((oc) => oc.column('name').doUpdateSet({ position, updated_at: Date.now() }))
      .execute();
    if (new Set(changes.map((c) => c.id)).size < batchSize) break;
  }
  return total;
}
