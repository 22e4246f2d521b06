import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import {
  AccountRequestSchema,
  AccountRequestStatusSchema,
  AdminUserSchema,
  ApproveRequestBodySchema,
  AuditEventSchema,
  AuditQuerySchema,
  CreateUserBodySchema,
  IssuedTokenSchema,
  IssueTokenBodySchema,
  MachineTokenSchema,
  OrganisationBodySchema,
  OrganisationPatchSchema,
  OrganisationSchema,
  OutboxMessageSchema,
  Page,
  PageQuery,
  RejectRequestBodySchema,
  UpdateUserBodySchema,
  UserListQuerySchema,
} from '#common/api/auth.ts';
import type { Access } from '../../plugins/access.ts';
import { byRequest } from '../../audit/by.ts';

/**
 * Admins, and machines holding the `admin` scope that no building or gateway restricts: accounts,
 * organisations and tokens reach across the city, so a restricted token would widen itself here.
 */
export const ADMIN: Access = { roles: ['admin'], scopes: ['admin'], unrestrictedMachinesOnly: true };

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const NoContent = Type.Null({ description: 'Done.' });
const config = { access: ADMIN };

/** Administration of accounts, organisations, machine tokens, account requests, the outbox and the audit log. */
export const adminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { accounts, machineTokens, accountRequests } = app.platform.auth;
  const { mail, audit } = app.platform;

  // People.
  const users = ['admin: users'];
  app.get(
    '/users',
    {
      schema: {
        tags: users,
        summary: 'List accounts',
        description: 'Newest first, filtered by role, state, text, dwelling or organisation.',
        querystring: UserListQuerySchema,
        response: { 200: Page(AdminUserSchema) },
      },
      config,
    },
    async (request) => accounts.list(request.query),
  );

  app.post(
    '/users',
    {
      schema: {
        tags: users,
        summary: 'Create an account',
        description: 'Without a password, the person receives an e-mail with a link to set one.',
        body: CreateUserBodySchema,
        response: { 201: AdminUserSchema },
      },
      config,
    },
    async (request, reply) => reply.status(201).send(await accounts.create(request.body, byRequest(request))),
  );

  app.get(
    '/users/:id',
    {
      schema: { tags: users, summary: 'One account', params: IdParams, response: { 200: AdminUserSchema } },
      config,
    },
    async (request) => accounts.get(request.params.id),
  );

  app.patch(
    '/users/:id',
    {
      schema: {
        tags: users,
        summary:
          'Change an account: name, e-mail, language, roles, dwellings, organisation, or deactivate it',
        params: IdParams,
        body: UpdateUserBodySchema,
        response: { 200: AdminUserSchema },
      },
      config,
    },
    async (request) => accounts.update(request.params.id, request.body, byRequest(request)),
  );

  app.post(
    '/users/:id/revoke-sessions',
    {
      schema: {
        tags: users,
        summary: 'End every session of an account',
        description: 'Its access tokens stop working at once; the person must log in again.',
        params: IdParams,
        response: { 204: NoContent },
      },
      config,
    },
    async (request, reply) => {
      await accounts.revokeSessions(request.params.id, byRequest(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/users/:id/invite',
    {
      schema: {
        tags: users,
        summary: 'E-mail a new link to set the password',
        params: IdParams,
        response: { 202: NoContent },
      },
      config,
    },
    async (request, reply) => {
      await accounts.sendInvite(request.params.id);
      return reply.status(202).send(null);
    },
  );

  // Organisations.
  const orgs = ['admin: organisations'];
  app.get(
    '/organisations',
    {
      schema: {
        tags: orgs,
        summary: 'ESCO organisations and their buildings',
        response: { 200: Type.Array(OrganisationSchema) },
      },
      config,
    },
    async () => accounts.listOrganisations(),
  );

  app.post(
    '/organisations',
    {
      schema: {
        tags: orgs,
        summary: 'Create an organisation',
        body: OrganisationBodySchema,
        response: { 201: OrganisationSchema },
      },
      config,
    },
    async (request, reply) =>
      reply.status(201).send(await accounts.createOrganisation(request.body, byRequest(request))),
  );

  app.patch(
    '/organisations/:id',
    {
      schema: {
        tags: orgs,
        summary: "Rename an organisation or replace its buildings (its members' access follows at once)",
        params: IdParams,
        body: OrganisationPatchSchema,
        response: { 200: OrganisationSchema },
      },
      config,
    },
    async (request) => accounts.updateOrganisation(request.params.id, request.body, byRequest(request)),
  );

  // Machine tokens.
  const tokens = ['admin: machine tokens'];
  app.get(
    '/tokens',
    {
      schema: {
        tags: tokens,
        summary: 'Machine tokens (never their secrets)',
        querystring: Type.Object({ includeRevoked: Type.Optional(Type.Boolean()), ...PageQuery }),
        response: { 200: Page(MachineTokenSchema) },
      },
      config,
    },
    async (request) => machineTokens.list(request.query),
  );

  app.post(
    '/tokens',
    {
      schema: {
        tags: tokens,
        summary: 'Issue a machine token',
        description:
          'The reply holds the token, shown this once. Scopes: `ingest:write` (write readings over HTTP, InfluxDB and MQTT), `read`, `admin`.',
        body: IssueTokenBodySchema,
        response: { 201: IssuedTokenSchema },
      },
      config,
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return reply.status(201).send(await machineTokens.issue(request.body, byRequest(request)));
    },
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: tokens,
        summary: 'Revoke a machine token',
        description: 'It stops working at once, over HTTP and MQTT.',
        params: IdParams,
        response: { 204: NoContent },
      },
      config,
    },
    async (request, reply) => {
      await machineTokens.revoke(request.params.id, byRequest(request));
      return reply.status(204).send(null);
    },
  );

  // Account requests.
  const requests = ['admin: account requests'];
  app.get(
    '/account-requests',
    {
      schema: {
        tags: requests,
        summary: 'Account requests',
        querystring: Type.Object({ status: Type.Optional(AccountRequestStatusSchema), ...PageQuery }),
        response: { 200: Page(AccountRequestSchema) },
      },
      config,
    },
    async (request) => accountRequests.list(request.query),
  );

  app.post(
    '/account-requests/:id/approve',
    {
      schema: {
        tags: requests,
        summary: 'Approve: create the account and e-mail a link to set its password',
        params: IdParams,
        body: ApproveRequestBodySchema,
        response: { 200: Type.Object({ request: AccountRequestSchema, user: AdminUserSchema }) },
      },
      config,
    },
    async (request) => accountRequests.approve(request.params.id, request.body ?? {}, byRequest(request)),
  );

  app.post(
    '/account-requests/:id/reject',
    {
      schema: {
        tags: requests,
        summary: 'Reject (the person is told by e-mail, with the note if given)',
        params: IdParams,
        body: RejectRequestBodySchema,
        response: { 200: AccountRequestSchema },
      },
      config,
    },
    async (request) => accountRequests.reject(request.params.id, request.body?.note, byRequest(request)),
  );

  // E-mail and audit.
  app.get(
    '/outbox',
    {
      schema: {
        tags: ['admin: e-mail'],
        summary: 'E-mail CIOP sent or could not send',
        description:
          'Without CIOP_SMTP_URL every message waits here (deliver its links by hand); sent messages keep no body.',
        querystring: Type.Object({ to: Type.Optional(Type.String({ maxLength: 254 })), ...PageQuery }),
        response: { 200: Page(OutboxMessageSchema) },
      },
      config,
    },
    async (request) => mail.list(request.query),
  );

  app.get(
    '/audit',
    {
      schema: {
        tags: ['admin: audit'],
        summary: 'The audit log: who did what, when, from where',
        description:
          'Logins and failed logins, role changes, token issue and revocation, data exports and admin actions; newest first.',
        querystring: AuditQuerySchema,
        response: { 200: Page(AuditEventSchema) },
      },
      config,
    },
    async (request) => audit.list(request.query),
  );
};
