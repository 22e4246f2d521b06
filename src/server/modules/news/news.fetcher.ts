import { type AnyFeed, parseFeed } from 'feedsmith';

/** What a previous fetch of a feed answered, for a conditional request. */
export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

/** One headline as read from a feed, before it is stored. */
export interface ParsedItem {
  /** guid (RSS) or id (Atom), else the link, else the title: what makes the item the same story. */
  key: string;
  title: string;
  link: string | null;
  /** Plain text, shortened. */
  summary: string;
  imageUrl: string | null;
  /** Epoch ms; null when the feed gives no date. */
  publishedAt: number | null;
}

export interface ParsedFeed {
  title: string | null;
  /** Declared language, reduced to its primary subtag (`es-ES` → `es`). */
  language: string | null;
  items: ParsedItem[];
}

export type FetchOutcome =
  { status: 'not-modified' } | { status: 'ok'; validators: Validators; feed: ParsedFeed };

export interface FetchOptions {
  /** Give up after this many milliseconds. */
  timeoutMs: number;
  /** Refuse bodies larger than this many bytes. */
  maxBytes: number;
  userAgent: string;
}

/** A fetch that failed, with a reason an admin can act on. */
export class FeedFetchError extends Error {}

const SUMMARY_CHARS = 400;

/**
 * Fetches a feed with a conditional request (If-None-Match / If-Modified-Since from the last
 * answer), so an unchanged feed costs a 304 and nothing is parsed again.
 */
export async function fetchFeed(
  url: string,
  known: Validators,
  options: FetchOptions,
): Promise<FetchOutcome> {
  const headers: Record<string, string> = {
    accept: 'application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5',
    'user-agent': options.userAgent,
  };
  if (known.etag) headers['if-none-match'] = known.etag;
  if (known.lastModified) headers['if-modified-since'] = known.lastModified;
  let response: Response;
  try {
    response = await fetch(url, {
      headers,
      redirect: 'follow',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new FeedFetchError(describeNetworkError(error, options.timeoutMs));
  }
  if (response.status === 304) {
    await response.body?.cancel();
    return { status: 'not-modified' };
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new FeedFetchError(`the server answered HTTP ${response.status} ${response.statusText}`.trim());
  }
  const text = await readText(response, options);
  return {
    status: 'ok',
    validators: {
      etag: response.headers.get('etag'),
      lastModified: response.headers.get('last-modified'),
    },
    feed: parseFeedDocument(text),
  };
}

async function readText(response: Response, options: FetchOptions): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > options.maxBytes) throw tooLarge(options.maxBytes);
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > options.maxBytes) {
        await reader.cancel();
        throw tooLarge(options.maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof FeedFetchError) throw error;
    throw new FeedFetchError(describeNetworkError(error, options.timeoutMs));
  }
  return Buffer.concat(chunks).toString('utf8');
}

const tooLarge = (max: number) =>
  new FeedFetchError(`the feed is larger than ${Math.round(max / 1024 / 1024)} MB; CIOP reads smaller feeds`);

function describeNetworkError(error: unknown, timeoutMs: number): string {
  const e = error as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  const cause = e.cause?.code ?? e.cause?.message ?? e.message;
  return `could not reach the server (${cause})`;
}

/** Reads an RSS (0.9x, 2.0), RDF or Atom document into headlines. */
export function parseFeedDocument(text: string): ParsedFeed {
  let parsed: AnyFeed;
  try {
    parsed = parseFeed(text);
  } catch (error) {
    throw new FeedFetchError(`not an RSS or Atom feed (${(error as Error).message})`);
  }
  if (parsed.format === 'atom') {
    const feed = parsed.feed;
    return {
      title: plainText(feed.title?.value) || null,
      language: primaryLanguage(feed.xml?.lang),
      items: (feed.entries ?? []).flatMap((entry) => {
        const title = plainText(entry.title?.value);
        const alternate =
          entry.links?.find((l) => !l.rel || l.rel === 'alternate')?.href ?? entry.links?.[0]?.href;
        const link = httpUrl(alternate);
        const image =
          entry.links?.find((l) => l.rel === 'enclosure' && l.type?.startsWith('image/'))?.href ??
          entry.media?.thumbnails?.[0]?.url ??
          entry.media?.contents?.find((c) => c.medium === 'image' || c.type?.startsWith('image/'))?.url ??
          firstImage(entry.content?.value ?? entry.summary?.value);
        return item(entry.id, link, title, entry.summary?.value ?? entry.content?.value, image, [
          entry.published,
          entry.updated,
        ]);
      }),
    };
  }
  if (parsed.format === 'rss' || parsed.format === 'rdf') {
    const feed = parsed.feed;
    const language = parsed.format === 'rss' ? parsed.feed.language : feed.dc?.languages?.[0];
    return {
      title: plainText(feed.title) || null,
      language: primaryLanguage(language),
      items: (feed.items ?? []).flatMap((entry) => {
        const guid = 'guid' in entry ? entry.guid?.value : undefined;
        const image =
          ('enclosures' in entry
            ? entry.enclosures?.find((e) => e.type?.startsWith('image/'))?.url
            : undefined) ??
          entry.media?.thumbnails?.[0]?.url ??
          entry.media?.contents?.find((c) => c.medium === 'image' || c.type?.startsWith('image/'))?.url ??
          firstImage(entry.content?.encoded ?? entry.description);
        const pubDate = 'pubDate' in entry ? entry.pubDate : undefined;
        return item(guid, httpUrl(entry.link), plainText(entry.title), entry.description, image, [
          pubDate,
          entry.dc?.dates?.[0],
        ]);
      }),
    };
  }
  throw new FeedFetchError('a JSON Feed, which CIOP does not read: give an RSS or Atom address');
}

function item(
  id: string | undefined,
  link: string | null,
  title: string,
  summary: string | undefined,
  image: string | undefined,
  dates: (string | undefined)[],
): ParsedItem[] {
  const text = title || plainText(summary).slice(0, 120);
  if (!text) return [];
  const key = id?.trim() || link || text;
  return [
    {
      key: key.slice(0, 1000),
      title: text.slice(0, 500),
      link,
      summary: shorten(plainText(summary), SUMMARY_CHARS),
      imageUrl: httpUrl(image),
      publishedAt: firstDate(dates),
    },
  ];
}

function firstDate(dates: (string | undefined)[]): number | null {
  for (const d of dates) {
    if (!d) continue;
    const ms = Date.parse(d);
    if (!Number.isNaN(ms)) return ms;
  }
  return null;
}

function httpUrl(value: string | undefined): string | null {
  if (!value) return null;
  try {
    const url = new URL(value.trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

function primaryLanguage(tag: string | undefined): string | null {
  const primary = tag?.trim().toLowerCase().split(/[-_]/)[0];
  return primary && /^[a-z]{2,3}$/.test(primary) ? primary : null;
}

function firstImage(html: string | undefined): string | undefined {
  return html?.match(/<img\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/i)?.[1];
}

/** XML's entities and the HTML ones Spanish and Basque news use most. */
const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  aacute: 'á',
  eacute: 'é',
  iacute: 'í',
  oacute: 'ó',
  uacute: 'ú',
  ntilde: 'ñ',
  uuml: 'ü',
  ccedil: 'ç',
  Aacute: 'Á',
  Eacute: 'É',
  Iacute: 'Í',
  Oacute: 'Ó',
  Uacute: 'Ú',
  Ntilde: 'Ñ',
  iexcl: '¡',
  iquest: '¿',
  laquo: '«',
  raquo: '»',
  ldquo: '“',
  rdquo: '”',
  lsquo: '‘',
  rsquo: '’',
  hellip: '…',
  ndash: '–',
  mdash: '—',
  euro: '€',
  ordm: 'º',
  ordf: 'ª',
  middot: '·',
};

/**
 * Markup reduced to text: feeds carry HTML in titles and summaries, and the web shows text only,
 * so nothing a feed sends is ever interpreted as markup by a viewer.
 */
export function plainText(html: string | undefined): string {
  if (!html) return '';
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
      if (name[0] === '#') {
        const code =
          name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
        return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[name] ?? ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
