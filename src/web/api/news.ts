import type { Feed, FeedInput, FeedList, FeedPatch, Language, NewsList } from '#common/api/news.ts';
import { api, query } from './http.ts';

/** The newest headlines (public). */
export const getNews = (limit: number, lang?: Language, signal?: AbortSignal) =>
  api<NewsList>(`/news${query({ limit, lang })}`, { signal, auth: false });

// Feeds and their fetch status: admins only.
export const listFeeds = () => api<FeedList>('/news/feeds');
export const createFeed = (feed: FeedInput) => api<Feed>('/news/feeds', { method: 'POST', body: feed });
export const updateFeed = (id: number, patch: FeedPatch) =>
  api<Feed>(`/news/feeds/${id}`, { method: 'PATCH', body: patch });
export const deleteFeed = (id: number) => api<void>(`/news/feeds/${id}`, { method: 'DELETE' });
export const fetchFeedNow = (id: number) =>
  api<{ status: 'ok' | 'not-modified' | 'error'; added: number; error?: string }>(`/news/feeds/${id}/fetch`, {
    method: 'POST',
  });
