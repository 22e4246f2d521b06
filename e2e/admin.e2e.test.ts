import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '#common/api/access.ts';
import type { App } from '#server/app.ts';
import type { Platform } from '#server/platform.ts';
import {
  forgetSiteStorage,
  launchBrowser,
  open,
  type Platform4Browser,
  screenshot,
  startPlatform,
  type TestBrowser,
  VIEWPORTS,
} from './harness.ts';

const CSRF = 'csrf-test-value';

/**
 * Until the accounts service exists, a local stand-in answers its contract: the refresh endpoint
 * checks the CSRF header against the cookie and hands out an access token that the platform
 * knows as the person of `who` (null = no session).
 */
function accountsStandIn(
  app: App,
  platform: Platform,
  who: () => { name: string; roles: Role[] } | null,
): void {
  const refreshes: string[] = [];
  app.post('/api/v1/auth/refresh', { config: { access: 'public' } }, async (request, reply) => {
    const cookie = /(?:^|;\s*)ciop_csrf=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
    const person = who();
    if (!person || !cookie || request.headers['x-csrf-token'] !== cookie)
      return reply.status(401).type('application/problem+json').send({ title: 'Unauthorized', status: 401 });
    const token = randomBytes(16).toString('hex');
    refreshes.push(token);
    platform.secretVerifiers.unshift(async (secret) =>
      secret === token
        ? {
            kind: 'user',
            id: 7,
            name: person.name,
            roles: person.roles,
            scopes: [],
            dwellingIds: [],
            buildingIds: [],
            gatewayIds: [],
          }
        : undefined,
    );
    return {
      accessToken: token,
      tokenType: 'Bearer',
      expiresIn: 900,
      user: {
        id: 7,
        email: 'x@example.org',
        language: 'en',
        ...person,
        dwellingIds: [],
        buildingIds: [],
      },
    };
  });
  app.post('/api/v1/auth/logout', { config: { access: 'public' } }, async (_request, reply) =>
    reply.header('set-cookie', 'ciop_csrf=; Path=/; Max-Age=0').status(204).send(),
  );
}

describe('an administrator managing the news feeds', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;
  let person: { name: string; roles: Role[] } | null = null;

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([
      startPlatform({
        days: 1,
        beforeListen: (app, platform) => accountsStandIn(app, platform, () => person),
      }),
      launchBrowser(),
    ]);
    await ciop.platform.news.createFeed({ url: `${ciop.feeds.url}/broken.xml`, title: 'Broken source' });
    await ciop.platform.news.fetchAll();
    page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  const logInAs = async (who: { name: string; roles: Role[] }) => {
    person = who;
    await browser.context.addCookies([{ name: 'ciop_csrf', value: CSRF, url: ciop.url }]);
  };

  it('restores the session on load, sees the admin menu, the feeds and why one fails', async () => {
    await logInAs({ name: 'Ane Admin', roles: ['admin'] });
    await open(page, `${ciop.url}/admin/news`);
    await page.waitForSelector('.data-table tbody tr');
    expect(await page.textContent('.user-name')).toContain('Ane Admin');
    expect(await page.locator('.nav-list a', { hasText: 'News feeds' }).count()).toBe(1);
    const rows = page.locator('.data-table tbody tr');
    expect(await rows.count()).toBe(3);
    const broken = rows.filter({ hasText: 'Broken source' });
    expect(await broken.textContent()).toMatch(/HTTP 500/);
    expect(await broken.textContent()).toMatch(/Failing \(1 in a row\)/);
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
    person = null;
    expect(await page.locator('.nav-list a', { hasText: 'News feeds' }).count()).toBe(0);
    await open(page, `${ciop.url}/admin/news`);
    await page.waitForURL((u) => u.pathname === '/login');
  });

  it('refuses the administration to a resident', async () => {
    await logInAs({ name: 'Iker Resident', roles: ['resident'] });
    await open(page, `${ciop.url}/admin/news`);
    await page.waitForURL((u) => u.pathname === '/forbidden');
    expect(await page.textContent('h1')).toBe('Not available with your account');
    expect(await page.locator('.nav-list a', { hasText: 'News feeds' }).count()).toBe(0);
  });
});
