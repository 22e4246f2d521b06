import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BY_SYSTEM } from '#server/audit/by.ts';
import {
  checkAccessibility,
  forgetSiteStorage,
  launchBrowser,
  logInOnTheWayTo,
  open,
  type Platform4Browser,
  screenshot,
  startPlatform,
  type TestBrowser,
  VIEWPORTS,
} from './harness.ts';

const PASSWORD = 'a long enough test passphrase';
const VISITOR = { name: 'Miren Instaladora', email: 'miren.installer@test.example' };
const ESCO = { name: 'Itziar Energía', email: 'itziar.esco@test.example' };
const ORGANISATION = 'Ekoenergia Gasteiz';

describe('an administrator managing accounts and access', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;
  let secret = '';

  /** Writes one line of InfluxDB line protocol with a token, as a forwarder would. */
  const write = async (token: string) =>
    (
      await fetch(`${ciop.url}/api/v2/write?org=city&bucket=ciop&precision=ms`, {
        method: 'POST',
        headers: { authorization: `Token ${token}`, 'content-type': 'text/plain' },
        body: `e2e_probe,site=aldabe value=1 ${Date.now()}`,
      })
    ).status;

  /** Pictures the page at desktop and phone widths, then goes back to desktop. */
  async function picture(name: string): Promise<void> {
    await screenshot(page, `${name}-desktop`);
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, `${name}-phone`);
    await page.setViewportSize(VIEWPORTS.desktop);
  }

  /** No serious or critical WCAG 2.1 AA violation on the page as it stands. */
  const expectAccessible = async () => expect((await checkAccessibility(page)).serious).toEqual([]);

  const section = async (label: string, ready: string) => {
    await page.click(`.section-nav a:text-is("${label}")`);
    await page.waitForSelector(ready);
  };

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 1, feeds: false }), launchBrowser()]);
    await ciop.platform.auth.accounts.create(
      { email: 'ane.admin@test.example', name: 'Ane Admin', roles: ['admin'], password: PASSWORD },
      BY_SYSTEM,
    );
    page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  it('takes an account request from a visitor', async () => {
    await open(page, `${ciop.url}/request-account`);
    await page.fill('#request-name', VISITOR.name);
    await page.fill('#request-email', VISITOR.email);
    await page.fill('#request-organisation', 'Instalaciones Zabalgana');
    await page.selectOption('#request-role', 'installer');
    await page.fill('#request-reason', 'I install the gateways of Aldabe 12.');
    await page.click('form button[type="submit"]');
    await page.waitForSelector('.notice-success');
    expect(await page.textContent('.notice-success')).toContain('Your request has been sent');
    // It waits for the administrator, as the visitor wrote it.
    const pending = await ciop.platform.database.db
      .selectFrom('account_request')
      .select(['email', 'role', 'reason'])
      .where('status', '=', 'pending')
      .execute();
    expect(pending).toEqual([
      { email: VISITOR.email, role: 'installer', reason: 'I install the gateways of Aldabe 12.' },
    ]);
  });

  it('lets the administrator log in and approve it, granting a second role', async () => {
    await logInOnTheWayTo(page, ciop.url, '/admin/account-requests', 'ane.admin@test.example', PASSWORD);
    await page.waitForURL((u) => u.pathname === '/admin/account-requests');
    expect(await page.locator('.nav-list a', { hasText: 'Accounts' }).count()).toBe(1);
    const request = page.locator('[data-request]', { hasText: VISITOR.email });
    await request.waitFor();
    expect(await request.textContent()).toContain('I install the gateways of Aldabe 12.');
    // The role asked for is ticked already.
    expect(await request.getByLabel('Installer or platform manager').isChecked()).toBe(true);
    await expectAccessible();
    await picture('accounts-admin-requests');

    await request.getByLabel('Evaluator or city manager').check();
    await request.getByRole('button', { name: `Approve: ${VISITOR.name}` }).click();
    await expect
      .poll(() => page.textContent('.notice[role="status"]'))
      .toContain(`${VISITOR.name} now has an account`);
    await expect.poll(() => page.locator('[data-request]').count()).toBe(0);
    const { items } = await ciop.platform.auth.accounts.list({ q: VISITOR.email });
    expect(items.map((u) => [...u.roles].sort())).toEqual([['installer', 'kpi']]);

    // The approved request stays on file, with a link to its account.
    await page.selectOption('#requests-status', 'approved');
    await page.locator('[data-request]', { hasText: VISITOR.email }).getByText('See the account').click();
    await page.waitForURL((u) => /^\/admin\/users\/\d+$/.test(u.pathname));
    await page.waitForSelector('#user-name');
    expect(await page.inputValue('#user-email')).toBe(VISITOR.email);
    expect(await page.isChecked('#user-role-kpi')).toBe(true);
    expect(await page.textContent('.notice-warning')).toContain('has not set a password yet');
    await picture('accounts-admin-user');
  });

  it('shows the invitation e-mail in the outbox, body included', async () => {
    await section('E-mail outbox', '[data-message]');
    const invitation = page.locator('[data-message]', { hasText: VISITOR.email });
    expect(await invitation.count()).toBe(1);
    expect(await invitation.textContent()).toContain('Your CIOP account is ready');
    await invitation.locator('summary').click();
    expect(await invitation.locator('.admin-body').textContent()).toContain('/set-password?token=');
    await picture('accounts-admin-outbox');
  });

  it('issues a machine token shown once, which writes until it is revoked', async () => {
    await section('Machine tokens', '#token-name');
    await page.fill('#token-name', 'Forwarder Aldabe 12');
    expect(await page.isChecked('#token-scope-ingest\\:write')).toBe(true);
    await page.click('form button[type="submit"]');
    const issued = page.locator('[data-issued-token]');
    await issued.waitFor();
    expect(await issued.textContent()).toContain('it will not be shown again');
    secret = ((await issued.locator('code').textContent()) ?? '').trim();
    expect(secret).toMatch(/^ciop_[\w-]{43}$/);
    // The secret has the focus, so that a keyboard or screen reader user finds it at once.
    expect(await page.evaluate('document.activeElement.className')).toContain('admin-secret');
    await expectAccessible();
    await picture('accounts-admin-token-issued');

    expect(await write(secret)).toBe(204);

    // Shown once: after a reload only its name and prefix remain, now with its last use.
    await page.reload();
    const row = page.locator('[data-token]', { hasText: 'Forwarder Aldabe 12' });
    await row.waitFor();
    expect(await page.locator('[data-issued-token]').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    expect(await row.locator('td').nth(3).textContent()).not.toBe('never');

    page.once('dialog', (dialog) => void dialog.accept());
    await row.getByRole('button', { name: 'Revoke: Forwarder Aldabe 12' }).click();
    await expect.poll(() => row.textContent()).toContain('Revoked');
    expect(await write(secret)).toBe(401);
    await picture('accounts-admin-tokens');
  });

  it('lists the approval and the token events in the audit log, and filters them', async () => {
    await section('Audit log', '[data-action]');
    for (const action of ['account_request.approved', 'user.created', 'token.issued', 'token.revoked'])
      expect(await page.locator(`[data-action="${action}"]`).count(), action).toBeGreaterThan(0);
    await picture('accounts-admin-audit');

    await page.fill('#audit-action', 'token.');
    await page.click('.admin-filters button[type="submit"]');
    await expect.poll(() => page.locator('[data-action="account_request.approved"]').count()).toBe(0);
    const actions = await page
      .locator('[data-action]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    expect(actions).toEqual(['token.revoked', 'token.issued']);
    await expectAccessible();
  });

  it('finds the new account, links a dwelling to it and ends its sessions', async () => {
    await section('Accounts', '[data-user]');
    await page.fill('#users-q', 'miren');
    await page.click('.admin-filters button[type="submit"]');
    await expect.poll(() => page.locator('[data-user]').count()).toBe(1);
    await picture('accounts-admin-users');
    await page.click(`[data-user] a:text-is("${VISITOR.name}")`);
    await page.waitForSelector('#user-name');
    // Links a dwelling picked by building, then saves.
    await page.waitForSelector('#dwelling-building option:nth-child(2)', { state: 'attached' });
    await page.selectOption('#dwelling-building', { index: 1 });
    await page.waitForSelector('#dwelling-dwelling option:nth-child(2)', { state: 'attached' });
    await page.selectOption('#dwelling-dwelling', { index: 1 });
    await page.click('button:text-is("Add the dwelling")');
    expect(await page.locator('[data-dwelling]').count()).toBe(1);
    await page.click('button:text-is("Save changes")');
    await expect.poll(() => page.textContent('.notice[role="status"]')).toContain('Changes saved');
    const [saved] = (await ciop.platform.auth.accounts.list({ q: VISITOR.email })).items;
    expect(saved.dwellingIds).toHaveLength(1);
    expect(saved.roles).toContain('kpi');

    page.once('dialog', (dialog) => void dialog.accept());
    await page.click('button:text-is("End all sessions")');
    await expect
      .poll(() => page.textContent('.notice[role="status"]'))
      .toContain(`Every session of ${VISITOR.name} has ended.`);
  });

  it('creates an account, whose owner is invited by e-mail', async () => {
    await section('Accounts', '[data-user]');
    await page.click('a:text-is("New account")');
    await page.waitForSelector('#user-name');
    await page.fill('#user-name', 'Jon Técnico');
    await page.fill('#user-email', 'jon.municipal@test.example');
    await page.selectOption('#user-language', 'es');
    await page.uncheck('#new-role-resident');
    await page.check('#new-role-municipal');
    await picture('accounts-admin-new-user');
    await page.click('button:text-is("Create and send the invitation")');
    await page.waitForURL((u) => /^\/admin\/users\/\d+$/.test(u.pathname));
    await expect.poll(() => page.textContent('.notice[role="status"]')).toContain('Account created');
    await section('E-mail outbox', '[data-message]');
    const invitation = page.locator('[data-message]', { hasText: 'jon.municipal@test.example' });
    expect(await invitation.textContent()).toContain('Tu cuenta de CIOP está lista');
  });

  it('creates an organisation with two buildings, whose ESCO member reads those and no other', async () => {
    await section('Organisations', '#organisation-name');
    // The name is required, and said so before anything is sent.
    await page.click('form button[type="submit"]');
    await expect.poll(() => page.textContent('.form-error')).toContain('Write the name of the organisation');
    await page.fill('#organisation-name', ORGANISATION);
    await page.click('form button[type="submit"]');
    await page.waitForURL((u) => /^\/admin\/organisations\/\d+$/.test(u.pathname));
    const organisationId = Number(new URL(page.url()).pathname.split('/').pop());
    await expect.poll(() => page.textContent('.notice[role="status"]')).toContain('Organisation created');

    // Two buildings of the registry: one found with the filter by its code, one ticked in the list.
    await page.waitForSelector('[data-building]');
    const ids = await page
      .locator('[data-building]')
      .evaluateAll((labels) => labels.map((l) => Number(l.getAttribute('data-building'))));
    expect(ids.length).toBeGreaterThan(2);
    const [first, second, third] = ids;
    const code = ((await page.locator(`[data-building="${second}"] .cell-sub`).textContent()) ?? '').trim();
    await page.fill('#organisation-filter', code);
    await expect.poll(() => page.locator('[data-building]').count()).toBeLessThan(ids.length);
    await page.check(`#organisation-building-${second}`);
    await page.fill('#organisation-filter', '');
    await page.check(`#organisation-building-${first}`);
    expect(await page.textContent('[data-chosen]')).toContain('Chosen: 2');
    await expectAccessible();
    await picture('accounts-admin-organisation');
    await page.click('button:text-is("Save changes")');
    await expect.poll(() => page.textContent('.notice[role="status"]')).toContain('Changes saved');
    const stored = (await ciop.platform.auth.accounts.listOrganisations()).find(
      (o) => o.id === organisationId,
    );
    expect([...(stored?.buildingIds ?? [])].sort()).toEqual([first, second].sort());

    // After a reload the page shows what is stored.
    await page.reload();
    await page.waitForSelector('[data-building]');
    expect(await page.isChecked(`#organisation-building-${first}`)).toBe(true);
    expect(await page.isChecked(`#organisation-building-${second}`)).toBe(true);
    expect(await page.isChecked(`#organisation-building-${third}`)).toBe(false);
    await section('Organisations', `[data-organisation="${organisationId}"]`);
    const row = page.locator(`[data-organisation="${organisationId}"]`);
    expect(await row.locator('td').first().textContent()).toBe('2');
    await expectAccessible();
    await picture('accounts-admin-organisations');

    // An ESCO technician joins it through the organisation select of the account page.
    const esco = await ciop.platform.auth.accounts.create(
      { email: ESCO.email, name: ESCO.name, roles: ['esco'], password: PASSWORD },
      BY_SYSTEM,
    );
    await open(page, `${ciop.url}/admin/users/${esco.id}`);
    await page.waitForSelector(`#user-organisation option:text-is("${ORGANISATION}")`, { state: 'attached' });
    await page.selectOption('#user-organisation', { label: ORGANISATION });
    await page.click('button:text-is("Save changes")');
    await expect.poll(() => page.textContent('.notice[role="status"]')).toContain('Changes saved');
    expect((await ciop.platform.auth.accounts.get(esco.id)).organisationId).toBe(organisationId);

    // The organisation links to its members.
    await open(page, `${ciop.url}/admin/organisations/${organisationId}`);
    await page.click('[data-members-link]');
    await page.waitForURL((u) => u.pathname === '/admin/users' && u.search.includes('organisation='));
    await expect.poll(() => page.locator('[data-user]').count()).toBe(1);
    expect(await page.textContent('[data-user]')).toContain(ESCO.name);

    // Logged in, the technician reads the comfort of an assigned building, and not of another.
    const login = await fetch(`${ciop.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: ESCO.email, password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const to = Date.now();
    const comfort = async (building: number) =>
      (
        await fetch(`${ciop.url}/api/v1/comfort/buildings/${building}?from=${to - 86_400_000}&to=${to}`, {
          headers: { authorization: `Bearer ${accessToken}` },
        })
      ).status;
    expect(await comfort(first)).toBe(200);
    expect(await comfort(second)).toBe(200);
    expect([403, 404]).toContain(await comfort(third));
  });
});
