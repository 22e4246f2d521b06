import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A local HTTP server standing for a maintenance system that receives webhooks. */
export interface WebhookServer {
  url: string;
  /** Bodies received (parsed JSON), with their headers, oldest first. */
  received: { headers: http.IncomingHttpHeaders; body: unknown }[];
  /** Status to answer with (default 204). */
  status: number;
  close(): Promise<void>;
}

export async function startWebhookServer(): Promise<WebhookServer> {
  const state = { received: [] as WebhookServer['received'], status: 204 };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (state.status < 300) state.received.push({ headers: request.headers, body: JSON.parse(text) });
      response.writeHead(state.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/hooks/ciop`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
