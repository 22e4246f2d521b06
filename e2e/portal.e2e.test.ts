import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkAccessibility,
  forgetSiteStorage,
  launchBrowser,
  open,
  type Platform4Browser,
  screenshot,
  startPlatform,
  type TestBrowser,
  type Viewport,
  VIEWPORTS,
} from './harness.ts';

describe('a visitor on the landing portal', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  async function freshPage(viewport: Viewport = VIEWPORTS.desktop): Promise<Page> {
    page = await browser.page(viewport);
    await forgetSiteStorage(page, ciop.url);
    return page;
  }

  it('sees the headline figures of the district', async () => {
    await freshPage();
    await open(page, `${ciop.url}/`);
    await expect.poll(() => page.textContent('[data-kpi="buildings"]')).toBe('27');
    const primary = (await page.textContent('[data-kpi="primary-energy"]')) ?? '';
    expect(primary).toMatch(/^[\d,.]+ (kWh|MWh)$/);
    expect(await page.textContent('[data-kpi="primary-energy-m2"]')).toMatch(/kWh\/m²$/);
    // A figure without data says so plainly.
    expect(await page.textContent('[data-kpi="bus-co2"]')).toContain('No data yet');
    expect(await page.title()).toBe('Home · CIOP');
    expect(await page.getAttribute('html', 'lang')).toBe('en');
  });

  it('filters the catalogue by a tag', async () => {
    const cards = page.locator('.app-card');
    const all = await cards.count();
    expect(all).toBeGreaterThanOrEqual(10);
    await page.click('button[data-tag="mobility"]');
    await expect.poll(() => cards.count()).toBeLessThan(all);
    const shown = await page
      .locator('.app-card')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-app')));
    expect(shown).toContain('electric-bus');
    expect(shown).not.toContain('tv');
    expect(page.url()).toContain('tag=mobility');
    expect(await page.getAttribute('button[data-tag="mobility"]', 'aria-pressed')).toBe('true');
    await page.click('.tag-filter button:first-child');
    await expect.poll(() => cards.count()).toBe(all);
  });

  it('switches to Basque: the texts change and the page says it is in Basque', async () => {
    const heading = await page.textContent('h1');
    await page.selectOption('#language', 'eu');
    await expect.poll(() => page.getAttribute('html', 'lang')).toBe('eu');
    await expect.poll(() => page.textContent('h1')).not.toBe(heading);
    expect(await page.textContent('h1')).toContain('auzoaren');
    expect(await page.textContent('#catalogue-title')).toBe('Aplikazioak');
    expect(await page.textContent('label[for="language"]')).toBe('Hizkuntza');
    // The choice is remembered.
    await page.reload();
    await expect.poll(() => page.textContent('#catalogue-title')).toBe('Aplikazioak');
    expect(await page.getAttribute('html', 'lang')).toBe('eu');
  });

  it('opens the detail page of an application, and is sent to log in for one that needs an account', async () => {
    await freshPage();
    await open(page, `${ciop.url}/`);
    await page.click('.app-card[data-app="tv"] a');
    await page.waitForURL(/\/apps\/tv$/);
    expect(await page.textContent('h1')).toBe('TV news');
    expect(await page.getAttribute('.app-detail-picture img', 'alt')).toMatch(/television/);
    await page.click('text=Open TV news');
    await page.waitForURL(/\/tv$/);
    await page.goto(`${ciop.url}/apps/news-admin`);
    await page.click('text=Log in to open it');
    await page.waitForURL(/\/login\?next=/);
    await page.goto(`${ciop.url}/admin/news`);
    await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('next') === '/admin/news');
    expect(await page.textContent('h1')).toBe('Log in');
  });

  it('has no serious accessibility violations on the portal', async () => {
    await freshPage();
    await open(page, `${ciop.url}/`);
    await page.waitForSelector('[data-kpi="buildings"]');
    await page.waitForSelector('.news-slide');
    const { serious, passed } = await checkAccessibility(page);
    expect(passed).toBeGreaterThan(15);
    expect(serious).toEqual([]);
  });

  it('can be used with the keyboard: the first Tab offers to skip to the content', async () => {
    await freshPage();
    await open(page, `${ciop.url}/`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent.trim()')).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
  });

  it('shows each public page whole at phone and desktop widths, and pictures it', async () => {
    // Each page: where it is, what shows it has drawn, and its heading.
    const pages: [string, string, string, string][] = [
      ['portal', '/', '[data-kpi="buildings"]', 'The energy and comfort of our district, open to everyone'],
      ['app-detail', '/apps/tv', '.app-detail', 'TV news'],
      ['app-detail-planned', '/apps/electric-bus', '.app-detail', 'Electric bus'],
      ['contact', '/contact', '.contact-list', 'Contact'],
      ['help', '/help', '.help-item', 'Help'],
      ['login', '/login', '#login-email', 'Log in'],
      ['request-account', '/request-account', '#request-name', 'Request an account'],
      ['forgot-password', '/forgot-password', '#forgot-email', 'Forgot your password'],
      // A made-up link: the page says at once that it cannot be used.
      ['set-password', '/set-password?token=example-token', '[data-spent]', 'Set your password'],
      ['not-found', '/no/such/page', 'h1', 'Page not found'],
      ['tv', '/tv?rotate=60', '[data-testid="tv-headline"]', 'Local news'],
    ];
    for (const [name, viewport] of Object.entries(VIEWPORTS)) {
      await freshPage(viewport);
      for (const [label, path, ready, heading] of pages) {
        await open(page, `${ciop.url}${path}`);
        await page.waitForSelector(ready);
        expect((await page.textContent('h1'))?.trim(), label).toBe(heading);
        if (label === 'portal') {
          await showEverything(page);
          // The district's figures and both charts, each drawn and described.
          expect(await page.textContent('[data-kpi="buildings"]')).toBe('27');
          expect(
            await page
              .locator('#figures .chart[role="img"]')
              .evaluateAll((c) => c.map((e) => e.getAttribute('aria-label'))),
          ).toEqual([
            expect.stringContaining('energy carrier'),
            expect.stringContaining('mean indoor temperature'),
          ]);
        }
        if (label === 'tv')
          expect(await page.textContent('[data-testid="tv-headline"]')).toBe(
            'Nuevo carril bici en la calle Aldabe',
          );
        // Nothing runs off the side of the screen: wide tables scroll inside their own box.
        expect(
          await page.evaluate('document.documentElement.scrollWidth'),
          `${label} at ${name}`,
        ).toBeLessThanOrEqual(viewport.width);
        await screenshot(page, `${label}-${name}`);
      }
    }
  });
});

/** Brings each chart into view so that it loads (charts load on view), then goes back to the top. */
async function showEverything(page: Page): Promise<void> {
  await page.waitForSelector('.news-slide');
  const panels = page.locator('.panel');
  for (let i = 0; i < (await panels.count()); i++) {
    await panels.nth(i).scrollIntoViewIfNeeded();
    await page.waitForTimeout(150);
  }
  await expect.poll(() => page.locator('.chart canvas').count(), { timeout: 15_000 }).toBe(2);
  await page.waitForTimeout(800);
  await page.evaluate('window.scrollTo(0, 0)');
}
