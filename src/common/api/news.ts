import { type Static, Type } from '@sinclair/typebox';
import { EpochMs } from './time.ts';

/** Languages CIOP speaks; a feed or an item may be in one of them, or unknown (null). */
export const LANGUAGES = ['en', 'es', 'eu'] as const;
export type Language = (typeof LANGUAGES)[number];

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const languageSchema = (description: string) =>
  Type.Union([Type.Literal('en'), Type.Literal('es'), Type.Literal('eu')], { description });

export const LanguageSchema = languageSchema('en, es or eu');

const FeedUrl = Type.String({
  pattern: '^https?://[^\\s/]+[^\\s]*$',
  maxLength: 2000,
  description: 'Address of an RSS or Atom feed (http or https).',
});

export const FeedInputSchema = Type.Object(
  {
    url: FeedUrl,
    title: Type.Optional(
      Type.String({ maxLength: 200, description: 'Name shown as the source; empty = the feed’s own title.' }),
    ),
    language: Type.Optional(
      Nullable(languageSchema('Language of the feed’s items; null = what the feed declares.')),
    ),
    enabled: Type.Optional(Type.Boolean({ description: 'Fetched periodically (default true).' })),
  },
  { additionalProperties: false },
);
export type FeedInput = Static<typeof FeedInputSchema>;

export const FeedPatchSchema = Type.Partial(FeedInputSchema, { additionalProperties: false });
export type FeedPatch = Static<typeof FeedPatchSchema>;

export const FeedSchema = Type.Object({
  id: Type.Integer(),
  url: Type.String(),
  title: Type.String({ description: 'The name an admin gave it, or the feed’s own title.' }),
  language: Nullable(LanguageSchema),
  enabled: Type.Boolean(),
  createdAt: EpochMs('When it was added'),
  lastFetchedAt: Nullable(EpochMs('Last fetch attempt')),
  lastStatus: Nullable(
    Type.Union([Type.Literal('ok'), Type.Literal('not-modified'), Type.Literal('error')], {
      description: 'Outcome of the last fetch: ok (new content), not-modified (HTTP 304) or error.',
    }),
  ),
  lastSuccessAt: Nullable(EpochMs('Last fetch that succeeded')),
  lastError: Nullable(Type.String({ description: 'Why the last failed fetch failed.' })),
  lastErrorAt: Nullable(EpochMs('Last failed fetch')),
  consecutiveFailures: Type.Integer({ description: 'Failed fetches since the last success.' }),
  items: Type.Integer({ description: 'Headlines kept from this feed.' }),
});
export type Feed = Static<typeof FeedSchema>;

export const FeedListSchema = Type.Object({ feeds: Type.Array(FeedSchema) });
export type FeedList = Static<typeof FeedListSchema>;

export const NewsItemSchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  link: Nullable(Type.String({ description: 'Address of the full story.' })),
  summary: Type.String({ description: 'Plain text, at most about 400 characters.' }),
  imageUrl: Nullable(Type.String()),
  source: Type.String({ description: 'Name of the feed.' }),
  language: Nullable(Type.String()),
  publishedAt: EpochMs('Publication time (fetch time when the feed gives none)'),
});
export type NewsItem = Static<typeof NewsItemSchema>;

export const NewsListSchema = Type.Object({
  items: Type.Array(NewsItemSchema),
  feeds: Type.Integer({ description: 'Feeds configured and enabled; 0 = the channel is idle.' }),
});
export type NewsList = Static<typeof NewsListSchema>;

export const NewsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  lang: Type.Optional(
    languageSchema(
      'Items in this language or in no declared language; items of every language when none is in this one.',
    ),
  ),
});
