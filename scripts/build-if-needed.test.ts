import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module script, without type declarations.
import { staleReason } from './build-if-needed.mjs';

describe('deciding whether the web applications need building', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (file: string, at: number) => {
    const full = path.join(root, file);
    mkdirSync(path.dirname(full), { recursive: true });
    writeFileSync(full, 'x');
    utimesSync(full, at / 1000, at / 1000);
  };

  it('builds when there is no build, and when a source is newer than it', () => {
    root = mkdtempSync(path.join(tmpdir(), 'ciop-build-'));
    const t = Date.now() - 60_000;
    write('src/web/main.ts', t);
    write('src/common/api/news.ts', t);
    expect(staleReason(root)).toMatch(/missing/);
    write('dist/web/index.html', t + 1000);
    expect(staleReason(root)).toBeNull();
    write('src/common/api/news.ts', t + 2000);
    expect(staleReason(root)).toMatch(/src\/common/);
    write('dist/web/index.html', t + 3000);
    write('src/web/apps/tv/TvPage.vue', t + 4000);
    expect(staleReason(root)).toMatch(/src\/web/);
  });
});
