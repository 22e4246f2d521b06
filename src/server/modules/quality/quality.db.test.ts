import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstallationCoverage } from '#common/api/installations.ts';
import type { QualityFlags, QualitySettings } from '#common/api/quality.ts';
import type { Principal } from '../../plugins/access.ts';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { forwarderKey } from '../../timeseries/series-key.ts';
import { QUALITY_JOB, QUALITY_RECHECK_JOB } from './quality.service.ts';

const H = 3_600_000;
const SYSTEM: Principal = {
  kind: 'system',
  id: 0,
  name: 'test',
  roles: ['admin'],
  scopes: ['admin'],
  dwellingIds: [],
  buildingIds: [],
  gatewayIds: [],
};
/** The comfort module's job (`comfort.service.ts`), named here to run it. */
const COMFORT_JOB = 'comfort-hours';
/** The readings module's job that keeps building and district hours (`group-rollup.service.ts`). */
const GROUP_ROLLUP_JOB = 'group-rollups';
const STEP = 600_000;

describe('data quality', () => {
  let t: TestPlatform;
  let place: TestPlace;
  let other: TestPlace;
  let admin: Record<string, string>;
  let installer: Record<string, string>;
  /** Six hours of readings every ten minutes, the 20th a thermometer's glitch. */
  const start = Math.floor(Date.now() / H) * H - 12 * H;
  const values = Array.from({ length: 36 }, (_, i) => Math.round((21 + Math.sin(i / 5)) * 10) / 10);
  const glitch = 20;
  values[glitch] = 80;
  const glitchHour = Math.floor((start + glitch * STEP) / H) * H;

  beforeAll(async () => {
    t = await openTestPlatform();
    ({ a: place, b: other } = await createPlaces(t));
    admin = await headersAs(t, { roles: ['admin'] });
    installer = await headersAs(t, { roles: ['installer'] });
    await t.platform.ingest.writeJson(
      values.flatMap((value, i) => [
        { sn: place.sn, channel: '1', device: '1', medium: 'temperature', ts: start + i * STEP, value },
        { sn: place.sn, channel: '1', device: '1', medium: 'humidity', ts: start + i * STEP, value: 50 },
      ]),
    );
    await t.platform.engine.flush();
    // The comfort job gets to the readings first; the flags then have it compute the hour again.
    expect(await t.platform.scheduler.run(COMFORT_JOB)).toBe(true);
    expect(await t.platform.scheduler.run(QUALITY_JOB)).toBe(true);
  });
  afterAll(async () => {
    await t.close();
  });

  const get = (url: string, headers = installer) => t.app.inject({ method: 'GET', url, headers });
  const flags = async () => {
    const res = await get(`/api/v1/quality/flags?sensor=${place.sensorId}&from=${start}&to=${start + 6 * H}`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as QualityFlags).flags;
  };
  const putSettings = (payload: object) =>
    t.app.inject({ method: 'PUT', url: '/api/v1/quality/settings', headers: admin, payload });
  const hourMean = async (url: string) => {
    const res = await get(url, t.readerHeaders);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as {
      buckets: {
        start: number;
        avg?: number | null;
        mean?: number | null;
        count?: number;
        flagged?: number;
      }[];
    };
    return body.buckets.find((b) => b.start === glitchHour)!;
  };
  const inGlitchHour = values.filter((_, i) => Math.floor((start + i * STEP) / H) * H === glitchHour);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

  it('flags the implausible reading, and only it, when the job reads the change feed', async () => {
    expect(await flags()).toEqual([
      {
        sensorId: place.sensorId,
        medium: 'temperature',
        check: 'range',
        from: start + glitch * STEP,
        to: start + glitch * STEP,
        count: 1,
        value: 80,
        checkedAt: expect.any(Number),
      },
    ]);
  });

  it('finds the failing checks among a whole city’s latest readings at once', async () => {
    const latest = new Map([[place.sensorId, start + 35 * STEP]]);
    const alone = await t.platform.quality.failingNow(latest, 24 * H);
    expect(alone.get(place.sensorId)?.map((c) => c.check)).toEqual(['range']);
    // 440,000 series, as a city of 110,000 dwellings with four sensors each has (ids not in use).
    for (let id = 1_000_000; latest.size < 440_000; id++) latest.set(id, start + 35 * STEP);
    expect(await t.platform.quality.failingNow(latest, 24 * H)).toEqual(alone);
  });

  it('leaves the flagged reading out of the hourly mean, and counts it when asked', async () => {
    const url = `/api/v1/readings/aggregate?sensor=${place.sensorId}&from=${start}&to=${start + 6 * H - 1}&interval=hour`;
    const clean = inGlitchHour.filter((v) => v !== 80);
    const without = await hourMean(url);
    expect(without.count).toBe(inGlitchHour.length - 1);
    expect(without.avg).toBeCloseTo(mean(clean), 9);
    const withIt = await hourMean(`${url}&flagged=include`);
    expect(withIt.count).toBe(inGlitchHour.length);
    expect(withIt.avg).toBeCloseTo(mean(inGlitchHour), 9);
    // The hours without a flag are the stored rollups either way.
    const other = (await get(url, t.readerHeaders)).json().buckets[0];
    const otherWith = (await get(`${url}&flagged=include`, t.readerHeaders)).json().buckets[0];
    expect(other).toEqual(otherWith);
  });

  it('leaves it out of a group’s mean too, unless asked', async () => {
    const url = `/api/v1/readings/group?dwelling=${place.dwellingId}&medium=temperature&from=${start}&to=${start + 6 * H - 1}&interval=hour`;
    expect((await hourMean(url)).mean).toBeCloseTo(mean(inGlitchHour.filter((v) => v !== 80)), 9);
    expect((await hourMean(`${url}&flagged=include`)).mean).toBeCloseTo(mean(inGlitchHour), 9);
  });

  it('leaves it out of a building’s mean read from the group rollups, unless asked', async () => {
    expect(await t.platform.scheduler.run(GROUP_ROLLUP_JOB)).toBe(true);
    const url = `/api/v1/readings/group?building=${place.buildingId}&medium=temperature&from=${start}&to=${start + 6 * H - 1}&interval=hour`;
    expect((await hourMean(url)).mean).toBeCloseTo(mean(inGlitchHour.filter((v) => v !== 80)), 9);
    expect((await hourMean(`${url}&flagged=include`)).mean).toBeCloseTo(mean(inGlitchHour), 9);
  });

  it('leaves it out of the comfort hour, computed again once the reading was flagged', async () => {
    const hour = await t.platform.database.db
      .selectFrom('comfort_hour')
      .innerJoin('comfort_point', 'comfort_point.id', 'comfort_hour.point_id')
      .select(['tdb', 'tdb_count'])
      .where('comfort_point.temperature_sensor_id', '=', place.sensorId)
      .where('hour', '=', glitchHour)
      .executeTakeFirstOrThrow();
    expect(hour.tdb_count).toBe(inGlitchHour.length - 1);
    expect(hour.tdb).toBeCloseTo(mean(inGlitchHour.filter((v) => v !== 80)), 9);
  });

  it('answers the share of readings that passed the checks beside the share received', async () => {
    const res = await get(
      `/api/v1/installations/coverage?dwelling=${place.dwellingId}&from=${start - 2 * 86_400_000}&to=${start + 6 * H}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const sensor = (res.json() as InstallationCoverage).sensors.find((x) => x.sensorId === place.sensorId)!;
    const day = sensor.days.find((d) => d.flagged > 0)!;
    expect(sensor.days.reduce((n, d) => n + d.flagged, 0)).toBe(1);
    expect(day.passedShare).toBeCloseTo((day.count - 1) / 144, 9);
    expect(day.share).toBeCloseTo(day.count / 144, 9);
    const humidity = (res.json() as InstallationCoverage).sensors.find((x) => x.medium === 'humidity')!;
    expect(humidity.days.every((d) => d.flagged === 0 && d.passedShare === d.share)).toBe(true);
  });

  it('finds a thermometer stuck for more than a day when its readings come a few hours at a time', async () => {
    const from = start - 60 * H;
    const at = (i: number) => from + i * STEP;
    // Six hours of a moving value, then the sensor stuck at 19.0 for 36 hours, in six-hour batches.
    const value = (i: number) => (i < 36 ? 19.5 + Math.sin(i / 3) : 19.0);
    for (let batch = 0; batch < 7; batch++) {
      await t.platform.ingest.writeJson(
        Array.from({ length: 36 }, (_, k) => batch * 36 + k).map((i) => ({
          sn: place.sn,
          channel: '2',
          device: '1',
          medium: 'temperature',
          ts: at(i),
          value: value(i),
        })),
      );
      await t.platform.engine.flush();
      expect(await t.platform.scheduler.run(QUALITY_JOB)).toBe(true);
    }
    const sensorId = (
      await t.platform.readings.latest({ dwellingId: place.dwellingId }, SYSTEM)
    ).sensors.find((x) => x.medium === 'temperature' && x.sensorId !== place.sensorId)!.sensorId;
    const res = await get(`/api/v1/quality/flags?sensor=${sensorId}&from=${from}&to=${at(300)}`);
    const stuck = (res.json() as QualityFlags).flags;
    // The stuck run begins with the last moving reading that rounds to 19.0 or with the first stuck one.
    expect(stuck).toHaveLength(1);
    expect(stuck[0]).toMatchObject({ check: 'stuck', to: at(7 * 36 - 1), value: 19 });
    expect(stuck[0].from).toBeGreaterThanOrEqual(at(33));
    expect(stuck[0].from).toBeLessThanOrEqual(at(36));
  });

  describe('a steady thermometer beside the others of its building', () => {
    const write = async (from: number, value: (channel: string, i: number) => number) => {
      // 30 hours of two thermometers of another building, sent together.
      await t.platform.ingest.writeJson(
        Array.from({ length: 180 }, (_, i) =>
          ['3', '4'].map((channel) => ({
            sn: other.sn,
            channel,
            device: '1',
            medium: 'temperature',
            ts: from + i * STEP,
            value: value(channel, i),
          })),
        ).flat(),
      );
      await t.platform.engine.flush();
      expect(await t.platform.scheduler.run(QUALITY_JOB)).toBe(true);
    };
    const flagsOf = async (channel: string, from: number) => {
      const sensorId = t.platform.catalog.get(forwarderKey(other.sn, channel, '1', 'temperature'))?.sensorId;
      expect(sensorId, `sensor of channel ${channel}`).toBeDefined();
      const res = await get(`/api/v1/quality/flags?sensor=${sensorId}&from=${from}&to=${from + 40 * H}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as QualityFlags).flags;
    };

    it('leaves it alone when every thermometer of the building holds as steady (an empty home)', async () => {
      const from = start - 200 * H;
      await write(from, (channel) => (channel === '3' ? 19.0 : 20.0));
      expect(await flagsOf('3', from)).toEqual([]);
      expect(await flagsOf('4', from)).toEqual([]);
    });

    it('flags it when another thermometer of the building moves, and only it', async () => {
      const from = start - 150 * H;
      await write(from, (channel, i) =>
        channel === '3' ? Math.round((20 + Math.sin(i / 6)) * 10) / 10 : 20.0,
      );
      expect(await flagsOf('3', from)).toEqual([]);
      const flags = await flagsOf('4', from);
      expect(flags).toHaveLength(1);
      expect(flags[0]).toMatchObject({ check: 'stuck', from, to: from + 179 * STEP, count: 180, value: 20 });
    });

    it('judges it again when a neighbour’s readings of those hours arrive late', async () => {
      const from = start - 300 * H;
      const send = async (channel: string, value: (i: number) => number) => {
        await t.platform.ingest.writeJson(
          Array.from({ length: 180 }, (_, i) => ({
            sn: other.sn,
            channel,
            device: '1',
            medium: 'temperature',
            ts: from + i * STEP,
            value: value(i),
          })),
        );
        await t.platform.engine.flush();
        expect(await t.platform.scheduler.run(QUALITY_JOB)).toBe(true);
      };
      const whole = { check: 'stuck', from, to: from + 179 * STEP, count: 180, value: 20 };
      // Alone in the building for those hours, its 30 flat hours are a stuck sensor.
      await send('5', () => 20.0);
      expect(await flagsOf('5', from)).toMatchObject([whole]);
      // A neighbour's buffer arrives: it held as steady (an empty home), so neither is stuck.
      await send('6', () => 21.0);
      expect(await flagsOf('5', from)).toEqual([]);
      expect(await flagsOf('6', from)).toEqual([]);
      // The neighbour's readings are corrected: it moved, so the flat one was stuck after all.
      await send('6', (i) => Math.round((21 + Math.sin(i / 6)) * 10) / 10);
      expect(await flagsOf('5', from)).toMatchObject([whole]);
      expect(await flagsOf('6', from)).toEqual([]);
    });
  });

  describe('a gateway whose clock runs behind', () => {
    /** Sends a sensor's readings of `times` and has the job check them at `now`, as the change feed would. */
    const arrive = async (channel: string, times: number[], now: number) => {
      await t.platform.ingest.writeJson(
        times.map((ts) => ({
          sn: other.sn,
          channel,
          device: '1',
          medium: 'temperature',
          ts,
          value: 20 + ((ts / STEP) % 7) / 10,
        })),
      );
      await t.platform.engine.flush();
      const seriesId = t.platform.catalog.get(forwarderKey(other.sn, channel, '1', 'temperature'))!.id;
      const hour = (x: number) => Math.floor(x / H) * H;
      await t.platform.quality.onChanges(
        [{ seriesId, hourFrom: hour(Math.min(...times)), hourTo: hour(Math.max(...times)) }],
        now,
      );
    };
    const behind = async (channel: string, from: number, to: number) => {
      const sensorId = t.platform.catalog.get(forwarderKey(other.sn, channel, '1', 'temperature'))!.sensorId;
      const res = await get(`/api/v1/quality/flags?sensor=${sensorId}&from=${from}&to=${to}`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as QualityFlags).flags.filter((f) => f.check === 'behind');
    };
    const t0 = start - 500 * H;

    it('flags its readings once they have kept arriving three hours late for six hours, and forgets it when it catches up', async () => {
      // Every half hour, the gateway sends three readings stamped three hours before they arrive.
      const at = (k: number) => t0 + k * 30 * 60_000;
      const sent = (k: number) => [at(k) - 3 * H - 2 * STEP, at(k) - 3 * H - STEP, at(k) - 3 * H];
      for (let k = 0; k < 12; k++) {
        await arrive('7', sent(k), at(k));
        expect(await behind('7', t0 - 4 * H, at(20)), `after ${k / 2} h`).toEqual([]);
      }
      // Six hours after the first late readings: flagged from the first one on.
      await arrive('7', sent(12), at(12));
      const flags = await behind('7', t0 - 4 * H, at(20));
      expect(flags).toMatchObject([{ from: sent(0)[0], to: sent(12)[2], count: 13 * 3 }]);
      // Those that keep arriving late are flagged with them.
      await arrive('7', sent(13), at(13));
      expect(await behind('7', t0 - 4 * H, at(20))).toMatchObject([
        { from: sent(0)[0], to: sent(13)[2], count: 14 * 3 },
      ]);
      // The clock set right: current readings arrive, and the next late ones start over.
      await arrive('7', [at(14) - STEP, at(14)], at(14));
      await arrive('7', sent(15), at(15));
      expect(await behind('7', t0 - 4 * H, at(20))).toMatchObject([{ to: sent(13)[2] }]);
      const seriesId = t.platform.catalog.get(forwarderKey(other.sn, '7', '1', 'temperature'))!.id;
      const lag = await t.platform.db
        .selectFrom('quality_lag')
        .select(['runs', 'confirmed'])
        .where('series_id', '=', seriesId)
        .execute();
      expect(lag).toEqual([{ runs: 1, confirmed: 0 }]);
    });

    it('does not take a day’s readings sent once a day for a clock', async () => {
      const day = 24 * H;
      for (let d = 0; d < 4; d++) {
        const times = Array.from({ length: 144 }, (_, i) => t0 + d * day + i * STEP);
        await arrive('8', times, t0 + (d + 1) * day + 2 * H);
      }
      expect(await behind('8', t0, t0 + 5 * day)).toEqual([]);
    });
  });

  it('lists the defaults, and an admin’s change re-checks the medium’s readings', async () => {
    const before = (await get('/api/v1/quality/settings')).json() as QualitySettings;
    const temperature = before.media.find((m) => m.medium === 'temperature')!;
    expect(temperature.rules).toMatchObject({ min: -10, max: 50, stuckHours: 24, resolution: 0.1 });
    expect(temperature.updatedAt).toBeNull();

    const res = await putSettings({
      media: [{ medium: 'temperature', rules: { ...temperature.rules, max: 90, maxStep: 100 } }],
    });
    expect(res.statusCode, res.body).toBe(200);
    const after = (res.json() as QualitySettings).media.find((m) => m.medium === 'temperature')!;
    expect(after.rules.max).toBe(90);
    expect(after.recheckedAt).toBeNull();
    expect(await t.platform.scheduler.run(QUALITY_RECHECK_JOB)).toBe(true);
    expect(await flags()).toEqual([]);
    const checked = (await get('/api/v1/quality/settings')).json() as QualitySettings;
    expect(checked.media.find((m) => m.medium === 'temperature')!.recheckedAt).not.toBeNull();

    // Back to the defaults: the glitch is flagged again.
    expect((await putSettings({ media: [{ medium: 'temperature', rules: null }] })).statusCode).toBe(200);
    expect(await t.platform.scheduler.run(QUALITY_RECHECK_JOB)).toBe(true);
    expect((await flags()).map((f) => [f.check, f.value])).toEqual([['range', 80]]);
  });

  it('computes the building’s hour again when its flag is taken back and set again', async () => {
    expect(await t.platform.scheduler.run(GROUP_ROLLUP_JOB)).toBe(true);
    const url = `/api/v1/readings/group?building=${place.buildingId}&medium=temperature&from=${start}&to=${start + 6 * H - 1}&interval=hour`;
    const stored = async () =>
      (
        await t.platform.groupRollups.read(
          'building',
          place.buildingId,
          'temperature',
          glitchHour,
          glitchHour,
        )
      )[0];
    const clean = inGlitchHour.filter((v) => v !== 80);
    expect(await stored()).toMatchObject({ count: 1, flagged: 1 });
    expect((await stored()).sum).toBeCloseTo(mean(clean), 9);
    expect(await hourMean(url)).toMatchObject({ flagged: 1 });

    // Rules relaxed: the glitch passes, and the building's hour holds it.
    const temperature = ((await get('/api/v1/quality/settings')).json() as QualitySettings).media.find(
      (m) => m.medium === 'temperature',
    )!;
    const relaxed = { ...temperature.rules, max: 90, maxStep: 100 };
    expect((await putSettings({ media: [{ medium: 'temperature', rules: relaxed }] })).statusCode).toBe(200);
    expect(await t.platform.scheduler.run(QUALITY_RECHECK_JOB)).toBe(true);
    expect(await stored()).toMatchObject({ count: 1, flagged: 0 });
    expect((await stored()).sum).toBeCloseTo(mean(inGlitchHour), 9);
    expect((await hourMean(url)).mean).toBeCloseTo(mean(inGlitchHour), 9);

    // Back to the defaults: the check flags it again and the hour leaves it out again.
    expect((await putSettings({ media: [{ medium: 'temperature', rules: null }] })).statusCode).toBe(200);
    expect(await t.platform.scheduler.run(QUALITY_RECHECK_JOB)).toBe(true);
    expect(await stored()).toMatchObject({ count: 1, flagged: 1 });
    expect((await hourMean(url)).mean).toBeCloseTo(mean(clean), 9);
    expect((await hourMean(`${url}&flagged=include`)).mean).toBeCloseTo(mean(inGlitchHour), 9);
  });

  it('refuses rules that make no sense, naming them, and changes nothing', async () => {
    const rules = {
      min: 10,
      max: 5,
      maxStep: null,
      stuckHours: null,
      resolution: 0,
      neverDecreasing: false,
      resetBelow: null,
      maxFutureS: null,
      maxPastS: null,
    };
    const bad = await putSettings({
      media: [
        { medium: 'humidity', rules: { ...rules, min: 0, max: 90 } },
        { medium: 'temperature', rules },
      ],
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toContain('media[1].rules: min (10) is above max (5)');
    const unknown = await putSettings({ media: [{ medium: 'radon', rules: { ...rules, min: 0 } }] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().detail).toContain('media[0].medium: there is no medium "radon"');
    const now = (await get('/api/v1/quality/settings')).json() as QualitySettings;
    expect(now.media.find((m) => m.medium === 'humidity')!.updatedAt).toBeNull();
  });

  it('lets only admins change the checks', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/quality/settings',
      headers: installer,
      payload: { media: [] },
    });
    expect(res.statusCode).toBe(403);
  });
});
