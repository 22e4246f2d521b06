import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedKpiDemo } from '#server/demo/kpi-demo.ts';
import { BY_SYSTEM } from '#server/audit/by.ts';
import { KPI_JOBS } from '#server/modules/kpi/kpi.jobs.ts';
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

const EMAIL = 'evaluator@kpi.test';
const PASSWORD = 'a long evaluator password';

/** The number a KPI card shows, as a number of kWh (MWh are ×1000). */
function kWhOf(text: string | null): number {
  const m = /^([\d,.]+) (kWh|MWh)$/.exec((text ?? '').trim());
  if (!m) throw new Error(`not an energy figure: ${text}`);
  return Number(m[1].replace(/,/g, '')) * (m[2] === 'MWh' ? 1000 : 1);
}

describe('a KPI evaluator on the dashboards', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 2, feeds: false }), launchBrowser()]);
    await seedKpiDemo(ciop.platform);
    await ciop.platform.scheduler.run(KPI_JOBS.ict);
    await ciop.platform.auth.accounts.create(
      { email: EMAIL, name: 'Ane Evaluator', roles: ['kpi'], password: PASSWORD, language: 'en' },
      BY_SYSTEM,
    );
    page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
    await logInOnTheWayTo(page, ciop.url, '/kpi', EMAIL, PASSWORD);
    await page.waitForURL((u) => u.pathname === '/kpi');
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  it('sees the summary: total primary energy, carriers, buildings on a list and a map, and what has no data', async () => {
    await page.waitForSelector('[data-kpi="total-primary"]');
    expect(kWhOf(await page.textContent('[data-kpi="total-primary"]'))).toBeGreaterThan(100_000);
    expect(await page.locator('[data-testid="buildings-table"] tbody tr').count()).toBe(27);
    expect(await page.textContent('.carrier-list')).toMatch(/Natural gas/);
    // Mobility and comfort have no data here, and say so plainly.
    expect(await page.textContent('[data-kpi="ev-co2"]')).toContain('No data yet');
    expect(await page.textContent('[data-kpi="comfort"]')).toContain('No data yet');
    // The map draws on a canvas (WebGL through SwiftShader), with no tiles from the internet; it
    // loads when it comes near the screen.
    await page.locator('#kpi-map-title').scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-testid="building-map"] canvas.maplibregl-canvas');
    expect(await page.getAttribute('[data-testid="building-map"]', 'aria-label')).toContain('27 buildings');
    // The year shown is the last one that is over; the current one is a click away.
    expect(Number(await page.inputValue('#kpi-year'))).toBe(new Date().getFullYear() - 1);
    // Charts animate for a moment; picture them drawn.
    await page.waitForTimeout(1500);
    await screenshot(page, 'kpi-summary-desktop');
  });

  it('filters the energy page by building and period; the total follows, and each view shows its figures', async () => {
    await page.click('.kpi-nav a[href="/kpi/energy"]');
    await page.waitForURL(/\/kpi\/energy$/);
    await page.waitForSelector('[data-kpi="energy-total"]');
    const all = kWhOf(await page.textContent('[data-kpi="energy-total"]'));
    expect(all).toBeGreaterThan(100_000);
    await page.waitForSelector('[data-testid="energy-table"] tbody tr');
    expect(await page.locator('[data-testid="energy-table"] tbody tr').count()).toBe(3);

    // One building: a fraction of the district.
    const code = (await page.locator('#energy-buildings option').first().getAttribute('value')) as string;
    await page.selectOption('#energy-buildings', [code]);
    await expect
      .poll(async () => kWhOf(await page.textContent('[data-kpi="energy-total"]')))
      .toBeLessThan(all / 5);
    const one = kWhOf(await page.textContent('[data-kpi="energy-total"]'));

    // Its last year only.
    const years = await page.locator('#energy-to option').allTextContents();
    await page.selectOption('#energy-from', years[0]);
    await expect
      .poll(async () => kWhOf(await page.textContent('[data-kpi="energy-total"]')))
      .toBeLessThan(one);
    await page.selectOption('#energy-from', years[years.length - 1]);
    await expect.poll(async () => kWhOf(await page.textContent('[data-kpi="energy-total"]'))).toBe(one);

    // Primary energy of gas is 1.195 times its final energy.
    await page.click('button[data-view="primary"]');
    await expect.poll(async () => kWhOf(await page.textContent('[data-kpi="energy-total"]'))).not.toBe(one);
    expect(kWhOf(await page.textContent('[data-kpi="energy-total"]'))).toBeGreaterThan(one);
    await page.click('button[data-view="final"]');
    await expect.poll(async () => kWhOf(await page.textContent('[data-kpi="energy-total"]'))).toBe(one);
    await page.waitForSelector('.panel:has(#load-curve-title) canvas');
    await page.waitForTimeout(1500);
    await screenshot(page, 'kpi-energy-desktop');
  });

  it('exports what the energy view shows as CSV and XLSX', async () => {
    const code = (await page
      .locator('#energy-buildings option:checked')
      .first()
      .getAttribute('value')) as string;
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('button[data-export="csv"]')]);
    expect(csv.suggestedFilename()).toMatch(/^ciop-kpi-.*\.csv$/);
    const lines = readFileSync((await csv.path()) as string, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toMatch(/^KPI,Name,Pillar,Unit,Resource,/);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.length).toBeGreaterThan(12);
    expect(new Set(rows.map((r) => r[0]))).toEqual(new Set(['EN_FINAL']));
    expect(new Set(rows.map((r) => r[4]))).toEqual(new Set([code]));
    const [xlsx] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button[data-export="xlsx"]'),
    ]);
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
    expect(
      readFileSync((await xlsx.path()) as string)
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
  });

  it('shows the ICT pillar normalised to each maximum, LCA as baseline against final, and a pillar without data plainly', async () => {
    await open(page, `${ciop.url}/kpi/ict`);
    await page.waitForSelector('[data-testid="ict-table"] tbody tr');
    expect(await page.textContent('[data-testid="ict-table"]')).toContain('API endpoints');
    await open(page, `${ciop.url}/kpi/environmental`);
    await page.waitForSelector('[data-testid="lca-table"] tbody tr');
    expect(await page.textContent('[data-testid="lca-table"] tbody tr td.status-good')).toMatch(/^\+\d/);
    await page.waitForTimeout(1500);
    await screenshot(page, 'kpi-lca-desktop');
    await open(page, `${ciop.url}/kpi/social`);
    await page.waitForSelector('[data-testid="no-data"]');
    expect(await page.textContent('[data-testid="no-data"]')).toBe(
      'There is no data for the Social and citizen pillar yet.',
    );
  });

  it('has no serious accessibility violations on the summary and the energy page', async () => {
    for (const [path, ready] of [
      ['/kpi', '[data-kpi="total-primary"]'],
      ['/kpi/energy', '[data-testid="energy-table"]'],
    ]) {
      await open(page, `${ciop.url}${path}`);
      await page.waitForSelector(ready);
      expect((await checkAccessibility(page, path)).serious).toEqual([]);
    }
  });

  it('fits a phone: figures, carriers, the map with its legend and the tables, nothing wider than the screen', async () => {
    await page.setViewportSize(VIEWPORTS.phone);
    await open(page, `${ciop.url}/kpi`);
    await page.waitForSelector('[data-kpi="total-primary"]');
    expect(kWhOf(await page.textContent('[data-kpi="total-primary"]'))).toBeGreaterThan(100_000);
    expect(await page.textContent('.carrier-list')).toMatch(/Natural gas: [\d,.]+ (kWh|MWh) \([\d.]+ %\)/);
    await page.locator('#kpi-map-title').scrollIntoViewIfNeeded();
    await page.waitForSelector('[data-testid="building-map"] canvas.maplibregl-canvas');
    // The map says what it shows, and its legend is text: five classes of kWh/m² and the area.
    expect(await page.getAttribute('[data-testid="building-map"] canvas', 'aria-label')).toContain(
      '27 buildings',
    );
    const legend = page.locator('[data-testid="building-map"] figcaption');
    expect(await legend.textContent()).toContain('Primary energy per m²');
    const entries = (await legend.locator('.city-map-entries li').allTextContents()).map((e) => e.trim());
    expect(entries.slice(0, 5)).toEqual(
      Array.from({ length: 5 }, () => expect.stringMatching(/^[\d,.]+ kWh\/m² – [\d,.]+ kWh\/m²$/)),
    );
    expect(entries).toContain('Area of the buildings shown');
    expect(await page.locator('[data-testid="buildings-table"] tbody tr').count()).toBe(27);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      VIEWPORTS.phone.width,
    );
    await page.waitForTimeout(1500);
    await screenshot(page, 'kpi-summary-phone');

    await open(page, `${ciop.url}/kpi/energy`);
    await page.waitForSelector('[data-testid="energy-table"] tbody tr');
    expect(kWhOf(await page.textContent('[data-kpi="energy-total"]'))).toBeGreaterThan(100_000);
    expect(await page.locator('[data-testid="energy-table"] tbody tr').count()).toBe(3);
    expect(await page.getAttribute('button[data-view="final"]', 'aria-pressed')).toBe('true');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(
      VIEWPORTS.phone.width,
    );
    await page.waitForTimeout(1500);
    await screenshot(page, 'kpi-energy-phone');
  });
});
