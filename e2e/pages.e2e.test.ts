import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '#common/api/access.ts';
import { BY_SYSTEM } from '#server/audit/by.ts';
import {
  checkAccessibility,
  forgetSiteStorage,
  launchBrowser,
  open,
  type Platform4Browser,
  startPlatform,
  type TestBrowser,
  VIEWPORTS,
} from './harness.ts';

// What every page owes a person, whatever app it belongs to: a session that ends leads back to
// log in and returns; user text never widens a page; no page scrolls sideways on a phone;
// numbers and dates read in the page's language; a carrier keeps its colour.

const PASSWORD = 'a long enough test passphrase';
const PHONE = { width: 360, height: 740 };

describe('pages a person would trust', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;
  let dwelling: number;

  const account = (email: string, name: string, roles: Role[], dwellingIds: number[] = []) =>
    ciop.platform.auth.accounts.create({ email, name, roles, dwellingIds, password: PASSWORD }, BY_SYSTEM);

  async function logIn(email: string): Promise<void> {
    await page.fill('#login-email', email);
    await page.fill('#login-password', PASSWORD);
    await page.click('form button[type="submit"]');
  }

  async function logOut(): Promise<void> {
    await page.context().clearCookies();
  }

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 3, feeds: false }), launchBrowser()]);
    const db = ciop.platform.database.db;
    const row = await db
      .selectFrom('gateway')
      .select('dwelling_id')
      .where('dwelling_id', 'is not', null)
      .orderBy('dwelling_id')
      .executeTakeFirstOrThrow();
    dwelling = row.dwelling_id as number;
    await account('nerea.resident@test.example', 'Nerea Resident', ['resident'], [dwelling]);
    await account('ane.admin@test.example', 'Ane Admin', ['admin', 'kpi', 'installer']);
    page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  it('sends a person whose session was ended to log in, says why once, and brings them back', async () => {
    await open(page, `${ciop.url}/login`);
    await logIn('nerea.resident@test.example');
    // Without a page to return to, a resident lands on their home.
    await page.waitForURL((u) => u.pathname === `/home/${dwelling}`);
    await page.click('.home-nav a:has-text("Power")');
    await page.waitForURL((u) => u.pathname === `/home/${dwelling}/power`);
    await page.locator('[data-power-summary]').waitFor();
    const user = await ciop.platform.auth.accounts.list({ q: 'nerea' });
    await ciop.platform.auth.accounts.revokeSessions(user.items[0].id, BY_SYSTEM);
    await page.click('.home-nav a:has-text("Temperature")');
    await page.waitForURL((u) => u.pathname === '/login');
    const url = new URL(page.url());
    expect(url.searchParams.get('next')).toBe(`/home/${dwelling}/temperature`);
    expect(await page.locator('.notice[role="status"]').allTextContents()).toEqual([
      'Your session has ended. Log in again to carry on where you were.',
    ]);
    expect(await page.locator('.state-error').count()).toBe(0);
    await logIn('nerea.resident@test.example');
    await page.waitForURL((u) => u.pathname === `/home/${dwelling}/temperature`);
    await logOut();
  });

  /** How far the page is wider than the window (0 when it does not scroll sideways). */
  const sidewaysOverflow = () =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

  it('wraps a 200-character unbroken name on the requests page, keeping Approve and Reject on screen', async () => {
    const name = 'W'.repeat(200);
    await ciop.platform.auth.accountRequests.create(
      {
        name,
        email: 'long.name@test.example',
        organisation: 'O'.repeat(150),
        role: 'resident',
        reason: 'R'.repeat(400),
      },
      BY_SYSTEM,
    );
    await open(page, `${ciop.url}/admin/account-requests`);
    await page.waitForURL((u) => u.pathname === '/login');
    await logIn('ane.admin@test.example');
    await page.waitForURL((u) => u.pathname === '/admin/account-requests');
    const request = page.locator('.admin-requests li', { hasText: name });
    await request.waitFor();
    for (const viewport of [VIEWPORTS.desktop, PHONE]) {
      await page.setViewportSize(viewport);
      expect(await sidewaysOverflow(), `${viewport.width} px`).toBe(0);
      for (const button of ['Approve', 'Reject']) {
        const box = await request.locator('button', { hasText: button }).boundingBox();
        expect(box && box.x + box.width, `${button} at ${viewport.width} px`).toBeLessThanOrEqual(
          viewport.width,
        );
      }
    }
    await page.setViewportSize(VIEWPORTS.desktop);
    expect((await checkAccessibility(page)).serious).toEqual([]);
  });
});
