#!/usr/bin/env node
// The `ciop` command. It runs the built server (dist/server, made by `npm start` or
// `npm run build:server`) when that is current, and otherwise the TypeScript sources through
// tsx, so that no build step stands between a clone, or an edit, and a running platform.
import { serverStaleReason } from '../scripts/build-server.mjs';

let main;
if (serverStaleReason() === null) {
  ({ main } = await import('../dist/server/main.js'));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/server/main.ts'));
}
await main(process.argv.slice(2));
