import type { Role } from '#common/api/access.ts';
import type {
  AccountRequest,
  AccountRequestStatus,
  AdminUser,
  ApproveRequestBody,
  AuditEvent,
  AuditQuery,
  CreateUserBody,
  IssuedToken,
  IssueTokenBody,
  MachineToken,
  Organisation,
  OrganisationBody,
  OrganisationPatch,
  OutboxMessage,
  UpdateUserBody,
} from '#common/api/auth.ts';
import type { Dwelling } from '#common/api/registry.ts';
import { api, query } from './http.ts';

/** A page of an administration list, newest first; `nextCursor` is null on the last page. */
export interface AdminPage<T> {
  items: T[];
  nextCursor: string | null;
}

interface Paging {
  cursor?: string;
  limit?: number;
}

// Accounts.
export const listUsers = (
  params: { q?: string; role?: Role; organisation?: number } & Paging,
  signal?: AbortSignal,
) => api<AdminPage<AdminUser>>(`/admin/users${query(params)}`, { signal });
export const getUser = (id: number, signal?: AbortSignal) => api<AdminUser>(`/admin/users/${id}`, { signal });
/** Without a password the server e-mails the person a link to set one. */
export const createUser = (body: CreateUserBody) => api<AdminUser>('/admin/users', { method: 'POST', body });
export const updateUser = (id: number, body: UpdateUserBody) =>
  api<AdminUser>(`/admin/users/${id}`, { method: 'PATCH', body });
export const revokeSessions = (id: number) =>
  api<void>(`/admin/users/${id}/revoke-sessions`, { method: 'POST' });
export const sendInvite = (id: number) => api<void>(`/admin/users/${id}/invite`, { method: 'POST' });

// ESCO organisations.
export const listOrganisations = (signal?: AbortSignal) =>
  api<Organisation[]>('/admin/organisations', { signal });
export const createOrganisation = (body: OrganisationBody) =>
  api<Organisation>('/admin/organisations', { method: 'POST', body });
/** Replacing the buildings changes what its members may read at once. */
export const updateOrganisation = (id: number, body: OrganisationPatch) =>
  api<Organisation>(`/admin/organisations/${id}`, { method: 'PATCH', body });

// Account requests.
export const listAccountRequests = (
  params: { status?: AccountRequestStatus } & Paging,
  signal?: AbortSignal,
) => api<AdminPage<AccountRequest>>(`/admin/account-requests${query(params)}`, { signal });
export const approveAccountRequest = (id: number, body: ApproveRequestBody) =>
  api<{ request: AccountRequest; user: AdminUser }>(`/admin/account-requests/${id}/approve`, {
    method: 'POST',
    body,
  });
export const rejectAccountRequest = (id: number, note?: string) =>
  api<AccountRequest>(`/admin/account-requests/${id}/reject`, { method: 'POST', body: note ? { note } : {} });

// Machine tokens.
export const listTokens = (params: { includeRevoked?: boolean } & Paging, signal?: AbortSignal) =>
  api<AdminPage<MachineToken>>(`/admin/tokens${query(params)}`, { signal });
/** The answer holds the secret, which the server never shows again. */
export const issueToken = (body: IssueTokenBody) =>
  api<IssuedToken>('/admin/tokens', { method: 'POST', body });
export const revokeToken = (id: number) => api<void>(`/admin/tokens/${id}`, { method: 'DELETE' });

// E-mail and audit.
export const listOutbox = (params: { to?: string } & Paging, signal?: AbortSignal) =>
  api<AdminPage<OutboxMessage>>(`/admin/outbox${query(params)}`, { signal });
export const listAudit = (params: AuditQuery, signal?: AbortSignal) =>
  api<AdminPage<AuditEvent>>(`/admin/audit${query(params)}`, { signal });

/** One dwelling, to name the dwellings linked to an account. */
export const getDwelling = (id: number, signal?: AbortSignal) =>
  api<Dwelling>(`/dwellings/${id}`, { signal });
