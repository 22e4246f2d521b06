// Entry of the storage thread: the sources are TypeScript, run through tsx as in the main thread.
import { register } from 'tsx/esm/api';

register();
await import('./storage-worker.ts');
