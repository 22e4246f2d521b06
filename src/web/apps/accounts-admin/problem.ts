import type { useI18n } from 'vue-i18n';
import { ApiError } from '../../api/http.ts';

export type Translate = ReturnType<typeof useI18n>['t'];

/** What to tell the administrator when a call failed: the server's own words when it gave some. */
export function problemText(t: Translate, e: unknown): string {
  if (e instanceof ApiError && e.status === 0) return t('state.offline');
  if (e instanceof ApiError && e.problem.detail) return e.problem.detail;
  return t('apps.accounts-admin.common.failed');
}
