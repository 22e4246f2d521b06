import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ActiveContext, activeContext, CORE_CONTEXT_URL, LINK_REL } from './context.ts';
import { ngsiLdError } from './ngsild-errors.ts';

/**
 * What every NGSI-LD route shares: the request's @context, answers in application/json (the
 * context in a Link header) or application/ld+json (the context in the body) as the client
 * accepts (ETSI GS CIM 009 V1.8.1 §6.3.6), bodies sent as application/ld+json, and schema errors
 * as BadRequestData.
 */

/** JSON text written by hand (a year of aggregated periods), put into an answer as is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON.stringify, with {@link RawJson} parts put in as they are. */
export function toJson(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) =>
    v instanceof RawJson ? `\uE000${raws.push(v.text) - 1}\uE000` : v,
  );
  return raws.length === 0 ? text : text.replace(/"\uE000(\d+)\uE000"/g, (_m, i: string) => raws[Number(i)]);
}

/** The context of a request: its Link header, or the `@context` of its JSON-LD body. */
export function contextOf(request: FastifyRequest): ActiveContext {
  // A list of entities carries the context in each: the first one's is read.
  const given = request.body as unknown;
  const body = (Array.isArray(given) ? given[0] : given) as Record<string, unknown> | undefined;
  const ldBody = /application\/ld\+json/.test(request.headers['content-type'] ?? '');
  if (ldBody && body && typeof body === 'object') {
    if (request.headers.link)
      throw ngsiLdError(
        'BadRequestData',
        'A JSON-LD body carries its @context inline: send no Link header with it.',
      );
    if (!('@context' in body))
      throw ngsiLdError('BadRequestData', 'A body sent as application/ld+json holds its @context.');
    return activeContext(undefined, body['@context']);
  }
  const link = request.headers.link;
  return activeContext(Array.isArray(link) ? link.join(',') : link);
}

/** Whether the client wants application/ld+json (else application/json); NotAcceptable when neither. */
export function wantsLd(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '*/*';
  if (/application\/ld\+json/.test(accept)) return true;
  if (/application\/json|application\/\*|\*\/\*/.test(accept)) return false;
  throw ngsiLdError('NotAcceptable', `CIOP answers application/json or application/ld+json, not ${accept}.`);
}

const contextUrl = (context: ActiveContext) =>
  typeof context.given === 'string' ? context.given : CORE_CONTEXT_URL;

/** Sends an answer in the form the client accepts, with its context. */
export function sendLd(
  request: FastifyRequest,
  reply: FastifyReply,
  body: unknown,
  context: ActiveContext,
  status = 200,
): FastifyReply {
  if (wantsLd(request)) {
    const withContext = (x: unknown) =>
      x && typeof x === 'object' && !Array.isArray(x) ? { ...(x as object), '@context': context.given } : x;
    return reply
      .status(status)
      .type('application/ld+json')
      .send(toJson(Array.isArray(body) ? body.map(withContext) : withContext(body)));
  }
  return reply
    .status(status)
    .header('link', `<${contextUrl(context)}>; rel="${LINK_REL}"; type="application/ld+json"`)
    .type('application/json')
    .send(toJson(body));
}

/** Bodies as application/ld+json, and schema errors as BadRequestData (handled by the app's error handler). */
export function ngsiLdHttp(app: FastifyInstance): void {
  app.addContentTypeParser('application/ld+json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, JSON.parse(String(body)));
    } catch {
      done(ngsiLdError('InvalidRequest', 'The body is not JSON.'), undefined);
    }
  });
  app.setErrorHandler((error, _request, _reply) => {
    const validation = (error as { validation?: unknown }).validation;
    if (validation) throw ngsiLdError('BadRequestData', (error as Error).message);
    if ((error as { code?: string }).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      throw ngsiLdError('InvalidRequest', 'Send the body as application/json or application/ld+json.');
    if ((error as { code?: string }).code === 'FST_ERR_CTP_INVALID_JSON_BODY' || error instanceof SyntaxError)
      throw ngsiLdError('InvalidRequest', 'The body is not JSON.');
    throw error;
  });
}
