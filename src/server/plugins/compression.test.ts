import {
  brotliCompressSync,
  brotliDecompressSync,
  constants,
  deflateSync,
  gunzipSync,
  gzipSync,
} from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openTestPlatform } from '../testing/platform.ts';
import { headersAs } from '../testing/principals.ts';
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

describe('compressed requests', () => {
  const pmv = { tdb: 22, tr: 22, vr: 0.1, rh: 60, met: 1.2, clo: 0.5 };
  const post = (payload: Buffer | string, encoding?: string, url = '/api/v1/comfort/pmv') =>
    t.app.inject({
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/json',
        ...(encoding ? { 'content-encoding': encoding } : {}),
      },
      payload,
    });

  it('are decoded: gzip, deflate and br, and a list of them in the order applied', async () => {
    const plain = await post(JSON.stringify(pmv));
    expect(plain.statusCode, plain.body).toBe(200);
    const json = Buffer.from(JSON.stringify(pmv));
    for (const [encoding, body] of [
      ['gzip', gzipSync(json)],
      ['deflate', deflateSync(json)],
      ['br', brotliCompressSync(json)],
      ['BR', brotliCompressSync(json)],
      ['identity', json],
      ['deflate, gzip', gzipSync(deflateSync(json))],
    ] as const) {
      const res = await post(body, encoding);
      expect(res.statusCode, `${encoding}: ${res.body}`).toBe(200);
      expect(res.json()).toEqual(plain.json());
    }
  });

  it('in an encoding CIOP does not know are refused with 415, not read as they are', async () => {
    const at = Date.UTC(2026, 10, 2);
    const line = `forwarder_data,SN=00112233445566BB,channel=1,device=1,medium=humidity value=50 ${at}`;
    for (const encoding of ['x-foo', 'gzip, x-foo', 'zstd']) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v2/write?precision=ms',
        headers: { ...t.ingestHeaders, 'content-encoding': encoding },
        payload: line,
      });
      expect(res.statusCode, res.body).toBe(415);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.headers['accept-encoding']).toBe('gzip, deflate, br');
      expect(res.json().detail).toContain(encoding.split(', ').pop());
    }
    const stored = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings?sn=00112233445566BB&channel=1&device=1&medium=humidity&from=${at - 3_600_000}&to=${at + 3_600_000}`,
      headers: t.readerHeaders,
    });
    // The gateway is unknown (404), or known without that reading.
    if (stored.statusCode !== 404) expect(stored.json().points).toEqual([]);
  });

  it('that do not decode are refused with 400 naming the encoding', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const res = await post(Buffer.from('this is not compressed at all'), encoding);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toContain(encoding);
    }
  });

  it('that decode to more than the endpoint takes are cut off with 413 (compression bombs)', async () => {
    // 32 MiB of zeros: a few tens of kB compressed; the endpoint takes a few MiB.
    const zeros = Buffer.alloc(32 * 1024 * 1024);
    const fast = { params: { [constants.BROTLI_PARAM_QUALITY]: 1 } };
    for (const [encoding, body] of [
      ['gzip', gzipSync(zeros)],
      ['deflate', deflateSync(zeros)],
      ['br', brotliCompressSync(zeros, fast)],
    ] as const) {
      expect(body.length).toBeLessThan(200_000);
      const started = performance.now();
      const res = await post(body, encoding);
      expect(res.statusCode, res.body).toBe(413);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const limit = Number(/larger than (\d+) bytes once decoded/.exec(res.json().detail)?.[1]);
      expect(limit).toBeGreaterThan(0);
      expect(limit).toBeLessThan(zeros.length / 4);
      // Decoding stops at the limit rather than inflating all 32 MiB.
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });

  it('are not taken for a multipart upload, which is read as sent', async () => {
    const admin = await headersAs(t, { roles: ['admin'] });
    const form =
      '--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nBuildingID\r\n--b--\r\n';
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/buildings/import?dryRun=true',
      headers: { ...admin, 'content-type': 'multipart/form-data; boundary=b', 'content-encoding': 'gzip' },
      payload: gzipSync(form),
    });
    expect(res.statusCode, res.body).toBe(415);
    expect(res.json().detail).toContain('multipart/form-data');
  });
});
