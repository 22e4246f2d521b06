import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanningTable } from '#common/api/forecast.ts';
import { BY_SYSTEM } from '#server/audit/by.ts';
import { seedKpiDemo } from '#server/demo/kpi-demo.ts';
import {
  checkAccessibility,
  forgetSiteStorage,
  launchBrowser,
  logInOnTheWayTo,
  type Platform4Browser,
  screenshot,
  startPlatform,
  type TestBrowser,
  VIEWPORTS,
} from './harness.ts';

const PLANNER = 'planner@forecast.test';
const RESIDENT = 'resident@forecast.test';
const PASSWORD = 'a long planner password';

describe('an energy planner in the planning tool', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 2, feeds: false }), launchBrowser()]);
    // The demo's thermal records, then the planning tool's part of the demo: the weather before
    // the live history, the planning table and a first fit.
    await seedKpiDemo(ciop.platform);
    await ciop.platform.seedModuleDemos(Date.now());
    for (const [email, roles] of [
      [PLANNER, ['planner']],
      [RESIDENT, ['resident']],
    ] as const)
      await ciop.platform.auth.accounts.create(
        { email, name: email.split('@')[0], roles: [...roles], password: PASSWORD, language: 'en' },
        BY_SYSTEM,
      );
    page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
    await logInOnTheWayTo(page, ciop.url, '/energy-planning', PLANNER, PASSWORD);
    await page.waitForURL((u) => u.pathname === '/energy-planning');
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  it('edits the planning table in place, adds a row, and processes new data with its progress', async () => {
    await page.waitForSelector('[data-testid="planning-table"] tbody tr');
    expect(await page.locator('[data-testid="planning-table"] tbody tr').count()).toBe(27);
    const first = page.locator('[data-testid="planning-table"] tbody tr').first();
    const code = await first.getAttribute('data-row');
    const saved = page.waitForResponse(
      (r) => r.url().includes('/api/v1/forecast/buildings/') && r.request().method() === 'PATCH',
    );
    await first.locator('input[data-field="floors"]').fill('9');
    await first.locator('input[data-field="floors"]').press('Tab');
    expect((await saved).status()).toBe(200);
    const table = (
      await ciop.app.inject({
        method: 'GET',
        url: '/api/v1/forecast/buildings',
        headers: await plannerHeaders(),
      })
    ).json<PlanningTable>();
    expect(table.rows.find((r) => r.code === code)?.floors).toBe(9);

    await page.fill('[data-testid="new-row-code"]', 'OUT-OF-REGISTRY-1');
    await page.click('form.inline-form button[type="submit"]');
    await page.waitForSelector('[data-row="OUT-OF-REGISTRY-1"]');
    expect(await page.locator('[data-testid="planning-table"] tbody tr').count()).toBe(28);

    expect((await checkAccessibility(page, 'planning table')).serious).toEqual([]);
    await page.click('[data-testid="process-data"]');
    await page.waitForSelector('[data-testid="run-done"]', { timeout: 60_000 });
    await screenshot(page, 'planning-table-desktop');
  });

  it('shows the clusters: the PCA scatter, the silhouette of each k and the representatives', async () => {
    await page.click('.planning-nav a[href="/energy-planning/clusters"]');
    await page.waitForSelector('[data-testid="pca-chart"] canvas');
    expect(await page.locator('[data-testid="silhouette-table"] tbody tr').count()).toBe(5);
    expect(await page.textContent('.lead')).toMatch(/28 buildings in \d clusters/);
    const reps = page.locator('[data-testid="representatives-table"] tbody tr');
    expect(await reps.count()).toBeGreaterThanOrEqual(3);
    expect((await checkAccessibility(page, 'clusters')).serious).toEqual([]);
    await page.waitForTimeout(1000);
    await screenshot(page, 'planning-clusters-desktop');
  });

  it('shows both methods side by side, for the network and per building, and who has no model', async () => {
    await page.click('.planning-nav a[href="/energy-planning/models"]');
    await page.waitForSelector('[data-testid="models-table"] tbody tr');
    expect(await page.locator('[data-testid="models-table"] tbody tr').count()).toBe(27);
    const network = page.locator('[data-testid="network-accuracy"] tbody tr');
    expect(await network.count()).toBe(2);
    expect(await network.nth(0).textContent()).toContain('meets it');
    expect(await page.textContent('[data-testid="excluded-list"]')).toContain('OUT-OF-REGISTRY-1');
    expect((await checkAccessibility(page, 'models')).serious).toEqual([]);
    await screenshot(page, 'planning-models-desktop');
  });

  it('forecasts 1–7 days: the network total with its band, the buildings by cluster, the map', async () => {
    await page.click('.planning-nav a[href="/energy-planning/forecast"]');
    await page.waitForSelector('[data-testid="forecast-days-table"] tbody tr');
    expect(await page.locator('[data-testid="forecast-days-table"] tbody tr').count()).toBe(7);
    expect(await page.textContent('[data-testid="forecast-source"]')).toContain('made-up weather');
    await page.waitForSelector('[data-testid="forecast-chart"] canvas');
    await page.waitForSelector('[data-testid="building-bars"] canvas');
    await page.waitForSelector('[data-testid="forecast-map"] canvas.maplibregl-canvas');
    await page.selectOption('[data-testid="forecast-days"]', '3');
    await expect
      .poll(() => page.locator('[data-testid="forecast-days-table"] tbody tr').count(), { timeout: 15_000 })
      .toBe(3);
    const download = page.waitForEvent('download');
    await page.click('[data-export="forecast-network"]');
    expect((await download).suggestedFilename()).toMatch(/^ciop-forecast-network-.*\.csv$/);
    expect((await checkAccessibility(page, 'forecast')).serious).toEqual([]);
    await page.waitForTimeout(1000);
    await screenshot(page, 'planning-forecast-desktop');

    // The same page on a phone: nothing wider than the screen but the tables that scroll.
    await page.setViewportSize(VIEWPORTS.phone);
    await page.reload();
    await page.waitForSelector('[data-testid="forecast-days-table"] tbody tr');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    await page.waitForTimeout(1000);
    await screenshot(page, 'planning-forecast-phone');
    await page.setViewportSize(VIEWPORTS.desktop);
  });

  it('lets the public read it only once an admin opens it', async () => {
    const visitor = await browser.page(VIEWPORTS.phone);
    await visitor.goto(`${ciop.url}/energy-planning/public`);
    await visitor.waitForSelector('[data-testid="not-public"]');
    await ciop.platform.forecast.updateSettings({ publicRead: true });
    await visitor.reload();
    await visitor.waitForSelector('[data-testid="public-days"] tbody tr');
    expect(await visitor.locator('[data-testid="public-days"] tbody tr').count()).toBe(7);
    expect((await checkAccessibility(visitor, 'public page')).serious).toEqual([]);
    await ciop.platform.forecast.updateSettings({ publicRead: false });
    await visitor.close();
  });

  it('refuses a resident', async () => {
    const other = await browser.page(VIEWPORTS.desktop);
    await other.context().clearCookies();
    await logInOnTheWayTo(other, ciop.url, '/energy-planning', RESIDENT, PASSWORD);
    await other.waitForURL((u) => u.pathname === '/forbidden');
    await other.close();
  });

  async function plannerHeaders(): Promise<Record<string, string>> {
    const res = await ciop.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: PLANNER, password: PASSWORD },
    });
    return { authorization: `Bearer ${res.json<{ accessToken: string }>().accessToken}` };
  }
});
