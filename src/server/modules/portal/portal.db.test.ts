import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PublicSummary } from '#common/api/portal.ts';
import { seedDemo } from '../../demo/demo.ts';
import { demoBuildings } from '../../demo/district.ts';
import { createPlaces, PLACE_READING } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { FlaggedReadings } from '../../timeseries/flagged-readings.ts';
import { QUALITY_JOB } from '../quality/quality.service.ts';
import { ELECTRICITY_FACTORS, PortalService } from './portal.service.ts';

describe('the public summary of an empty platform', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers without a credential and says that there is no data, instead of showing zeros', async () => {
    const res = await t.app.inject({ url: '/api/v1/public/summary' });
    expect(res.statusCode).toBe(200);
    const s: PublicSummary = res.json();
    expect(s.buildings).toEqual({ value: 0, unit: 'count', source: 'registry' });
    expect(s.carriers).toEqual({ source: 'none', items: [] });
    expect(s.electricity.consumption).toEqual({ value: null, unit: 'kWh', source: 'none' });
    expect(s.electricity.primaryEnergyPerM2).toEqual({ value: null, unit: 'kWh/m²', source: 'none' });
    expect(s.comfort.source).toBe('none');
    expect(s.busCo2Avoided).toEqual({ value: null, unit: 'kg CO2', source: 'none' });
  });
});

describe('the public summary of the demo district', () => {
  let t: TestPlatform;
  let s: PublicSummary;
  beforeAll(async () => {
    t = await openTestPlatform();
    await seedDemo(t.platform, { days: 2 });
    s = (await t.app.inject({ url: '/api/v1/public/summary' })).json();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('counts the registry', () => {
    const buildings = demoBuildings();
    expect(s.districts).toEqual([{ code: 'VG-CORONACION', name: 'Coronación', city: 'Vitoria-Gasteiz' }]);
    expect(s.buildings.value).toBe(buildings.length);
    expect(s.dwellings.value).toBe(buildings.reduce((n, b) => n + b.dwellings.length, 0));
    expect(s.heatedArea).toEqual({
      value: buildings.reduce((n, b) => n + b.area1, 0),
      unit: 'm²',
      source: 'registry',
    });
  });

  it('shares the heated area among the carriers', () => {
    const carriers = Object.fromEntries(s.carriers.items.map((c) => [c.carrier, c]));
    expect(Object.keys(carriers).sort()).toEqual(['district_heating', 'electricity', 'natural_gas']);
    expect(carriers.electricity.buildings).toBe(27);
    expect(carriers.natural_gas.buildings + carriers.district_heating.buildings).toBe(27);
    expect(s.carriers.items.reduce((sum, c) => sum + c.share, 0)).toBeCloseTo(1, 2);
  });

  it('turns the monitored homes’ metered electricity into primary energy and CO2', () => {
    const e = s.electricity;
    expect(e.consumption.source).toBe('readings');
    const kWh = e.consumption.value as number;
    // About 100 homes drawing a few hundred watts for two days: hundreds to thousands of kWh.
    expect(kWh).toBeGreaterThan(200);
    expect(kWh).toBeLessThan(20_000);
    expect(e.primaryEnergy.value).toBeCloseTo(kWh * ELECTRICITY_FACTORS.primaryEnergy, -1);
    expect(e.co2.value).toBeCloseTo(kWh * ELECTRICITY_FACTORS.co2, -1);
    expect(e.primaryEnergyPerM2.value).toBeCloseTo(
      (e.primaryEnergy.value as number) / (e.monitoredArea.value as number),
      0,
    );
    expect(e.monitoredDwellings.value).toBeGreaterThan(80);
    // The period starts where the data starts, not a year ago.
    expect(e.period.to - e.period.from).toBeLessThan(3 * 86_400_000);
  });

  it('gives each building its mean indoor temperature over enough homes, and none to buildings without sensors', () => {
    const measured = s.comfort.buildings.filter((b) => b.meanTemperature !== null);
    expect(s.comfort.buildings).toHaveLength(27);
    expect(measured.length).toBeGreaterThan(5);
    for (const b of measured) {
      expect(b.meanTemperature).toBeGreaterThan(14);
      expect(b.meanTemperature).toBeLessThan(28);
      expect(b.sensors).toBeGreaterThanOrEqual(t.platform.config.privacyMinDwellings);
      expect(b.withheld).toBe(false);
    }
    // The demo has buildings with one to four monitored homes: a public mean there would tell one
    // home's temperature, so it is withheld and says so.
    const withheld = s.comfort.buildings.filter((b) => b.withheld);
    expect(withheld.length).toBeGreaterThan(0);
    for (const b of withheld) {
      expect(b.meanTemperature).toBeNull();
      expect(b.sensors).toBeGreaterThan(0);
    }
    for (const b of s.comfort.buildings.filter((x) => x.meanTemperature === null && !x.withheld))
      expect(b.sensors).toBe(0);
  });

  it('is computed once and kept for ten minutes, whatever happens meanwhile', async () => {
    let clock = Date.now();
    const portal = new PortalService(
      t.platform.database.db,
      t.platform.engine,
      new FlaggedReadings(t.platform.database.db, t.platform.engine, t.platform.catalog),
      pino({ level: 'silent' }),
      { maxAgeMs: 600_000, minDwellings: 5 },
      () => clock,
    );
    const [a, b] = await Promise.all([portal.summary(), portal.summary()]);
    expect(a).toBe(b);
    clock += 9 * 60_000;
    expect(await portal.summary()).toBe(a);
    clock += 2 * 60_000;
    // Stale: the old answer now, a fresh one computed in the background.
    expect(await portal.summary()).toBe(a);
    await portal.refresh();
    const fresh = await portal.summary();
    expect(fresh).not.toBe(a);
    expect(fresh.computedAt).toBe(clock);
  });
});

describe('the public mean indoor temperature and the quality checks', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('leaves out the readings the checks flagged', async () => {
    const { a } = await createPlaces(t);
    const H = 3_600_000;
    const step = 600_000;
    const start = Math.floor(Date.now() / H) * H - 8 * H;
    // Six hours of 21 and 22 °C in turns (mean 21.5, as the place's own reading), and between two
    // of them a thermometer's glitch of 80 °C.
    const readings = Array.from({ length: 36 }, (_, i) => ({ ts: start + i * step, value: 21 + (i % 2) }));
    readings.push({ ts: start + 20 * step + step / 2, value: 80 });
    await t.platform.ingest.writeJson(
      readings.map((r) => ({ sn: a.sn, channel: '1', device: '1', medium: 'temperature', ...r })),
    );
    await t.platform.engine.flush();
    expect(await t.platform.scheduler.run(QUALITY_JOB)).toBe(true);
    const flags = await t.platform.db.selectFrom('quality_flag').select(['check', 't_from']).execute();
    expect(flags).toEqual([{ check: 'range', t_from: start + 20 * step + step / 2 }]);

    const portal = new PortalService(
      t.platform.database.db,
      t.platform.engine,
      new FlaggedReadings(t.platform.database.db, t.platform.engine, t.platform.catalog),
      pino({ level: 'silent' }),
      { maxAgeMs: 600_000, minDwellings: 1 },
    );
    const building = (await portal.refresh()).comfort.buildings.find((b) => b.buildingId === a.buildingId)!;
    // With the glitch the mean would be 23.0 °C.
    expect(building.meanTemperature).toBe(PLACE_READING.celsius);
    expect(building.sensors).toBe(1);
  });
});
