import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyError, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { frameworkErrors, MAX_PARAM_LENGTH } from '../plugins/errors.ts';

/** Where `npm run build` puts the web applications. */
// Beside the built server (dist/server → dist/web), or from src/server/web in the sources.
export const DEFAULT_WEB_ROOT = import.meta.url.endsWith('.js')
  ? path.resolve(import.meta.dirname, '..', 'web')
  : path.resolve(import.meta.dirname, '..', '..', '..', 'dist', 'web');

export interface WebOptions {
  /** Folder of the built web applications (default `dist/web`). */
  root?: string;
}

const YEAR_MS = 365 * 86_400_000;

/**
 * Paths the API and the machine endpoints own (REST, InfluxDB write and query, metrics, OCPP): an
 * unknown one there is a problem+json 404, never a page.
 */
const isApiPath = (url: string) => /^\/(api|write|query|ping|metrics|ocpp|ngsi-ld)(\/|\?|$)/.test(url);

/** A page request: a browser asks for HTML; a plain client (curl) takes anything. */
const acceptsHtml = (request: FastifyRequest) => {
  const accept = request.headers.accept ?? '*/*';
  return accept.includes('text/html') || accept.includes('*/*');
};

/**
 * Serves the built single-page application at `/`: hashed assets with a long cache, `index.html`
 * revalidated on every load, and `index.html` for any other GET that asks for a page (the
 * client-side router takes it from there). Without a build, a plain page says how to make one.
 */
export const webRoutes: FastifyPluginAsync<WebOptions> = async (app, options) => {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  if (!existsSync(path.join(root, 'index.html'))) {
    servePlainPage(app);
    return;
  }
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true, index: false });
  // Files at the top of the build (icons, robots.txt), found once: they change only with a new build.
  const topFiles = new Set(
    readdirSync(root, { withFileTypes: true })
      .filter((e) => e.isFile() && e.name !== 'index.html' && !/\.(gz|br)$/.test(e.name))
      .map((e) => e.name),
  );
  const route = { schema: { hide: true }, config: { access: 'public' as const } };

  app.get<{ Params: { '*': string } }>('/assets/*', route, (request, reply) =>
    // File names carry a hash of their content: they never change, so caches may keep them.
    reply.sendFile(`assets/${request.params['*']}`, { maxAge: YEAR_MS, immutable: true }),
  );

  app.get<{ Params: { '*': string } }>('/*', route, (request, reply) => {
    const file = request.params['*'];
    if (topFiles.has(file)) return reply.sendFile(file, { maxAge: 86_400_000 });
    if (isApiPath(request.url)) {
      // The router falls back to this wildcard when a path parameter is too long for a route
      // (it would answer 414 without a web build): answer as it would.
      const tooLong = request.url
        .split(/[?#]/)[0]
        .split('/')
        .some((part) => part.length > MAX_PARAM_LENGTH);
      if (tooLong)
        return frameworkErrors(
          Object.assign(new Error('param too long'), { code: 'FST_ERR_MAX_PARAM_LENGTH' }) as FastifyError,
          request,
          reply,
        );
      return reply.callNotFound();
    }
    if (!acceptsHtml(request)) return reply.callNotFound();
    reply.header('cache-control', 'no-cache');
    return reply.sendFile('index.html', { cacheControl: false });
  });
};

function servePlainPage(app: Parameters<FastifyPluginAsync>[0]): void {
  const platform = app.platform;
  app.get('/', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>CIOP — City Information Open Platform</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}a{color:#0b5394}code{background:#f1f1f1;padding:0 .2em}</style></head>
<body><h1>CIOP — City Information Open Platform</h1>
<p>This CIOP instance is running on ${platform.database.dialect === 'sqlite' ? 'its embedded SQLite database' : 'PostgreSQL'}.</p>
<p>The web applications are not built yet: run <code>npm run build</code> in the repository and restart
(<code>npm start</code> builds them when needed).</p>
<ul><li><a href="/api/docs">API documentation (OpenAPI, Swagger UI)</a></li><li><a href="/api/v1/health">Health</a></li></ul>
</body></html>`;
  });
}
