/**
 * Waiting for a SQLite database's write lock without holding the event loop.
 *
 * better-sqlite3 is synchronous: with a busy timeout, a statement that finds the write lock taken
 * (by the compaction thread, in the same file) sleeps inside the call, and the thread that answers
 * requests answers none meanwhile. The connection of the event loop therefore has no busy timeout:
 * a statement (or `BEGIN IMMEDIATE`) that finds the lock taken fails at once, changing nothing,
 * and is tried again a few milliseconds later, the event loop free in between.
 *
 * Polling alone would lose to the compaction thread, which begins its next transaction as soon as
 * it has committed the last: so the event loop says that it waits, in memory shared with that
 * thread, and the compaction thread gives way between two transactions while it does.
 */

/** How long a statement waits for the write lock before it fails, ms (as the busy timeout did). */
export const BUSY_TIMEOUT_MS = 10_000;

/** Longest pause between two tries, ms: a compaction transaction lasts tens of ms. */
const MAX_RETRY_DELAY_MS = 4;

/**
 * How long the compaction thread gives way at most before its next transaction, ms: it then
 * takes its turn even while the event loop still waits, so that compaction is never starved.
 */
export const MAX_GIVE_WAY_MS = 100;

/** Writers of the event loop waiting for a file's write lock: a counter shared with its threads. */
export type WriteWaiters = Int32Array;

export function createWriteWaiters(): WriteWaiters {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** Whether an error is SQLite's "the database is locked" (SQLITE_BUSY and its extended codes). */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

/**
 * Runs `attempt` (a statement or a transaction's `BEGIN IMMEDIATE`, which change nothing when they
 * fail busy) until it does not fail busy, waiting between tries without holding the event loop; and
 * for `BUSY_TIMEOUT_MS` at most, after which the busy error is thrown.
 */
export async function whileBusy<T>(attempt: () => T | Promise<T>, waiters?: WriteWaiters): Promise<T> {
  const started = performance.now();
  let waiting = false;
  try {
    for (let delay = 1; ; delay = Math.min(MAX_RETRY_DELAY_MS, delay * 2)) {
      try {
        return await attempt();
      } catch (error) {
        if (!isBusy(error) || performance.now() - started >= BUSY_TIMEOUT_MS) throw error;
      }
      if (waiters && !waiting) {
        Atomics.add(waiters, 0, 1);
        waiting = true;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  } finally {
    if (waiters && waiting) {
      Atomics.sub(waiters, 0, 1);
      Atomics.notify(waiters, 0);
    }
  }
}

/**
 * For a thread that may block (the compaction thread, whose connection has no busy timeout
 * either): runs `attempt` until it does not fail busy, sleeping 1 ms between tries, for
 * `BUSY_TIMEOUT_MS` at most. SQLite's own busy handler sleeps longer and longer (up to 100 ms)
 * between tries, and would lose the lock, tens of times in a row, to the event loop's writers.
 */
export async function whileBusyBlocking<T>(attempt: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!isBusy(error) || performance.now() - started >= BUSY_TIMEOUT_MS) throw error;
    }
    Atomics.wait(sleeper, 0, 0, 1);
  }
}

/**
 * For a thread that may block (the compaction thread): waits, at most `MAX_GIVE_WAY_MS`, until no
 * writer of the event loop waits for the lock. Returns the ms it waited.
 */
export function giveWay(waiters: WriteWaiters | undefined): number {
  if (!waiters) return 0;
  const started = performance.now();
  for (;;) {
    const count = Atomics.load(waiters, 0);
    const left = MAX_GIVE_WAY_MS - (performance.now() - started);
    if (count <= 0 || left <= 0) return performance.now() - started;
    Atomics.wait(waiters, 0, count, left);
  }
}
