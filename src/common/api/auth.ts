import { type Static, Type } from '@sinclair/typebox';
import { MACHINE_SCOPES, ROLES } from './access.ts';
import { EpochMs } from './time.ts';

/** Languages a person can use CIOP in. */
export const LANGUAGES = ['en', 'es', 'eu'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Password rules shared by the server (which enforces them) and the web (which explains them). */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Cookie and header names of the web session (double-submit CSRF). */
export const REFRESH_COOKIE = 'ciop_refresh';
export const CSRF_COOKIE = 'ciop_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const Id = (description: string) => Type.Integer({ minimum: 1, description });

export const RoleSchema = Type.Union(
  ROLES.map((r) => Type.Literal(r)),
  { description: 'A role a person holds.' },
);
export const ScopeSchema = Type.Union(
  MACHINE_SCOPES.map((s) => Type.Literal(s)),
  { description: 'What a machine token may do.' },
);
export const LanguageSchema = Type.Union(
  LANGUAGES.map((l) => Type.Literal(l)),
  { description: 'en, es or eu.' },
);
const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH });

/** The person logged in, as the web needs them. */
export const AuthUserSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  email: Type.String(),
  language: LanguageSchema,
  roles: Type.Array(RoleSchema),
  dwellingIds: Type.Array(Type.Integer(), { description: 'Dwellings this person lives in.' }),
  buildingIds: Type.Array(Type.Integer(), {
    description: 'Buildings of the ESCO organisation this person belongs to.',
  }),
});
export type AuthUser = Static<typeof AuthUserSchema>;

export const LoginBodySchema = Type.Object(
  { email: Type.String({ minLength: 1, maxLength: 254 }), password: Password },
  { additionalProperties: false },
);

export const AccessGrantSchema = Type.Object({
  accessToken: Type.String({ description: 'Send as `Authorization: Bearer …`.' }),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Lifetime of the access token, s.' }),
  user: AuthUserSchema,
});
export type AccessGrant = Static<typeof AccessGrantSchema>;

export const PasswordChangeBodySchema = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { additionalProperties: false },
);

export const PasswordResetBodySchema = Type.Object({ email: Email }, { additionalProperties: false });

export const PasswordResetConfirmBodySchema = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 200 }), newPassword: Password },
  { additionalProperties: false },
);

export const PasswordTokenCheckBodySchema = Type.Object(
  { token: Type.String({ minLength: 10, maxLength: 200 }) },
  { additionalProperties: false },
);

export const AccountRequestBodySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Email,
    organisation: Type.String({ maxLength: 200 }),
    role: RoleSchema,
    reason: Type.String({ maxLength: 2000 }),
    language: Type.Optional(LanguageSchema),
  },
  { additionalProperties: false },
);
export type AccountRequestBody = Static<typeof AccountRequestBodySchema>;

export const AccountRequestStatusSchema = Type.Union([
  Type.Literal('pending'),
  Type.Literal('approved'),
  Type.Literal('rejected'),
]);
export type AccountRequestStatus = Static<typeof AccountRequestStatusSchema>;

export const AccountRequestSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  email: Type.String(),
  organisation: Type.String(),
  role: RoleSchema,
  reason: Type.String(),
  language: LanguageSchema,
  status: AccountRequestStatusSchema,
  createdAt: EpochMs('When it was asked'),
  decidedAt: Type.Union([EpochMs('When an admin decided'), Type.Null()]),
  decisionNote: Type.Union([Type.String(), Type.Null()]),
  userId: Type.Union([Type.Integer({ description: 'The account created on approval.' }), Type.Null()]),
});
export type AccountRequest = Static<typeof AccountRequestSchema>;

export const AccountRequestCreatedSchema = Type.Object({ status: Type.Literal('pending') });

export const ApproveRequestBodySchema = Type.Object(
  {
    roles: Type.Optional(Type.Array(RoleSchema, { minItems: 1, uniqueItems: true })),
    dwellingIds: Type.Optional(Type.Array(Id('dwelling'), { uniqueItems: true })),
    organisationId: Type.Optional(Type.Union([Id('organisation'), Type.Null()])),
  },
  { additionalProperties: false },
);
export type ApproveRequestBody = Static<typeof ApproveRequestBodySchema>;
export const RejectRequestBodySchema = Type.Object(
  { note: Type.Optional(Type.String({ maxLength: 2000 })) },
  { additionalProperties: false },
);

/** A page of a list, newest first; pass `nextCursor` as `cursor` for the next page. */
export const Page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'null on the last page.' }),
  });

export const PageQuery = {
  cursor: Type.Optional(Type.String({ maxLength: 40, description: 'From the previous page.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
};

export const AdminUserSchema = Type.Object({
  ...AuthUserSchema.properties,
  active: Type.Boolean(),
  organisationId: Type.Union([Type.Integer(), Type.Null()]),
  hasPassword: Type.Boolean({ description: 'false until an invited person sets one.' }),
  createdAt: EpochMs('Created'),
  lastLoginAt: Type.Union([EpochMs('Last login'), Type.Null()]),
});
export type AdminUser = Static<typeof AdminUserSchema>;

export const UserListQuerySchema = Type.Object({
  role: Type.Optional(RoleSchema),
  active: Type.Optional(Type.Boolean()),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'Part of the name or e-mail.' })),
  dwelling: Type.Optional(Id('Residents of this dwelling')),
  organisation: Type.Optional(Id('Members of this organisation')),
  ...PageQuery,
});

export const CreateUserBodySchema = Type.Object(
  {
    email: Email,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    language: Type.Optional(LanguageSchema),
    roles: Type.Array(RoleSchema, { minItems: 1, uniqueItems: true }),
    dwellingIds: Type.Optional(Type.Array(Id('dwelling'), { uniqueItems: true })),
    organisationId: Type.Optional(Type.Union([Id('organisation'), Type.Null()])),
    password: Type.Optional(Password),
  },
  {
    additionalProperties: false,
    description: 'Without `password`, the person receives an e-mail with a link to set one.',
  },
);
export type CreateUserBody = Static<typeof CreateUserBodySchema>;

export const UpdateUserBodySchema = Type.Object(
  {
    email: Type.Optional(Email),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    language: Type.Optional(LanguageSchema),
    roles: Type.Optional(Type.Array(RoleSchema, { minItems: 1, uniqueItems: true })),
    dwellingIds: Type.Optional(Type.Array(Id('dwelling'), { uniqueItems: true })),
    organisationId: Type.Optional(Type.Union([Id('organisation'), Type.Null()])),
    active: Type.Optional(Type.Boolean({ description: 'false deactivates and ends every session.' })),
  },
  { additionalProperties: false },
);
export type UpdateUserBody = Static<typeof UpdateUserBodySchema>;

export const OrganisationSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  buildingIds: Type.Array(Type.Integer()),
  members: Type.Integer({ description: 'People who belong to it.' }),
});
export type Organisation = Static<typeof OrganisationSchema>;

export const OrganisationBodySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    buildingIds: Type.Optional(Type.Array(Id('building'), { uniqueItems: true })),
  },
  { additionalProperties: false },
);
export const OrganisationPatchSchema = Type.Partial(OrganisationBodySchema, { additionalProperties: false });
export type OrganisationBody = Static<typeof OrganisationBodySchema>;
export type OrganisationPatch = Static<typeof OrganisationPatchSchema>;

export const MachineTokenSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the token, to recognise it.' }),
  scopes: Type.Array(ScopeSchema),
  gatewayIds: Type.Array(Type.Integer(), { description: 'Only these gateways (empty = all).' }),
  buildingIds: Type.Array(Type.Integer(), { description: 'Only these buildings (empty = all).' }),
  createdBy: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: EpochMs('Issued'),
  expiresAt: Type.Union([EpochMs('Expires'), Type.Null()]),
  revokedAt: Type.Union([EpochMs('Revoked'), Type.Null()]),
  lastUsedAt: Type.Union([EpochMs('Last used, to the minute'), Type.Null()]),
});
export type MachineToken = Static<typeof MachineTokenSchema>;

export const IssueTokenBodySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scopes: Type.Array(ScopeSchema, { minItems: 1, uniqueItems: true }),
    gatewayIds: Type.Optional(Type.Array(Id('gateway'), { uniqueItems: true })),
    buildingIds: Type.Optional(Type.Array(Id('building'), { uniqueItems: true })),
    expiresAt: Type.Optional(EpochMs('When it stops working')),
  },
  { additionalProperties: false },
);
export type IssueTokenBody = Static<typeof IssueTokenBodySchema>;

export const IssuedTokenSchema = Type.Object({
  ...MachineTokenSchema.properties,
  token: Type.String({ description: 'The secret, shown this once: store it now.' }),
});
export type IssuedToken = Static<typeof IssuedTokenSchema>;

export const OutboxMessageSchema = Type.Object({
  id: Type.Integer(),
  to: Type.String(),
  subject: Type.String(),
  body: Type.String({ description: 'Empty once the message was sent over SMTP.' }),
  template: Type.String(),
  createdAt: EpochMs('Queued'),
  sentAt: Type.Union([EpochMs('Sent over SMTP'), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
});
export type OutboxMessage = Static<typeof OutboxMessageSchema>;

export const AuditEventSchema = Type.Object({
  id: Type.Integer(),
  at: EpochMs('When'),
  actor: Type.Object({
    kind: Type.Union([
      Type.Literal('user'),
      Type.Literal('machine'),
      Type.Literal('anonymous'),
      Type.Literal('system'),
    ]),
    id: Type.Union([Type.Integer(), Type.Null()]),
    name: Type.String(),
  }),
  action: Type.String({
    description: 'e.g. auth.login, auth.login_failed, user.roles_changed, token.issued',
  }),
  targetType: Type.Union([Type.String(), Type.Null()]),
  targetId: Type.Union([Type.String(), Type.Null()]),
  ip: Type.String({ description: 'Address the request came from.' }),
  detail: Type.Record(Type.String(), Type.Unknown()),
});
export type AuditEvent = Static<typeof AuditEventSchema>;

export const AuditQuerySchema = Type.Object({
  action: Type.Optional(
    Type.String({ maxLength: 100, description: 'Exact action, or a prefix ending in `.`' }),
  ),
  actorKind: Type.Optional(
    Type.Union([
      Type.Literal('user'),
      Type.Literal('machine'),
      Type.Literal('anonymous'),
      Type.Literal('system'),
    ]),
  ),
  actorId: Type.Optional(Type.Integer()),
  targetType: Type.Optional(Type.String({ maxLength: 100 })),
  targetId: Type.Optional(Type.String({ maxLength: 100 })),
  from: Type.Optional(EpochMs('Not before')),
  to: Type.Optional(EpochMs('Not after')),
  ...PageQuery,
});
export type AuditQuery = Static<typeof AuditQuerySchema>;
