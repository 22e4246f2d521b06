import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestPlatform } from '../testing/platform.ts';
import { chooseEncoding } from './compression.ts';

const t = await openTestPlatform();
afterAll(async () => {
  await t.close();
});

describe('compressed answers', () => {
  it('choose brotli, else gzip, as the client accepts them', () => {
    expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
    expect(chooseEncoding('gzip, deflate')).toBe('gzip');
    expect(chooseEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
    expect(chooseEncoding('*')).toBe('br');
    expect(chooseEncoding('identity')).toBeUndefined();
    expect(chooseEncoding(undefined)).toBeUndefined();
  });

  it('compress a large JSON answer for a client that accepts it, and say so', async () => {
    const plain = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(10_000);
    for (const [accept, decode] of [
      ['gzip, deflate', gunzipSync],
      ['gzip, deflate, br', brotliDecompressSync],
    ] as const) {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/docs/json',
        headers: { 'accept-encoding': accept },
      });
      expect(res.headers['content-encoding']).toBe(accept.includes('br') ? 'br' : 'gzip');
      expect(res.headers.vary).toMatch(/Accept-Encoding/);
      expect(res.rawPayload.length).toBeLessThan(plain.body.length / 3);
      expect(decode(res.rawPayload).toString()).toBe(plain.body);
    }
  });

  it('leave small answers as they are', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/health',
      headers: { 'accept-encoding': 'gzip, br' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.json()).toBeTypeOf('object');
  });
});
