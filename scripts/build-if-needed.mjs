#!/usr/bin/env node
// Builds the server (dist/server) and the web applications (dist/web) when they are missing or
// older than their sources, so `npm start` on a fresh clone, or after a pull, runs the current code.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { buildServer, newest, serverStaleReason } from './build-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Why the build in `root/dist/web` needs making again, or null when it is current: it is missing,
 * or a file under src/web, src/common or the Vite configuration is newer than its index.html.
 */
export function staleReason(root = ROOT) {
  const index = path.join(root, 'dist', 'web', 'index.html');
  if (!existsSync(index)) return 'dist/web is missing';
  const built = statSync(index).mtimeMs;
  for (const source of ['src/web', 'src/common', 'vite.config.ts', 'package-lock.json']) {
    if (newest(path.join(root, source)) > built) return `${source} changed since the last build`;
  }
  return null;
}

async function main() {
  const serverReason = serverStaleReason();
  if (serverReason) {
    console.log(`Building the server (${serverReason})…`);
    await buildServer();
  }
  const reason = staleReason();
  if (!reason) return;
  console.log(`Building the web applications (${reason})…`);
  const vite = path.join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(
      'The web build failed; CIOP will start with its plain page at /. Run `npm run build` to see why.',
    );
    process.exitCode = result.status ?? 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
