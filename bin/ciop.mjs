#!/usr/bin/env node
// The `ciop` command. It runs the built server (dist/server, made by `npm start` or
// `npm run build:server`) when that is current, and otherwise the TypeScript sources through
// tsx, so that no build step stands between a clone, or an edit, and a running platform.
import v8 from 'node:v8';
import { serverStaleReason } from '../scripts/build-server.mjs';

// V8 flags for this process, set before the server's code loads (the storage thread, started
// later, gets its heap under them too): CIOP_V8_FLAGS, e.g. `--optimize-for-size` on a small
// machine, which takes an idle server from about 205 MB to about 160 MB but costs some 60 % more
// CPU under heavy ingest (README, "Measured"). Node reads NODE_OPTIONS only where it is started,
// which a service manager or container sets; this reaches the server however it is started.
const v8Flags = process.env.CIOP_V8_FLAGS?.trim();
if (v8Flags) v8.setFlagsFromString(v8Flags);

let main;
if (serverStaleReason() === null) {
  ({ main } = await import('../dist/server/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/server/main.ts'));
}
await main(process.argv.slice(2));
