import type { AccessGrant, AccountRequestBody } from '#common/api/auth.ts';
import { api, readCookie } from './http.ts';

/**
 * The refresh cookie is HttpOnly; the CSRF cookie beside it says whether there is a session. Its
 * name is written here rather than imported from #common/api/auth.ts: a value imported from the
 * schemas would bring the schema library into the first page's bundle.
 */
export const CSRF_COOKIE = 'ciop_csrf';

const csrfHeaders = (): Record<string, string> => {
  const token = readCookie(CSRF_COOKIE);
  return token ? { 'x-csrf-token': token } : {};
};

export const hasSessionCookie = () => readCookie(CSRF_COOKIE) !== undefined;

export const login = (email: string, password: string) =>
  api<AccessGrant>('/auth/login', { method: 'POST', body: { email, password }, auth: false });

export const refresh = () =>
  api<AccessGrant>('/auth/refresh', { method: 'POST', headers: csrfHeaders(), auth: false });

export const logout = () =>
  api<void>('/auth/logout', { method: 'POST', headers: csrfHeaders(), auth: false });

export const requestPasswordReset = (email: string) =>
  api<void>('/auth/password-reset', { method: 'POST', body: { email }, auth: false });

export const confirmPasswordReset = (token: string, newPassword: string) =>
  api<void>('/auth/password-reset/confirm', { method: 'POST', body: { token, newPassword }, auth: false });

/** Whether an e-mailed link can still set a password (throws ApiError 400 when not). */
export const checkPasswordToken = (token: string) =>
  api<void>('/auth/password-reset/check', { method: 'POST', body: { token }, auth: false });

export const requestAccount = (request: AccountRequestBody) =>
  api<unknown>('/account-requests', { method: 'POST', body: request, auth: false });
