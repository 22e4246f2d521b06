import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../testing/platform.ts';

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const INDEX = '<!doctype html><html><body><div id="app"></div></body></html>';
const SCRIPT = 'console.log("the app, hashed");'.repeat(20);

describe('serving the built web applications', () => {
  let t: TestPlatform;
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'ciop-web-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), INDEX);
    writeFileSync(path.join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(path.join(root, 'assets', 'main-AbC123.js'), SCRIPT);
    writeFileSync(path.join(root, 'assets', 'main-AbC123.js.gz'), gzipSync(SCRIPT));
    t = await openTestPlatform({}, { web: { root } });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serves index.html at / and revalidates it on every load', async () => {
    const res = await t.app.inject({ url: '/', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toBe(INDEX);
  });

  it('answers client-side routes with index.html', async () => {
    for (const url of ['/tv', '/apps/tv', '/set-password?token=abc']) {
      const res = await t.app.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toBe(INDEX);
    }
  });

  it('lets caches keep hashed assets for a year, compressed when the client accepts it', async () => {
    const res = await t.app.inject({ url: '/assets/main-AbC123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-type']).toContain('javascript');
    const plain = await t.app.inject({ url: '/assets/main-AbC123.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(SCRIPT);
    expect((await t.app.inject({ url: '/favicon.svg' })).statusCode).toBe(200);
  });

  it('keeps API 404s, missing assets and non-page requests as problem+json', async () => {
    for (const [url, headers] of [
      ['/api/v1/nothing-here', HTML],
      ['/api/nothing', HTML],
      ['/ocpp', HTML],
      ['/ocpp/CP-1/more', HTML],
      ['/query/nothing', HTML],
      ['/ngsi-ld/v1/nothing-here', HTML],
      ['/ngsi-ld', HTML],
      ['/metrics/nothing', HTML],
      ['/assets/missing-123.js', HTML],
      ['/some/page', { accept: 'application/json' }],
    ] as const) {
      const res = await t.app.inject({ url, headers });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toContain('application/problem+json');
    }
    const traversal = await t.app.inject({ url: '/assets/..%2f..%2fetc%2fpasswd' });
    expect([403, 404]).toContain(traversal.statusCode);
  });

  it('still answers the API', async () => {
    expect((await t.app.inject({ url: '/api/v1/health' })).statusCode).toBe(200);
  });
});

describe('without a build', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform({}, { web: { root: path.join(tmpdir(), 'ciop-no-such-build') } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows a plain page that says how to build the web applications', async () => {
    const res = await t.app.inject({ url: '/', headers: HTML });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build');
    expect(res.body).toContain('/api/docs');
    expect((await t.app.inject({ url: '/tv', headers: HTML })).statusCode).toBe(404);
  });
});
