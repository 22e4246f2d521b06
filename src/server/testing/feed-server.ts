import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A headline the local feed server publishes. */
export interface TestStory {
  id: string;
  title: string;
  summary?: string;
  /** Epoch ms. */
  published: number;
  image?: string;
}

export interface FeedServer {
  /** Base URL, e.g. `http://127.0.0.1:34567`. */
  url: string;
  /** Stories of `/rss.xml` (RSS 2.0, Spanish) and `/atom.xml` (Atom 1.0, Basque); change them at will. */
  rss: TestStory[];
  atom: TestStory[];
  /** Requests per path, and how many were answered 304. */
  requests: Map<string, number>;
  notModified: Map<string, number>;
  close(): Promise<void>;
}

const escape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function rssDocument(base: string, stories: TestStory[]): string {
  const items = stories
    .map(
      (s) => `<item><title>${escape(s.title)}</title><link>${base}/story/${s.id}</link>
<guid isPermaLink="false">rss-${s.id}</guid><pubDate>${new Date(s.published).toUTCString()}</pubDate>
<description>${escape(`<p>${s.summary ?? ''}</p>`)}</description>${
        s.image ? `<enclosure url="${escape(s.image)}" type="image/svg+xml" length="1000"/>` : ''
      }</item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Vitoria-Gasteiz hoy</title><link>${base}/</link>
<description>Noticias de la ciudad</description><language>es-ES</language>
${items}
</channel></rss>`;
}

export function atomDocument(base: string, stories: TestStory[]): string {
  const entries = stories
    .map(
      (s) => `<entry><title type="text">${escape(s.title)}</title><id>urn:ciop-test:${s.id}</id>
<link rel="alternate" href="${base}/albistea/${s.id}"/>${
        s.image ? `<link rel="enclosure" type="image/svg+xml" href="${escape(s.image)}"/>` : ''
      }
<published>${new Date(s.published).toISOString()}</published><updated>${new Date(s.published).toISOString()}</updated>
<summary>${escape(s.summary ?? '')}</summary></entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="eu"><title>Gasteizko albisteak</title>
<id>urn:ciop-test:feed</id><updated>${new Date().toISOString()}</updated>
${entries}
</feed>`;
}

/** An image the stories can point at, served by the same server. */
const PICTURE = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 90"><rect width="160" height="90" fill="#2f6f4f"/><circle cx="120" cy="28" r="14" fill="#ffd34d"/><path d="M0 90 40 50l30 25 30-35 60 50z" fill="#cfe8d8"/></svg>`;

/**
 * A small HTTP server publishing an RSS and an Atom feed with ETag and Last-Modified, answering
 * conditional requests with 304; `/broken.xml` fails (HTTP 500) and `/page.html` is not a feed.
 * Stands in, in tests, for the city's news sites.
 */
export async function startFeedServer(
  options: { rss?: TestStory[]; atom?: TestStory[] } = {},
): Promise<FeedServer> {
  const requests = new Map<string, number>();
  const notModified = new Map<string, number>();
  const state = { rss: options.rss ?? [], atom: options.atom ?? [] };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const base = `http://${req.headers.host}`;
    let body: string;
    let type: string;
    if (path === '/rss.xml') {
      body = rssDocument(base, state.rss);
      type = 'application/rss+xml; charset=utf-8';
    } else if (path === '/atom.xml') {
      body = atomDocument(base, state.atom);
      type = 'application/atom+xml; charset=utf-8';
    } else if (path === '/picture.svg') {
      body = PICTURE;
      type = 'image/svg+xml';
    } else if (path === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Not a feed</body></html>');
      return;
    } else if (path === '/broken.xml') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('database down');
      return;
    } else {
      res.writeHead(404).end();
      return;
    }
    // The Atom document carries its own <updated> time: the ETag hashes the stories instead, as a
    // real site's would change only with its content.
    const stories = path === '/atom.xml' ? state.atom : path === '/rss.xml' ? state.rss : [];
    const etag = `"${createHash('sha1')
      .update(path === '/picture.svg' ? body : JSON.stringify(stories))
      .digest('hex')
      .slice(0, 16)}"`;
    const newest = Math.max(0, ...stories.map((s) => s.published));
    const lastModified = new Date(Math.floor(newest / 1000) * 1000 || 0).toUTCString();
    if (req.headers['if-none-match'] === etag) {
      notModified.set(path, (notModified.get(path) ?? 0) + 1);
      res.writeHead(304, { etag, 'last-modified': lastModified }).end();
      return;
    }
    res.writeHead(200, { 'content-type': type, etag, 'last-modified': lastModified }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const feedServer: FeedServer = {
    url: `http://127.0.0.1:${port}`,
    get rss() {
      return state.rss;
    },
    set rss(stories) {
      state.rss = stories;
    },
    get atom() {
      return state.atom;
    },
    set atom(stories) {
      state.atom = stories;
    },
    requests,
    notModified,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return feedServer;
}
