import SQLite from 'better-sqlite3';
import type {
  CompactionWork,
  CounterDrop,
  LastReading,
  LogAppend,
  LogEntry,
  StoredBlock,
  TimeSeriesIo,
} from './timeseries-io.ts';
import { type BlockRow, decodeChanges, encodeChanges, MIN_TIME, toBlock } from './timeseries-io.ts';

/**
 * Readings one compaction transaction takes at most (20 bytes each in the log): it holds the
 * database's write lock meanwhile, which requests' writes wait for. As many as 20 entries of the
 * forwarders' 5,000-line batches; a transaction of fewer readings costs more per reading (each
 * rewrites the last block of every series it touches).
 */
export const READINGS_PER_COMPACTION = 100_000;

/**
 * The ingest log on SQLite, in a file of its own beside the database: appends (one writer)
 * never wait for a compaction's transaction on the database, and the other way round.
 */
export interface SqliteLog {
  append(entries: LogAppend[], receivedAt: number): number[];
  /** Entries after `afterId`, oldest first: `limit` at most, and `maxBytes` of payload (but one at least). */
  read(afterId: number, limit: number, maxBytes?: number): LogEntry[];
  deleteThrough(id: number): void;
  /** Entries after `afterId`. */
  size(afterId: number): number;
  /** Makes new ids start above `id` (after the log file was replaced). */
  continueAfter(id: number): void;
  /** Gives the free pages of an emptied log back to the file system. */
  reclaim(): void;
  close(): void;
}

/** The log file of a database file: `ciop.db` → `ciop.db-ingest-log`. */
export function logFileOf(databaseFile: string): string {
  return `${databaseFile}-ingest-log`;
}

export function openSqliteLog(file: string, sync: 'full' | 'normal'): SqliteLog {
  const db = new SQLite(file);
  // The log holds a second or two of readings; after a burst its file shrinks back (reclaim).
  if ((db.pragma('page_count', { simple: true }) as number) === 0) db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync === 'normal' ? 'NORMAL' : 'FULL'}`);
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_size_limit = 4194304');
  db.exec(`CREATE TABLE IF NOT EXISTS ingest_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    received_at INTEGER NOT NULL,
    payload BLOB NOT NULL,
    texts TEXT
  )`);
  const insert = db.prepare('INSERT INTO ingest_log (received_at, payload, texts) VALUES (?, ?, ?)');
  // The entries of a compaction: at most `limit`, and only as many as hold `maxBytes` of readings
  // (the first whatever its size), so that a transaction of big batches holds the database's
  // write lock no longer than one of small batches. length() of a blob does not read it.
  const read = db.prepare(
    `SELECT id, payload, texts FROM (
       SELECT id, payload, texts, sum(length(payload)) OVER (ORDER BY id) - length(payload) AS before
       FROM ingest_log WHERE id > ? ORDER BY id LIMIT ?
     ) WHERE before < ? OR id = (SELECT min(id) FROM ingest_log WHERE id > ?)
     ORDER BY id`,
  );
  const remove = db.prepare('DELETE FROM ingest_log WHERE id <= ?');
  const size = db.prepare('SELECT count(*) AS n FROM ingest_log WHERE id > ?');
  const append = db.transaction((entries: LogAppend[], at: number): number[] =>
    entries.map(({ payload, texts }) =>
      Number(
        insert.run(at, payload ?? new Uint8Array(4), texts.length > 0 ? JSON.stringify(texts) : null)
          .lastInsertRowid,
      ),
    ),
  );
  return {
    append: (entries, at) => append(entries, at),
    read: (afterId, limit, maxBytes = Number.MAX_SAFE_INTEGER) =>
      read.all(afterId, limit, maxBytes, afterId) as LogEntry[],
    deleteThrough: (id) => {
      remove.run(id);
    },
    size: (afterId) => (size.get(afterId) as { n: number }).n,
    continueAfter: (id) => {
      const row = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'ingest_log'").get() as
        { seq: number } | undefined;
      if ((row?.seq ?? 0) >= id) return;
      if (row) db.prepare("UPDATE sqlite_sequence SET seq = ? WHERE name = 'ingest_log'").run(id);
      else db.prepare("INSERT INTO sqlite_sequence (name, seq) VALUES ('ingest_log', ?)").run(id);
    },
    reclaim: () => {
      db.pragma('incremental_vacuum');
      // TRUNCATE also empties the write-ahead file, unless a writer is busy (then it stays).
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    close: () => db.close(),
  };
}

/**
 * Gives free pages of the database (left by rewritten blocks) back to the file system once they
 * are more than `share` of the file, and checkpoints the write-ahead log.
 */
export function reclaimSpace(sqlite: SQLite.Database, share = 0.1): void {
  const pages = sqlite.pragma('page_count', { simple: true }) as number;
  const free = sqlite.pragma('freelist_count', { simple: true }) as number;
  if (free > 256 && free > pages * share) sqlite.pragma(`incremental_vacuum(${free})`);
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
}

/** The time-series storage on SQLite: synchronous statements, one compaction at a time. */
export function createSqliteTimeSeriesIo(sqlite: SQLite.Database, log: SqliteLog): TimeSeriesIo {
  const s = {
    upsertText: sqlite.prepare('INSERT OR REPLACE INTO ts_text (series_id, t, value) VALUES (?, ?, ?)'),
    watermark: sqlite.prepare("SELECT position FROM job_cursor WHERE name = 'ingest-log'"),
    setWatermark: sqlite.prepare(
      `INSERT INTO job_cursor (name, position, updated_at) VALUES ('ingest-log', ?, ?)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    ),
    blocks: sqlite.prepare(
      `SELECT series_id, t0, t1, n, last_v, data FROM ts_block
       WHERE series_id = ? AND t0 <= ?
         AND t0 >= coalesce((SELECT max(t0) FROM ts_block WHERE series_id = ? AND t0 <= ?), ${MIN_TIME})
       ORDER BY t0`,
    ),
    lastBefore: sqlite.prepare(
      'SELECT t1, last_v FROM ts_block WHERE series_id = ? AND t0 < ? ORDER BY t0 DESC LIMIT 1',
    ),
    latest: sqlite.prepare('SELECT t1, last_v FROM ts_block WHERE series_id = ? ORDER BY t0 DESC LIMIT 1'),
    deleteBlock: sqlite.prepare('DELETE FROM ts_block WHERE series_id = ? AND t0 = ?'),
    insertBlock: sqlite.prepare(
      'INSERT INTO ts_block (series_id, t0, t1, n, last_v, data) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    insertDrop: sqlite.prepare(
      `INSERT OR IGNORE INTO ts_counter_event (series_id, t, previous_t, previous_value, value)
       VALUES (?, ?, ?, ?, ?)`,
    ),
    insertChange: sqlite.prepare('INSERT INTO ts_change (changed_at, changes) VALUES (?, ?)'),
    changes: sqlite.prepare('SELECT id, changes FROM ts_change WHERE id > ? ORDER BY id LIMIT ?'),
    pruneChanges: sqlite.prepare('DELETE FROM ts_change WHERE changed_at < ?'),
    texts: sqlite.prepare(
      'SELECT series_id, t, value FROM ts_text WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t LIMIT ?',
    ),
    pageCount: sqlite.prepare('PRAGMA page_count'),
    pageSize: sqlite.prepare('PRAGMA page_size'),
  };

  const readingBefore = (seriesId: number, t: number): LastReading | undefined => {
    const row = s.lastBefore.get(seriesId, t) as { t1: number; last_v: number } | undefined;
    return row && { t: row.t1, v: row.last_v };
  };

  const watermark = () => (s.watermark.get() as { position: number } | undefined)?.position ?? 0;
  log.continueAfter(watermark());

  // The blocks and the watermark (the last log entry compacted) change together; the log
  // entries are deleted after the commit, and an entry at or below the watermark is never
  // compacted twice.
  const compactEntries = sqlite.transaction((work: CompactionWork, entries: LogEntry[]): void => {
    const loaded = new Map<number, StoredBlock[]>();
    const previous = new Map<number, LastReading>();
    for (const range of work.plan(entries)) {
      const blocks = (s.blocks.all(range.seriesId, range.to, range.seriesId, range.from) as BlockRow[]).map(
        toBlock,
      );
      loaded.set(range.seriesId, blocks);
      if (range.withPrevious) {
        const before = readingBefore(range.seriesId, blocks.length > 0 ? blocks[0].t0 : range.from);
        if (before) previous.set(range.seriesId, before);
      }
    }
    const result = work.merge(loaded, previous);
    for (const b of result.removed) s.deleteBlock.run(b.seriesId, b.t0);
    for (const b of result.added) s.insertBlock.run(b.seriesId, b.t0, b.t1, b.n, b.lastValue, b.data);
    for (const d of result.drops) s.insertDrop.run(d.seriesId, d.t, d.previousT, d.previousValue, d.value);
    for (const t of result.texts) s.upsertText.run(t.seriesId, t.t, t.value);
    const at = Date.now();
    if (result.changes.length > 0) s.insertChange.run(at, encodeChanges(result.changes));
    s.setWatermark.run(entries[entries.length - 1].id, at);
  });

  const compact = (work: CompactionWork, maxEntries: number): number[] => {
    const mark = watermark();
    log.deleteThrough(mark);
    const entries = log.read(mark, maxEntries, READINGS_PER_COMPACTION * 20);
    if (entries.length === 0) return [];
    compactEntries.immediate(work, entries);
    log.deleteThrough(entries[entries.length - 1].id);
    return entries.map((e) => e.id);
  };

  return {
    appendLog: async (entries, receivedAt) => log.append(entries, receivedAt),
    compact: async (work, maxEntries) => compact(work, maxEntries),
    logSize: async () => log.size(watermark()),
    readBlocks: async (seriesId, from, to) =>
      (s.blocks.all(seriesId, to, seriesId, from) as BlockRow[]).map(toBlock),
    latest: async (seriesIds) => {
      const out = new Map<number, LastReading>();
      for (const id of seriesIds) {
        const row = s.latest.get(id) as { t1: number; last_v: number } | undefined;
        if (row) out.set(id, { t: row.t1, v: row.last_v });
      }
      return out;
    },
    lastReadingBeforeBlock: async (seriesId, t) => readingBefore(seriesId, t),
    readTexts: async (seriesId, from, to, limit) =>
      (s.texts.all(seriesId, from, to, limit) as { series_id: number; t: number; value: string }[]).map(
        (r) => ({ seriesId: r.series_id, t: r.t, value: r.value }),
      ),
    counterDrops: async (seriesIds, from, to, limit) => {
      if (seriesIds.length === 0) return [];
      const rows = sqlite
        .prepare(
          `SELECT series_id, t, previous_t, previous_value, value FROM ts_counter_event
           WHERE series_id IN (${seriesIds.map(() => '?').join(',')}) AND t >= ? AND t <= ?
           ORDER BY t LIMIT ?`,
        )
        .all(...seriesIds, from, to, limit) as {
        series_id: number;
        t: number;
        previous_t: number;
        previous_value: number;
        value: number;
      }[];
      return rows.map((r): CounterDrop => ({
        seriesId: r.series_id,
        t: r.t,
        previousT: r.previous_t,
        previousValue: r.previous_value,
        value: r.value,
      }));
    },
    changesSince: async (after, limit) =>
      (s.changes.all(after, limit) as { id: number; changes: Uint8Array }[]).flatMap((r) =>
        decodeChanges(r.id, r.changes),
      ),
    pruneChanges: async (before) => {
      s.pruneChanges.run(before);
    },
    storageBytes: async () => (s.pageCount.pluck().get() as number) * (s.pageSize.pluck().get() as number),
  };
}
