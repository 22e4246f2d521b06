import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Problem } from '#common/api/problem.ts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error a service throws to answer a request with an RFC 9457 problem. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly extra: Partial<Problem> & Record<string, unknown> = {},
    /** Response headers that go with the problem (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string, extra?: Partial<Problem>) => new HttpProblem(400, detail, extra);
export const unauthorized = (detail: string) => new HttpProblem(401, detail);
export const forbidden = (detail: string) => new HttpProblem(403, detail);
export const notFound = (detail: string) => new HttpProblem(404, detail);
export const conflict = (detail: string, extra?: Partial<Problem>) => new HttpProblem(409, detail, extra);

function problem(status: number, detail: string | undefined, instance?: string, extra = {}): Problem {
  return { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, instance, ...extra };
}

/** The longest path parameter the router takes (Fastify's `maxParamLength`), characters. */
export const MAX_PARAM_LENGTH = 100;

/**
 * Errors the router meets before any route, hook or error handler runs (Fastify's
 * `frameworkErrors`): they leave as problems too. The path is not echoed back when it is too long.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  let body: Problem;
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    body = problem(
      414,
      `A part of this path is too long: a path parameter has at most ${MAX_PARAM_LENGTH} characters.`,
    );
  else if (error.code === 'FST_ERR_BAD_URL')
    body = problem(
      400,
      'The path holds a malformed %-escape (percent-encoding, RFC 3986 §2.1).',
      request.url,
    );
  else if ((error.statusCode ?? 500) < 500) body = problem(error.statusCode!, error.message, request.url);
  else {
    request.log.error({ err: error }, 'request failed before routing');
    body = problem(500, 'The server failed to answer this request; the failure is logged.', request.url);
  }
  void reply.status(body.status).type('application/problem+json').send(body);
}

/** Turns Fastify's validation messages into "where: what" pairs a person can act on. */
function validationErrors(error: FastifyError): { where: string; message: string }[] {
  return (error.validation ?? []).map((v) => {
    const path = v.instancePath ? v.instancePath.replace(/^\//, '').replace(/\//g, '.') : '';
    const params = v.params as {
      missingProperty?: string;
      additionalProperty?: string;
      allowedValues?: unknown[];
    };
    const where = [error.validationContext, path, params.missingProperty ?? params.additionalProperty]
      .filter(Boolean)
      .join('.');
    let message = v.message ?? 'is not valid';
    if (params.additionalProperty) message = 'is not a field this request takes';
    if (params.allowedValues) message += `: ${params.allowedValues.filter((a) => a !== null).join(', ')}`;
    return { where: where || 'request', message };
  });
}

/** Every error leaves as `application/problem+json`; unexpected ones are logged, not shown. */
export const errorsPlugin = fp(async (app: FastifyInstance) => {
  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    let body: Problem;
    if (error instanceof HttpProblem) {
      body = problem(error.status, error.detail, request.url, error.extra);
      reply.headers(error.headers);
    } else if ((error as FastifyError).validation) {
      const errors = validationErrors(error as FastifyError);
      body = problem(400, errors.map((e) => `${e.where}: ${e.message}`).join('; '), request.url, { errors });
    } else if (error.statusCode && error.statusCode < 500) {
      body = problem(error.statusCode, error.message, request.url);
    } else {
      request.log.error({ err: error }, 'request failed');
      body = problem(500, 'The server failed to answer this request; the failure is logged.', request.url);
    }
    reply.status(body.status).type('application/problem+json').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .type('application/problem+json')
      .send(problem(404, `There is nothing at ${request.method} ${request.url.split('?')[0]}.`, request.url));
  });
});
