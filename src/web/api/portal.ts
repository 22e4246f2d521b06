import type { PublicContact, PublicSummary } from '#common/api/portal.ts';
import { api } from './http.ts';

export const getSummary = (signal?: AbortSignal) => api<PublicSummary>('/public/summary', { signal });

/** Who runs this CIOP (the instance's contact settings). */
export const getContact = (signal?: AbortSignal) => api<PublicContact>('/public/contact', { signal });
