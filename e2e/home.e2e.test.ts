import type { Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BeforeAfter } from '#common/api/home.ts';
import { BY_SYSTEM } from '#server/audit/by.ts';
import { COMFORT_JOB } from '#server/modules/comfort/comfort.service.ts';
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
import home from '../src/web/apps/home/i18n/en.json' with { type: 'json' };

const EMAIL = 'nerea.resident@test.example';
const PASSWORD = 'a long resident passphrase 42';

describe('a resident in their home app', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;
  /** A monitored demo dwelling with two temperature sensors, and someone else's. */
  let mine: number;
  let theirs: number;
  /** Whether the building of `mine` has enough monitored homes for its averages to be shown. */
  let buildingShown: boolean;

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 4 }), launchBrowser()]);
    const db = ciop.platform.database.db;
    const withTwoRooms = await db
      .selectFrom('sensor')
      .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
      .innerJoin('series', 'series.sensor_id', 'sensor.id')
      .select('gateway.dwelling_id as dwellingId')
      .where('sensor.medium', '=', 'temperature')
      .where('sensor.channel', '=', '3')
      .where('gateway.dwelling_id', 'is not', null)
      .orderBy('gateway.dwelling_id')
      .execute();
    mine = withTwoRooms[0].dwellingId as number;
    theirs = withTwoRooms[1].dwellingId as number;
    // A resident sees their building's averages only over enough monitored homes.
    const neighbours = await db
      .selectFrom('dwelling as own')
      .innerJoin('dwelling', 'dwelling.building_id', 'own.building_id')
      .innerJoin('gateway', 'gateway.dwelling_id', 'dwelling.id')
      .innerJoin('sensor', 'sensor.gateway_id', 'gateway.id')
      .innerJoin('series', 'series.sensor_id', 'sensor.id')
      .select((eb) => eb.fn.count<number>('dwelling.id').distinct().as('n'))
      .where('own.id', '=', mine)
      .executeTakeFirstOrThrow();
    buildingShown = Number(neighbours.n) >= ciop.platform.config.privacyMinDwellings;
    await ciop.platform.auth.accounts.create(
      { email: EMAIL, name: 'Nerea Resident', roles: ['resident'], dwellingIds: [mine], password: PASSWORD },
      BY_SYSTEM,
    );
    // Stored comfort, as the comfort job computes it every minute on a running CIOP.
    await ciop.platform.scheduler.run(COMFORT_JOB, Date.now());
    page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  it('logs in through the login page and lands on their own home', async () => {
    await logInOnTheWayTo(page, ciop.url, '/home', EMAIL, PASSWORD);
    await page.waitForURL((u) => u.pathname === `/home/${mine}`);
    expect(await page.textContent('.user-name')).toContain('Nerea Resident');
    expect(await page.locator('.nav-list a', { hasText: 'My home' }).count()).toBe(1);
  });

  it('sees their home beside the average of the building and the district', async () => {
    await expect.poll(() => page.textContent('h1')).toBe('My home beside the others');
    // Each comparison loads as it comes into view.
    for (const [i, medium] of ['power', 'temperature', 'humidity', 'co2'].entries()) {
      await page.locator('.compare-slot').nth(i).scrollIntoViewIfNeeded();
      const card = page.locator(`[data-compare="${medium}"]`);
      await card.locator('.compare-figures').waitFor();
      const values = await card.locator('.figure-value').allTextContents();
      expect(values, medium).toHaveLength(3);
      const [dwelling, building, district] = values;
      for (const v of [dwelling, district, ...(buildingShown ? [building] : [])])
        expect(v, medium).toMatch(/^[\d,.]+ (W|°C|%|ppm)$/);
      if (!buildingShown) expect(building, medium).toBe('Not shown: too few homes to keep each one private');
    }
    expect(await page.locator('[data-compare="temperature"] .compare-sentence').textContent()).toMatch(
      /(above|below) the district average|same as the district average/,
    );
    // Comfort beside the building and the district, with a status in words.
    await page.locator('.compare-slot').nth(4).scrollIntoViewIfNeeded();
    const comfort = page.locator('[data-compare="comfort"]');
    await comfort.locator('.compare-figures').waitFor();
    expect(await comfort.locator('[data-scope="dwelling"] .figure-value').textContent()).toMatch(
      /^PMV -?[\d.]+$/,
    );
    expect(await comfort.locator('[data-scope="dwelling"] .comfort-status').textContent()).toMatch(
      /Comfortable|Slightly uncomfortable|Uncomfortable/,
    );
    // Each comparison has its small chart of the three lines (two when the building's is withheld).
    expect(await page.locator('[data-compare] .sparkline svg path').count()).toBe(buildingShown ? 12 : 8);
    expect((await checkAccessibility(page)).serious).toEqual([]);
    await screenshot(page, 'home-compare-desktop');
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, 'home-compare-phone');
    await page.setViewportSize(VIEWPORTS.desktop);
  });

  it('chooses among the sensors of a medium on its detail page', async () => {
    await page.click('.home-nav a:has-text("Temperature")');
    await page.waitForURL((u) => u.pathname === `/home/${mine}/temperature`);
    await page.locator('[data-history-table] tbody tr').first().waitFor();
    expect(await page.locator('[data-history-table] tbody tr').count()).toBe(2);
    const boxes = page.locator('.sensor-choice input[type="checkbox"]');
    expect(await boxes.count()).toBe(2);
    await boxes.nth(1).uncheck();
    await expect.poll(() => boxes.nth(1).isChecked()).toBe(false);
    await page.locator('label:has-text("12 months")').click();
    await page.locator('[data-history-table] tbody tr').first().waitFor();
    await page.locator('.chart canvas').waitFor();
    await screenshot(page, 'home-temperature-desktop');
  });

  it('reads the power of the last 24 hours and the latest reading', async () => {
    await page.click('.home-nav a:has-text("Power")');
    await page.locator('[data-power-summary] [data-figure="max"]').waitFor();
    const max = await page.textContent('[data-power-summary] [data-figure="max"]');
    const min = await page.textContent('[data-power-summary] [data-figure="min"]');
    expect(max).toMatch(/^[\d,.]+ W$/);
    expect(Number(min?.replace(/[^\d.]/g, ''))).toBeLessThanOrEqual(Number(max?.replace(/[^\d.]/g, '')));
    const latest = page.locator('[data-latest-power]');
    await expect.poll(() => latest.textContent()).toMatch(/[\d,.]+ W/);
    const reread = page.waitForResponse((r) => r.url().includes(`/api/v1/readings/latest?dwelling=${mine}`));
    await latest.click();
    expect((await reread).status()).toBe(200);
  });

  it('opens comfort: PMV and PPD, and a day-by-day history with a status in icon and words', async () => {
    await page.click('.home-nav a:has-text("Comfort")');
    await page.waitForURL((u) => u.pathname === `/home/${mine}/comfort`);
    await page.locator('[data-comfort-summary] [data-figure="pmv"]').waitFor();
    expect(await page.locator('[data-withheld="building"]').count()).toBe(buildingShown ? 0 : 1);
    expect(await page.textContent('[data-comfort-summary] [data-figure="ppd"]')).toMatch(/^[\d.]+ %$/);
    const rows = page.locator('[data-comfort-history] tbody tr');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(3);
    const status = rows.first().locator('.comfort-status');
    expect(await status.getAttribute('data-status')).toMatch(/^(green|yellow|red)$/);
    expect(await status.locator('svg').count()).toBe(1);
    expect(await status.textContent()).toMatch(/Comfortable|Slightly uncomfortable|Uncomfortable/);
    await page.locator('.chart canvas').first().scrollIntoViewIfNeeded();
    await expect.poll(() => page.locator('.chart canvas').count()).toBe(2);
    expect((await checkAccessibility(page)).serious).toEqual([]);
    await screenshot(page, 'home-comfort-desktop');
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, 'home-comfort-phone');
    await page.setViewportSize(VIEWPORTS.desktop);
  });

  it('shows tips in plain words, and before and after the works', async () => {
    await page.click('.home-nav a:has-text("Tips")');
    await page.locator('[data-tip]').first().waitFor();
    const tips = await page
      .locator('[data-tip]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-tip')));
    expect(tips.length).toBeGreaterThan(0);
    expect(tips.some((id) => ['ventilate', 'air-ok'].includes(id ?? ''))).toBe(true);
    const asked = page.waitForResponse((r) => r.url().includes(`/api/v1/dwellings/${mine}/before-after`));
    await page.click('.home-nav a:has-text("Before and after")');
    const answer = (await (await asked).json()) as BeforeAfter;
    await page.locator('.state-empty, [data-before-after]').first().waitFor();
    if (answer.status === 'ok') {
      // Before, after and the change, and the change in words above them.
      expect(await page.locator('[data-before-after] tbody tr').count()).toBe(3);
      expect(await page.textContent('[data-headline]')).toMatch(/\d+ %/);
    } else {
      // Why there is nothing to compare, in the words of the catalogue for the server's answer.
      const why = home.home.beforeAfter.status[answer.status].split('{date}')[0];
      expect(await page.textContent('.state-empty')).toContain(why);
    }
    await screenshot(page, 'home-tips-before-after-desktop');
  });

  it('cannot reach another dwelling by changing the address: the server refuses and the page says so', async () => {
    const answers: Response[] = [];
    const about = new RegExp(`/api/v1/(.*/)?dwellings/${theirs}\\b|/api/v1/.*[?&]dwelling=${theirs}\\b`);
    const listener = (r: Response) => {
      if (about.test(r.url())) answers.push(r);
    };
    page.on('response', listener);
    for (const path of [`/home/${theirs}`, `/home/${theirs}/comfort`, `/home/${theirs}/power`]) {
      answers.length = 0;
      await open(page, `${ciop.url}${path}`);
      await page.locator('[data-refused]').waitFor();
      expect(await page.textContent('[data-refused] h1')).toContain('This home is not yours to see');
      expect(answers.map((r) => r.status())).toEqual([404]);
      // Nothing of that home reached the page.
      expect(await page.locator('[data-compare], [data-comfort-summary], [data-power-summary]').count()).toBe(
        0,
      );
    }
    page.off('response', listener);
    // Asked directly, every API of that home refuses too.
    const statuses = await page.evaluate(
      async (urls) => {
        const cookies = (globalThis as unknown as { document: { cookie: string } }).document.cookie;
        const refreshed = await fetch('/api/v1/auth/refresh', {
          method: 'POST',
          headers: { 'x-csrf-token': /ciop_csrf=([^;]+)/.exec(cookies)?.[1] ?? '' },
        });
        const { accessToken } = (await refreshed.json()) as { accessToken: string };
        const headers = { authorization: `Bearer ${accessToken}` };
        return Promise.all(urls.map(async (url) => [url, (await fetch(url, { headers })).status] as const));
      },
      [
        `/api/v1/readings/group?dwelling=${theirs}&medium=temperature&from=0&to=1&interval=hour`,
        `/api/v1/readings/latest?dwelling=${theirs}`,
        `/api/v1/comfort/dwellings/${theirs}?from=0&to=1`,
        `/api/v1/dwellings/${theirs}/tips`,
        `/api/v1/dwellings/${theirs}/before-after`,
      ],
    );
    for (const [url, status] of statuses) expect([403, 404], url).toContain(status);
    await screenshot(page, 'home-refused-desktop');
    await page.click('[data-refused] a');
    await page.waitForURL((u) => u.pathname === `/home/${mine}`);
  });
});
