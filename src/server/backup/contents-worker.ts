/** Counts a SQLite backup's contents off the main thread, while the backup is being packed. */
import { parentPort, workerData } from 'node:worker_threads';
import { countSqlite } from './contents.ts';

const { database, log } = workerData as { database: string; log: string | undefined };
parentPort!.postMessage(countSqlite(database, log));
