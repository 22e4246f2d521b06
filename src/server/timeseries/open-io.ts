import type { DatabaseHandle } from '../db/database.ts';
import { whileBusy } from '../db/sqlite-busy.ts';
import type { TimeSeriesIo } from './timeseries-io.ts';
import { createPostgresTimeSeriesIo } from './timeseries-postgres.ts';
import { createSqliteTimeSeriesIo, logFileOf, openSqliteLog } from './timeseries-sqlite.ts';

/** The time-series storage for this database's engine. */
export function createTimeSeriesIo(handle: DatabaseHandle): TimeSeriesIo & { close(): void } {
  if (handle.sqlite && handle.sqliteFile) {
    const log = openSqliteLog(logFileOf(handle.sqliteFile), handle.sqliteSync ?? 'full');
    const io = createSqliteTimeSeriesIo(handle.sqlite, log);
    // The connection of the event loop waits for the write lock asynchronously (sqlite-busy.ts):
    // every call is one statement or one transaction, which changes nothing when it fails busy.
    const waiters = handle.sqliteWaiters;
    if (waiters) {
      for (const name of Object.keys(io) as (keyof TimeSeriesIo)[]) {
        const call = io[name] as (...args: unknown[]) => Promise<unknown>;
        (io as unknown as Record<string, unknown>)[name] = (...args: unknown[]) =>
          whileBusy(() => call(...args), waiters);
      }
    }
    return { ...io, close: () => log.close() };
  }
  if (handle.pool) return { ...createPostgresTimeSeriesIo(handle.pool), close: () => undefined };
  throw new Error('an in-memory SQLite database cannot hold time series: use a file');
}
