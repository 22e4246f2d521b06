import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CityBuilding } from '#common/api/city3d.ts';
import { BY_SYSTEM } from '#server/audit/by.ts';
import {
  checkAccessibility,
  forgetSiteStorage,
  launchBrowser,
  type Platform4Browser,
  screenshot,
  startPlatform,
  submitLogin,
  type TestBrowser,
  VIEWPORTS,
} from './harness.ts';

const EMAIL = 'planner@city.test';
const PASSWORD = 'a long planner password';
const VIEWER = '[data-testid="city-viewer"]';

/** Waits until the city is drawn and the camera has stopped. */
async function settled(page: Page): Promise<void> {
  await page.waitForSelector(`${VIEWER}[data-state="drawn"]`, { timeout: 60_000 });
  await page.waitForSelector(`${VIEWER}[data-moving="false"]`, { timeout: 60_000 });
}

/** Finds a building by its reference and flies to it; the building stands in the middle of the map. */
async function flyTo(page: Page, reference: string): Promise<void> {
  await page.fill('#city-search', reference);
  await page.click('form[role="search"] button[type="submit"]');
  await page.waitForSelector('[data-testid="building-panel"]');
  await settled(page);
}

/** Clicks the middle of the map, where flyTo put a building. */
async function clickMiddle(page: Page): Promise<void> {
  const box = await page.locator(`${VIEWER} canvas`).boundingBox();
  if (!box) throw new Error('the map has no canvas');
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

describe('the 3D city', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 1, feeds: false }), launchBrowser()]);
    // The 3D city's part of the demo: the district's buildings and a city of 3,000 around them.
    await ciop.platform.seedModuleDemos(Date.now());
    await ciop.platform.auth.accounts.create(
      { email: EMAIL, name: 'Iker Planner', roles: ['planner'], password: PASSWORD, language: 'en' },
      BY_SYSTEM,
    );
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  it('draws the city for the public, and colouring by an indicator changes the legend', async () => {
    const page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
    await page.goto(`${ciop.url}/city`);
    await settled(page);
    expect(Number(await page.getAttribute(VIEWER, 'data-frames'))).toBeGreaterThan(0);
    await expect(page.locator('[data-testid="city-legend"]').count()).resolves.toBe(0);

    await page.selectOption('[data-testid="indicator-picker"]', 'use');
    const uses = await page.locator('[data-testid="city-legend"] li').allTextContents();
    expect(uses.map((s) => s.trim())).toEqual(expect.arrayContaining(['Residential', 'Retail', 'No value']));

    await page.selectOption('[data-testid="indicator-picker"]', 'solar_potential');
    const classes = (await page.locator('[data-testid="city-legend"] li').allTextContents()).map((s) =>
      s.trim(),
    );
    expect(classes[0]).toMatch(/^< [\d,.]+ kWh\/year$/);
    expect(classes.at(-2)).toMatch(/^≥ [\d,.]+ kWh\/year$/);
    expect(classes).not.toEqual(uses);
    expect((await checkAccessibility(page)).serious).toEqual([]);
    await screenshot(page, 'city3d-solar-desktop');
    await page.close();
  });

  it('opens a building’s record on a click, without per-building KPIs for the public', async () => {
    const page = await browser.page(VIEWPORTS.desktop);
    await page.goto(`${ciop.url}/city?indicator=height`);
    await settled(page);
    await flyTo(page, '59_473_1');
    await page.click('[data-testid="building-panel"] button');
    await expect(page.locator('[data-testid="building-panel"]').count()).resolves.toBe(0);

    await clickMiddle(page);
    const panel = page.locator('[data-testid="building-panel"]');
    await panel.waitFor();
    await expect(panel.locator('h2').textContent()).resolves.toMatch(/\S/);
    await expect(panel.locator('dd[data-indicator="height"]').textContent()).resolves.toMatch(/\d m$/);
    await panel.locator('[data-testid="district-figures"]').waitFor();
    await expect(panel.locator('[data-testid="building-kpis"]').count()).resolves.toBe(0);
    // The server itself keeps them back: the page's own request to the API carries no KPIs.
    const record = await page.evaluate(
      async () => (await (await fetch('/api/v1/city3d/buildings/59_473_1')).json()) as CityBuilding,
    );
    expect(record.kpis).toBeNull();
    expect(record.registry).toBeNull();
    await screenshot(page, 'city3d-panel-public');
    await page.close();
  });

  it('shows a logged-in planner the monitored building and its KPIs section, on a phone', async () => {
    const page = await browser.page(VIEWPORTS.phone);
    await page.goto(`${ciop.url}/login`);
    await submitLogin(page, EMAIL, PASSWORD);
    await page.waitForURL((u) => u.pathname !== '/login');
    await page.goto(`${ciop.url}/city`);
    await settled(page);
    await flyTo(page, '59_473_1');
    const panel = page.locator('[data-testid="building-panel"]');
    await panel.locator('[data-testid="building-kpis"]').waitFor();
    await expect(panel.textContent()).resolves.toMatch(/Monitored building 59_473_1/);
    await screenshot(page, 'city3d-panel-planner-phone');
    await page.close();
  });
});
