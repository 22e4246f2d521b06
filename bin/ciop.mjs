#!/usr/bin/env node
// The `ciop` command: runs the TypeScript sources through tsx so that no build step stands
// between a clone and a running platform.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/server/main.ts');
await main(process.argv.slice(2));
