import fp from 'fastify-plugin';

/** Times every HTTP request into the metrics, by method, route template and status. */
export const httpMetricsPlugin = fp(async (app) => {
  const { metrics } = app.platform;
  app.addHook('onResponse', async (request, reply) => {
    // Unmatched requests share one label, so scanners cannot grow the series without bound.
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.request(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
});
