import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '#common/api/access.ts';
import { BY_SYSTEM } from '#server/audit/by.ts';
import { seedMobilityDemo } from '#server/modules/mobility/mobility-demo.ts';
import { SimulatedCharger } from '#server/testing/ocpp-charger.ts';
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

const PASSWORD = 'a long transport passphrase 7';

describe('the transport operator in the electric bus app', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;

  const account = (email: string, name: string, roles: Role[]) =>
    ciop.platform.auth.accounts.create({ email, name, roles, password: PASSWORD, language: 'en' }, BY_SYSTEM);

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 1, feeds: false }), launchBrowser()]);
    await seedMobilityDemo(ciop.platform.mobility, ciop.platform, Date.now());
    await account('mikel.transport@test.example', 'Mikel Transport', ['transport']);
    await account('iker.resident@test.example', 'Iker Resident', ['resident']);
    page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  it('sees the line on the map, the fleet, the chargers and today’s level of service', async () => {
    await logInOnTheWayTo(page, ciop.url, '/bus', 'mikel.transport@test.example', PASSWORD);
    await page.waitForURL((u) => u.pathname === '/bus');
    await page.waitForSelector('[data-kpi="fleet"]');
    expect((await page.textContent('[data-kpi="fleet"]'))?.trim()).toBe('13');
    expect((await page.textContent('[data-kpi="chargers"]'))?.trim()).toBe('3');
    const service = page.locator('[data-testid="service-table"] tbody tr');
    expect(await service.count()).toBe(1);
    expect(await service.first().textContent()).toMatch(/^2/);
    // The map draws on a canvas, with the line's shape, its 48 stops and the three chargers.
    await page.waitForSelector('[data-testid="line-map"] canvas.maplibregl-canvas');
    expect(await page.getAttribute('[data-testid="line-map"]', 'aria-label')).toBe(
      'Map of 1 line(s) with 48 stops and 3 chargers',
    );
    expect(await page.textContent('.city-map-entries')).toMatch(/Route.*Stop.*Charger.*Bus/);
    expect((await checkAccessibility(page, '/bus')).serious).toEqual([]);
    await page.waitForTimeout(1000);
    await screenshot(page, 'bus-home-desktop');
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, 'bus-home-phone');
    await page.setViewportSize(VIEWPORTS.desktop);
  });

  it('opens a bus: its month, its trips with month and year selectors, and its charges', async () => {
    await page.click('.bus-nav a[href="/bus/buses"]');
    await page.waitForSelector('[data-testid="buses-table"] tbody tr');
    expect(await page.locator('[data-testid="buses-table"] tbody tr').count()).toBe(13);
    await page.locator('[data-testid="buses-table"] tbody tr a').first().click();
    await page.waitForURL(/\/bus\/buses\/\d+$/);
    await page.waitForSelector('[data-kpi="bus-distance"]');
    const month = await page.textContent('[data-kpi="bus-distance"]');
    expect(month).toMatch(/km$/);
    await page.waitForSelector('[data-testid="trips-table"] tbody tr');
    expect(await page.locator('[data-testid="trips-table"] tbody tr').count()).toBe(50);
    await page.waitForSelector('[data-testid="charges-table"] tbody tr');
    await page.waitForSelector('[data-testid="bus-map"] canvas.maplibregl-canvas');
    // The whole year: more kilometres than this month alone.
    const km = (text: string | null) => Number((text ?? '').replace(/[^\d.]/g, ''));
    await page.selectOption('#bus-period-month', '0');
    await expect
      .poll(async () => km(await page.textContent('[data-kpi="bus-distance"]')))
      .toBeGreaterThan(km(month));
    // A month without data says so.
    await page.selectOption('#bus-period-year', String(new Date().getFullYear() - 2));
    await expect.poll(() => page.textContent('[data-kpi="bus-distance"]')).toBe('0 km');
    await page.waitForSelector('text=No trips in this period.');
    expect((await checkAccessibility(page, 'bus')).serious).toEqual([]);
    await screenshot(page, 'bus-vehicle-desktop');
  });

  it('opens a charger: its status now and before, its energy a day and its charges', async () => {
    await page.click('.bus-nav a[href="/bus/chargers"]');
    await page.waitForSelector('[data-testid="chargers-table"] tbody tr');
    await page.locator('[data-testid="chargers-table"] a', { hasText: 'PANT-2-E' }).click();
    await page.waitForURL(/\/bus\/chargers\/\d+$/);
    await page.waitForSelector('[data-kpi="charger-status"]');
    expect(await page.textContent('h1')).toBe('Charger PANT-2-E');
    await page.waitForSelector('[data-testid="status-history-table"] tbody tr');
    expect(await page.locator('[data-testid="status-history-table"] tbody tr').count()).toBe(50);
    await page.waitForSelector('[data-testid="charger-days-table"] tbody tr');
    expect(await page.locator('[data-testid="charger-days-table"] tbody tr').count()).toBeGreaterThanOrEqual(
      30,
    );
    await page.waitForSelector('[data-testid="charges-table"] tbody tr');
    await page.waitForSelector('[data-testid="charger-map"] canvas.maplibregl-canvas');
    expect((await checkAccessibility(page, 'charger')).serious).toEqual([]);
    await page.waitForTimeout(1000);
    await screenshot(page, 'bus-charger-desktop');
    await page.setViewportSize(VIEWPORTS.phone);
    await screenshot(page, 'bus-charger-phone');
    await page.setViewportSize(VIEWPORTS.desktop);
  });

  it('shows live the status a charger reports over OCPP', async () => {
    const { token } = await ciop.platform.auth.machineTokens.issue(
      { name: 'depot chargers', scopes: ['ocpp'] },
      BY_SYSTEM,
    );
    const charger = await SimulatedCharger.connect({
      base: ciop.url.replace(/^http/, 'ws'),
      chargePointId: 'PANT-2-E',
      password: token,
    });
    await charger.call('StatusNotification', {
      connectorId: 0,
      errorCode: 'GroundFailure',
      status: 'Faulted',
      timestamp: new Date().toISOString(),
    });
    await charger.close();
    await expect
      .poll(() => page.textContent('[data-kpi="charger-status"]'), { timeout: 15_000 })
      .toBe('Faulted');
    await expect
      .poll(() => page.textContent('[data-testid="status-history-table"] tbody'), { timeout: 15_000 })
      .toContain('GroundFailure');
  });

  it('reads the indicators by month and downloads them', async () => {
    await page.click('.bus-nav a[href="/bus/kpis"]');
    await page.waitForSelector('[data-testid="kpi-table-MO_BUS_CO2_AVOIDED"] tbody tr');
    expect(await page.locator('[data-testid="kpi-table-MO_BUS_CO2_AVOIDED"] tbody tr').count()).toBe(13);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('button[data-export="csv"]')]);
    expect(csv.suggestedFilename()).toMatch(/^ciop-kpis-.*\.csv$/);
  });

  it('is refused to a resident', async () => {
    await page.click('text=Log out');
    await page.waitForURL(`${ciop.url}/`);
    await logInOnTheWayTo(page, ciop.url, '/bus', 'iker.resident@test.example', PASSWORD);
    await page.waitForURL((u) => u.pathname === '/forbidden');
    const status = await page.evaluate(async () => (await fetch('/api/v1/mobility/vehicles')).status);
    expect([401, 403]).toContain(status);
  });
});
