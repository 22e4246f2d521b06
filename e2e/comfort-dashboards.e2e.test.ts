import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BY_SYSTEM } from '#server/audit/by.ts';
import {
  checkAccessibility,
  forgetSiteStorage,
  launchBrowser,
  logInOnTheWayTo,
  open,
  type Platform4Browser,
  screenshot,
  startPlatform,
  submitLogin,
  type TestBrowser,
  VIEWPORTS,
} from './harness.ts';

const ESCO = 'esco@demo.ciop.example';
const PASSWORD = 'a long demo esco password';

describe('an ESCO member on the comfort dashboards', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;
  let dashboardId = 0;
  let organisationBuildings: number[] = [];

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 10, feeds: false }), launchBrowser()]);
    // The modules' part of the demo: the example dashboard and the anomalies found at once.
    await ciop.platform.seedModuleDemos(Date.now());
    await ciop.platform.auth.accounts.setPassword(ESCO, PASSWORD);
    const esco = await ciop.platform.db
      .selectFrom('app_user')
      .select('organisation_id')
      .where('email_key', '=', ESCO)
      .executeTakeFirstOrThrow();
    organisationBuildings = (
      await ciop.platform.db
        .selectFrom('organisation_building')
        .select('building_id')
        .where('organisation_id', '=', Number(esco.organisation_id))
        .orderBy('building_id')
        .execute()
    ).map((r) => Number(r.building_id));
    page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
    await logInOnTheWayTo(page, ciop.url, '/comfort-dashboards', ESCO, PASSWORD);
    await page.waitForURL((u) => u.pathname === '/comfort-dashboards');
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  it('sees the heat strip and the anomalies of the building with a cold dwelling', async () => {
    // Only the organisation's buildings are offered.
    await page.waitForSelector('#dash-building option', { state: 'attached' });
    const offered = await page
      .locator('#dash-building option')
      .evaluateAll((os) => os.map((o) => Number(o.getAttribute('value'))));
    expect(offered.sort((a, b) => a - b)).toEqual(organisationBuildings);
    expect(Number(await page.inputValue('#dash-building'))).toBe(organisationBuildings[0]);
    await page.waitForSelector('[data-testid="heat-strip"] canvas');
    await page.waitForSelector('[data-testid="anomalies"] [data-anomaly="cold"]');
    const kinds = await page
      .locator('[data-testid="anomalies"] [data-anomaly]')
      .evaluateAll((li) => li.map((l) => l.getAttribute('data-anomaly')));
    expect(kinds).toContain('cold');
    expect(kinds).toContain('humid');
    expect(kinds).toContain('stuck');
    expect(await page.textContent('[data-kpi="pmv-now"]')).toMatch(/\d/);
    await page.waitForSelector('[data-testid="dwelling-panel"] canvas');
    // An anomaly's link opens the chart of its dwelling and period.
    await page.click('[data-anomaly="cold"] a');
    await page.waitForURL(/dwelling=\d+/);
    expect(page.url()).toContain('range=custom');
    await page.waitForTimeout(1000);
    await screenshot(page, 'comfort-dashboards-comfort-desktop');
    expect((await checkAccessibility(page)).serious).toEqual([]);
  });

  it('builds a dashboard with two panels and a building variable, saves, reloads and switches the building', async () => {
    await open(page, `${ciop.url}/comfort-dashboards/dashboards`);
    await page.waitForSelector('[data-testid="dashboard-list"]');
    expect(await page.textContent('[data-testid="dashboard-list"]')).toContain('Building overview (example)');
    await page.fill('#new-dashboard-name', 'Heating watch');
    await page.click('form:has(#new-dashboard-name) button[type="submit"]');
    await page.waitForURL(/\/comfort-dashboards\/dashboards\/\d+\?edit=1/);
    dashboardId = Number(/dashboards\/(\d+)/.exec(page.url())![1]);
    await page.waitForSelector('[data-panel="p1"]');
    await page.selectOption('#new-panel-type', 'stat');
    await page.click('button[data-action="add-panel"]');
    expect(await page.locator('[data-testid="board-grid"] [data-panel]').count()).toBe(2);
    // Moved from the keyboard: the handle takes the arrow keys.
    const handle = page.locator('[data-panel="p2"] .board-handle');
    await handle.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Shift+ArrowDown');
    await expect
      .poll(() => page.locator('[data-panel="p2"]').getAttribute('style'))
      .toMatch(/grid-area: \d+ \/ 2 \/ span 3 \/ span 3/);
    expect(await page.locator('[aria-live="polite"]').textContent()).toMatch(/2/);
    await page.click('button[data-action="save"]');
    await expect.poll(() => page.textContent('[data-testid="save-status"]')).toMatch(/\b2\b/);

    await page.goto(`${ciop.url}/comfort-dashboards/dashboards/${dashboardId}`);
    await page.waitForSelector('[data-panel="p2"]');
    expect(await page.locator('[data-testid="board-grid"] [data-panel]').count()).toBe(2);
    await page.waitForSelector('[data-panel="p1"] canvas');
    // Another building of the organisation through the variable: the panels are asked again for it.
    const other = organisationBuildings[1];
    const asked = page.waitForRequest(
      (r) =>
        r.url().endsWith('/api/v1/dashboards/query') &&
        JSON.parse(r.postData() ?? '{}').variables?.building === other,
    );
    await page.selectOption('#var-building', String(other));
    await asked;
    await page.waitForSelector('[data-panel="p1"] canvas');
    await page.waitForTimeout(800);
    await screenshot(page, 'comfort-dashboards-builder-desktop');
  });

  it('is not there for a member of another organisation, nor are its buildings’ data', async () => {
    const { accounts } = ciop.platform.auth;
    const outsiderBuilding = (
      await ciop.platform.db
        .selectFrom('building')
        .select('id')
        .where('id', 'not in', organisationBuildings)
        .orderBy('id')
        .executeTakeFirstOrThrow()
    ).id;
    const org = await accounts.createOrganisation(
      { name: 'Other ESCO', buildingIds: [Number(outsiderBuilding)] },
      BY_SYSTEM,
    );
    await accounts.create(
      {
        email: 'other@esco.test',
        name: 'Other',
        roles: ['esco'],
        organisationId: org.id,
        password: 'another long password',
      },
      BY_SYSTEM,
    );
    const login = await fetch(`${ciop.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'other@esco.test', password: 'another long password' }),
    });
    const token = ((await login.json()) as { accessToken: string }).accessToken;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    expect((await fetch(`${ciop.url}/api/v1/dashboards/${dashboardId}`, { headers })).status).toBe(404);
    const query = await fetch(`${ciop.url}/api/v1/dashboards/query`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        from: Date.now() - 86_400_000,
        to: Date.now(),
        queries: [{ source: 'comfort', metric: 'pmv', scope: { building: organisationBuildings[0] } }],
      }),
    });
    expect(query.status).toBe(403);
    expect(await query.text()).not.toContain('points');
  });

  it('fits a phone', async () => {
    const phone = await browser.page(VIEWPORTS.phone);
    await phone.goto(`${ciop.url}/comfort-dashboards`);
    await phone.waitForSelector('#login-email, [data-testid="heat-strip"]');
    if (phone.url().includes('/login')) {
      await submitLogin(phone, ESCO, PASSWORD);
      await phone.waitForURL((u) => u.pathname === '/comfort-dashboards');
    }
    await phone.waitForSelector('[data-testid="heat-strip"] canvas');
    const overflow = Number(await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(1);
    await phone.waitForTimeout(800);
    await screenshot(phone, 'comfort-dashboards-comfort-phone');
    await phone.close();
  });
});
