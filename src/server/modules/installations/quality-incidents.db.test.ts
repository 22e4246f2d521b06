import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident, IncidentDetail, Installation } from '#common/api/installations.ts';
import { createPlaces } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { SILENT_DEVICES_JOB } from './alarms.service.ts';

const H = 3_600_000;
const STEP = 600_000;
const CONTACT = 'quality@city.example';
/** The quality module's job over the change feed (`quality.service.ts`), named here to run it. */
const QUALITY_JOB = 'quality-checks';
/** A humidity sensor's reading at step i: plausible, changing. */
const clean = (i: number) => Math.round((50 + 5 * Math.sin(i / 7)) * 10) / 10;

/** A new dwelling of building A with gateway `sn` and one humidity sensor, as an installer registers it. */
async function installHumidity(
  t: TestPlatform,
  buildingId: number,
  door: string,
  sn: string,
): Promise<Installation> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/installations',
    headers: await headersAs(t, { roles: ['installer'] }),
    payload: {
      buildingId,
      newDwelling: { floor: 2, door },
      gateway: { sn },
      sensors: [{ channel: '1', device: '1', medium: 'humidity' }],
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Installation;
}

/** The sensor's readings of steps [from, to) after `start`, the faulty ones replaced. */
const humidity = (sn: string, start: number, from: number, to: number, faults: Record<number, number>) =>
  Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return {
      sn,
      channel: '1',
      device: '1',
      medium: 'humidity',
      ts: start + i * STEP,
      value: faults[i] ?? clean(i),
    };
  });

describe('quality incidents', () => {
  let t: TestPlatform;
  let admin: Record<string, string>;
  let installer: Record<string, string>;
  let sn: string;
  let sensorId: number;
  const start = Math.floor(Date.now() / H) * H - 30 * H;

  beforeAll(async () => {
    t = await openTestPlatform();
    const places = await createPlaces(t);
    admin = await headersAs(t, { roles: ['admin'] });
    installer = await headersAs(t, { roles: ['installer'] });
    const set = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/alarm-settings',
      headers: admin,
      payload: { contacts: [CONTACT], mailLanguage: 'en' },
    });
    expect(set.statusCode, set.body).toBe(200);
    sn = '0A1E000000000022';
    sensorId = (await installHumidity(t, places.a.buildingId, 'B', sn)).sensors[0].id;
  });
  afterAll(async () => {
    await t.close();
  });

  /** Readings of steps [from, to), the faulty ones replaced; then the quality job. */
  const send = async (from: number, to: number, faults: Record<number, number> = {}) => {
    const readings = humidity(sn, start, from, to, faults);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: t.ingestHeaders,
      payload: { readings },
    });
    expect(res.statusCode, res.body).toBe(200);
    await t.platform.engine.flush();
    expect(await t.platform.scheduler.run(QUALITY_JOB)).toBe(true);
  };
  const detect = (step: number) => t.platform.alarms.detect(start + step * STEP + 60_000);
  const qualityIncidents = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/incidents', headers: installer });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { items: Incident[] }).items.filter((i) => i.kind === 'quality');
  };

  it('opens nothing while a sensor reads plausibly', async () => {
    await send(0, 36);
    const report = await detect(36);
    expect(report.quality).toEqual({ opened: [], closed: [] });
    expect(await qualityIncidents()).toEqual([]);
  });

  it('opens one incident for a planted fault and tells the maintenance contacts', async () => {
    await send(36, 48, { 44: 140 });
    const report = await detect(48);
    expect(report.quality.opened).toHaveLength(1);
    const [id] = report.quality.opened;
    expect(report.mailed).toEqual([id]);
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/incidents/${id}`, headers: installer });
    expect(res.json() as IncidentDetail).toMatchObject({
      kind: 'quality',
      qualityCheck: 'range',
      status: 'open',
      sensorId,
      sn,
      medium: 'humidity',
      lastSeenAt: start + 47 * STEP,
      flaggedFrom: start + 44 * STEP,
      notifiedAt: expect.any(Number),
    });
    const mails = (await t.platform.mail.list({ to: CONTACT })).items;
    expect(mails).toHaveLength(1);
    expect(mails[0].body).toContain('its latest readings fail the "range" check');
    expect(mails[0].body).toContain(`/installations/incidents/${id}`);
  });

  it('does not open another for a second flag of the same kind', async () => {
    await send(48, 54, { 50: 150 });
    const report = await detect(54);
    expect(report.quality).toEqual({ opened: [], closed: [] });
    const open = await qualityIncidents();
    expect(open).toHaveLength(1);
    expect(open[0].status).toBe('open');
    // The silent-devices job leaves it alone: the sensor reports.
    expect(await t.platform.scheduler.run(SILENT_DEVICES_JOB)).toBe(true);
    expect((await qualityIncidents())[0].status).toBe('open');
  });

  it('closes it once the latest hours pass again, and opens no other for the old flags', async () => {
    // Six hours of plausible readings after the last flag.
    await send(54, 92);
    const report = await detect(92);
    const [open] = await qualityIncidents();
    expect(report.quality).toEqual({ opened: [], closed: [open.id] });
    expect(open).toMatchObject({ status: 'closed', closeReason: 'passed' });
    expect((await detect(93)).quality).toEqual({ opened: [], closed: [] });
    // A new fault later is a new incident.
    await send(92, 98, { 96: -5 });
    const again = await detect(98);
    expect(again.quality.opened).toHaveLength(1);
    expect((await qualityIncidents()).filter((i) => i.status === 'open')).toHaveLength(1);
  });
});

describe('the window of quality incidents', () => {
  let t: TestPlatform;
  let sn: string;
  const start = Math.floor(Date.now() / H) * H - 30 * H;

  beforeAll(async () => {
    // One hour instead of the default six.
    t = await openTestPlatform({ qualityIncidentWindowH: 1 });
    const places = await createPlaces(t);
    sn = '0A1E000000000023';
    await installHumidity(t, places.a.buildingId, 'C', sn);
  });
  afterAll(async () => {
    await t.close();
  });

  const send = async (from: number, to: number, faults: Record<number, number> = {}) => {
    const readings = humidity(sn, start, from, to, faults);
    await t.platform.ingest.writeJson(readings);
    await t.platform.engine.flush();
    expect(await t.platform.scheduler.run(QUALITY_JOB)).toBe(true);
  };
  const detect = (step: number) => t.platform.alarms.detect(start + step * STEP + 60_000);

  it('follows CIOP_QUALITY_INCIDENT_WINDOW_H: a flag older than the window neither opens nor keeps one', async () => {
    // A fault, then an hour and a half of plausible readings: out of the one-hour window.
    await send(0, 18, { 8: 140 });
    expect((await detect(18)).quality).toEqual({ opened: [], closed: [] });
    // A fault within the last hour opens one; an hour of plausible readings after it closes it.
    await send(18, 24, { 20: 140 });
    const opened = (await detect(24)).quality.opened;
    expect(opened).toHaveLength(1);
    // 50 minutes after the fault it is still within the window; 70 minutes after, no longer.
    await send(24, 26);
    expect((await detect(26)).quality).toEqual({ opened: [], closed: [] });
    await send(26, 32);
    expect((await detect(32)).quality).toEqual({ opened: [], closed: opened });
  });
});
