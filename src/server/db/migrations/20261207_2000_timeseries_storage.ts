import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

/** The change feed's first packing: per change, u32 series id, u32 first hour, u32 last hour. */
function unpackFixed(data: Uint8Array): [number, number, number][] {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: [number, number, number][] = [];
  for (let at = 0; at + 12 <= data.byteLength; at += 12) {
    out.push([view.getUint32(at, true), view.getUint32(at + 4, true), view.getUint32(at + 8, true)]);
  }
  return out;
}

/** Its packing from now on: count, then zigzag varint differences of id and first hour, varint span. */
function packVarints(changes: [number, number, number][]): Uint8Array {
  const out: number[] = [];
  const uvarint = (n: number) => {
    while (n >= 0x80) {
      out.push((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    out.push(n);
  };
  const svarint = (n: number) => uvarint(n >= 0 ? n * 2 : -n * 2 - 1);
  uvarint(changes.length);
  let id = 0;
  let hour = 0;
  for (const [seriesId, from, to] of changes) {
    svarint(seriesId - id);
    svarint(from - hour);
    uvarint(to - from);
    id = seriesId;
    hour = from;
  }
  return Uint8Array.from(out);
}

function unpackVarints(data: Uint8Array): [number, number, number][] {
  let at = 0;
  const uvarint = () => {
    let result = 0;
    for (let factor = 1; ; factor *= 0x80) {
      const b = data[at++];
      result += (b & 0x7f) * factor;
      if (b < 0x80) return result;
    }
  };
  const svarint = () => {
    const z = uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  };
  const out: [number, number, number][] = [];
  let id = 0;
  let hour = 0;
  for (let i = uvarint(); i > 0; i--) {
    id += svarint();
    hour += svarint();
    out.push([id, hour, hour + uvarint()]);
  }
  return out;
}

function packFixed(changes: [number, number, number][]): Uint8Array {
  const out = new Uint8Array(changes.length * 12);
  const view = new DataView(out.buffer);
  changes.forEach((c, i) => c.forEach((v, k) => view.setUint32(i * 12 + k * 4, v, true)));
  return out;
}

/** Packs the change feed's entries anew, a page at a time. */
async function repackChanges(db: Kysely<any>, repack: (data: Uint8Array) => Uint8Array): Promise<void> {
  for (let after = 0; ;) {
    const rows = (await db
      .selectFrom('ts_change')
      .select(['id', 'changes'])
      .where('id', '>', after)
      .orderBy('id')
      .limit(500)
      .execute()) as { id: number | string; changes: Uint8Array }[];
    if (rows.length === 0) return;
    for (const row of rows) {
      await db
        .updateTable('ts_change')
        .set({ changes: repack(row.changes) })
        .where('id', '=', row.id)
        .execute();
    }
    after = Number(rows[rows.length - 1].id);
  }
}

/**
 * The change feed's entries take about a quarter of their former size (see packVarints).
 *
 * PostgreSQL keeps the time-series tables compact. A compaction rewrites a block in place (same
 * series and start) many times while it fills: pages keep room for the next version beside the
 * current one (fillfactor), so the update stays on its page and the old version is pruned there
 * without waiting for a vacuum; blocks are already compressed, so they stay in the row, neither
 * compressed again nor moved to TOAST (a block's size is bounded by its reading count). The
 * ingest log's payloads are compressed with lz4 when the server has it (cheaper than pglz), and
 * autovacuum, where it runs, visits both tables early. SQLite needs none of this.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await repackChanges(db, (data) => packVarints(unpackFixed(data)));
  if (columnTypes(db).sqlite) return;
  await sql`ALTER TABLE ts_block SET (fillfactor = 50, toast_tuple_target = 8160,
    autovacuum_vacuum_scale_factor = 0.05, autovacuum_vacuum_insert_scale_factor = 0.05)`.execute(db);
  await sql`ALTER TABLE ts_block ALTER COLUMN data SET STORAGE MAIN`.execute(db);
  await sql`ALTER TABLE ingest_log SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 200)`.execute(
    db,
  );
  const lz4 = await sql<{ ok: boolean }>`
    SELECT 'lz4' = ANY(enumvals) AS ok FROM pg_settings WHERE name = 'default_toast_compression'`.execute(db);
  if (lz4.rows[0]?.ok) await sql`ALTER TABLE ingest_log ALTER COLUMN payload SET COMPRESSION lz4`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await repackChanges(db, (data) => packFixed(unpackVarints(data)));
  if (columnTypes(db).sqlite) return;
  await sql`ALTER TABLE ts_block RESET (fillfactor, toast_tuple_target,
    autovacuum_vacuum_scale_factor, autovacuum_vacuum_insert_scale_factor)`.execute(db);
  await sql`ALTER TABLE ts_block ALTER COLUMN data SET STORAGE EXTENDED`.execute(db);
  await sql`ALTER TABLE ingest_log RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_threshold)`.execute(
    db,
  );
  await sql`ALTER TABLE ingest_log ALTER COLUMN payload SET COMPRESSION default`.execute(db);
}
