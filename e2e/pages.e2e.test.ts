import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES, type Role } from '#common/api/access.ts';
import { BY_SYSTEM } from '#server/audit/by.ts';
import { seedKpiDemo } from '#server/demo/kpi-demo.ts';
import { KPI_JOBS } from '#server/modules/kpi/kpi.jobs.ts';
import {
  checkAccessibility,
  forgetSiteStorage,
  launchBrowser,
  open,
  type Platform4Browser,
  startPlatform,
  submitLogin,
  type TestBrowser,
  VIEWPORTS,
} from './harness.ts';

// What every page owes a person, whatever app it belongs to: a session that ends leads back to
// log in and returns; user text never widens a page; no page scrolls sideways on a phone;
// numbers and dates read in the page's language; a carrier keeps its colour.

const PASSWORD = 'a long enough test passphrase';
const PHONE = { width: 360, height: 740 };

describe('pages a person would trust', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;
  let dwelling: number;

  const account = (email: string, name: string, roles: Role[], dwellingIds: number[] = []) =>
    ciop.platform.auth.accounts.create({ email, name, roles, dwellingIds, password: PASSWORD }, BY_SYSTEM);

  async function logOut(): Promise<void> {
    await page.context().clearCookies();
  }

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 3 }), launchBrowser()]);
    await seedKpiDemo(ciop.platform);
    await ciop.platform.scheduler.run(KPI_JOBS.ict);
    const db = ciop.platform.database.db;
    const row = await db
      .selectFrom('gateway')
      .select('dwelling_id')
      .where('dwelling_id', 'is not', null)
      .orderBy('dwelling_id')
      .executeTakeFirstOrThrow();
    dwelling = row.dwelling_id as number;
    await account('nerea.resident@test.example', 'Nerea Resident', ['resident'], [dwelling]);
    await account('ane.admin@test.example', 'Ane Admin', ['admin', 'kpi', 'installer']);
    page = await browser.page(VIEWPORTS.desktop);
    await forgetSiteStorage(page, ciop.url);
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  it('sends a person whose session was ended to log in, says why once, and brings them back', async () => {
    await open(page, `${ciop.url}/login`);
    await submitLogin(page, 'nerea.resident@test.example', PASSWORD);
    // Without a page to return to, a resident lands on their home.
    await page.waitForURL((u) => u.pathname === `/home/${dwelling}`);
    await page.click('.home-nav a:has-text("Power")');
    await page.waitForURL((u) => u.pathname === `/home/${dwelling}/power`);
    await page.locator('[data-power-summary]').waitFor();
    const user = await ciop.platform.auth.accounts.list({ q: 'nerea' });
    await ciop.platform.auth.accounts.revokeSessions(user.items[0].id, BY_SYSTEM);
    await page.click('.home-nav a:has-text("Temperature")');
    await page.waitForURL((u) => u.pathname === '/login');
    const url = new URL(page.url());
    expect(url.searchParams.get('next')).toBe(`/home/${dwelling}/temperature`);
    expect(await page.locator('.notice[role="status"]').allTextContents()).toEqual([
      'Your session has ended. Log in again to carry on where you were.',
    ]);
    expect(await page.locator('.state-error').count()).toBe(0);
    await submitLogin(page, 'nerea.resident@test.example', PASSWORD);
    await page.waitForURL((u) => u.pathname === `/home/${dwelling}/temperature`);
    await logOut();
  });

  /** How far the page is wider than the window (0 when it does not scroll sideways). */
  const sidewaysOverflow = () =>
    page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

  it('wraps a 200-character unbroken name on the requests page, keeping Approve and Reject on screen', async () => {
    const name = 'W'.repeat(200);
    await ciop.platform.auth.accountRequests.create(
      {
        name,
        email: 'long.name@test.example',
        organisation: 'O'.repeat(150),
        role: 'resident',
        reason: 'R'.repeat(400),
      },
      BY_SYSTEM,
    );
    await open(page, `${ciop.url}/admin/account-requests`);
    await page.waitForURL((u) => u.pathname === '/login');
    await submitLogin(page, 'ane.admin@test.example', PASSWORD);
    await page.waitForURL((u) => u.pathname === '/admin/account-requests');
    const request = page.locator('.admin-requests li', { hasText: name });
    await request.waitFor();
    for (const viewport of [VIEWPORTS.desktop, PHONE]) {
      await page.setViewportSize(viewport);
      expect(await sidewaysOverflow(), `${viewport.width} px`).toBe(0);
      for (const button of ['Approve', 'Reject']) {
        const box = await request.locator('button', { hasText: button }).boundingBox();
        expect(box && box.x + box.width, `${button} at ${viewport.width} px`).toBeLessThanOrEqual(
          viewport.width,
        );
      }
    }
    await page.setViewportSize(VIEWPORTS.desktop);
    expect((await checkAccessibility(page)).serious).toEqual([]);
    await logOut();
  });

  /** Chooses the interface language as a visitor would have (remembered in the browser). */
  const speak = (language: string) =>
    page.evaluate(`localStorage.setItem('ciop.language', ${JSON.stringify(language)})`);

  /** What a chart draws, read from ECharts' own option of it (after CIOP's defaults). */
  interface DrawnChart {
    label: string;
    legend: boolean;
    units: string[];
    categories: string[];
    /** 2,100,000 as its value axis writes it. */
    twoMillion: string;
    /** [name of a series, slice or category, its colour]. */
    colours: [string, string][];
  }

  // Run in the page (plain JavaScript: the tests are typed for Node, without the DOM).
  const DRAWN_CHARTS = `[...document.querySelectorAll('.chart')].flatMap((el) => {
    const chart = el.ciopChart;
    if (!chart) return [];
    const o = chart.getOption();
    const axes = [...(o.xAxis ?? []), ...(o.yAxis ?? [])];
    const value = axes.find((a) => a.type === 'value');
    const category = axes.find((a) => a.type === 'category');
    return [{
      label: el.getAttribute('aria-label') ?? '',
      legend: (o.legend ?? []).some((l) => l.show !== false),
      units: axes.filter((a) => a.type === 'value').map((a) => a.name ?? ''),
      categories: category?.data ?? [],
      twoMillion: value?.axisLabel?.formatter?.(2100000) ?? '',
      // A series of one colour by its name; a series coloured item by item by each item's name
      // (pies) or its category (bars along a category axis).
      colours: o.series.flatMap((s) =>
        s.itemStyle?.color && s.type !== 'pie'
          ? [[s.name ?? '', s.itemStyle.color]]
          : (s.data ?? []).flatMap((d, i) =>
              d && typeof d === 'object' && d.itemStyle?.color
                ? [[d.name ?? category?.data?.[i] ?? '', d.itemStyle.color]]
                : [],
            ),
      ),
    }];
  })`;
  const drawnCharts = () => page.evaluate<DrawnChart[]>(DRAWN_CHARTS);

  it('opens /kpi/energy first in a fresh session without an error', async () => {
    const errors: string[] = [];
    const listen = (e: Error) => errors.push(e.message);
    const consoleErrors = (m: { type(): string; text(): string }) => {
      if (m.type() === 'error') errors.push(m.text());
    };
    page.on('pageerror', listen);
    page.on('console', consoleErrors);
    await logOut();
    await open(page, `${ciop.url}/kpi/energy`);
    await page.waitForURL((u) => u.pathname === '/login');
    await submitLogin(page, 'ane.admin@test.example', PASSWORD);
    await page.waitForURL((u) => u.pathname === '/kpi/energy');
    await page.locator('[data-testid="energy-table"] tbody tr').first().waitFor();
    await page.locator('.chart canvas').first().waitFor();
    page.off('pageerror', listen);
    page.off('console', consoleErrors);
    expect(errors).toEqual([]);
  });

  it('gives every chart a legend or named categories and a unit on each value axis', async () => {
    for (const [path, ready] of [
      ['/kpi/energy', '[data-testid="energy-table"]'],
      ['/kpi', '[data-testid="buildings-table"]'],
      ['/kpi/environmental', '.chart'],
    ] as const) {
      await open(page, `${ciop.url}${path}`);
      await page.locator(ready).first().waitFor();
      await expect.poll(async () => (await drawnCharts()).length, { message: path }).toBeGreaterThan(0);
      for (const chart of await drawnCharts()) {
        expect(chart.legend || chart.categories.length > 0, `${path}: ${chart.label}`).toBe(true);
        for (const unit of chart.units) expect(unit, `${path}: ${chart.label}`).not.toBe('');
      }
    }
  });

  it('draws each carrier in one colour on every KPI page', async () => {
    const seen = new Map<string, Set<string>>();
    for (const [path, ready] of [
      ['/kpi', '[data-testid="buildings-table"]'],
      ['/kpi/energy', '[data-testid="energy-table"]'],
    ] as const) {
      await open(page, `${ciop.url}${path}`);
      await page.locator(ready).first().waitFor();
      await page.locator('.chart canvas').first().waitFor();
      await expect.poll(async () => (await drawnCharts()).length).toBeGreaterThan(path === '/kpi' ? 0 : 2);
      for (const chart of await drawnCharts())
        for (const [name, colour] of chart.colours) seen.set(name, (seen.get(name) ?? new Set()).add(colour));
    }
    expect(seen.get('Natural gas')?.size).toBe(1);
    expect(seen.get('Electricity')?.size).toBe(1);
    for (const [carrier, colours] of seen) expect([...colours], carrier).toHaveLength(1);
  });

  it('writes Spanish and Basque numbers and dates on chart axes, and the TV clock on 24 hours', async () => {
    const expected = { en: '2,100,000', es: '2.100.000', eu: '2.100.000' };
    for (const language of ['en', 'es', 'eu'] as const) {
      await speak(language);
      await open(page, `${ciop.url}/kpi/energy`);
      await page.locator('[data-testid="energy-table"] tbody tr').first().waitFor();
      await expect.poll(async () => (await drawnCharts()).length).toBeGreaterThan(0);
      const [loadCurve] = await drawnCharts();
      expect(loadCurve.twoMillion, language).toBe(expected[language]);
      if (language === 'eu')
        for (const month of loadCurve.categories) expect(month).toMatch(/^\d{4}e?ko [a-z]{3}\.$/);
      if (language === 'es')
        for (const month of loadCurve.categories) expect(month).toMatch(/^[a-z]{3,4}\.? \d{4}$/);
    }
    await speak('en');
    for (const [language, weekday] of [
      ['eu', /^(igandea|astelehena|asteartea|asteazkena|osteguna|ostirala|larunbata), [a-z]+aren \d{1,2}a$/],
      ['es', /^(lunes|martes|miércoles|jueves|viernes|sábado|domingo), \d{1,2} de [a-z]+$/],
    ] as const) {
      await open(page, `${ciop.url}/tv?lang=${language}&rotate=60`);
      await page.locator('.tv-time').waitFor();
      expect(await page.textContent('.tv-time')).toMatch(/^([01]\d|2[0-3]):[0-5]\d$/);
      expect(await page.textContent('.tv-date')).toMatch(weekday);
      if (language === 'eu') expect(await page.textContent('.tv-meta time')).toMatch(/^duela \d+ ordu$/);
    }
  });

  /**
   * Every path the running app's router knows (every registered app's routes, children joined to
   * their parent, and the shell's pages): a new app is walked without touching this test.
   */
  const everyPath = () =>
    page.evaluate<string[]>(
      `document.querySelector('#app').__vue_app__.config.globalProperties.$router.getRoutes().map((r) => r.path)`,
    );

  it('never scrolls sideways at 360 px, on any page of any app', async () => {
    // One person who may open everything, so that every app's pages are seen with their data.
    const everyone = await account('tour@test.example', 'Tour Everyone', [...ROLES], [dwelling]);
    const organisation = await ciop.platform.auth.accounts.createOrganisation(
      { name: 'Ekoenergia' },
      BY_SYSTEM,
    );
    /** A value for each parameter a path may hold; an unknown one gets 1 (a page saying "not found" must fit too). */
    const sample = (path: string, name: string): string => {
      if (name === 'dwelling') return String(dwelling);
      if (name === 'pillar') return 'ict';
      if (path.startsWith('/apps/')) return 'kpi';
      if (path.startsWith('/admin/users/')) return String(everyone.id);
      if (path.startsWith('/admin/organisations/')) return String(organisation.id);
      return '1';
    };
    await page.setViewportSize(PHONE);
    await open(page, `${ciop.url}/login`);
    await submitLogin(page, 'tour@test.example', PASSWORD);
    await page.waitForURL((u) => u.pathname !== '/login');
    const paths = (await everyPath())
      .filter((p) => !p.includes('pathMatch'))
      .concat(['/set-password?token=nothing', '/no-such-page', '/kpi/environmental', '/kpi/energy'])
      .map((p) => p.replace(/:(\w+)(\([^)]*\))?\??/g, (_, name: string) => sample(p, name)));
    const wide: string[] = [];
    for (const path of new Set(paths)) {
      await open(page, `${ciop.url}${path}`);
      await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => undefined);
      await expect.poll(() => page.locator('.state .spinner').count(), { message: path }).toBe(0);
      const overflow = await sidewaysOverflow();
      if (overflow > 0) {
        // The widest elements whose parent still fits: where the page grows.
        const culprits = await page.evaluate<string[]>(`(() => {
          const width = ${PHONE.width};
          const out = [];
          for (const el of document.querySelectorAll('body *')) {
            const box = el.getBoundingClientRect();
            const parent = el.parentElement?.getBoundingClientRect();
            if (box.right > width + 1 && box.width > 0 && (!parent || parent.right <= width + 1))
              out.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + ' (' + Math.round(box.right) + ' px)');
          }
          return out.slice(0, 4);
        })()`);
        wide.push(`${path}: ${overflow} px too wide: ${culprits.join(', ')}`);
      }
    }
    expect(wide).toEqual([]);
    await page.setViewportSize(VIEWPORTS.desktop);
    await logOut();
  });

  it('groups the status of every building by building, with counts, buildings without trouble folded', async () => {
    await logOut();
    await open(page, `${ciop.url}/installations`);
    await page.waitForURL((u) => u.pathname === '/login');
    await submitLogin(page, 'ane.admin@test.example', PASSWORD);
    await page.waitForURL((u) => u.pathname === '/installations');
    await page.locator('details.ops-group').first().waitFor();
    const groups = page.locator('details.ops-group');
    const buildings = await groups.count();
    expect(buildings).toBeGreaterThan(1);
    // One row per building at most before anything is opened, and each says how its homes are.
    for (let i = 0; i < buildings; i++) {
      const group = groups.nth(i);
      expect(await group.locator('summary [data-status] b').count()).toBeGreaterThan(0);
      const trouble = await group
        .locator('summary [data-status="silent"], summary [data-status="never"]')
        .count();
      expect(await group.evaluate((d) => (d as unknown as { open: boolean }).open)).toBe(trouble > 0);
    }
    await logOut();
  });

  it('opens the TV from the menu in a tab of its own, offers a way back when reached from a page, and Escape closes the phone menu', async () => {
    await open(page, `${ciop.url}/`);
    const tv = page.locator('.nav-list a[data-app="tv"]');
    expect(await tv.getAttribute('target')).toBe('_blank');
    expect(await tv.getAttribute('href')).toBe('/tv');
    // Reached from a page of the site, the TV has a small way back; opened directly it has none.
    await open(page, `${ciop.url}/apps/tv`);
    await page.click('text=Open TV news');
    await page.waitForURL(/\/tv$/);
    await page.click('[data-testid="tv-back"]');
    await page.waitForURL((u) => u.pathname === '/apps/tv');
    await open(page, `${ciop.url}/tv`);
    await page.locator('main.tv').waitFor();
    expect(await page.locator('[data-testid="tv-back"]').count()).toBe(0);

    await page.setViewportSize(PHONE);
    await open(page, `${ciop.url}/`);
    await page.click('.menu-toggle');
    expect(await page.getAttribute('.menu-toggle', 'aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    expect(await page.getAttribute('.menu-toggle', 'aria-expanded')).toBe('false');
    expect(await page.evaluate("document.activeElement?.classList.contains('menu-toggle')")).toBe(true);
    await page.setViewportSize(VIEWPORTS.desktop);
  });

  it('shows the contact details the instance was given, and says so when it has none', async () => {
    await open(page, `${ciop.url}/contact`);
    await expect
      .poll(() => page.textContent('[data-contact]'))
      .toContain('has not published contact details yet');
    const config = ciop.platform.config as { contactName?: string; contactEmail?: string };
    config.contactName = 'Vitoria-Gasteiz City Council, Environment Office';
    config.contactEmail = 'energia@vitoria-gasteiz.example';
    await forgetSiteStorage(page, ciop.url);
    await open(page, `${ciop.url}/contact`);
    await expect.poll(() => page.textContent('[data-contact]')).toContain('Environment Office');
    expect(await page.getAttribute('[data-contact] a', 'href')).toBe(
      'mailto:energia@vitoria-gasteiz.example',
    );
  });

  it('says at once that a password link is spent, before a password is typed', async () => {
    await open(page, `${ciop.url}/set-password?token=not-a-token-at-all`);
    await page.locator('[data-spent]').waitFor();
    expect(await page.textContent('[data-spent]')).toContain('This link is not valid any more');
    expect(await page.locator('#set-password').count()).toBe(0);
  });
});
