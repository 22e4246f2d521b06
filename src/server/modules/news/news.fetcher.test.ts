import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FeedServer, startFeedServer } from '../../testing/feed-server.ts';
import { FeedFetchError, fetchFeed, parseFeedDocument, plainText } from './news.fetcher.ts';

const OPTIONS = { timeoutMs: 5000, maxBytes: 1024 * 1024, userAgent: 'test' };
const HOUR = 3_600_000;

describe('parsing feeds', () => {
  it('reads an RSS item: guid as key, text without markup, enclosure image, date', () => {
    const feed =
      parseFeedDocument(`<?xml version="1.0"?><rss version="2.0"><channel><title>Ayto &amp; ciudad</title>
<link>https://example.org/</link><description>d</description><language>es-ES</language>
<item><title>Obras en &lt;b&gt;Aldabe&lt;/b&gt;</title><link>https://example.org/1</link><guid>g-1</guid>
<pubDate>Wed, 25 Nov 2026 10:00:00 GMT</pubDate><description><![CDATA[<p>Cortes de tráfico &amp; desvíos<script>alert(1)</script></p>]]></description>
<enclosure url="https://example.org/1.jpg" type="image/jpeg" length="10"/></item>
</channel></rss>`);
    expect(feed.title).toBe('Ayto & ciudad');
    expect(feed.language).toBe('es');
    expect(feed.items).toEqual([
      {
        key: 'g-1',
        title: 'Obras en Aldabe',
        link: 'https://example.org/1',
        summary: 'Cortes de tráfico & desvíos',
        imageUrl: 'https://example.org/1.jpg',
        publishedAt: Date.UTC(2026, 10, 25, 10),
      },
    ]);
  });

  it('reads an Atom entry: id as key, alternate link, image from the content, language from xml:lang', () => {
    const feed =
      parseFeedDocument(`<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xml:lang="eu-ES">
<title>Albisteak</title><id>urn:f</id><updated>2026-11-25T10:00:00Z</updated>
<entry><title type="html">Kaixo &amp;amp; agur</title><id>urn:e1</id><updated>2026-11-25T10:00:00Z</updated>
<link rel="alternate" href="https://example.eus/1"/><content type="html">&lt;img src="https://example.eus/p.png"&gt; Testua</content></entry></feed>`);
    expect(feed.language).toBe('eu');
    expect(feed.items[0]).toMatchObject({
      key: 'urn:e1',
      title: 'Kaixo & agur',
      link: 'https://example.eus/1',
      imageUrl: 'https://example.eus/p.png',
      publishedAt: Date.UTC(2026, 10, 25, 10),
    });
  });

  it('keys an item without guid by its link, and refuses links that are not http', () => {
    const feed =
      parseFeedDocument(`<rss version="2.0"><channel><title>t</title><link>x</link><description>d</description>
<item><title>A</title><link>https://example.org/a</link></item>
<item><title>B</title><link>javascript:alert(1)</link></item></channel></rss>`);
    expect(feed.items.map((i) => [i.key, i.link])).toEqual([
      ['https://example.org/a', 'https://example.org/a'],
      ['B', null],
    ]);
    expect(feed.items[0].publishedAt).toBeNull();
  });

  it('says plainly when a document is not a feed', () => {
    expect(() => parseFeedDocument('<html><body>hello</body></html>')).toThrow(/not an RSS or Atom feed/);
  });

  it('decodes entities and drops tags', () => {
    expect(plainText('<p>caf&eacute; &#233; &#xE9; &lt;x&gt; &Ntilde; &bogus;</p>')).toBe(
      'café é é <x> Ñ &bogus;',
    );
  });
});

describe('fetching feeds from a local feed server', () => {
  let server: FeedServer;
  beforeAll(async () => {
    server = await startFeedServer({
      rss: [{ id: '1', title: 'Primera', published: Date.now() - HOUR }],
      atom: [{ id: '1', title: 'Lehena', published: Date.now() - HOUR }],
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('sends the validators back and gets 304 while the feed is unchanged', async () => {
    const first = await fetchFeed(`${server.url}/rss.xml`, { etag: null, lastModified: null }, OPTIONS);
    expect(first.status).toBe('ok');
    if (first.status !== 'ok') return;
    expect(first.validators.etag).toMatch(/^"/);
    expect(first.validators.lastModified).toBeTruthy();
    expect(first.feed.items.map((i) => i.title)).toEqual(['Primera']);

    const second = await fetchFeed(`${server.url}/rss.xml`, first.validators, OPTIONS);
    expect(second).toEqual({ status: 'not-modified' });
    expect(server.notModified.get('/rss.xml')).toBe(1);

    server.rss = [...server.rss, { id: '2', title: 'Segunda', published: Date.now() }];
    const third = await fetchFeed(`${server.url}/rss.xml`, first.validators, OPTIONS);
    expect(third.status).toBe('ok');
  });

  it('fails with a reason an admin can act on', async () => {
    const attempt = (path: string, options = OPTIONS) =>
      fetchFeed(`${server.url}${path}`, { etag: null, lastModified: null }, options);
    await expect(attempt('/broken.xml')).rejects.toThrow(/HTTP 500/);
    await expect(attempt('/page.html')).rejects.toThrow(/not an RSS or Atom feed/);
    await expect(attempt('/atom.xml', { ...OPTIONS, maxBytes: 100 })).rejects.toThrow(/larger than/);
    await expect(
      fetchFeed('http://127.0.0.1:9/feed.xml', { etag: null, lastModified: null }, OPTIONS),
    ).rejects.toBeInstanceOf(FeedFetchError);
  });
});
