import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BY_SYSTEM } from '../../audit/by.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { COMFORT_JOB } from '../comfort/comfort.service.ts';
import { QUALITY_JOB } from '../quality/quality.service.ts';
import { ANOMALY_JOB } from './anomalies.service.ts';
import { seedSyntheticBuilding, type SyntheticDwelling } from '../../testing/synthetic-building.ts';

const H = 3_600_000;
const ZONE = 'Europe/Madrid';
/** One local week, Monday to Monday. */
const FROM = DateTime.fromISO('2026-01-12T00:00', { zone: ZONE }).toMillis();
const TO = DateTime.fromISO('2026-01-19T00:00', { zone: ZONE }).toMillis();
const wave = (t: number, phase: number) => Math.sin((2 * Math.PI * t) / (24 * H) + phase);

/** A dwelling that is fine: about 21 °C, 45 % and 600–850 ppm, nothing ever still. */
function normal(i: number): SyntheticDwelling {
  return {
    label: `${i + 1}A`,
    floor: i + 1,
    areaM2: 70,
    signals: {
      temperature: (t) => 21 + (i - 3.5) * 0.08 + 0.6 * wave(t, i),
      humidity: (t) => 44 + i + 4 * wave(t, i + 1),
      co2: (t) => 700 + 150 * wave(t, i + 2),
    },
  };
}

/** The synthetic building of the anomaly test: four of its eight dwellings have something wrong. */
function troubled(): SyntheticDwelling[] {
  const d = Array.from({ length: 8 }, (_, i) => normal(i));
  // Cold: about 16 °C all week (PMV near −1.5), and far below the other dwellings.
  d[4].signals.temperature = (t) => 16 + 0.6 * wave(t, 4);
  // Humid: about 80 %, every day.
  d[5].signals.humidity = (t) => 80 + 3 * wave(t, 5);
  // Stuffy: CO2 around 1,300 ppm.
  d[6].signals.co2 = (t) => 1300 + 150 * wave(t, 6);
  // A CO2 sensor stuck at 612 ppm from Wednesday to Friday.
  const stuckFrom = FROM + 2 * 24 * H;
  const stuckTo = FROM + 5 * 24 * H;
  d[7].signals.co2 = (t) => (t >= stuckFrom && t < stuckTo ? 612 : 700 + 150 * wave(t, 9));
  return d;
}

describe('anomalies and dashboards', () => {
  let t: TestPlatform;
  let bad: Awaited<ReturnType<typeof seedSyntheticBuilding>>;
  let good: Awaited<ReturnType<typeof seedSyntheticBuilding>>;
  let escoA: Record<string, string>;
  let escoB: Record<string, string>;
  let memberA: Record<string, string>;

  beforeAll(async () => {
    t = await openTestPlatform({ timezone: ZONE });
    const spec = { from: FROM, to: TO, stepMs: 20 * 60_000 };
    bad = await seedSyntheticBuilding(t.platform, { code: 'AN-BAD', dwellings: troubled(), ...spec });
    good = await seedSyntheticBuilding(t.platform, {
      code: 'AN-GOOD',
      districtId: bad.districtId,
      dwellings: Array.from({ length: 8 }, (_, i) => normal(i)),
      ...spec,
    });
    expect(await t.platform.scheduler.run(COMFORT_JOB, TO)).toBe(true);
    expect(await t.platform.scheduler.run(ANOMALY_JOB, TO)).toBe(true);
    escoA = await headersAs(t, { roles: ['esco'], buildingIds: [bad.buildingId] });
    escoB = await headersAs(t, { roles: ['esco'], buildingIds: [good.buildingId] });
    // A second member of A's organisation.
    const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: escoA });
    const organisationId = (me.json() as { organisationId?: number }).organisationId;
    const orgId =
      organisationId ??
      Number(
        (
          await t.platform.db
            .selectFrom('organisation_building')
            .select('organisation_id')
            .where('building_id', '=', bad.buildingId)
            .executeTakeFirstOrThrow()
        ).organisation_id,
      );
    await t.platform.auth.accounts.create(
      {
        email: 'member@org-a.test',
        name: 'Second member',
        roles: ['esco'],
        organisationId: orgId,
        password: 'a long member password',
      },
      BY_SYSTEM,
    );
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'member@org-a.test', password: 'a long member password' },
    });
    memberA = { authorization: `Bearer ${(login.json() as { accessToken: string }).accessToken}` };
  });
  afterAll(async () => {
    await t?.close();
  });

  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    payload?: object,
  ) => t.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload ? { payload } : {}) });

  it('the anomaly job finds exactly the planted anomalies, and nothing in a normal building', async () => {
    const res = await call('GET', `/dashboards/buildings/${bad.buildingId}/anomalies`, escoA);
    expect(res.statusCode, res.body).toBe(200);
    const found = (res.json().items as { kind: string; dwellingId: number; medium: string | null }[])
      .map((a) => `${a.kind} ${bad.dwellingIds.indexOf(a.dwellingId)}${a.medium ? ` ${a.medium}` : ''}`)
      .sort();
    expect(found).toEqual(['co2 6 co2', 'cold 4', 'humid 5', 'outlier 4', 'stuck 7 co2']);
    const items = res.json().items as {
      kind: string;
      from: number;
      to: number;
      figures: Record<string, number>;
    }[];
    const stuck = items.find((a) => a.kind === 'stuck')!;
    expect(stuck.figures).toMatchObject({ hours: 72, value: 612 });
    expect([stuck.from, stuck.to]).toEqual([FROM + 48 * H, FROM + 120 * H]);
    const cold = items.find((a) => a.kind === 'cold')!;
    expect(cold.figures.mean).toBeLessThan(-1);
    expect(cold.figures.hours).toBe(7 * 16);
    // Newest first.
    const ends = items.map((a) => a.to);
    expect(ends).toEqual([...ends].sort((a, b) => b - a));

    const normalOne = await call('GET', `/dashboards/buildings/${good.buildingId}/anomalies`, escoB);
    expect(normalOne.json().items).toEqual([]);
    // Another organisation's building is refused.
    expect((await call('GET', `/dashboards/buildings/${good.buildingId}/anomalies`, escoA)).statusCode).toBe(
      403,
    );
  });

  it('thresholds are the organisation’s: looser ones clear what the stricter found', async () => {
    const current = await call('GET', '/dashboards/anomaly-thresholds', escoA);
    expect(current.json().thresholds.co2Limit).toBe(1000);
    const res = await call('PUT', `/dashboards/anomaly-thresholds`, escoA, {
      ...current.json().thresholds,
      co2Limit: 2000,
    });
    expect(res.statusCode, res.body).toBe(200);
    await t.platform.dashboards.anomalies.findInBuilding(bad.buildingId, [FROM], TO);
    const kinds = (await call('GET', `/dashboards/buildings/${bad.buildingId}/anomalies`, escoA))
      .json()
      .items.map((a: { kind: string }) => a.kind);
    expect(kinds).not.toContain('co2');
    expect(kinds).toContain('cold');
    const wrong = await call('PUT', `/dashboards/anomaly-thresholds`, escoA, { co2Limit: 'a lot' });
    expect(wrong.statusCode).toBe(400);
  });

  const panel = (id: string, query: object) => ({
    id,
    type: 'timeseries',
    title: id,
    x: 0,
    y: 0,
    w: 6,
    h: 4,
    queries: [query],
  });
  const definition = (building: number) => ({
    variables: { building },
    panels: [
      panel('pmv', { source: 'comfort', metric: 'pmv', scope: { building: '$building' } }),
      panel('co2', { source: 'readings', medium: 'co2', scope: { building: '$building' } }),
    ],
  });

  it('stores dashboards with versions: the owner saves, members view and clone, a stale save gets 409', async () => {
    const created = await call('POST', '/dashboards', escoA, {
      name: 'Building A',
      definition: definition(bad.buildingId),
    });
    expect(created.statusCode, created.body).toBe(201);
    const d = created.json();
    expect(d).toMatchObject({ version: 1, canEdit: true });

    const saved = await call('PUT', `/dashboards/${d.id}`, escoA, {
      name: 'Building A, v2',
      definition: d.definition,
      baseVersion: 1,
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().version).toBe(2);
    const stale = await call('PUT', `/dashboards/${d.id}`, escoA, {
      name: 'late',
      definition: d.definition,
      baseVersion: 1,
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.headers['content-type']).toContain('application/problem+json');
    expect((await call('GET', `/dashboards/${d.id}`, escoA)).json().name).toBe('Building A, v2');

    // Another member views and clones, but does not save over it.
    const seen = await call('GET', `/dashboards/${d.id}`, memberA);
    expect(seen.statusCode).toBe(200);
    expect(seen.json().canEdit).toBe(false);
    expect(
      (
        await call('PUT', `/dashboards/${d.id}`, memberA, {
          name: 'x',
          definition: d.definition,
          baseVersion: 2,
        })
      ).statusCode,
    ).toBe(403);
    const clone = await call('POST', `/dashboards/${d.id}/clone`, memberA);
    expect(clone.statusCode).toBe(201);
    expect(clone.json().canEdit).toBe(true);
    expect((await call('GET', '/dashboards', memberA)).json().length).toBe(2);

    // Another organisation: it does not exist for them, nor its data.
    for (const [method, url] of [
      ['GET', `/dashboards/${d.id}`],
      ['GET', `/dashboards/${d.id}/versions`],
      ['DELETE', `/dashboards/${d.id}`],
      ['POST', `/dashboards/${d.id}/clone`],
    ] as const)
      expect((await call(method, url, escoB)).statusCode, `${method} ${url}`).toBe(404);
    expect((await call('GET', '/dashboards', escoB)).json()).toEqual([]);

    // Versions, and restoring the first.
    const versions = (await call('GET', `/dashboards/${d.id}/versions`, escoA)).json();
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const restored = await call('POST', `/dashboards/${d.id}/versions/1/restore`, escoA, { baseVersion: 2 });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json()).toMatchObject({ version: 3, name: 'Building A' });
    expect((await call('DELETE', `/dashboards/${d.id}`, escoA)).statusCode).toBe(204);
    expect((await call('GET', `/dashboards/${d.id}`, escoA)).statusCode).toBe(404);
  });

  it('refuses a bad dashboard with 400 naming the JSON path, and stores nothing', async () => {
    const refuse = async (def: object, where: RegExp) => {
      const res = await call('POST', '/dashboards', escoA, { name: 'bad', definition: def });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().detail + JSON.stringify(res.json().errors ?? [])).toMatch(where);
    };
    const good = definition(bad.buildingId);
    await refuse({ ...good, panels: [{ ...good.panels[0], type: 'pie3d' }] }, /panels\.0\.type/);
    await refuse(
      {
        ...good,
        panels: [
          panel('p', { source: 'readings', medium: 'plutonium', scope: { building: bad.buildingId } }),
        ],
      },
      /body\.definition\.panels\[0\]\.queries\[0\]\.medium/,
    );
    await refuse(
      {
        ...good,
        panels: [panel('p', { source: 'kpi', kpi: 'NO_SUCH_KPI', scope: { building: bad.buildingId } })],
      },
      /panels\[0\]\.queries\[0\]\.kpi/,
    );
    await refuse(
      { ...good, panels: [panel('p', { source: 'sql', scope: { building: bad.buildingId } })] },
      /panels\.0\.queries\.0\.source/,
    );
    await refuse(
      {
        ...good,
        panels: [
          panel('p', { source: 'comfort', metric: 'pmv', scope: { building: good.variables.building + 1 } }),
        ],
      },
      /panels\[0\]\.queries\[0\]\.scope\.building/,
    );
    await refuse({ ...good, variables: { building: good.variables.building + 1 } }, /variables\.building/);
    await refuse(
      { ...good, panels: Array.from({ length: 31 }, (_, i) => ({ ...good.panels[0], id: `p${i}` })) },
      /panels/,
    );
    await refuse(
      {
        ...good,
        panels: [{ ...good.panels[0], queries: Array.from({ length: 9 }, () => good.panels[0].queries[0]) }],
      },
      /queries/,
    );
    // Only the clone made above is there.
    expect((await call('GET', '/dashboards', escoA)).json().map((d: { name: string }) => d.name)).toEqual([
      'Building A, v2 (copy)',
    ]);
  });

  it('answers a batch of panel queries within what the caller sees', async () => {
    const batch = {
      from: FROM,
      to: TO - 1,
      variables: { building: bad.buildingId },
      queries: [
        { source: 'comfort', metric: 'pmv', scope: { building: '$building' } },
        { source: 'readings', medium: 'co2', scope: { building: '$building' }, interval: 'day' },
        { source: 'readings', medium: 'temperature', scope: { dwelling: bad.dwellingIds[4] } },
      ],
    };
    const res = await call('POST', '/dashboards/query', escoA, batch);
    expect(res.statusCode, res.body).toBe(200);
    const [pmv, co2, temperature] = res.json().results;
    expect(pmv.interval).toBe('hour');
    expect(pmv.series[0].points.length).toBe(168);
    expect(co2.interval).toBe('day');
    expect(co2.series[0].points.length).toBe(7);
    expect(temperature.series[0].points[0][1]).toBeLessThan(18);
    // Two days or less: raw readings of a sensor, hours of a group.
    const short = await call('POST', '/dashboards/query', escoA, { ...batch, to: FROM + 24 * H - 1 });
    expect(short.json().results[0].interval).toBe('hour');
    // Another organisation reads nothing of it.
    const outsider = await call('POST', '/dashboards/query', escoB, batch);
    expect(outsider.statusCode).toBe(403);
    expect(outsider.body).not.toContain('"points"');
  });
});

describe('anomalies and the quality checks', () => {
  let t: TestPlatform;
  let building: Awaited<ReturnType<typeof seedSyntheticBuilding>>;
  let esco: Record<string, string>;
  // A CO2 sensor reading an implausible 12,000 ppm for ten hours on Tuesday (the checks' range
  // ends at 10,000 ppm), and another stuck at 612 ppm from Wednesday to Friday.
  const spikeFrom = FROM + 24 * H + 8 * H;
  const spikeTo = spikeFrom + 10 * H;

  beforeAll(async () => {
    t = await openTestPlatform({ timezone: ZONE });
    const dwellings = Array.from({ length: 8 }, (_, i) => normal(i));
    const co2 = dwellings[2].signals.co2!;
    dwellings[2].signals.co2 = (at) => (at >= spikeFrom && at < spikeTo ? 12_000 : co2(at));
    dwellings[7].signals.co2 = troubled()[7].signals.co2;
    building = await seedSyntheticBuilding(t.platform, {
      code: 'AN-FLAGGED',
      dwellings,
      from: FROM,
      to: TO,
      stepMs: 20 * 60_000,
    });
    esco = await headersAs(t, { roles: ['esco'], buildingIds: [building.buildingId] });
    expect(await t.platform.scheduler.run(COMFORT_JOB, TO)).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
  });

  const found = async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/dashboards/buildings/${building.buildingId}/anomalies`,
      headers: esco,
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().items as { kind: string; dwellingId: number; medium: string | null }[])
      .map((a) => `${a.kind} ${building.dwellingIds.indexOf(a.dwellingId)} ${a.medium}`)
      .sort();
  };

  it('leaves flagged readings out once the checks flag them, and still finds the stuck sensor', async () => {
    // Before the checks have run, the implausible readings look like stuffy air.
    expect(await t.platform.scheduler.run(ANOMALY_JOB, TO)).toBe(true);
    expect(await found()).toEqual(['co2 2 co2', 'stuck 7 co2']);
    // The checks flag them (and the stuck run); the weeks they touch are looked at again.
    expect(await t.platform.scheduler.run(QUALITY_JOB)).toBe(true);
    const checks = await t.platform.db
      .selectFrom('quality_flag')
      .select(['check', 't_from'])
      .where('check', 'in', ['range', 'stuck'])
      .execute();
    expect(checks.some((f) => f.check === 'range' && f.t_from === spikeFrom)).toBe(true);
    expect(checks.some((f) => f.check === 'stuck')).toBe(true);
    // A stuck sensor is what the quality check flags too: the anomaly stays.
    expect(await found()).toEqual(['stuck 7 co2']);
  });
});
