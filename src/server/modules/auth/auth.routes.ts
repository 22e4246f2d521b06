import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ROLES } from '#common/api/access.ts';
import {
  AccessGrantSchema,
  AccountRequestBodySchema,
  AccountRequestCreatedSchema,
  AuthUserSchema,
  CSRF_COOKIE,
  CSRF_HEADER,
  LoginBodySchema,
  PasswordChangeBodySchema,
  PasswordResetBodySchema,
  PasswordResetConfirmBodySchema,
  PasswordTokenCheckBodySchema,
  REFRESH_COOKIE,
} from '#common/api/auth.ts';
import { type Access, principalOf } from '../../plugins/access.ts';
import { routeLimit } from '../../plugins/security.ts';
import { byRequest } from '../../audit/by.ts';
import type { ClientInfo, SessionGrant } from './sessions.service.ts';

/** Anyone logged in (people, not machines). */
const ANY_PERSON: Access = { roles: ROLES };
const tags = ['auth'];
const SMALL_BODY = 16 * 1024;
const MINUTE = 60_000;
const NoContent = Type.Null({ description: 'Done.' });

const REFRESH_PATH = '/api/v1/auth';

function clientOf(request: FastifyRequest): ClientInfo {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}

/** The refresh token travels only to /api/v1/auth and never to scripts; the CSRF token is for scripts to repeat. */
function setSessionCookies(reply: FastifyReply, session: SessionGrant): void {
  const common = { secure: true, sameSite: 'strict' as const, maxAge: session.refreshMaxAgeS };
  reply.setCookie(REFRESH_COOKIE, session.refreshToken, { ...common, httpOnly: true, path: REFRESH_PATH });
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...common, httpOnly: false, path: '/' });
  reply.header('cache-control', 'no-store');
}

function clearSessionCookies(reply: FastifyReply): void {
  const common = { secure: true, sameSite: 'strict' as const };
  reply.clearCookie(REFRESH_COOKIE, { ...common, httpOnly: true, path: REFRESH_PATH });
  reply.clearCookie(CSRF_COOKIE, { ...common, path: '/' });
}

function csrfOf(request: FastifyRequest): { cookie?: string; header?: string } {
  const header = request.headers[CSRF_HEADER];
  return { cookie: request.cookies[CSRF_COOKIE], header: Array.isArray(header) ? header[0] : header };
}

/** Login, the web session (refresh cookie), the person's own account, password reset, account requests. */
export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { sessions, accounts, accountRequests } = app.platform.auth;
  const { config } = app.platform;
  const sensitive = routeLimit(config.authRatePerMinute, MINUTE);

  // Refresh and logout carry no body; a client that still says `application/json` is not refused.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    else json(request, body as string, done);
  });

  app.post(
    '/auth/login',
    {
      schema: {
        tags,
        summary: 'Log in with e-mail and password',
        description:
          'Returns a short-lived access token (send it as `Authorization: Bearer …`) and sets the session cookies: `ciop_refresh` (HttpOnly) and `ciop_csrf` (to repeat in `X-CSRF-Token` on refresh and logout). Repeated failures lock the account and the address for a while (429).',
        body: LoginBodySchema,
        response: { 200: AccessGrantSchema },
        security: [],
      },
      bodyLimit: SMALL_BODY,
      config: { access: 'public', ...sensitive },
    },
    async (request, reply) => {
      const session = await sessions.login(request.body.email, request.body.password, clientOf(request));
      setSessionCookies(reply, session);
      return session.grant;
    },
  );

  app.post(
    '/auth/refresh',
    {
      schema: {
        tags,
        summary: 'A new access token for the session cookie',
        description:
          'Needs the `ciop_refresh` cookie and the `X-CSRF-Token` header repeating the `ciop_csrf` cookie. The refresh cookie is replaced; presenting an old one ends the session.',
        response: { 200: AccessGrantSchema },
        security: [],
      },
      bodyLimit: SMALL_BODY,
      config: { access: 'public', ...sensitive },
    },
    async (request, reply) => {
      try {
        const session = await sessions.refresh(
          request.cookies[REFRESH_COOKIE],
          csrfOf(request),
          clientOf(request),
        );
        setSessionCookies(reply, session);
        return session.grant;
      } catch (error) {
        if ((error as { status?: number }).status === 401) clearSessionCookies(reply);
        throw error;
      }
    },
  );

  app.post(
    '/auth/logout',
    {
      schema: {
        tags,
        summary: 'End the session',
        description:
          'Ends the session of the refresh cookie (with `X-CSRF-Token`), or of the access token sent, and clears the cookies.',
        response: { 204: NoContent },
      },
      bodyLimit: SMALL_BODY,
      config: { access: 'public' },
    },
    async (request, reply) => {
      await sessions.logout(
        request.cookies[REFRESH_COOKIE],
        csrfOf(request),
        request.principal,
        clientOf(request),
      );
      clearSessionCookies(reply);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/auth/me',
    {
      schema: { tags, summary: 'The person logged in', response: { 200: AuthUserSchema } },
      config: { access: ANY_PERSON },
    },
    async (request) => sessions.user(principalOf(request).id),
  );

  app.post(
    '/auth/password',
    {
      schema: {
        tags,
        summary: 'Change your password',
        description: 'Your other sessions end. A wrong current password counts as a failed login.',
        body: PasswordChangeBodySchema,
        response: { 204: NoContent },
      },
      bodyLimit: SMALL_BODY,
      config: { access: ANY_PERSON, ...sensitive },
    },
    async (request, reply) => {
      await accounts.changePassword(
        principalOf(request),
        request.body.currentPassword,
        request.body.newPassword,
        clientOf(request),
      );
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/password-reset',
    {
      schema: {
        tags,
        summary: 'Ask for a password-reset link by e-mail',
        description:
          'Always 202, whether or not the e-mail has an account. The link (`/set-password?token=…`) works once, for CIOP_PASSWORD_RESET_TTL_S.',
        body: PasswordResetBodySchema,
        response: { 202: NoContent },
        security: [],
      },
      bodyLimit: SMALL_BODY,
      config: { access: 'public', ...sensitive },
    },
    async (request, reply) => {
      await accounts.requestPasswordReset(request.body.email, clientOf(request));
      return reply.status(202).send(null);
    },
  );

  app.post(
    '/auth/password-reset/confirm',
    {
      schema: {
        tags,
        summary: 'Set a new password with the token of an e-mailed link',
        description: 'Also sets the first password of an invited or approved account. Every session ends.',
        body: PasswordResetConfirmBodySchema,
        response: { 204: NoContent },
        security: [],
      },
      bodyLimit: SMALL_BODY,
      config: { access: 'public', ...sensitive },
    },
    async (request, reply) => {
      await accounts.confirmPasswordReset(request.body.token, request.body.newPassword, clientOf(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/auth/password-reset/check',
    {
      schema: {
        tags,
        summary: 'Whether the token of an e-mailed link can still set a password',
        description:
          'Lets the page of the link say at once that it is spent, expired or mistyped, before a new password is typed. Spends nothing.',
        body: PasswordTokenCheckBodySchema,
        response: { 204: NoContent },
        security: [],
      },
      bodyLimit: SMALL_BODY,
      config: { access: 'public', ...sensitive },
    },
    async (request, reply) => {
      await accounts.checkPasswordToken(request.body.token);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/account-requests',
    {
      schema: {
        tags,
        summary: 'Ask for an account',
        description:
          'An admin approves it (you receive an e-mail with a link to set your password) or rejects it.',
        body: AccountRequestBodySchema,
        response: { 201: AccountRequestCreatedSchema },
        security: [],
      },
      bodyLimit: SMALL_BODY,
      config: { access: 'public', ...routeLimit(config.accountRequestsPerHour, 60 * MINUTE) },
    },
    async (request, reply) => {
      await accountRequests.create(request.body, byRequest(request));
      return reply.status(201).send({ status: 'pending' as const });
    },
  );
};
