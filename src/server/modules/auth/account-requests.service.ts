import type { Kysely, Selectable } from 'kysely';
import type { Role } from '#common/api/access.ts';
import type { AccountRequest, AdminUser, Language } from '#common/api/auth.ts';
import type { AccountRequestTable, Database } from '../../db/schema.ts';
import { badRequest, conflict, notFound } from '../../plugins/errors.ts';
import type { AccountsService } from './accounts.service.ts';
import {
  decideAccountRequest,
  findAccountRequest,
  insertAccountRequest,
  listAccountRequests,
  reopenAccountRequest,
  setRequestUser,
} from './account-requests.store.ts';
import { type AuditService, decodeCursor, pageOf } from '../../audit/audit.service.ts';
import type { By } from '../../audit/by.ts';
import type { Clock } from '../../clock.ts';
import type { MailService } from '../../mail/mail.service.ts';
import { MAIL_TEMPLATES } from '../../mail/mail-templates.ts';

function toAccountRequest(r: Selectable<AccountRequestTable>): AccountRequest {
  return {
    id: r.id,
    name: r.name,
    email: r.email,
    organisation: r.organisation,
    role: r.role as Role,
    reason: r.reason,
    language: r.language as Language,
    status: r.status,
    createdAt: r.created_at,
    decidedAt: r.decided_at,
    decisionNote: r.decision_note,
    userId: r.user_id,
  };
}

/** Anyone may ask for an account; an admin approves (the account is created and invited) or rejects. */
export class AccountRequestsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly audit: AuditService,
    private readonly mail: MailService,
    private readonly accounts: AccountsService,
  ) {}

  async create(
    body: {
      name: string;
      email: string;
      organisation: string;
      role: Role;
      reason: string;
      language?: Language;
    },
    by: By,
  ): Promise<void> {
    if (body.role === 'admin') throw badRequest('role: administrator accounts are not given on request.');
    const id = await insertAccountRequest(this.db, {
      name: body.name.trim(),
      email: body.email.trim(),
      organisation: body.organisation.trim(),
      role: body.role,
      reason: body.reason.trim(),
      language: body.language ?? 'en',
      ip: by.ip ?? '',
      created_at: this.clock.now(),
    });
    await this.audit.record({
      ...by,
      action: 'account_request.created',
      target: { type: 'account_request', id },
      detail: { email: body.email, role: body.role },
    });
  }

  async list(query: { status?: AccountRequestTable['status']; cursor?: string; limit?: number }) {
    const limit = query.limit ?? 50;
    const rows = await listAccountRequests(this.db, {
      status: query.status,
      beforeId: decodeCursor(query.cursor),
      limit: limit + 1,
    });
    return pageOf(rows, limit, toAccountRequest);
  }

  private async pending(id: number) {
    const request = await findAccountRequest(this.db, id);
    if (!request) throw notFound(`There is no account request ${id}.`);
    if (request.status !== 'pending') throw conflict(`Account request ${id} was already ${request.status}.`);
    return request;
  }

  /** Creates the account (roles: as asked, unless the admin says otherwise) and e-mails a link to set its password. */
  async approve(
    id: number,
    body: { roles?: Role[]; dwellingIds?: number[]; organisationId?: number | null },
    by: By,
  ): Promise<{ request: AccountRequest; user: AdminUser }> {
    const request = await this.pending(id);
    const decided = await decideAccountRequest(this.db, id, {
      status: 'approved',
      decided_at: this.clock.now(),
      decided_by: by.actor.kind === 'user' ? (by.actor.id ?? null) : null,
      decision_note: null,
    });
    if (!decided) throw conflict(`Account request ${id} was decided by someone else just now.`);
    let user: AdminUser;
    try {
      user = await this.accounts.create(
        {
          email: request.email,
          name: request.name,
          language: request.language as Language,
          roles: body.roles ?? [request.role as Role],
          dwellingIds: body.dwellingIds,
          organisationId: body.organisationId,
        },
        by,
      );
    } catch (error) {
      await reopenAccountRequest(this.db, id);
      throw error;
    }
    await setRequestUser(this.db, id, user.id);
    await this.audit.record({
      ...by,
      action: 'account_request.approved',
      target: { type: 'account_request', id },
      detail: { email: request.email, userId: user.id, roles: user.roles },
    });
    return { request: toAccountRequest((await findAccountRequest(this.db, id))!), user };
  }

  async reject(id: number, note: string | undefined, by: By): Promise<AccountRequest> {
    const request = await this.pending(id);
    const decided = await decideAccountRequest(this.db, id, {
      status: 'rejected',
      decided_at: this.clock.now(),
      decided_by: by.actor.kind === 'user' ? (by.actor.id ?? null) : null,
      decision_note: note?.trim() || null,
    });
    if (!decided) throw conflict(`Account request ${id} was decided by someone else just now.`);
    const language = request.language as Language;
    const reason = note?.trim() ? `\n\n${MAIL_TEMPLATES[language].reasonLabel}: ${note.trim()}` : '';
    await this.mail.send(request.email, 'account-request-rejected', language, { name: request.name, reason });
    await this.audit.record({
      ...by,
      action: 'account_request.rejected',
      target: { type: 'account_request', id },
      detail: { email: request.email, note: note ?? null },
    });
    return toAccountRequest((await findAccountRequest(this.db, id))!);
  }
}
