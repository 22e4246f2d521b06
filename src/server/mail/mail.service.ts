import type { Kysely } from 'kysely';
import type { Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Language } from '#common/api/auth.ts';
import type { Database } from '../db/schema.ts';
import { decodeCursor, pageOf } from '../audit/audit.service.ts';
import type { Clock } from '../clock.ts';
import { type MailTemplate, renderMail } from './mail-templates.ts';
import { insertOutboxMessage, listOutbox, markFailed, markSent } from './mail.store.ts';

export interface MailOptions {
  /** `smtp://…` or `smtps://…`; undefined keeps e-mail in the outbox for admins to read. */
  smtpUrl: string | undefined;
  from: string;
}

/**
 * Outgoing e-mail. Every message is first written to the outbox table (so nothing is lost when
 * the SMTP server is down); with SMTP configured it is then sent and its body dropped,
 * without SMTP it waits there for an admin (`GET /api/v1/admin/outbox`).
 */
export class MailService {
  /** Made on the first message to send: nodemailer is loaded only where SMTP is configured. */
  private transport: Promise<Transporter> | undefined;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: MailOptions,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  async send(
    to: string,
    template: MailTemplate,
    language: Language,
    fields: Record<string, string | number>,
  ): Promise<void> {
    await this.sendMessage(to, renderMail(template, language, fields), template);
  }

  /**
   * Sends a message another module rendered itself (`template` names it in the outbox), the
   * same way: outbox first, then SMTP when configured.
   */
  async sendMessage(to: string, message: { subject: string; body: string }, template: string): Promise<void> {
    const { subject, body } = message;
    const id = await insertOutboxMessage(this.db, {
      to_address: to,
      subject,
      body,
      template,
      created_at: this.clock.now(),
    });
    if (!this.options.smtpUrl) return;
    // Sent after the reply, so that a slow SMTP server neither delays nor reveals anything.
    const job = this.deliver(id, to, subject, body).finally(() => this.sending.delete(job));
    this.sending.add(job);
  }

  private async deliver(id: number, to: string, subject: string, text: string): Promise<void> {
    try {
      const transport = await this.smtp(this.options.smtpUrl!);
      await transport.sendMail({ from: this.options.from, to, subject, text });
      await markSent(this.db, id, this.clock.now());
    } catch (error) {
      this.logger.warn({ err: error, outboxId: id }, 'e-mail not sent; it stays in the outbox');
      await markFailed(this.db, id, (error as Error).message).catch(() => undefined);
    }
  }

  private smtp(url: string): Promise<Transporter> {
    this.transport ??= import('nodemailer').then(({ createTransport }) => createTransport(url));
    return this.transport;
  }

  /** Waits for messages being sent (for a clean stop, and for tests). */
  async drain(): Promise<void> {
    await Promise.all([...this.sending]);
  }

  async list(query: { to?: string; cursor?: string; limit?: number }) {
    const limit = query.limit ?? 50;
    const rows = await listOutbox(this.db, {
      to: query.to,
      beforeId: decodeCursor(query.cursor),
      limit: limit + 1,
    });
    return pageOf(rows, limit, (r) => ({
      id: r.id,
      to: r.to_address,
      subject: r.subject,
      body: r.body,
      template: r.template,
      createdAt: r.created_at,
      sentAt: r.sent_at,
      error: r.error,
    }));
  }

  close(): void {
    void this.transport?.then((transport) => transport.close()).catch(() => undefined);
  }
}
