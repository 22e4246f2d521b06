/** Counts a SQLite backup's contents off the main thread, while the backup is being packed. */
import { parentPort } from 'node:worker_threads';
import { countSqlite } from './contents.ts';

// Started before the copy is taken; the files arrive once it is complete.
parentPort!.once('message', ({ database, log }: { database: string; log: string | undefined }) =>
  parentPort!.postMessage(countSqlite(database, log)),
);
