import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BY_SYSTEM } from '#server/audit/by.ts';
import { DEMO_DATADIS_FACILITY } from '#server/modules/municipal/municipal-demo.ts';
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

const PASSWORD = 'a long municipal password';

describe('a municipal technician, from the city down to a meter', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;

  async function logInOnTheWayTo(path: string, email: string): Promise<void> {
    await forgetSiteStorage(page, ciop.url);
    await open(page, `${ciop.url}${path}`);
    await page.waitForURL((u) => u.pathname === '/login');
    await page.fill('#login-email', email);
    await page.fill('#login-password', PASSWORD);
    await page.click('form button[type="submit"]');
  }

  /** Waits for a level to be shown: the last breadcrumb names it. */
  async function atLevel(level: string): Promise<void> {
    await page.waitForURL(
      (u) => u.pathname === '/municipal' && (u.searchParams.get('level') ?? 'city') === level,
    );
    await page.waitForSelector(`[data-testid="breadcrumbs"] li[aria-current="page"]`);
    const word = {
      city: 'City',
      district: 'Neighbourhood',
      area: 'Area',
      facility: 'Facility',
      meter: 'Meter',
    }[level];
    await page
      .locator('[data-testid="breadcrumbs"] li[aria-current="page"] .crumb-level', { hasText: word })
      .waitFor();
  }

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 1, feeds: false }), launchBrowser()]);
    await ciop.platform.seedModuleDemos(Date.now());
    for (const [email, name, roles] of [
      ['miren.municipal@test.example', 'Miren Municipal', ['municipal']],
      ['iker.resident@test.example', 'Iker Resident', ['resident']],
    ] as const)
      await ciop.platform.auth.accounts.create(
        { email, name, roles: [...roles], password: PASSWORD, language: 'en' },
        BY_SYSTEM,
      );
    page = await browser.page(VIEWPORTS.desktop);
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  it('opens the city with its neighbourhoods, figures and the map of facilities', async () => {
    await logInOnTheWayTo('/municipal', 'miren.municipal@test.example');
    await page.waitForURL((u) => u.pathname === '/municipal');
    await page.waitForSelector('[data-figure="energy"]');
    expect(await page.textContent('[data-figure="energy"]')).toMatch(/MWh|kWh/);
    expect(await page.textContent('[data-figure="co2"]')).toMatch(/t CO₂|kg CO₂/);
    expect(await page.locator('[data-testid="children"] tbody tr').count()).toBe(5);
    await page.waitForSelector('[data-testid="facility-map"] canvas.maplibregl-canvas');
    expect(await page.getAttribute('[data-testid="facility-map"] [aria-label]', 'aria-label')).toMatch(
      /Map of 5\d facilities/,
    );
    await page.waitForTimeout(1000);
    await screenshot(page, 'municipal-city-desktop');
  });

  it('goes down through a neighbourhood, an area, a sub-group and a facility to a meter, and back up', async () => {
    await page.click('[data-testid="children"] a:text("Coronación")');
    await atLevel('district');
    await page.click('[data-testid="children"] a:text("Municipal buildings")');
    await atLevel('area');
    // The area is looked at within the neighbourhood.
    expect(new URL(page.url()).searchParams.get('district')).not.toBeNull();
    await page.click('[data-testid="children"] a:text("Schools")');
    await atLevel('area');
    expect(await page.locator('[data-testid="children"] tbody tr').count()).toBe(3);
    await page.waitForSelector('[data-testid="facility-map"] canvas.maplibregl-canvas');
    await page.click('[data-testid="children"] tbody tr:first-child a');
    await atLevel('facility');
    expect(await page.locator('[data-testid="breadcrumbs"] li').count()).toBe(5);
    // Before and after a refurbishment: a comparison, or the reason there is none.
    await page.fill('#refurb-date', '2025-06-15');
    await page.selectOption('#refurb-months', '3');
    await page.click('[data-testid="refurbishment"] button[type="submit"]');
    await page.waitForSelector('[data-testid="refurb-status"], [data-figure="refurb-change"]');
    await page.click('[data-testid="children"] tbody tr:first-child a');
    await atLevel('meter');
    await page.waitForSelector('[data-testid="meter"]');
    await page.waitForSelector('[data-testid="months"] tbody tr');
    expect(await page.locator('[data-testid="months"] tbody tr').count()).toBeGreaterThan(12);
    expect(await page.textContent('[data-testid="months"] tbody')).toContain('Invoice');
    await page.waitForTimeout(800);
    await screenshot(page, 'municipal-meter-desktop');
    // The school whose electricity Datadis reads: its meter draws the hours.
    const datadis = await ciop.platform.database.db
      .selectFrom('municipal_meter as m')
      .innerJoin('municipal_facility as f', 'f.id', 'm.facility_id')
      .select('m.id')
      .where('f.code', '=', DEMO_DATADIS_FACILITY)
      .where('m.carrier', '=', 'electricity')
      .executeTakeFirstOrThrow();
    await open(page, `${ciop.url}/municipal?level=meter&id=${datadis.id}`);
    await atLevel('meter');
    await page.waitForSelector('[data-testid="datadis-hours"] canvas');
    expect(await page.textContent('[data-testid="datadis-hours"]')).toMatch(/hours estimated/);
    await page.goBack();
    await atLevel('meter');
    // Back to the city through the breadcrumbs.
    await page.click('[data-testid="breadcrumbs"] li:first-child a');
    await atLevel('city');
  });

  it('fits a phone', async () => {
    const phone = await browser.page(VIEWPORTS.phone);
    await forgetSiteStorage(phone, ciop.url);
    await open(phone, `${ciop.url}/municipal`);
    await phone.waitForURL((u) => u.pathname === '/login');
    await phone.fill('#login-email', 'miren.municipal@test.example');
    await phone.fill('#login-password', PASSWORD);
    await phone.click('form button[type="submit"]');
    await phone.waitForSelector('[data-figure="energy"]');
    const overflow = Number(
      await phone.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth'),
    );
    expect(overflow).toBeLessThanOrEqual(1);
    await phone.waitForTimeout(800);
    await screenshot(phone, 'municipal-city-phone');
  });

  it('refuses the application to a resident', async () => {
    await page.click('text=Log out');
    await logInOnTheWayTo('/municipal', 'iker.resident@test.example');
    await page.waitForURL((u) => u.pathname === '/forbidden');
    expect(await page.textContent('h1')).toBe('Not available with your account');
  });
});
