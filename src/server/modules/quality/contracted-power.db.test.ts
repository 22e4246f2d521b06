import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QualityFlags } from '#common/api/quality.ts';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { forwarderKey } from '../../timeseries/series-key.ts';
import { QUALITY_JOB, QUALITY_RECHECK_JOB } from './quality.service.ts';

const H = 3_600_000;
const STEP = 600_000;

describe('power readings against the dwelling’s contracted power', () => {
  let t: TestPlatform;
  let contracted: TestPlace;
  let open: TestPlace;
  let admin: Record<string, string>;
  /** Six hours of a home's draw every ten minutes, W; the 20th reading a 6 kW peak. */
  const start = Math.floor(Date.now() / H) * H - 12 * H;
  const peak = 20;
  const values = Array.from({ length: 36 }, (_, i) =>
    i === peak ? 6_000 : Math.round(900 + 600 * Math.sin(i / 4)),
  );

  const patchDwelling = (id: number, payload: object) =>
    t.app.inject({ method: 'PATCH', url: `/api/v1/dwellings/${id}`, headers: admin, payload });
  const setPower = async (place: TestPlace, watts: number | null) => {
    const res = await patchDwelling(place.dwellingId, { contractedPowerW: watts });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().contractedPowerW).toBe(watts);
  };
  const flags = async (place: TestPlace) => {
    const sensorId = t.platform.catalog.get(forwarderKey(place.sn, '5', '1', 'power'))?.sensorId;
    expect(sensorId).toBeDefined();
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/quality/flags?sensor=${sensorId}&from=${start}&to=${start + 6 * H}`,
      headers: admin,
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as QualityFlags).flags.map((f) => [f.check, f.from, f.value]);
  };
  const flagged = [['range', start + peak * STEP, 6_000]];

  beforeAll(async () => {
    t = await openTestPlatform();
    ({ a: contracted, b: open } = await createPlaces(t));
    admin = await headersAs(t, { roles: ['admin'] });
    await setPower(contracted, 4_600);
    await t.platform.ingest.writeJson(
      [contracted, open].flatMap((place) =>
        values.map((value, i) => ({
          sn: place.sn,
          channel: '5',
          device: '1',
          medium: 'power',
          ts: start + i * STEP,
          value,
        })),
      ),
    );
    await t.platform.engine.flush();
    expect(await t.platform.scheduler.run(QUALITY_JOB)).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('flags a 6 kW reading in a dwelling contracted at 4,600 W, and not where none is known', async () => {
    expect(await flags(contracted)).toEqual(flagged);
    // Without a contracted power the medium's own bound (30 kW by default) stays.
    expect(await flags(open)).toEqual([]);
    // Nothing changed since: the re-check job leaves the flags as they are.
    expect(await t.platform.scheduler.run(QUALITY_RECHECK_JOB)).toBe(true);
    expect(await flags(contracted)).toEqual(flagged);
  });

  it('checks the dwelling’s power readings again when its contracted power changes', async () => {
    await setPower(contracted, 6_900);
    expect(await t.platform.scheduler.run(QUALITY_RECHECK_JOB)).toBe(true);
    expect(await flags(contracted)).toEqual([]);

    await setPower(open, 5_750);
    expect(await t.platform.scheduler.run(QUALITY_RECHECK_JOB)).toBe(true);
    expect(await flags(open)).toEqual(flagged);
    await setPower(open, null);
    expect(await t.platform.scheduler.run(QUALITY_RECHECK_JOB)).toBe(true);
    expect(await flags(open)).toEqual([]);
  });

  it('bounds each reading by the dwelling its gateway served then', async () => {
    // The contracted dwelling's gateway moves to the open one (now at 3,450 W) after the peak: the
    // peak stays the contracted dwelling's at 6,900 W, the readings after it are the other's.
    await setPower(contracted, 6_900);
    await setPower(open, 3_450);
    const since = start + (peak + 1) * STEP;
    const moved = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/gateways/${contracted.gatewayId}`,
      headers: admin,
      payload: { dwellingId: open.dwellingId, since },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(await t.platform.scheduler.run(QUALITY_RECHECK_JOB)).toBe(true);
    expect(await flags(contracted)).toEqual([]);
    // Lowered under the peak, the contracted dwelling's bound flags it again; the open
    // dwelling's lower bound does not reach back before the move.
    await setPower(contracted, 4_600);
    await setPower(open, 1_000);
    expect(await t.platform.scheduler.run(QUALITY_RECHECK_JOB)).toBe(true);
    const after = values.map((v, i) => [i, v] as const).filter(([i, v]) => i > peak && v > 1_000);
    expect((await flags(contracted))[0]).toEqual(flagged[0]);
    expect((await flags(contracted)).slice(1).map((f) => f[1])).toEqual(
      runsStarts(after.map(([i]) => i)).map((i) => start + i * STEP),
    );
  });
});

/** The first index of each run of consecutive indices. */
function runsStarts(indices: number[]): number[] {
  return indices.filter((i, k) => k === 0 || indices[k - 1] !== i - 1);
}
