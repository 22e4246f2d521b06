/**
 * The SQLite storage threads. The `append` thread writes batches to the ingest log file (the
 * batches waiting together in one transaction, one fsync); the `compact` thread compacts the
 * log into series blocks in the database. Neither the fsync nor the compaction holds the event
 * loop that answers requests, and appends never wait for a compaction.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from '../db/database.ts';
import type { TextReading } from './timeseries-io.ts';
import { createSqliteTimeSeriesIo, logFileOf, openSqliteLog, reclaimSpace } from './timeseries-sqlite.ts';
import { compactionWork, SQLITE_ENTRIES_PER_COMPACTION } from './compaction.ts';
import { listCumulativeSeriesIds } from './series.store.ts';
import { giveWay, whileBusyBlocking, type WriteWaiters } from '../db/sqlite-busy.ts';

export type StorageRequest =
  | { kind: 'append'; id: number; payload?: Uint8Array; texts: TextReading[] }
  | { kind: 'compact'; id: number }
  | { kind: 'close'; id: number };

export interface StorageReply {
  id: number;
  result?: number | number[] | null;
  error?: string;
}

export interface StorageWorkerData {
  role: 'append' | 'compact';
  file: string;
  sync: 'full' | 'normal';
  /** The event loop's writers waiting for the database's write lock, to give way to. */
  waiters?: WriteWaiters;
}

const { role, file, sync, waiters } = workerData as StorageWorkerData;
const port = parentPort!;
const reply = (message: StorageReply) => port.postMessage(message);
const log = openSqliteLog(logFileOf(file), sync);
// Its transactions wait for the write lock in `whileBusyBlocking`, the statements outside them
// (reads, and the housekeeping that may fail busy) not at all.
const database =
  role === 'compact' ? openDatabase(`sqlite:${file}`, { sqliteSync: sync, sqliteBusy: 'poll' }) : undefined;
const io = database ? createSqliteTimeSeriesIo(database.sqlite!, log) : undefined;

const appends: Extract<StorageRequest, { kind: 'append' }>[] = [];
let compactWaiters: number[] = [];
let compacted: number[] = [];
let closing: number | undefined;
let pumping = false;

function writeAppends(): void {
  const batch = appends.splice(0);
  try {
    const ids = log.append(
      batch.map((a) => ({ payload: a.payload, texts: a.texts })),
      Date.now(),
    );
    batch.forEach((a, i) => reply({ id: a.id, result: ids[i] }));
  } catch (error) {
    for (const a of batch) reply({ id: a.id, error: (error as Error).message });
  }
}

/** One compaction transaction; true when the log is empty afterwards. */
async function compactSlice(): Promise<boolean> {
  const { cumulative } = await listCumulativeSeriesIds(database!.db);
  const set = new Set(cumulative);
  // A request's statement waiting for the write lock goes first (for a bounded time).
  giveWay(waiters);
  const ids =
    (await whileBusyBlocking(() =>
      io!.compact(
        compactionWork((id) => set.has(id)),
        SQLITE_ENTRIES_PER_COMPACTION,
      ),
    )) ?? [];
  compacted.push(...ids);
  // A transaction stops at a number of readings: the log is empty when one finds nothing.
  return ids.length === 0;
}

let lastReclaim = 0;

/** Once the log is empty, and at most every 10 s: shrink the log file and the database's free space. */
function reclaimWhenDue(): void {
  const now = Date.now();
  if (now - lastReclaim < 10_000) return;
  lastReclaim = now;
  try {
    log.reclaim();
    reclaimSpace(database!.sqlite!);
  } catch {
    // Busy: the next empty log tries again.
  }
}

async function pump(): Promise<void> {
  if (pumping) return;
  pumping = true;
  try {
    for (;;) {
      if (appends.length > 0) {
        writeAppends();
        continue;
      }
      if (compactWaiters.length > 0) {
        try {
          if (await compactSlice()) {
            for (const id of compactWaiters) reply({ id, result: compacted });
            compactWaiters = [];
            compacted = [];
            // Housekeeping after the answer: its checkpoints may wait for readers and writers.
            reclaimWhenDue();
          }
        } catch (error) {
          for (const id of compactWaiters) reply({ id, error: (error as Error).message });
          compactWaiters = [];
          // The entries of the transactions that committed before this one stay compacted: the
          // next round's answer reports them, so that the engine forgets them from memory.
        }
        // Let a close or more requests in between two transactions.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      break;
    }
    if (closing !== undefined) {
      log.close();
      await database?.close();
      reply({ id: closing, result: null });
    }
  } finally {
    pumping = false;
  }
}

port.on('message', (request: StorageRequest) => {
  if (request.kind === 'append') appends.push(request);
  else if (request.kind === 'compact') compactWaiters.push(request.id);
  else closing = request.id;
  // Appends that arrive in the same turn share one transaction.
  setImmediate(() => void pump());
});
