import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlarmSettings, IncidentDetail, Installation } from '#common/api/installations.ts';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { startWebhookServer, type WebhookServer } from '../../testing/webhook-server.ts';
import type { WebhookBody } from './alarm-messages.ts';
import { SILENT_DEVICES_JOB } from './alarms.service.ts';

const H = 3_600_000;
const DAY = 86_400_000;
const CONTACT = 'maintenance@city.example';

describe('alarms of silent devices', () => {
  let t: TestPlatform;
  let webhook: WebhookServer;
  let admin: Record<string, string>;
  let installer: Record<string, string>;
  let places: { districtId: number; a: TestPlace; b: TestPlace };

  beforeAll(async () => {
    [t, webhook] = await Promise.all([openTestPlatform(), startWebhookServer()]);
    places = await createPlaces(t);
    admin = await headersAs(t, { roles: ['admin'] });
    installer = await headersAs(t, { roles: ['installer'], name: 'Iker Installer' });
  });
  afterAll(async () => {
    await t.close();
    await webhook.close();
  });

  const call = async (
    method: 'GET' | 'POST' | 'PUT' | 'PATCH',
    url: string,
    headers = installer,
    payload?: object,
  ) => t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
  const register = async (sn: string, door: string, media: string[]) => {
    const res = await call('POST', '/api/v1/installations', installer, {
      buildingId: places.a.buildingId,
      newDwelling: { floor: 1, door },
      gateway: { sn },
      sensors: media.map((medium, i) => ({ channel: '1', device: String(i + 1), medium })),
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Installation;
  };
  const ingest = async (sn: string, device: string, medium: string, times: number[]) => {
    const res = await call('POST', '/api/v1/ingest', t.ingestHeaders, {
      readings: times.map((ts) => ({ sn, channel: '1', device, medium, ts, value: 20 })),
    });
    expect(res.statusCode, res.body).toBe(200);
  };
  const detect = (now: number) => t.platform.alarms.detect(now);
  const incident = async (id: number) =>
    (await call('GET', `/api/v1/incidents/${id}`)).json() as IncidentDetail;
  const mails = async () => (await t.platform.mail.list({ to: CONTACT })).items;

  it('keeps its settings in the database: the configuration defaults until an admin changes them', async () => {
    const defaults = (await call('GET', '/api/v1/alarm-settings')).json() as AlarmSettings;
    expect(defaults).toMatchObject({
      silentAfterS: 14 * 86_400,
      expectedIntervalS: 600,
      contacts: [],
      webhookUrl: null,
      updatedAt: null,
    });
    expect(defaults.media.map((m) => m.medium)).toContain('temperature');
    expect((await call('PUT', '/api/v1/alarm-settings', installer, { contacts: [CONTACT] })).statusCode).toBe(
      403,
    );
    const wrong = await call('PUT', '/api/v1/alarm-settings', admin, {
      media: [{ medium: 'radon', silentAfterS: 3600, expectedIntervalS: null }],
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().detail).toBe('media: there is no medium radon (see /api/v1/media).');
    const saved = await call('PUT', '/api/v1/alarm-settings', admin, {
      contacts: [CONTACT],
      webhookUrl: webhook.url,
      mailLanguage: 'es',
      media: [{ medium: 'power', silentAfterS: 2 * 86_400, expectedIntervalS: 60 }],
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({
      silentAfterS: 14 * 86_400,
      contacts: [CONTACT],
      webhookUrl: webhook.url,
    });
    expect((saved.json() as AlarmSettings).media.find((m) => m.medium === 'power')).toMatchObject({
      silentAfterS: 172_800,
      expectedIntervalS: 60,
    });
  });

  it('opens one incident for a silent gateway, tells the contacts once, and closes it when data returns', async () => {
    const sn = '5A1E000000000001';
    const done = await register(sn, 'Izq.', ['temperature', 'co2']);
    const base = Math.floor((Date.now() - 40 * DAY) / H) * H;
    const hours = Array.from({ length: 24 }, (_, i) => base + i * H);
    await ingest(sn, '1', 'temperature', hours);
    await ingest(sn, '2', 'co2', hours);
    const last = hours[hours.length - 1];

    expect((await detect(last + H)).opened).toEqual([]);

    // Fifteen days later: one incident, for the gateway (its sensors are silent with it).
    const first = await detect(last + 15 * DAY);
    expect(first.opened).toHaveLength(1);
    const [id] = first.opened;
    expect(await incident(id)).toMatchObject({
      kind: 'gateway',
      status: 'open',
      sn,
      dwellingId: done.dwelling.id,
      dwellingLabel: '1 Izq.',
      lastSeenAt: last,
      silentAfterS: 14 * 86_400,
      notifiedAt: last + 15 * DAY,
    });
    expect(first.mailed).toEqual([id]);
    const [mail] = await mails();
    expect(mail.template).toBe('silent-devices');
    expect(mail.subject).toBe('CIOP: un dispositivo ha dejado de enviar datos');
    expect(mail.body).toContain(sn);
    expect(mail.body).toContain(`/installations/incidents/${id}`);
    expect(webhook.received).toHaveLength(1);
    const body = webhook.received[0].body as WebhookBody;
    expect(webhook.received[0].headers['content-type']).toBe('application/json');
    expect(body).toMatchObject({ type: 'ciop.incidents', sentAt: new Date(last + 15 * DAY).toISOString() });
    expect(body.incidents).toEqual([
      expect.objectContaining({
        id,
        event: 'opened',
        kind: 'gateway',
        gateway: { id: done.gateway.id, sn },
        sensor: null,
        dwelling: { id: done.dwelling.id, label: '1 Izq.' },
        lastSeenAt: new Date(last).toISOString(),
        silentAfterS: 14 * 86_400,
      }),
    ]);

    // The bell, on the status monitor.
    const status = await t.platform.installations.status({ building: places.a.buildingId }, last + 15 * DAY);
    const gateway = status.items.find((d) => d.dwellingId === done.dwelling.id)!.gateways[0];
    expect(gateway).toMatchObject({ status: 'silent', incidentId: id, notified: true });

    // Running again (and the scheduler's run, as every replica does) opens and tells nothing more.
    expect(await detect(last + 16 * DAY)).toMatchObject({ opened: [], closed: [], mailed: [] });
    expect(await t.platform.scheduler.run(SILENT_DEVICES_JOB, last + 16 * DAY + H)).toBe(true);
    expect(
      (await call('GET', '/api/v1/incidents?status=open')).json().items.map((i: { id: number }) => i.id),
    ).toEqual([id]);
    expect(await mails()).toHaveLength(1);
    expect(webhook.received).toHaveLength(1);

    // The temperature comes back after 17 days; the CO2 sensor does not: it lost its link.
    const back = last + 17 * DAY;
    await ingest(sn, '1', 'temperature', [back, back + 10 * 60_000]);
    const recovery = await detect(back + 20 * 60_000);
    expect(recovery.closed).toEqual([id]);
    expect(await incident(id)).toMatchObject({
      status: 'closed',
      closeReason: 'recovered',
      returnedAt: back,
      outageMs: back - last,
      closedAt: back + 20 * 60_000,
    });
    expect(recovery.opened).toHaveLength(1);
    const sensorIncident = await incident(recovery.opened[0]);
    expect(sensorIncident).toMatchObject({
      kind: 'sensor',
      medium: 'co2',
      channel: '1',
      device: '2',
      lastSeenAt: last,
    });
    const bodies = webhook.received.map((r) => r.body as WebhookBody);
    expect(bodies[1].incidents.map((i) => [i.id, i.event, i.outageS])).toEqual([
      [id, 'closed', (back - last) / 1000],
      [sensorIncident.id, 'opened', null],
    ]);
    expect(
      (await incident(id)).events.map((e) => [e.kind, e.detail.channel ?? e.detail.reason ?? null]),
    ).toEqual([
      ['opened', null],
      ['notified', 'mail'],
      ['notified', 'webhook'],
      ['closed', 'recovered'],
    ]);
    const monitor = await t.platform.installations.status(
      { building: places.a.buildingId },
      back + 20 * 60_000,
    );
    const entry = monitor.items.find((d) => d.dwellingId === done.dwelling.id)!;
    expect(entry.status).toBe('silent');
    expect(entry.gateways[0].status).toBe('reporting');
    expect(entry.gateways[0].sensors.map((s) => [s.medium, s.status, s.incidentId])).toEqual([
      ['temperature', 'reporting', null],
      ['co2', 'silent', sensorIncident.id],
    ]);
  });

  it('lets people assign, comment on and close an incident; a closed one is not opened again for the same silence', async () => {
    const [open] = (await call('GET', '/api/v1/incidents?status=open')).json().items as {
      id: number;
      kind: string;
    }[];
    expect(open.kind).toBe('sensor');
    const assignees = (await call('GET', '/api/v1/installations/assignees')).json().items as {
      id: number;
      name: string;
    }[];
    const iker = assignees.find((a) => a.name === 'Iker Installer')!;
    const assigned = await call('PATCH', `/api/v1/incidents/${open.id}`, installer, { assigneeId: iker.id });
    expect(assigned.statusCode, assigned.body).toBe(200);
    expect(assigned.json().assignee).toEqual({ id: iker.id, name: 'Iker Installer' });
    const resident = await headersAs(t, { roles: ['resident'], dwellingIds: [places.a.dwellingId] });
    const me = (await call('GET', '/api/v1/auth/me', resident)).json() as { id: number };
    const wrong = await call('PATCH', `/api/v1/incidents/${open.id}`, installer, { assigneeId: me.id });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().detail).toContain('assigneeId:');
    await call('POST', `/api/v1/incidents/${open.id}/comments`, installer, {
      text: 'Sensor battery flat; visit booked.',
    });
    const closed = await call('POST', `/api/v1/incidents/${open.id}/close`, installer, {
      comment: 'Sensor removed by the resident.',
    });
    expect(closed.statusCode, closed.body).toBe(200);
    const detail = closed.json() as IncidentDetail;
    expect(detail).toMatchObject({ status: 'closed', closeReason: 'manual' });
    expect(detail.events.slice(-3).map((e) => [e.kind, e.actor.name, e.text])).toEqual([
      ['assigned', 'Iker Installer', ''],
      ['comment', 'Iker Installer', 'Sensor battery flat; visit booked.'],
      ['closed', 'Iker Installer', 'Sensor removed by the resident.'],
    ]);
    expect((await call('POST', `/api/v1/incidents/${open.id}/close`, installer, {})).statusCode).toBe(409);
    const later = await detect(Date.now() - 20 * DAY + 60_000);
    expect(later.opened).toEqual([]);
    expect((await call('GET', '/api/v1/incidents?status=open')).json().items).toEqual([]);
  });

  it('tries a failed webhook again at the next run, and never e-mails twice', async () => {
    const sn = '5A1E000000000002';
    await register(sn, 'Dcha.', ['power']);
    const now = Date.now() + 3 * DAY;
    webhook.status = 500;
    webhook.received.length = 0;
    const mailsBefore = (await mails()).length;
    // Never reported, power may be silent 2 days: alarmed three days after its registration.
    const run = await detect(now);
    const mine = (await call('GET', '/api/v1/incidents?status=open'))
      .json()
      .items.find((i: { sn: string }) => i.sn === sn);
    expect(mine).toMatchObject({ kind: 'gateway', lastSeenAt: null, silentAfterS: 2 * 86_400 });
    expect(run.opened).toContain(mine.id);
    expect(run.webhook.error).toBe('HTTP 500');
    expect(run.mailed).toContain(mine.id);
    expect((await incident(mine.id)).events.map((e) => e.kind)).toEqual([
      'opened',
      'notified',
      'notify-failed',
    ]);

    webhook.status = 204;
    const retry = await detect(now + 10 * 60_000);
    expect(retry.mailed).toEqual([]);
    expect(retry.webhook.delivered).toContain(mine.id);
    expect((webhook.received[0].body as WebhookBody).incidents.some((i) => i.id === mine.id)).toBe(true);
    expect((await mails()).length).toBe(mailsBefore + 1);
    expect(await detect(now + 20 * 60_000)).toMatchObject({
      opened: [],
      mailed: [],
      webhook: { delivered: [] },
    });
  });
});
