import type { PublicSummary } from '#common/api/portal.ts';
import { api } from './http.ts';

export const getSummary = (signal?: AbortSignal) => api<PublicSummary>('/public/summary', { signal });
