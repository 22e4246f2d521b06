import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform } from '../testing/platform.ts';
import { BY_SYSTEM } from '../audit/by.ts';

/** A small SMTP server that keeps what it receives (SMTP is not on this machine). */
async function fakeSmtp(): Promise<{
  server: Server;
  port: number;
  messages: { from: string; to: string[]; data: string }[];
}> {
  const messages: { from: string; to: string[]; data: string }[] = [];
  const server = createServer((socket) => {
    let buffer = '';
    let inData = false;
    let current = { from: '', to: [] as string[], data: '' };
    socket.write('220 fake.smtp ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            messages.push(current);
            current = { from: '', to: [], data: '' };
            socket.write('250 queued\r\n');
          } else current.data += `${line.replace(/^\./, '')}\n`;
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'MAIL') current.from = line;
        if (verb === 'RCPT') current.to.push(line);
        if (verb === 'DATA') inData = true;
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250-fake.smtp\r\n250 8BITMIME\r\n');
        else if (verb === 'DATA') socket.write('354 go on\r\n');
        else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 ok\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, messages };
}

describe('e-mail over SMTP', () => {
  let smtp: Awaited<ReturnType<typeof fakeSmtp>>;
  beforeAll(async () => {
    smtp = await fakeSmtp();
  });
  afterAll(async () => {
    await new Promise((resolve) => smtp.server.close(resolve));
  });

  it('sends through the configured server and keeps no body of what was sent', async () => {
    const t = await openTestPlatform({
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      mailFrom: 'CIOP <ciop@city.example>',
    });
    try {
      await t.platform.auth.accounts.create(
        { email: 'mailed@example.org', name: 'Mailed', roles: ['kpi'], password: 'a password for mail' },
        BY_SYSTEM,
      );
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password-reset',
        payload: { email: 'mailed@example.org' },
      });
      expect(res.statusCode).toBe(202);
      await t.platform.mail.drain();
      const message = smtp.messages.find((m) => m.to.some((r) => r.includes('mailed@example.org')))!;
      expect(message.from).toContain('ciop@city.example');
      expect(message.data).toContain('Subject: Reset your CIOP password');
      expect(message.data).toMatch(/set-password\?token=/);
      const [row] = (await t.platform.mail.list({ to: 'mailed@example.org' })).items;
      expect(row.sentAt).toBeGreaterThan(0);
      expect(row.body).toBe('');
    } finally {
      await t.close();
    }
  });

  it('keeps a message it could not send in the outbox, with the reason', async () => {
    const closed = await fakeSmtp();
    await new Promise((resolve) => closed.server.close(resolve));
    const t = await openTestPlatform({ smtpUrl: `smtp://127.0.0.1:${closed.port}` });
    try {
      await t.platform.auth.accounts.create(
        { email: 'unsent@example.org', name: 'Unsent', roles: ['kpi'] },
        BY_SYSTEM,
      );
      await t.platform.mail.drain();
      const [row] = (await t.platform.mail.list({ to: 'unsent@example.org' })).items;
      expect(row).toMatchObject({ template: 'invite', sentAt: null });
      expect(row.body).toContain('set-password?token=');
      expect(row.error).toMatch(/ECONNREFUSED/);
    } finally {
      await t.close();
    }
  });
});
