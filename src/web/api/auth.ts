import type { Role } from '#common/api/access.ts';
import type { Language } from '#common/api/news.ts';
import { api, readCookie } from './http.ts';

/** The person logged in, as /api/v1/auth answers. */
export interface User {
  id: number;
  name: string;
  email: string;
  language: Language;
  roles: Role[];
  dwellingIds: number[];
  buildingIds: number[];
}

export interface LoginAnswer {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds the access token lives. */
  expiresIn: number;
  user: User;
}

/** The refresh cookie is HttpOnly; the CSRF cookie beside it says whether there is a session. */
export const CSRF_COOKIE = 'ciop_csrf';

const csrfHeaders = (): Record<string, string> => {
  const token = readCookie(CSRF_COOKIE);
  return token ? { 'x-csrf-token': token } : {};
};

export const hasSessionCookie = () => readCookie(CSRF_COOKIE) !== undefined;

export const login = (email: string, password: string) =>
  api<LoginAnswer>('/auth/login', { method: 'POST', body: { email, password }, auth: false });

export const refresh = () =>
  api<LoginAnswer>('/auth/refresh', { method: 'POST', headers: csrfHeaders(), auth: false });

export const logout = () =>
  api<void>('/auth/logout', { method: 'POST', headers: csrfHeaders(), auth: false });

export const requestPasswordReset = (email: string) =>
  api<void>('/auth/password-reset', { method: 'POST', body: { email }, auth: false });

export const confirmPasswordReset = (token: string, newPassword: string) =>
  api<void>('/auth/password-reset/confirm', { method: 'POST', body: { token, newPassword }, auth: false });

export interface AccountRequest {
  name: string;
  email: string;
  organisation: string;
  role: Role;
  reason: string;
}

export const requestAccount = (request: AccountRequest) =>
  api<unknown>('/account-requests', { method: 'POST', body: request, auth: false });
