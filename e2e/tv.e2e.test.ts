import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  forgetSiteStorage,
  launchBrowser,
  open,
  type Platform4Browser,
  startPlatform,
  type TestBrowser,
  VIEWPORTS,
} from './harness.ts';

describe('the building TV', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 1 }), launchBrowser()]);
    page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  const headline = () => page.textContent('[data-testid="tv-headline"]');

  it('rotates the headlines, with their source and time, and shows no shell', async () => {
    await open(page, `${ciop.url}/tv?rotate=3`);
    const first = await page.waitForSelector('[data-testid="tv-headline"]');
    const firstText = await first.textContent();
    expect(firstText).toBe('Nuevo carril bici en la calle Aldabe');
    expect(await page.textContent('.tv-source')).toBe('Vitoria-Gasteiz hoy');
    expect(await page.textContent('.tv-meta time')).toMatch(/hours? ago/);
    expect(await page.isVisible('.tv-image')).toBe(true);
    expect(await page.locator('.site-header').count()).toBe(0);
    // Within one rotation period (3 s), another headline.
    await expect.poll(headline, { timeout: 4500, interval: 250 }).not.toBe(firstText);
    await expect.poll(headline, { timeout: 4500, interval: 250 }).not.toBe(await headline());
  });

  it('keeps the language it is told to use', async () => {
    await open(page, `${ciop.url}/tv?lang=eu&rotate=30`);
    await page.waitForSelector('[data-testid="tv-headline"]');
    expect(await page.getAttribute('html', 'lang')).toBe('eu');
    expect(await headline()).toBe('Zuhaitz berriak Eulogio Serdán kalean');
    expect(await page.textContent('.tv-brand')).toContain('Tokiko albisteak');
  });

  it('shows a calm idle screen when there is no feed at all', async () => {
    for (const feed of await ciop.platform.news.listFeeds()) await ciop.platform.news.deleteFeed(feed.id);
    // The news answer may be cached for a minute: a TV switched on now asks afresh.
    await forgetSiteStorage(page, ciop.url);
    await open(page, `${ciop.url}/tv?lang=en`);
    await page.waitForSelector('[data-testid="tv-idle"] .tv-idle-hint');
    expect(await page.textContent('[data-testid="tv-idle"]')).toContain('No news right now.');
    expect(await page.textContent('.tv-idle-time')).toMatch(/\d{1,2}:\d{2}/);
  });
});
