import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '#common/api/access.ts';
import { BY_SYSTEM } from '#server/audit/by.ts';
import {
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

describe('an administrator managing the news feeds', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;

  /** A real account, created as an administrator would through the accounts service. */
  const account = (email: string, name: string, roles: Role[]) =>
    ciop.platform.auth.accounts.create({ email, name, roles, password: PASSWORD }, BY_SYSTEM);

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 1 }), launchBrowser()]);
    await account('ane.admin@test.example', 'Ane Admin', ['admin']);
    await account('iker.resident@test.example', 'Iker Resident', ['resident']);
    await ciop.platform.news.createFeed({ url: `${ciop.feeds.url}/broken.xml`, title: 'Broken source' });
    await ciop.platform.news.fetchAll();
    page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  it('logs in, sees the admin menu, the feeds and why one fails, and keeps the session on reload', async () => {
    await logInOnTheWayTo(page, ciop.url, '/admin/news', 'ane.admin@test.example', PASSWORD);
    await page.waitForURL((u) => u.pathname === '/admin/news');
    await page.waitForSelector('.data-table tbody tr');
    expect(await page.textContent('.user-name')).toContain('Ane Admin');
    expect(await page.locator('.nav-list a', { hasText: 'News feeds' }).count()).toBe(1);
    const rows = page.locator('.data-table tbody tr');
    expect(await rows.count()).toBe(3);
    const broken = rows.filter({ hasText: 'Broken source' });
    expect(await broken.textContent()).toMatch(/HTTP 500/);
    expect(await broken.textContent()).toMatch(/Failing \(1 in a row\)/);
    // A reload keeps the session: the refresh cookie gets a new access token.
    await page.reload();
    await page.waitForSelector('.data-table tbody tr');
    expect(page.url()).toBe(`${ciop.url}/admin/news`);
    expect(await page.textContent('.user-name')).toContain('Ane Admin');
    await screenshot(page, 'news-admin-desktop');
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, 'news-admin-phone');
    await page.setViewportSize(VIEWPORTS.desktop);
  });

  it('adds a feed, which is fetched at once', async () => {
    await ciop.platform.news.deleteFeed((await ciop.platform.news.listFeeds())[1].id);
    await page.reload();
    await page.waitForSelector('.data-table tbody tr');
    expect(await page.locator('.data-table tbody tr').count()).toBe(2);
    await page.fill('#feed-url', `${ciop.feeds.url}/atom.xml`);
    await page.fill('#feed-title', 'Gasteiz');
    await page.click('button[type="submit"]');
    await expect
      .poll(() => page.textContent('.notice[role="status"]'))
      .toMatch(/Gasteiz added: 2 headlines read/);
    await expect.poll(() => page.locator('.data-table tbody tr').count()).toBe(3);
  });

  it('logs out, after which the administration is out of reach', async () => {
    await page.click('text=Log out');
    await page.waitForURL(`${ciop.url}/`);
    expect(await page.locator('.nav-list a', { hasText: 'News feeds' }).count()).toBe(0);
    await open(page, `${ciop.url}/admin/news`);
    await page.waitForURL((u) => u.pathname === '/login');
    // The session really ended on the server: no cookie brings it back.
    const refreshed = await page.evaluate(
      async () => (await fetch('/api/v1/auth/refresh', { method: 'POST' })).status,
    );
    expect(refreshed).toBe(401);
  });

  it('refuses the administration to a resident', async () => {
    await logInOnTheWayTo(page, ciop.url, '/admin/news', 'iker.resident@test.example', PASSWORD);
    await page.waitForURL((u) => u.pathname === '/forbidden');
    expect(await page.textContent('h1')).toBe('Not available with your account');
    expect(await page.textContent('.user-name')).toContain('Iker Resident');
    expect(await page.locator('.nav-list a', { hasText: 'News feeds' }).count()).toBe(0);
  });
});
