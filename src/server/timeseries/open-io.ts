import type { DatabaseHandle } from '../db/database.ts';
import type { TimeSeriesIo } from './timeseries-io.ts';
import { createPostgresTimeSeriesIo } from './timeseries-postgres.ts';
import { createSqliteTimeSeriesIo, logFileOf, openSqliteLog } from './timeseries-sqlite.ts';

/** The time-series storage for this database's engine. */
export function createTimeSeriesIo(handle: DatabaseHandle): TimeSeriesIo & { close(): void } {
  if (handle.sqlite && handle.sqliteFile) {
    const log = openSqliteLog(logFileOf(handle.sqliteFile), handle.sqliteSync ?? 'full');
    return { ...createSqliteTimeSeriesIo(handle.sqlite, log), close: () => log.close() };
  }
  if (handle.pool) return { ...createPostgresTimeSeriesIo(handle.pool), close: () => undefined };
  throw new Error('an in-memory SQLite database cannot hold time series: use a file');
}
