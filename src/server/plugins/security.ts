import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../config.ts';
import { HttpProblem } from './errors.ts';

/**
 * Content Security Policy for the web applications (Vue, built by Vite, so no inline scripts),
 * MapLibre (its worker is a blob:, tiles and sprites come as data:/blob: images, its styles are
 * set inline), Swagger UI at /api/docs (its scripts are files; it sets inline styles) and the
 * pictures of news headlines, which stay on their publishers' sites.
 */
export const CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  // News headlines show their publishers' pictures (the TV page, the carousel); an image can
  // run no code, and scripts, styles and connections stay on this origin.
  imgSrc: ["'self'", 'data:', 'blob:', 'https:', 'http:'],
  fontSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  workerSrc: ["'self'", 'blob:'],
  childSrc: ["'self'", 'blob:'],
  manifestSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  // Not upgrade-insecure-requests: an instance reached over plain HTTP (a demo on a laptop)
  // would lose every asset.
  upgradeInsecureRequests: null,
};

/**
 * The policy for a configuration: the base map's host (CIOP_MAP_STYLE_URL), and that host only,
 * may be fetched from (its style, tiles, glyphs and sprites come through fetch).
 */
export function cspDirectives(config: Pick<Config, 'mapStyleUrl'>): typeof CSP_DIRECTIVES {
  if (!config.mapStyleUrl) return CSP_DIRECTIVES;
  return {
    ...CSP_DIRECTIVES,
    connectSrc: [...CSP_DIRECTIVES.connectSrc, new URL(config.mapStyleUrl).origin],
  };
}

/** One year; sent only on requests that came over TLS (directly or through a trusted proxy). */
const HSTS = 'max-age=31536000; includeSubDomains';

/** A rate-limit refusal as a problem a person can act on. */
function tooMany(after: string): HttpProblem {
  return new HttpProblem(429, `Too many requests from your address: try again in ${after}.`);
}

/**
 * Security headers, cookies and rate limits. CORS stays off (no Access-Control-* headers):
 * the web applications are served from the same origin as the API.
 */
export const securityPlugin = fp(async (app: FastifyInstance, options: { config: Config }) => {
  const { config } = options;
  await app.register(cookie);
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(config) },
    hsts: false,
    crossOriginEmbedderPolicy: false,
    frameguard: { action: 'deny' },
  });
  app.addHook('onRequest', async (request, reply) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
  });

  // Limits set on a route (`config.rateLimit`) apply on their own; the global one is a hook of
  // its own that runs before authentication, so that guessing tokens is limited too.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => tooMany(context.after),
  });
  if (config.rateLimitPerMinute > 0) {
    app.addHook('onRequest', app.rateLimit({ max: config.rateLimitPerMinute, timeWindow: 60_000 }));
  }
});

/** The `config.rateLimit` of a sensitive route: `max` per `windowMs` per address (0 = none). */
export function routeLimit(
  max: number,
  windowMs: number,
): { rateLimit?: { max: number; timeWindow: number } } {
  return max > 0 ? { rateLimit: { max, timeWindow: windowMs } } : {};
}
