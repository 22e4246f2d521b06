import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  type FastifyPluginAsyncTypebox,
  Type,
  type TypeBoxTypeProvider,
} from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IngestBodySchema, IngestResultSchema } from '#common/api/readings.ts';
import { parsePrecision, type Precision } from '#common/line-protocol/index.ts';
import { type Access, principalOf } from '../../plugins/access.ts';
import { badRequest, HttpProblem } from '../../plugins/errors.ts';

/** Machines with `ingest:write`, and the people who back-fill history. */
export const WRITE_READINGS: Access = { roles: ['admin'], scopes: ['ingest:write', 'admin'] };
const BACKFILL: Access = { roles: ['admin', 'installer'], scopes: ['ingest:write', 'admin'] };

const tags = ['ingest'];
const NoContent = Type.Null({ description: 'Stored durably.' });

const tooLarge = (limit: number, what = '') =>
  new HttpProblem(413, `The body is larger than ${limit} bytes${what} (CIOP_INGEST_MAX_BODY_BYTES).`);

/**
 * The chunks of a stream as they come, `limit` bytes at most. They are not joined: a body of
 * 25 MB joined takes 25 MB of fresh memory at once, whose page faults alone hold the thread for
 * tens of milliseconds.
 */
function collect(stream: Readable, limit: number, tooLong: () => Error): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    stream.on('data', (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      bytes += buffer.length;
      if (bytes > limit) {
        stream.destroy();
        reject(tooLong());
        return;
      }
      chunks.push(buffer);
    });
    stream.on('end', () => resolve(chunks));
    stream.on('error', reject);
  });
}

/** The body's chunks, gunzipped when the client compressed it, within the size limit. */
async function bodyChunks(request: FastifyRequest, limit: number): Promise<Buffer[]> {
  const raw = request.body;
  if (raw === undefined || raw === null) return [];
  const chunks = Array.isArray(raw) ? (raw as Buffer[]) : [Buffer.from(String(raw))];
  if (!(request.headers['content-encoding'] ?? '').toLowerCase().includes('gzip')) return chunks;
  const gunzip = createGunzip();
  const out = collect(gunzip, limit, () => tooLarge(limit, ' once decompressed'));
  for (const chunk of chunks) gunzip.write(chunk);
  gunzip.end();
  try {
    return await out;
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    throw badRequest(`The body says it is gzip but cannot be decompressed: ${(error as Error).message}`);
  }
}

/** The precisions each InfluxDB API takes: 2.x has no minutes or hours. */
const V2_PRECISIONS: readonly Precision[] = ['ns', 'us', 'ms', 's'];
const V1_PRECISIONS: readonly Precision[] = ['ns', 'us', 'ms', 's', 'm', 'h'];

function precisionOf(raw: string | undefined, allowed: readonly Precision[]): Precision {
  let precision: Precision;
  try {
    precision = parsePrecision(raw, 'ns');
  } catch (error) {
    throw badRequest((error as Error).message);
  }
  if (!allowed.includes(precision)) {
    throw badRequest(`precision "${raw}" is not taken here; use one of ${allowed.join(', ')}.`);
  }
  return precision;
}

/**
 * Ingest: the JSON API, CSV back-fill, and InfluxDB-compatible writes so that the city's
 * forwarders, Telegraf and InfluxDB client libraries write to CIOP unchanged.
 */
export const ingestRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ingest, config, metrics } = app.platform;
  const limit = config.ingestMaxBodyBytes;

  /** Both InfluxDB-compatible writes: all lines or none, 204 once durable. */
  const writeLines = async (
    request: FastifyRequest<{ Querystring: { precision?: string } }>,
    reply: FastifyReply,
    precisions: readonly Precision[],
  ) => {
    const precision = precisionOf(request.query.precision, precisions);
    const stored = await ingest.writeLineProtocol(
      await bodyChunks(request, limit),
      precision,
      principalOf(request),
    );
    metrics.ingested('http-line-protocol', stored);
    return reply.status(204).send(null);
  };

  app.post(
    '/api/v1/ingest',
    {
      schema: {
        tags,
        summary: 'Write readings (JSON)',
        description:
          'A batch is validated whole: if any reading is bad, nothing is stored and the reply says which and why. A 200 reply means the readings are durable.',
        body: IngestBodySchema,
        response: { 200: IngestResultSchema },
      },
      bodyLimit: limit,
      config: { access: WRITE_READINGS },
    },
    async (request) => {
      const stored = await ingest.writeJson(request.body.readings, principalOf(request));
      metrics.ingested('http-json', stored);
      return { stored };
    },
  );

  // Raw bodies: line protocol and CSV, possibly gzip-compressed.
  await app.register(async (instance) => {
    const raw = instance.withTypeProvider<TypeBoxTypeProvider>();
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { bodyLimit: limit }, (request, payload, done) => {
      if (Number(request.headers['content-length']) > limit) {
        done(tooLarge(limit), undefined);
        return;
      }
      collect(payload, limit, () => tooLarge(limit)).then(
        (chunks) => done(null, chunks),
        (error: Error) => done(error, undefined),
      );
    });

    raw.post(
      '/api/v1/ingest/csv',
      {
        schema: {
          tags,
          summary: 'Back-fill readings from CSV',
          description:
            'Columns as in the data export: `sensor_id`, or `sn`, `channel`, `device` and `medium`; then `time` (ISO 8601 or epoch ms) and `value`. Original times are kept; rows already stored are overwritten, so a re-import is idempotent. All rows or none.',
          response: { 200: IngestResultSchema },
        },
        bodyLimit: limit,
        config: { access: BACKFILL },
      },
      async (request) => {
        const catalog = app.platform.catalog;
        const text = Buffer.concat(await bodyChunks(request, limit)).toString('utf8');
        const stored = await ingest.writeCsv(text, principalOf(request), (sensorId) =>
          catalog.keyOfSensor(sensorId),
        );
        metrics.ingested('http-csv', stored);
        return { stored };
      },
    );

    raw.post(
      '/api/v2/write',
      {
        schema: {
          tags,
          summary: 'Write line protocol (InfluxDB 2.x compatible)',
          description:
            'Send `Authorization: Token …`. `org` and `bucket` are accepted and ignored. All lines or none (InfluxDB 2.x semantics).',
          querystring: Type.Object({
            org: Type.Optional(Type.String()),
            orgID: Type.Optional(Type.String()),
            bucket: Type.Optional(Type.String()),
            precision: Type.Optional(Type.String({ description: 'ns (default), us, ms or s' })),
          }),
          response: { 204: NoContent },
        },
        bodyLimit: limit,
        config: { access: WRITE_READINGS },
      },
      async (request, reply) => writeLines(request, reply, V2_PRECISIONS),
    );

    raw.post(
      '/write',
      {
        schema: {
          tags,
          summary: 'Write line protocol (InfluxDB 1.x compatible)',
          description:
            'Authenticate with Basic auth, `u`/`p`, or `Authorization: Token …`. `db` and `rp` are accepted and ignored. All lines or none.',
          querystring: Type.Object({
            db: Type.Optional(Type.String()),
            rp: Type.Optional(Type.String()),
            u: Type.Optional(Type.String()),
            p: Type.Optional(Type.String()),
            precision: Type.Optional(Type.String({ description: 'n (default), u, ms, s, m or h' })),
            consistency: Type.Optional(Type.String()),
          }),
          response: { 204: NoContent },
        },
        bodyLimit: limit,
        config: { access: WRITE_READINGS },
      },
      async (request, reply) => writeLines(request, reply, V1_PRECISIONS),
    );
  });

  for (const url of ['/ping', '/health']) {
    app.route({
      method: ['GET', 'HEAD'],
      url,
      schema: {
        tags,
        summary: 'Liveness, for InfluxDB clients that check it before writing',
        hide: url === '/health',
      },
      config: { access: 'public' },
      handler: async (_request, reply) => {
        reply.header('X-Influxdb-Version', '1.8-ciop');
        if (url === '/health') return { name: 'ciop', status: 'pass', message: 'ready for writes' };
        return reply.status(204).send(null);
      },
    });
  }
};
