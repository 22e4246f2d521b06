import http from 'node:http';

// One kept-alive connection, as a dashboard or an integrator's script holds: what is timed is the
// server's answer, not the client's connection set-up.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/** The body of a GET over the kept-alive connection; an answer of 400 or more is an error naming it. */
export function get(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if ((res.statusCode ?? 500) >= 400) reject(new Error(`${url}: ${res.statusCode} ${text}`));
          else resolve(text);
        });
      })
      .on('error', reject);
  });
}

/** Closes the kept-alive connection, so that the process can end. */
export const closeConnections = () => agent.destroy();
