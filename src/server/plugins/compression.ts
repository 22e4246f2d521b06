import { PassThrough, type Readable, Transform, type TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import {
  brotliCompress,
  constants,
  createBrotliDecompress,
  createGunzip,
  createInflate,
  gzip,
} from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { badRequest, HttpProblem } from './errors.ts';

const brotli = promisify(brotliCompress);
const gzipped = promisify(gzip);

/** Smaller answers are sent as they are: compressing them saves less than it costs. */
export const MIN_COMPRESSED_BYTES = 1024;
const COMPRESSIBLE = /^(application\/([\w.+-]*\+)?(json|xml)|text\/|application\/javascript)/;

/** The encoding to answer with, from an Accept-Encoding header: br, else gzip, else none. */
export function chooseEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | undefined {
  const accepted = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (name: string) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  return ok('br') ? 'br' : ok('gzip') ? 'gzip' : undefined;
}

/** The content codings a request body may come in (RFC 9110 §8.4.1), and their decoders. */
const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};
const REQUEST_ENCODINGS = 'gzip, deflate, br';

/** Whether a request carries a body at all (RFC 9112 §6.3). */
function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Counts what comes out of the decoders and stops them, with a 413, as soon as it passes the
 * route's body limit: a small compressed body (a "bomb") may decode to gigabytes.
 */
class DecodedLimit extends Transform {
  private bytes = 0;
  constructor(
    private readonly limit: number,
    private readonly encoding: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit)
      done(
        new HttpProblem(
          413,
          `The body is larger than ${this.limit} bytes once decoded (Content-Encoding ${this.encoding}), the most this endpoint takes.`,
        ),
      );
    else done(null, chunk);
  }
}

/**
 * The body decoded, as the stream the body parsers read. Fastify compares `receivedEncodedLength`
 * with Content-Length, and a decoder's error ends the body as a 400 naming the coding.
 */
function decodedBody(payload: Readable, codings: string[], limit: number): Readable {
  const encoding = codings.join(', ');
  const out = new DecodedLimit(limit, encoding) as DecodedLimit & { receivedEncodedLength: number };
  out.receivedEncodedLength = 0;
  const counter = new PassThrough();
  counter.on('data', (chunk: Buffer) => (out.receivedEncodedLength += chunk.length));
  // Codings are listed in the order they were applied; they are undone from the last.
  const undo = [...codings].reverse();
  const stages: Transform[] = [counter, ...undo.map((c) => DECODERS[c]())];
  const fail = (coding: string) => (error: Error) => {
    out.destroy(
      error instanceof HttpProblem
        ? error
        : badRequest(`The body says Content-Encoding ${coding} but cannot be decoded: ${error.message}.`),
    );
    for (const stage of stages) stage.destroy();
  };
  let stream: Readable = payload;
  payload.on('error', (error) => out.destroy(error));
  for (const [i, stage] of stages.entries()) {
    stage.on('error', fail(i === 0 ? encoding : undo[i - 1]));
    stream = stream.pipe(stage);
  }
  stream.pipe(out);
  out.on('close', () => {
    for (const stage of stages) if (!stage.destroyed) stage.destroy();
    payload.unpipe(counter);
  });
  return out;
}

/**
 * Compresses the API's JSON (and other text) answers for clients that accept it: brotli at a
 * quality fast enough for every request, or gzip. The web applications' files are compressed at
 * build time and sent as they are (they arrive here as streams, which this leaves alone).
 *
 * Decodes compressed request bodies (gzip, deflate, br) within the route's body limit, counted
 * after decoding; a coding CIOP does not know is refused with 415 rather than read as it is.
 * Routes then read the decoded body, so the Content-Encoding header is removed. A multipart
 * upload is read straight from the connection by its own parser: it must come as it was sent.
 */
export const compressionPlugin = fp(async (app: FastifyInstance) => {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const header = request.headers['content-encoding'];
    if (header === undefined || !hasBody(request)) return payload;
    const codings = String(header)
      .split(',')
      .map((c) => c.trim().toLowerCase())
      .filter((c) => c !== '' && c !== 'identity');
    if (codings.length === 0) return payload;
    const unknown = codings.find((c) => !(c in DECODERS));
    if (unknown !== undefined)
      throw new HttpProblem(
        415,
        `The body's Content-Encoding ${unknown} is not one CIOP reads; send it as it is, or in ${REQUEST_ENCODINGS}.`,
        {},
        { 'accept-encoding': REQUEST_ENCODINGS },
      );
    if (/^multipart\/form-data\b/i.test(request.headers['content-type'] ?? ''))
      throw new HttpProblem(
        415,
        'A multipart/form-data body is read as it is sent: send it without Content-Encoding.',
        {},
        { 'accept-encoding': 'identity' },
      );
    const limit = request.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit ?? 1024 * 1024;
    delete request.headers['content-encoding'];
    return decodedBody(payload as unknown as Readable, codings, limit);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    if (reply.getHeader('content-encoding') || request.method === 'HEAD') return payload;
    if (!COMPRESSIBLE.test(String(reply.getHeader('content-type') ?? ''))) return payload;
    const size = Buffer.byteLength(payload);
    if (size < MIN_COMPRESSED_BYTES) return payload;
    const vary = String(reply.getHeader('vary') ?? '');
    if (!/accept-encoding/i.test(vary))
      reply.header('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
    const encoding = chooseEncoding(request.headers['accept-encoding']);
    if (!encoding) return payload;
    const body =
      encoding === 'br'
        ? await brotli(payload, {
            params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: size },
          })
        : await gzipped(payload, { level: 6 });
    reply.header('content-encoding', encoding);
    reply.removeHeader('content-length');
    return body;
  });
});
