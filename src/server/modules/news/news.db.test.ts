import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedServer, startFeedServer } from '../../testing/feed-server.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { NewsService } from './news.service.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('the local news channel', () => {
  let t: TestPlatform;
  let feeds: FeedServer;
  let admin: Record<string, string>;
  const now = Date.now();

  beforeAll(async () => {
    t = await openTestPlatform({ newsRetentionDays: 30 });
    admin = await headersAs(t, { roles: ['admin'] });
    feeds = await startFeedServer({
      rss: [
        { id: 'a', title: 'Nuevo carril bici en Aldabe', published: now - 2 * HOUR, image: 'x' },
        {
          id: 'b',
          title: 'Fiestas de La Blanca',
          summary: 'Programa <b>completo</b>',
          published: now - 5 * HOUR,
        },
        { id: 'old', title: 'Noticia antigua', published: now - 60 * DAY },
      ],
      atom: [{ id: 'k', title: 'Bizikleta bide berria', published: now - 3 * HOUR }],
    });
  });
  afterAll(async () => {
    await t?.close();
    await feeds?.close();
  });

  const addFeed = (body: object, headers = admin) =>
    t.app.inject({ method: 'POST', url: '/api/v1/news/feeds', headers, payload: body });
  const fetchNow = async (id: number) =>
    (await t.app.inject({ method: 'POST', url: `/api/v1/news/feeds/${id}/fetch`, headers: admin })).json();
  const publicNews = async (query = '') => (await t.app.inject({ url: `/api/v1/news${query}` })).json();

  it('is idle, not failing, before any feed is configured', async () => {
    expect(await publicNews()).toEqual({ items: [], feeds: 0 });
  });

  it('lets only admins configure feeds', async () => {
    expect((await addFeed({ url: `${feeds.url}/rss.xml` }, {})).statusCode).toBe(401);
    const resident = await headersAs(t, { roles: ['resident'] });
    expect((await addFeed({ url: `${feeds.url}/rss.xml` }, resident)).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/v1/news/feeds', headers: resident })).statusCode).toBe(403);
    const bad = await addFeed({ url: 'ftp://example.org/feed' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/url/);
  });

  it('fetches a feed, keeps its recent items once, and answers 304 afterwards without duplicates', async () => {
    const created = await addFeed({ url: `${feeds.url}/rss.xml`, title: 'Vitoria hoy' });
    expect(created.statusCode).toBe(201);
    const feed = created.json();
    expect(feed).toMatchObject({ title: 'Vitoria hoy', enabled: true, lastStatus: null, items: 0 });
    expect((await addFeed({ url: `${feeds.url}/rss.xml` })).statusCode).toBe(409);

    expect(await fetchNow(feed.id)).toEqual({ feedId: feed.id, status: 'ok', added: 2 });
    expect(await fetchNow(feed.id)).toEqual({ feedId: feed.id, status: 'not-modified', added: 0 });
    expect(feeds.notModified.get('/rss.xml')).toBe(1);

    const news = await publicNews();
    expect(news.feeds).toBe(1);
    expect(news.items.map((i: { title: string }) => i.title)).toEqual([
      'Nuevo carril bici en Aldabe',
      'Fiestas de La Blanca',
    ]);
    expect(news.items[1]).toMatchObject({
      source: 'Vitoria hoy',
      summary: 'Programa completo',
      language: 'es',
    });

    // A new story changes the ETag: the feed is read again, and only the new story is added.
    feeds.rss = [{ id: 'c', title: 'Mercado de Navidad', published: now - HOUR }, ...feeds.rss];
    expect(await fetchNow(feed.id)).toEqual({ feedId: feed.id, status: 'ok', added: 1 });
    const again = await publicNews('?limit=10');
    expect(again.items).toHaveLength(3);
    expect(new Set(again.items.map((i: { id: number }) => i.id)).size).toBe(3);
  });

  it('filters by language and by limit', async () => {
    const atom = (await addFeed({ url: `${feeds.url}/atom.xml` })).json();
    await fetchNow(atom.id);
    const eu = await publicNews('?lang=eu');
    expect(eu.items.map((i: { title: string }) => i.title)).toEqual(['Bizikleta bide berria']);
    expect(eu.items[0].source).toBe('Gasteizko albisteak');
    expect((await publicNews('?lang=es&limit=2')).items).toHaveLength(2);
    // No feed is in English: rather than an empty channel, every language.
    const en = await publicNews('?lang=en&limit=100');
    expect(en.items.map((i: { language: string }) => i.language).sort()).toEqual(['es', 'es', 'es', 'eu']);
    expect((await t.app.inject({ url: '/api/v1/news?lang=fr' })).statusCode).toBe(400);
  });

  it('records a failing feed for admins and keeps viewers unaware of it', async () => {
    const broken = (await addFeed({ url: `${feeds.url}/broken.xml` })).json();
    const report = await fetchNow(broken.id);
    expect(report).toMatchObject({ status: 'error', error: expect.stringMatching(/HTTP 500/) });
    await fetchNow(broken.id);
    const listed = (await t.app.inject({ url: '/api/v1/news/feeds', headers: admin })).json();
    const status = listed.feeds.find((f: { id: number }) => f.id === broken.id);
    expect(status).toMatchObject({
      lastStatus: 'error',
      consecutiveFailures: 2,
      lastError: expect.stringMatching(/HTTP 500/),
    });
    expect(status.lastErrorAt).toBeGreaterThan(0);
    const viewers = await t.app.inject({ url: '/api/v1/news' });
    expect(viewers.statusCode).toBe(200);
    expect(viewers.body).not.toMatch(/broken|HTTP 500|error/i);
  });

  it('fetches every enabled feed in one round, idempotently', async () => {
    const before = (await publicNews('?limit=100')).items.length;
    const reports = await t.platform.news.fetchAll();
    expect(reports.map((r) => r.status).sort()).toEqual(['error', 'not-modified', 'not-modified']);
    expect((await publicNews('?limit=100')).items.length).toBe(before);
  });

  it('disables, renames and removes a feed with its items', async () => {
    const listed = (await t.app.inject({ url: '/api/v1/news/feeds', headers: admin })).json();
    const rss = listed.feeds.find((f: { url: string }) => f.url.endsWith('/rss.xml'));
    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/news/feeds/${rss.id}`,
      headers: admin,
      payload: { enabled: false, title: 'Ayuntamiento' },
    });
    expect(patched.json()).toMatchObject({ enabled: false, title: 'Ayuntamiento' });
    const shown = (await publicNews('?limit=100')).items;
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.filter((i: { language: string }) => i.language === 'es')).toEqual([]);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/news/feeds/${rss.id}`,
      headers: admin,
    });
    expect(removed.statusCode).toBe(204);
    const gone = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/news/feeds/${rss.id}`,
      headers: admin,
    });
    expect(gone.statusCode).toBe(404);
    expect(gone.headers['content-type']).toContain('application/problem+json');
  });

  it('drops items once they are older than the retention time', async () => {
    let clock = Date.now();
    const news = new NewsService(
      t.platform.database.db,
      pino({ level: 'silent' }),
      { retentionDays: 30 },
      () => clock,
    );
    const kept = (await news.listItems(100)).items.length;
    expect(kept).toBeGreaterThan(0);
    expect(await news.purge()).toBe(0);
    clock += 29 * DAY;
    expect(await news.purge()).toBe(0);
    clock += 2 * DAY;
    expect(await news.purge()).toBe(kept);
    expect((await news.listItems(100)).items).toEqual([]);
  });
});
