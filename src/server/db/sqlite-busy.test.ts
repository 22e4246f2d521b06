import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from './database.ts';
import { isBusy } from './sqlite-busy.ts';

/** Lets the event loop run timers and I/O once, then some more. */
const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setTimeout(resolve, 1));
};

/** Whether a promise has settled yet, without waiting for it. */
function tracked<T>(promise: Promise<T>) {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

/**
 * The event loop's SQLite connection, while another connection of the same file (the compaction
 * thread's, in the server) holds the write lock.
 */
describe('waiting for the SQLite write lock', () => {
  let folder: string;
  let handle: DatabaseHandle;
  let other: SQLite.Database;
  beforeEach(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'ciop-busy-'));
    const file = path.join(folder, 'ciop.db');
    handle = openDatabase(`sqlite:${file}`);
    await sql`CREATE TABLE probe (v INTEGER)`.execute(handle.db);
    other = new SQLite(file);
    other.pragma('journal_mode = WAL');
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    await handle.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('lets the event loop run while a write waits, then writes once the lock is free', async () => {
    other.exec('BEGIN IMMEDIATE');
    const write = tracked(sql`INSERT INTO probe (v) VALUES (1)`.execute(handle.db));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await turns();
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    expect(write.settled).toBe(false);
    // The compaction thread sees that the event loop waits, and gives way.
    expect(Atomics.load(handle.sqliteWaiters!, 0)).toBe(1);
    other.exec('COMMIT');
    await write.promise;
    expect(Atomics.load(handle.sqliteWaiters!, 0)).toBe(0);
    const rows = await sql<{ v: number }>`SELECT v FROM probe`.execute(handle.db);
    expect(rows.rows).toEqual([{ v: 1 }]);
  });

  it('begins a transaction once the lock is free, and runs its statements in it', async () => {
    other.exec('BEGIN IMMEDIATE');
    other.exec('INSERT INTO probe (v) VALUES (1)');
    const transaction = tracked(
      handle.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM probe`.execute(trx);
        await sql`INSERT INTO probe (v) VALUES (${rows[0].n + 10})`.execute(trx);
      }),
    );
    await turns();
    expect(transaction.settled).toBe(false);
    other.exec('COMMIT');
    await transaction.promise;
    // The transaction read what the other connection committed before it began.
    const rows = await sql<{ v: number }>`SELECT v FROM probe ORDER BY v`.execute(handle.db);
    expect(rows.rows).toEqual([{ v: 1 }, { v: 11 }]);
  });

  it('fails a statement that is wrong at once, without waiting', async () => {
    other.exec('BEGIN IMMEDIATE');
    const error = await sql`INSERT INTO missing (v) VALUES (1)`.execute(handle.db).catch((e: unknown) => e);
    expect(isBusy(error)).toBe(false);
    expect((error as Error).message).toMatch(/no such table: missing/);
  });
});
