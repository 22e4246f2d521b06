import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../testing/platform.ts';
import { seedDemo } from './demo.ts';
import { seedDemoAccounts } from './demo-accounts.ts';
import { demoBuildings } from './district.ts';

describe('demo accounts', () => {
  let t: TestPlatform;
  let printed: string;

  beforeAll(async () => {
    t = await openTestPlatform();
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await seedDemo(t.platform, { history: false });
      printed = log.mock.calls.map((c) => String(c[0])).join('\n');
    } finally {
      log.mockRestore();
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const login = (email: string, password: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

  it('creates one account per kind of user, with passwords printed once that work', async () => {
    const lines = printed.split('\n').filter((l) => l.includes('@demo.ciop.example'));
    expect(lines.map((l) => l.trim().split(/\s+/)[0]).sort()).toEqual([
      'esco',
      'installer',
      'kpi',
      'municipal',
      'planner',
      'resident',
      'transport',
    ]);
    for (const line of lines) {
      const [, email, password] = line.trim().split(/\s+/);
      expect((await login(email, password)).statusCode, email).toBe(200);
    }
  });

  it('links the resident to a dwelling whose gateway reports, and the ESCO to a few buildings', async () => {
    const password = await t.platform.auth.accounts.setPassword(
      'resident@demo.ciop.example',
      'known demo password',
    );
    const resident = (await login('resident@demo.ciop.example', password)).json().user;
    expect(resident.dwellingIds).toHaveLength(1);
    const gateway = await t.platform.database.db
      .selectFrom('gateway')
      .select('sn')
      .where('dwelling_id', '=', resident.dwellingIds[0])
      .executeTakeFirst();
    expect(gateway?.sn).toMatch(/^[0-9A-F]{16}$/);
    // Enough homes report in the resident's building for its average to be shown to them.
    const home = await t.platform.database.db
      .selectFrom('dwelling')
      .innerJoin('building', 'building.id', 'dwelling.building_id')
      .select('building.code')
      .where('dwelling.id', '=', resident.dwellingIds[0])
      .executeTakeFirstOrThrow();
    const reporting = demoBuildings()
      .find((b) => b.code === home.code)!
      .dwellings.filter((d) => d.gateway && !d.gateway.neverReported && !d.gateway.silentForDays);
    expect(reporting.length).toBeGreaterThanOrEqual(t.platform.config.privacyMinDwellings);
    await t.platform.auth.accounts.setPassword('esco@demo.ciop.example', 'known demo password');
    const esco = (await login('esco@demo.ciop.example', 'known demo password')).json().user;
    expect(esco.buildingIds.length).toBeGreaterThanOrEqual(3);
  });

  it('leaves existing accounts alone when run again', async () => {
    const lines: string[] = [];
    expect(await seedDemoAccounts(t.platform, (l) => lines.push(l))).toEqual([]);
    expect(lines).toEqual([]);
  });
});
