import type { useI18n } from 'vue-i18n';
import { ApiError } from './http.ts';

export type Translate = ReturnType<typeof useI18n>['t'];

/** What a page says for a failed call, beyond the server's own words. */
export interface ProblemWords {
  /** Said when the server gave no detail (default: `state.failed`, "That did not work…"). */
  failed?: string;
  /** Said for these HTTP statuses instead of the server's detail (e.g. 401 on the login form). */
  status?: Partial<Record<number, string>>;
}

/**
 * What to tell a person when an API call failed: that the server cannot be reached, the page's
 * own words for the status, else the server's detail (RFC 9457 problems say what to change),
 * else `failed`.
 */
export function problemText(t: Translate, error: unknown, words: ProblemWords = {}): string {
  if (error instanceof ApiError) {
    if (error.status === 0) return t('state.offline');
    const said = words.status?.[error.status];
    if (said) return said;
    if (error.problem.detail) return error.problem.detail;
  }
  return words.failed ?? t('state.failed');
}
