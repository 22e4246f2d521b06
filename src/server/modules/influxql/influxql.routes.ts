import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { READ_READINGS } from '../../access/readers.ts';
import { principalOf } from '../../plugins/access.ts';
import { Readable } from 'node:stream';
import { chunksOf, QueryRefused } from './influxql.service.ts';

const tags = ['influxql'];

/** Rows a chunk holds when `chunk_size` is not given, as in InfluxDB. */
const DEFAULT_CHUNK_SIZE = 10_000;

const QueryParams = Type.Object({
  q: Type.Optional(Type.String({ description: 'InfluxQL: one or more statements separated by `;`.' })),
  db: Type.Optional(Type.String({ description: 'Accepted and ignored: CIOP has one database.' })),
  rp: Type.Optional(Type.String()),
  epoch: Type.Optional(
    Type.String({ description: 'ns, u, ms, s, m or h: times as integers; absent: RFC 3339.' }),
  ),
  chunked: Type.Optional(
    Type.String({
      description:
        'true: the answer streamed as one JSON object a line, series cut in parts of chunk_size rows (`partial` on all but the last part), as InfluxDB streams it.',
    }),
  ),
  chunk_size: Type.Optional(Type.String({ description: 'Rows a chunk holds at most; 10000 by default.' })),
  pretty: Type.Optional(Type.String()),
  u: Type.Optional(Type.String()),
  p: Type.Optional(Type.String()),
});

const description =
  "The InfluxDB 1.x query API, for Grafana and the InfluxDB client libraries: SHOW DATABASES, MEASUREMENTS, TAG KEYS, TAG VALUES, FIELD KEYS and RETENTION POLICIES; SHOW SERIES; SELECT of fields, of * or of mean, median, min, max, spread, sum, count, first and last, and difference() and non_negative_derivative() of a field or of an aggregate, with WHERE on tags, field values and time, GROUP BY time() and tags, fill(null|none|previous|linear|N), ORDER BY time DESC, LIMIT/OFFSET, SLIMIT/SOFFSET and tz(). With chunked=true the answer is streamed in InfluxDB's chunked shape. Every answer holds only the series the caller sees. Authenticate as for `/write` (Token, Bearer, Basic, `u`/`p`) or with a person's access token. A statement CIOP does not serve answers InfluxDB's error shape, naming what is not supported.";

/** `/query`, where InfluxDB clients look for it. */
export const influxqlRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { influxql, clock } = app.platform;

  // InfluxDB clients POST the query as a form.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    },
  );

  const answer = async (
    request: FastifyRequest<{ Querystring: Record<string, string | undefined> }>,
    reply: FastifyReply,
  ) => {
    const form = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<
      string,
      unknown
    >;
    const param = (name: string) => {
      const value = form[name] ?? request.query[name];
      return typeof value === 'string' ? value : undefined;
    };
    const q = param('q');
    reply.header('X-Influxdb-Version', '1.8-ciop');
    if (q === undefined || q.trim() === '')
      return reply.status(400).send({ error: 'missing required parameter "q"' });
    try {
      if (param('chunked') === 'true') {
        const size = Number(param('chunk_size'));
        const chunkSize = Number.isInteger(size) && size > 0 ? size : DEFAULT_CHUNK_SIZE;
        const answers = influxql.answers(q, param('epoch'), principalOf(request), clock.now());
        const lines = async function* () {
          for await (const { answer, chunkable } of answers)
            for (const chunk of chunksOf(answer, chunkable, chunkSize)) yield `${JSON.stringify(chunk)}\n`;
        };
        return reply.type('application/json').send(Readable.from(lines()));
      }
      const results = await influxql.query(q, param('epoch'), principalOf(request), clock.now());
      return reply.send({ results });
    } catch (error) {
      if (error instanceof QueryRefused) return reply.status(400).send({ error: error.message });
      throw error;
    }
  };

  for (const method of ['GET', 'POST'] as const) {
    app.route({
      method,
      url: '/query',
      schema: {
        tags,
        summary: `Query with InfluxQL (InfluxDB 1.x compatible, ${method})`,
        description,
        querystring: QueryParams,
      },
      config: { access: READ_READINGS },
      handler: answer,
    });
  }
};
