import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import type pg from 'pg';

/** What a backup holds, counted: the manifest records it, `verify` counts it again after a restore. */
export interface BackupCounts {
  /** Numeric readings: in series blocks, plus those of the ingest log not yet compacted. */
  readings: number;
  /** Text readings. */
  texts: number;
  series: number;
  accounts: number;
  kpiMeasures: number;
}

const COUNTS = {
  blocks: 'SELECT coalesce(sum(n), 0) AS n FROM ts_block',
  texts: 'SELECT count(*) AS n FROM ts_text',
  series: 'SELECT count(*) AS n FROM series',
  accounts: 'SELECT count(*) AS n FROM app_user',
  kpiMeasures: 'SELECT count(*) AS n FROM kpi_measure',
  watermark: "SELECT coalesce(max(position), 0) AS n FROM job_cursor WHERE name = 'ingest-log'",
};

/** Readings of a log entry's payload (its first word; see `encodeBatch`). */
const pointsOf = (payload: Uint8Array) =>
  payload.byteLength >= 4 ? new DataView(payload.buffer, payload.byteOffset, 4).getUint32(0, true) : 0;

/**
 * Counts a SQLite database and its ingest log (separate files). Log entries at or below the
 * database's watermark are already in its blocks (compacted between the two copies) and are not
 * counted twice.
 */
export function countSqlite(databaseFile: string, logFile: string | undefined): BackupCounts {
  const db = new SQLite(databaseFile, { readonly: true, fileMustExist: true });
  try {
    const n = (query: string) => Number((db.prepare(query).get() as { n: number | bigint }).n);
    const watermark = n(COUNTS.watermark);
    let pending = 0;
    if (logFile) {
      const log = new SQLite(logFile, { readonly: true, fileMustExist: true });
      try {
        for (const row of log.prepare('SELECT payload FROM ingest_log WHERE id > ?').iterate(watermark))
          pending += pointsOf((row as { payload: Uint8Array }).payload);
      } finally {
        log.close();
      }
    }
    return {
      readings: n(COUNTS.blocks) + pending,
      texts: n(COUNTS.texts),
      series: n(COUNTS.series),
      accounts: n(COUNTS.accounts),
      kpiMeasures: n(COUNTS.kpiMeasures),
    };
  } finally {
    db.close();
  }
}

/** A thread that counts one SQLite copy, started before the copy exists. */
export interface SqliteCounter {
  /** Counts the copy once it is complete; the thread ends with its answer. */
  count(databaseFile: string, logFile: string | undefined): Promise<BackupCounts>;
  /** Ends the thread without counting (the copy failed). */
  cancel(): void;
}

/**
 * Starts a thread for `countSqlite`, so that it boots while the database is being copied and
 * counts the copy while the main thread packs it (the two reads of the data overlap instead of
 * following each other).
 */
export function startSqliteCounter(): SqliteCounter {
  // Built (dist/server), the thread runs contents-worker.js; from the sources, through tsx.
  const built = import.meta.url.endsWith('.js');
  const entry = new URL(built ? './contents-worker.js' : './contents-worker-boot.mjs', import.meta.url);
  const worker = new Worker(entry);
  const answer = new Promise<BackupCounts>((resolve, reject) => {
    worker.once('message', (counts: BackupCounts) => resolve(counts));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the counting thread stopped (exit code ${code})`)));
  });
  // Read by `count`; a thread cancelled before counting is not an unhandled failure.
  answer.catch(() => undefined);
  return {
    count(database, log) {
      worker.postMessage({ database, log });
      return answer;
    },
    cancel: () => void worker.terminate(),
  };
}

/** Counts a PostgreSQL database (its ingest log is a table of it). */
export async function countPostgres(client: pg.ClientBase): Promise<BackupCounts> {
  const n = async (query: string, params: unknown[] = []) =>
    Number((await client.query<{ n: string }>(query, params)).rows[0].n);
  const watermark = await n(COUNTS.watermark);
  let pending = 0;
  const { rows } = await client.query<{ payload: Buffer }>('SELECT payload FROM ingest_log WHERE id > $1', [
    watermark,
  ]);
  for (const row of rows) pending += pointsOf(row.payload);
  return {
    readings: (await n(COUNTS.blocks)) + pending,
    texts: await n(COUNTS.texts),
    series: await n(COUNTS.series),
    accounts: await n(COUNTS.accounts),
    kpiMeasures: await n(COUNTS.kpiMeasures),
  };
}
