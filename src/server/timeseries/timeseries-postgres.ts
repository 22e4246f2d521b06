import type pg from 'pg';
import type { CompactionWork, LastReading, StoredBlock, TimeSeriesIo } from './timeseries-io.ts';
import { type BlockRow, decodeChanges, encodeChanges, MIN_TIME, toBlock } from './timeseries-io.ts';

/** Advisory lock key under which one replica at a time compacts the shared ingest log. */
const COMPACTION_LOCK = 0x43494f50; // "CIOP"

/** How often, at most, the compacting replica truncates an emptied log and vacuums the log and the blocks. */
const TRUNCATE_EVERY_MS = 1_000;
const VACUUM_LOG_EVERY_MS = 2_000;
const VACUUM_BLOCKS_EVERY_MS = 3_000;

const BLOCKS_IN_RANGE = `
  SELECT b.series_id, b.t0, b.t1, b.n, b.last_v, b.data
  FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS r(series_id, t_from, t_to)
  JOIN LATERAL (
    SELECT * FROM ts_block x
    WHERE x.series_id = r.series_id AND x.t0 <= r.t_to
      AND x.t0 >= coalesce((SELECT max(p.t0) FROM ts_block p WHERE p.series_id = r.series_id AND p.t0 <= r.t_from), ${MIN_TIME})
  ) b ON true
  ORDER BY b.series_id, b.t0`;

const LAST_BEFORE = `
  SELECT r.series_id, b.t1, b.last_v
  FROM unnest($1::bigint[], $2::bigint[]) AS r(series_id, t)
  JOIN LATERAL (
    SELECT t1, last_v FROM ts_block x WHERE x.series_id = r.series_id AND x.t0 < r.t ORDER BY x.t0 DESC LIMIT 1
  ) b ON true`;

/** The columns of blocks, as arrays for unnest. */
function blockColumns(blocks: StoredBlock[]): unknown[] {
  return [
    blocks.map((b) => b.seriesId),
    blocks.map((b) => b.t0),
    blocks.map((b) => b.t1),
    blocks.map((b) => b.n),
    blocks.map((b) => b.lastValue),
    blocks.map((b) => Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)),
  ];
}

/**
 * The time-series storage on PostgreSQL. Every replica appends to the shared log; one at a
 * time (advisory lock) compacts it, in set-based statements.
 */
export function createPostgresTimeSeriesIo(pool: pg.Pool): TimeSeriesIo {
  const lastBefore = async (
    client: pg.Pool | pg.PoolClient,
    ids: number[],
    ts: number[],
  ): Promise<Map<number, LastReading>> => {
    const out = new Map<number, LastReading>();
    if (ids.length === 0) return out;
    const { rows } = await client.query(LAST_BEFORE, [ids, ts]);
    for (const r of rows as { series_id: number; t1: number; last_v: number }[]) {
      out.set(r.series_id, { t: r.t1, v: r.last_v });
    }
    return out;
  };

  const reclaimed = { truncate: 0, ingest_log: 0, ts_block: 0 };
  // What this replica's compactions left to reclaim: deleted log entries, rewritten blocks.
  const dirty = { ingest_log: false, ts_block: false };

  return {
    appendLog: async (entries, receivedAt) => {
      const { rows } = await pool.query(
        `INSERT INTO ingest_log (received_at, payload, texts)
         SELECT $1, p, t FROM unnest($2::bytea[], $3::text[]) WITH ORDINALITY AS e(p, t, n) ORDER BY n
         RETURNING id`,
        [
          receivedAt,
          entries.map(({ payload }) =>
            payload ? Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) : Buffer.alloc(4),
          ),
          entries.map(({ texts }) => (texts.length > 0 ? JSON.stringify(texts) : null)),
        ],
      );
      return (rows as { id: number }[]).map((r) => r.id).sort((a, b) => a - b);
    },

    compact: async (work: CompactionWork, maxEntries: number) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const lock = await client.query('SELECT pg_try_advisory_xact_lock($1) AS ok', [COMPACTION_LOCK]);
        if (!lock.rows[0].ok) {
          await client.query('ROLLBACK');
          return undefined;
        }
        const { rows: entries } = await client.query(
          'SELECT id, payload, texts FROM ingest_log ORDER BY id LIMIT $1',
          [maxEntries],
        );
        if (entries.length === 0) {
          await client.query('ROLLBACK');
          return [];
        }
        const ranges = work.plan(entries);
        const { rows } = await client.query(BLOCKS_IN_RANGE, [
          ranges.map((r) => r.seriesId),
          ranges.map((r) => r.from),
          ranges.map((r) => r.to),
        ]);
        const loaded = new Map<number, StoredBlock[]>();
        for (const r of ranges) loaded.set(r.seriesId, []);
        for (const row of rows as BlockRow[]) loaded.get(row.series_id)?.push(toBlock(row));
        const wanted = ranges.filter((r) => r.withPrevious);
        const previous = await lastBefore(
          client,
          wanted.map((r) => r.seriesId),
          wanted.map((r) => loaded.get(r.seriesId)?.[0]?.t0 ?? r.from),
        );
        const result = work.merge(loaded, previous);
        // A block that keeps its start is rewritten in place: the new version stays on its page
        // (see the table's fillfactor) and the old one is pruned there.
        const addedKeys = new Set(result.added.map((b) => `${b.seriesId}:${b.t0}`));
        const removedKeys = new Set(result.removed.map((b) => `${b.seriesId}:${b.t0}`));
        const gone = result.removed.filter((b) => !addedKeys.has(`${b.seriesId}:${b.t0}`));
        const rewritten = result.added.filter((b) => removedKeys.has(`${b.seriesId}:${b.t0}`));
        const fresh = result.added.filter((b) => !removedKeys.has(`${b.seriesId}:${b.t0}`));
        if (gone.length > 0) {
          await client.query(
            `DELETE FROM ts_block b USING unnest($1::bigint[], $2::bigint[]) AS r(series_id, t0)
             WHERE b.series_id = r.series_id AND b.t0 = r.t0`,
            [gone.map((b) => b.seriesId), gone.map((b) => b.t0)],
          );
        }
        if (rewritten.length > 0) {
          await client.query(
            `UPDATE ts_block b SET t1 = r.t1, n = r.n, last_v = r.last_v, data = r.data
             FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::float8[], $6::bytea[])
               AS r(series_id, t0, t1, n, last_v, data)
             WHERE b.series_id = r.series_id AND b.t0 = r.t0`,
            blockColumns(rewritten),
          );
        }
        if (fresh.length > 0) {
          await client.query(
            `INSERT INTO ts_block (series_id, t0, t1, n, last_v, data)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::float8[], $6::bytea[])`,
            blockColumns(fresh),
          );
        }
        if (result.drops.length > 0) {
          await client.query(
            `INSERT INTO ts_counter_event (series_id, t, previous_t, previous_value, value)
             SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::float8[], $5::float8[])
             ON CONFLICT DO NOTHING`,
            [
              result.drops.map((d) => d.seriesId),
              result.drops.map((d) => d.t),
              result.drops.map((d) => d.previousT),
              result.drops.map((d) => d.previousValue),
              result.drops.map((d) => d.value),
            ],
          );
        }
        if (result.changes.length > 0) {
          const packed = encodeChanges(result.changes);
          await client.query('INSERT INTO ts_change (changed_at, changes) VALUES ($1, $2)', [
            Date.now(),
            Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength),
          ]);
        }
        if (result.texts.length > 0) {
          await client.query(
            `INSERT INTO ts_text (series_id, t, value)
             SELECT DISTINCT ON (s, t) s, t, v FROM unnest($1::bigint[], $2::bigint[], $3::text[]) WITH ORDINALITY AS r(s, t, v, n)
             ORDER BY s, t, n DESC
             ON CONFLICT (series_id, t) DO UPDATE SET value = excluded.value`,
            [
              result.texts.map((x) => x.seriesId),
              result.texts.map((x) => x.t),
              result.texts.map((x) => x.value),
            ],
          );
        }
        await client.query('DELETE FROM ingest_log WHERE id = ANY($1::bigint[])', [
          entries.map((e: { id: number }) => e.id),
        ]);
        await client.query('COMMIT');
        dirty.ingest_log = true;
        if (rewritten.length > 0 || gone.length > 0) dirty.ts_block = true;
        return entries.map((e: { id: number }) => e.id);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    logSize: async () => (await pool.query('SELECT count(*)::int AS n FROM ingest_log')).rows[0].n,

    readBlocks: async (seriesId, from, to) => {
      const { rows } = await pool.query(BLOCKS_IN_RANGE, [[seriesId], [from], [to]]);
      return (rows as BlockRow[]).map(toBlock);
    },

    latest: async (seriesIds) => {
      const out = new Map<number, LastReading>();
      if (seriesIds.length === 0) return out;
      const { rows } = await pool.query(
        `SELECT r.series_id, b.t1, b.last_v FROM unnest($1::bigint[]) AS r(series_id)
         JOIN LATERAL (SELECT t1, last_v FROM ts_block x WHERE x.series_id = r.series_id ORDER BY x.t0 DESC LIMIT 1) b ON true`,
        [seriesIds],
      );
      for (const r of rows as { series_id: number; t1: number; last_v: number }[]) {
        out.set(r.series_id, { t: r.t1, v: r.last_v });
      }
      return out;
    },

    lastReadingBeforeBlock: async (seriesId, t) => (await lastBefore(pool, [seriesId], [t])).get(seriesId),

    readTexts: async (seriesId, from, to, limit) => {
      const { rows } = await pool.query(
        'SELECT series_id, t, value FROM ts_text WHERE series_id = $1 AND t >= $2 AND t <= $3 ORDER BY t LIMIT $4',
        [seriesId, from, to, limit],
      );
      return (rows as { series_id: number; t: number; value: string }[]).map((r) => ({
        seriesId: r.series_id,
        t: r.t,
        value: r.value,
      }));
    },

    counterDrops: async (seriesIds, from, to, limit) => {
      const { rows } = await pool.query(
        `SELECT series_id, t, previous_t, previous_value, value FROM ts_counter_event
         WHERE series_id = ANY($1::bigint[]) AND t >= $2 AND t <= $3 ORDER BY t LIMIT $4`,
        [seriesIds, from, to, limit],
      );
      return (
        rows as { series_id: number; t: number; previous_t: number; previous_value: number; value: number }[]
      ).map((r) => ({
        seriesId: r.series_id,
        t: r.t,
        previousT: r.previous_t,
        previousValue: r.previous_value,
        value: r.value,
      }));
    },

    changesSince: async (after, limit) => {
      const { rows } = await pool.query(
        'SELECT id, changes FROM ts_change WHERE id > $1 ORDER BY id LIMIT $2',
        [after, limit],
      );
      return (rows as { id: number; changes: Uint8Array }[]).flatMap((r) => decodeChanges(r.id, r.changes));
    },

    pruneChanges: async (before) => {
      await pool.query('DELETE FROM ts_change WHERE changed_at < $1', [before]);
    },

    reclaim: async () => {
      const now = Date.now();
      // An emptied log is truncated (its files given back), unless someone is using it right now.
      if (dirty.ingest_log && now - reclaimed.truncate >= TRUNCATE_EVERY_MS) {
        reclaimed.truncate = now;
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query('LOCK TABLE ingest_log IN ACCESS EXCLUSIVE MODE NOWAIT');
          const { rows } = await client.query('SELECT EXISTS (SELECT 1 FROM ingest_log) AS busy');
          if (!rows[0].busy) await client.query('TRUNCATE ingest_log');
          await client.query('COMMIT');
          if (!rows[0].busy) dirty.ingest_log = false;
        } catch {
          await client.query('ROLLBACK').catch(() => undefined);
        } finally {
          client.release();
        }
      }
      // Otherwise, and for the blocks, vacuum: the space of deleted entries and of rewritten blocks
      // is reused instead of growing the files, whether autovacuum runs or not.
      for (const [table, every] of [
        ['ingest_log', VACUUM_LOG_EVERY_MS],
        ['ts_block', VACUUM_BLOCKS_EVERY_MS],
      ] as const) {
        if (!dirty[table] || now - reclaimed[table] < every) continue;
        reclaimed[table] = now;
        if (table === 'ts_block') dirty.ts_block = false;
        await pool.query(`VACUUM (SKIP_LOCKED) ${table}`);
      }
    },

    storageBytes: async () => {
      const { rows } = await pool.query(
        `SELECT sum(pg_total_relation_size(c))::bigint AS bytes
         FROM unnest(ARRAY['ts_block', 'ts_text', 'ts_counter_event', 'ingest_log', 'series']::regclass[]) AS c`,
      );
      return rows[0].bytes as number;
    },
  };
}
