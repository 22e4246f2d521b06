import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Successful calls are recorded in the audit log under this area (`registry` → `registry.post`). */
    audit?: string;
  }
}

/** Changes made through routes that ask for it land in the audit log: who, what, when, from where. */
export const auditPlugin = fp(async (app: FastifyInstance) => {
  const { audit } = app.platform;
  app.addHook('onResponse', async (request, reply) => {
    const area = request.routeOptions.config.audit;
    if (!area || reply.statusCode >= 400 || request.method === 'GET') return;
    const id = (request.params as { id?: string | number } | undefined)?.id;
    await audit.record({
      action: `${area}.${request.method.toLowerCase()}`,
      actor: request.principal,
      ip: request.ip,
      target: { type: request.routeOptions.url ?? request.url, id: id ?? '' },
      detail: { status: reply.statusCode },
    });
  });
});
