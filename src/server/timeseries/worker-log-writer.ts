import { Worker } from 'node:worker_threads';
import type { TextReading } from './timeseries-io.ts';
import type { LogWriter } from './compaction.ts';
import type { WriteWaiters } from '../db/sqlite-busy.ts';
import type { StorageReply, StorageRequest, StorageWorkerData } from './storage-worker.ts';

/** A request before it is numbered. */
type Unnumbered<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** One storage thread and its request/reply channel. */
function storageThread(data: StorageWorkerData) {
  // Built (dist/server), the thread runs storage-worker.js; from the sources, through tsx.
  const built = import.meta.url.endsWith('.js');
  const entry = new URL(built ? './storage-worker.js' : './storage-worker-boot.mjs', import.meta.url);
  // The append thread holds a batch or two at a time; the compaction thread a slice of the log.
  const resourceLimits = { maxYoungGenerationSizeMb: data.role === 'append' ? 4 : 16 };
  const worker = new Worker(entry, { workerData: data, resourceLimits });
  const pending = new Map<number, Pending>();
  let next = 1;
  let failure: Error | undefined;
  let closed = false;
  worker.on('message', (message: StorageReply) => {
    const p = pending.get(message.id);
    if (!p) return;
    pending.delete(message.id);
    if (message.error !== undefined) p.reject(new Error(message.error));
    else p.resolve(message.result);
  });
  const fail = (error: Error) => {
    failure ??= error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => {
    if (!closed) fail(new Error(`the ${data.role} storage thread stopped (exit code ${code})`));
  });
  return {
    send<T>(request: Unnumbered<StorageRequest>, transfer: ArrayBuffer[] = []): Promise<T> {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        worker.postMessage({ ...request, id }, transfer);
      });
    },
    async close(): Promise<void> {
      if (!failure) await this.send<null>({ kind: 'close' });
      closed = true;
      await worker.terminate();
    },
  };
}

/**
 * The SQLite log writer: an append thread and a compaction thread. The compaction thread gives way
 * to the event loop's `waiters` (its connection's, see sqlite-busy.ts) between two transactions.
 */
export function workerLogWriter(file: string, sync: 'full' | 'normal', waiters?: WriteWaiters): LogWriter {
  const appender = storageThread({ role: 'append', file, sync });
  const compactor = storageThread({ role: 'compact', file, sync, waiters });
  return {
    append: (payload, texts: TextReading[]) => {
      // The encoded payload is the writer's alone: hand its memory over instead of copying it.
      const whole = payload && payload.byteOffset === 0 && payload.byteLength === payload.buffer.byteLength;
      return appender.send<number>(
        { kind: 'append', payload, texts },
        whole ? [payload.buffer as ArrayBuffer] : [],
      );
    },
    compactAll: () => compactor.send<number[]>({ kind: 'compact' }),
    close: async () => {
      await Promise.all([appender.close(), compactor.close()]);
    },
  };
}
