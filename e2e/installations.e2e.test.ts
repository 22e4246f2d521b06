import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BY_SYSTEM } from '#server/audit/by.ts';
import {
  checkAccessibility,
  launchBrowser,
  type Platform4Browser,
  screenshot,
  startPlatform,
  type TestBrowser,
  VIEWPORTS,
} from './harness.ts';

const SN = 'E2E0000000000001';
const EMAIL = 'installer.e2e@city.example';
const PASSWORD = 'a password for the browser test';

describe('an installer registering an installation', () => {
  let ciop: Platform4Browser;
  let browser: TestBrowser;
  let page: Page;
  let buildingId: string;

  beforeAll(async () => {
    [ciop, browser] = await Promise.all([startPlatform({ days: 1, feeds: false }), launchBrowser()]);
    await ciop.platform.auth.accounts.create(
      { email: EMAIL, name: 'Itziar Installer', roles: ['installer'], password: PASSWORD },
      BY_SYSTEM,
    );
    page = await browser.page();
  });
  afterAll(async () => {
    await browser?.close();
    await ciop?.close();
  });

  const row = () => page.locator('tr[data-dwelling]', { hasText: '9 Ezk.' });
  /** The contracted power stored for the dwelling registered, W. */
  const storedPower = async () =>
    (
      await ciop.platform.database.db
        .selectFrom('dwelling')
        .select('contracted_power_w')
        .where('building_id', '=', Number(buildingId))
        .where('label', '=', '9 Ezk.')
        .executeTakeFirstOrThrow()
    ).contracted_power_w;

  it('logs in and registers a dwelling, its gateway and two sensors in one step', async () => {
    await page.goto(`${ciop.url}/login?next=/installations/register`);
    await page.fill('#login-email', EMAIL);
    await page.fill('#login-password', PASSWORD);
    await page.press('#login-password', 'Enter');
    await page.waitForURL((u) => u.pathname === '/installations/register');

    await expect.poll(() => page.locator('#reg-building option').count()).toBeGreaterThan(2);
    await page.selectOption('#reg-building', { index: 1 });
    buildingId = await page.inputValue('#reg-building');
    await page.fill('#reg-floor', '9');
    await page.fill('#reg-door', 'Ezk.');
    await page.fill('#reg-power', '4600');
    await expect.poll(() => page.textContent('.hint.field-wide')).toContain('9 Ezk.');
    await page.fill('#reg-sn', SN);
    await expect.poll(() => page.textContent('[data-preview]')).toContain('never heard from this gateway');
    await page.click('text=Add a sensor');
    await page.click('text=Add a sensor');
    await page.selectOption('[data-sensor-row="1"] select', 'humidity');
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-registered]');
    expect(await page.textContent('[data-registered]')).toContain(
      `dwelling 9 Ezk., gateway ${SN}, 2 sensors`,
    );
    await screenshot(page, 'installations-registered');
    expect(await storedPower()).toBe(4600);
  });

  it('changes the contracted power of an existing dwelling, on a phone too', async () => {
    await page.setViewportSize(VIEWPORTS.phone);
    await page.check('input[name="dwelling-mode"][value="existing"]');
    await page.selectOption('#reg-dwelling', { label: '9 Ezk.' });
    await expect.poll(() => page.inputValue('#reg-existing-power')).toBe('4600');
    await page.fill('#reg-existing-power', '5750');
    await page.click('[data-save-power]');
    await expect
      .poll(() => page.textContent('#reg-existing-power-state'))
      .toContain('Contracted power saved');
    await screenshot(page, 'installations-contracted-power-phone');
    expect(await storedPower()).toBe(5750);
    // A power the registry refuses is explained beside the field, and nothing changes.
    await page.fill('#reg-existing-power', '0');
    await page.click('[data-save-power]');
    await expect.poll(() => page.textContent('#reg-existing-power-state')).toContain('contractedPowerW');
    expect(await storedPower()).toBe(5750);
    await page.setViewportSize(VIEWPORTS.desktop);
  });

  it('sees it black on the status monitor, then green once data arrives, without reloading the page', async () => {
    await page.goto(`${ciop.url}/installations?building=${buildingId}`);
    await expect.poll(() => row().getAttribute('data-status')).toBe('never');
    expect(await row().locator(`[data-gateway="${SN}"]`).getAttribute('data-status')).toBe('never');
    expect(await row().textContent()).toContain('Never reported');
    await screenshot(page, 'installations-status-black');
    await page.evaluate('window.__stillTheSamePage = true');

    const now = Date.now();
    const res = await fetch(`${ciop.url}/api/v2/write?precision=ms`, {
      method: 'POST',
      headers: { authorization: `Token ${ciop.platform.ingestToken}` },
      body: [
        `forwarder_data,SN=${SN},channel=1,device=1,medium=temperature value=21.5 ${now - 60_000}`,
        `forwarder_data,SN=${SN},channel=1,device=2,medium=humidity value=48 ${now - 60_000}`,
      ].join('\n'),
    });
    expect(res.status).toBe(204);

    await expect.poll(() => row().getAttribute('data-status'), { timeout: 25_000 }).toBe('reporting');
    expect(await row().locator(`[data-gateway="${SN}"]`).getAttribute('data-status')).toBe('reporting');
    expect(await row().locator('[data-sensor][data-status="reporting"]').count()).toBe(2);
    expect(await page.evaluate('window.__stillTheSamePage')).toBe(true);
    await screenshot(page, 'installations-status-green');
  });

  it('downloads the dwelling’s readings as CSV, in the columns the back-fill takes', async () => {
    await page.goto(`${ciop.url}/installations/data`);
    await expect.poll(() => page.locator('#data-building option').count()).toBeGreaterThan(2);
    // Asked too early, the page says what is missing, and stops saying it once it is chosen.
    await page.click('[data-download]');
    await expect.poll(() => page.textContent('p.form-error')).toContain('Choose a building');
    await page.selectOption('#data-building', buildingId);
    await expect.poll(() => page.textContent('p.form-error')).toBe('');
    await expect.poll(() => page.locator('#data-dwelling option', { hasText: '9 Ezk.' }).count()).toBe(1);
    await page.selectOption('#data-dwelling', { label: '9 Ezk.' });
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.fill('#data-to', tomorrow);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-download]')]);
    expect(download.suggestedFilename()).toMatch(/^ciop_.*_raw\.csv$/);
    const csv = await readFile((await download.path()) as string, 'utf8');
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('sn,channel,device,medium,time,value');
    expect(lines.slice(1).sort()).toEqual([
      expect.stringMatching(new RegExp(`^${SN},1,1,temperature,\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z,21\\.5$`)),
      expect.stringMatching(new RegExp(`^${SN},1,2,humidity,\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z,48$`)),
    ]);

    await page.click('[data-coverage]');
    await page.waitForSelector('.chart canvas');
    // The day the reading came is incomplete (one reading of 144): opening it shows it.
    await page.click('.ops-gaps summary');
    // The days before the installation are one range, not a button a day.
    const gapButtons = page.locator('.ops-gaps li', { hasText: 'Temperature 1/1' }).locator('button');
    expect(await gapButtons.count()).toBeLessThanOrEqual(3);
    await page
      .locator('.ops-gaps li', { hasText: 'Temperature 1/1' })
      .locator('button', { hasText: '(1 %)' })
      .click();
    await expect.poll(() => page.textContent('.ops-day')).toContain('1 readings of 144 expected');
    await screenshot(page, 'installations-data');
    const audit = await ciop.platform.audit.list({ action: 'data.export' });
    expect(audit.items[0]).toMatchObject({ actor: { name: 'Itziar Installer' }, targetType: 'dwelling' });
  });

  it('shows beside the readings received those that passed the checks, and why a reading failed', async () => {
    const res = await fetch(`${ciop.url}/api/v2/write?precision=ms`, {
      method: 'POST',
      headers: { authorization: `Token ${ciop.platform.ingestToken}` },
      body: `forwarder_data,SN=${SN},channel=1,device=2,medium=humidity value=140 ${Date.now() - 30_000}`,
    });
    expect(res.status).toBe(204);
    await ciop.platform.engine.flush();
    expect(await ciop.platform.scheduler.run('quality-checks')).toBe(true);

    await page.click('[data-coverage]');
    await page.waitForSelector('[data-heatmap-view]');
    expect(await page.textContent('[data-heatmap-legend]')).toContain('arrived (red none, green all)');
    await page.check('[data-view-passed]');
    await expect
      .poll(() => page.textContent('[data-heatmap-legend]'))
      .toContain('passed the plausibility checks');
    // The list of gaps is still open from before.
    if ((await page.locator('.ops-gaps').getAttribute('open')) === null)
      await page.click('.ops-gaps summary');
    // Today: two readings of 144.
    await page
      .locator('.ops-gaps li', { hasText: 'Humidity 1/2' })
      .locator('button', { hasText: '(1 %)' })
      .click();
    await expect.poll(() => page.textContent('.ops-day')).toContain('2 readings of 144 expected');
    await expect.poll(() => page.textContent('[data-flags]')).toContain('Out of the plausible range');
    expect(await page.textContent('[data-flags]')).toContain('reading 140 %RH');
    await screenshot(page, 'installations-data-quality');
  });

  it('has pages that assistive technology can read: status, registration, incidents, alarm settings', async () => {
    for (const [path, heading] of [
      [`/installations?building=${buildingId}`, 'Status of the installations'],
      ['/installations/register', 'Register an installation'],
      ['/installations/incidents', 'Incidents'],
      ['/installations/settings', 'Alarm settings'],
    ]) {
      await page.goto(`${ciop.url}${path}`);
      await expect.poll(() => page.textContent('h2')).toBe(heading);
      await page.waitForLoadState('networkidle');
      expect((await checkAccessibility(page, path)).serious).toEqual([]);
    }
  });
});
