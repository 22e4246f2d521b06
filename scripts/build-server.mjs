#!/usr/bin/env node
// Builds the server into dist/server: one ES module per entry (the `ciop` command, the SQLite
// storage thread, each migration), dependencies left to node_modules. Running the built files
// needs no transpiler in any thread, which roughly halves the memory an idle CIOP holds.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SERVER_BUILD = path.join(ROOT, 'dist', 'server', 'main.js');

/** Newest modification time (ms) of the files under `target`, 0 if none. */
export function newest(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    latest = Math.max(latest, newest(path.join(target, entry.name)));
  }
  return latest;
}

/** Why dist/server needs building again, or null when it is current. */
export function serverStaleReason(root = ROOT) {
  const main = path.join(root, 'dist', 'server', 'main.js');
  if (!existsSync(main)) return 'dist/server is missing';
  const built = statSync(main).mtimeMs;
  for (const source of ['src/server', 'src/common', 'package-lock.json']) {
    if (newest(path.join(root, source)) > built) return `${source} changed since the last build`;
  }
  return null;
}

/** Builds into `outdir` (default dist/server). */
export async function buildServer(root = ROOT, outdir = path.join(root, 'dist', 'server')) {
  // Loaded only to build: `ciop` imports this module on every start to see whether to.
  const { build } = await import('esbuild');
  const migrations = path.join(root, 'src', 'server', 'db', 'migrations');
  const entryPoints = {
    main: path.join(root, 'src', 'server', 'main.ts'),
    'storage-worker': path.join(root, 'src', 'server', 'timeseries', 'storage-worker.ts'),
    'contents-worker': path.join(root, 'src', 'server', 'backup', 'contents-worker.ts'),
  };
  for (const file of readdirSync(migrations)) {
    if (file.endsWith('.ts')) entryPoints[`migrations/${file.slice(0, -3)}`] = path.join(migrations, file);
  }
  await build({
    entryPoints,
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildServer();
}
