import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { startWebhookServer, type WebhookServer } from '../../testing/webhook-server.ts';
import { NOTIFICATION_JOB, retryDelayMs, SUBSCRIPTION_JOB } from './subscriptions.service.ts';

/**
 * NGSI-LD subscriptions over HTTP on a real CIOP, notifying a local HTTP server (ETSI GS CIM 014
 * ids where they exist).
 */
describe('NGSI-LD subscriptions', () => {
  let t: TestPlatform;
  let a: TestPlace;
  let b: TestPlace;
  let resident: Record<string, string>;
  let other: Record<string, string>;
  let hook: WebhookServer;
  let subscription: string;

  const call = async (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    payload?: unknown,
  ) => {
    const res = await t.app.inject({
      method,
      url: `/ngsi-ld/v1/subscriptions${url}`,
      headers,
      ...(payload ? { payload: payload as object } : {}),
    });
    return {
      status: res.statusCode,
      headers: res.headers,
      get body() {
        return res.json();
      },
    };
  };
  /** A reading of each place's temperature sensor, compacted into the change feed. */
  const reading = async (value: number) => {
    const now = Date.now();
    await t.platform.ingest.writeJson(
      [a, b].map((p) => ({ sn: p.sn, channel: '1', device: '1', medium: 'temperature', ts: now, value })),
    );
    await t.platform.engine.flush();
  };
  const runJob = () => t.platform.scheduler.run(SUBSCRIPTION_JOB, Date.now());

  beforeAll(async () => {
    t = await openTestPlatform();
    ({ a, b } = await createPlaces(t));
    await t.platform.engine.flush();
    hook = await startWebhookServer();
    resident = await headersAs(t, { roles: ['resident'], dwellingIds: [a.dwellingId] });
    other = await headersAs(t, { roles: ['resident'], dwellingIds: [b.dwellingId] });
  });
  afterAll(async () => {
    await t.close();
    await hook.close();
  });

  it('028_01 creates a subscription: 201 with its Location', async () => {
    const res = await call('POST', '', resident, {
      type: 'Subscription',
      entities: [{ type: 'DeviceMeasurement' }],
      watchedAttributes: ['numValue'],
      q: 'numValue>0',
      notification: { endpoint: { uri: hook.url, accept: 'application/json' }, attributes: ['numValue'] },
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toMatch(/^\/ngsi-ld\/v1\/subscriptions\/urn:ngsi-ld:Subscription:/);
    subscription = String(res.headers.location).split('/').pop()!;
  });

  it('refuses a subscription without an endpoint, or watching nothing, as BadRequestData', async () => {
    for (const body of [
      { type: 'Subscription', entities: [{ type: 'DeviceMeasurement' }], notification: {} },
      { type: 'Subscription', notification: { endpoint: { uri: hook.url } } },
      {
        type: 'Subscription',
        entities: [{ type: 'DeviceMeasurement' }],
        notification: { endpoint: { uri: 'ftp://x' } },
      },
      {
        type: 'Subscription',
        entities: [{ type: 'DeviceMeasurement' }],
        q: 'numValue>>',
        notification: { endpoint: { uri: hook.url } },
      },
      {},
    ]) {
      const res = await call('POST', '', resident, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.type).toBe('https://uri.etsi.org/ngsi-ld/errors/BadRequestData');
    }
    expect((await call('GET', '?count=true', resident)).headers['ngsild-results-count']).toBe('1');
  });

  it('030_01 retrieves a subscription, 031_01 lists the caller’s own only', async () => {
    const res = await call('GET', `/${subscription}`, resident);
    expect(res.body).toMatchObject({
      id: subscription,
      type: 'Subscription',
      status: 'active',
      watchedAttributes: ['numValue'],
      notification: { timesSent: 0, endpoint: { uri: hook.url } },
    });
    expect((await call('GET', '', resident)).body.map((s: { id: string }) => s.id)).toEqual([subscription]);
    expect((await call('GET', '', other)).body).toEqual([]);
    expect((await call('GET', `/${subscription}`, other)).status).toBe(404);
  });

  it('046_01_01 notifies while active, once per change, of what the subscriber sees only', async () => {
    await reading(19);
    expect(await runJob()).toBe(true);
    expect(hook.received).toHaveLength(1);
    const body = hook.received[0].body as {
      type: string;
      subscriptionId: string;
      data: { id: string; numValue: { value: number } }[];
    };
    expect(body).toMatchObject({ type: 'Notification', subscriptionId: subscription });
    expect(body.data).toEqual([
      {
        id: `urn:ngsi-ld:DeviceMeasurement:${a.sensorId}`,
        type: 'DeviceMeasurement',
        numValue: expect.objectContaining({ type: 'Property', value: 19 }),
      },
    ]);
    expect(hook.received[0].headers['content-type']).toMatch(/^application\/json/);
    // Nothing changed since: nothing more.
    await runJob();
    expect(hook.received).toHaveLength(1);
    await reading(20);
    await runJob();
    expect(hook.received).toHaveLength(2);
    expect((await call('GET', `/${subscription}`, resident)).body.notification).toMatchObject({
      status: 'ok',
      timesSent: 2,
    });
  });

  it('q decides: a reading that does not meet it is not notified', async () => {
    await reading(-5);
    await runJob();
    expect(hook.received).toHaveLength(2);
  });

  it('retries a failed delivery after a back-off, recording the failure', async () => {
    hook.status = 500;
    await reading(21);
    await runJob();
    expect(hook.received).toHaveLength(2);
    const failed = (await call('GET', `/${subscription}`, resident)).body.notification;
    expect(failed).toMatchObject({ status: 'failed', timesFailed: 1, timesSent: 3 });
    expect(failed.lastFailure).toBeDefined();
    hook.status = 204;
    // Not yet due.
    await t.platform.scheduler.run(NOTIFICATION_JOB, Date.now());
    expect(hook.received).toHaveLength(2);
    await t.platform.scheduler.run(NOTIFICATION_JOB, Date.now() + retryDelayMs(1) + 1000);
    expect(hook.received).toHaveLength(3);
    expect(
      (hook.received[2].body as { data: { numValue: { value: number } }[] }).data[0].numValue.value,
    ).toBe(21);
    expect((await call('GET', `/${subscription}`, resident)).body.notification).toMatchObject({
      status: 'ok',
      timesSent: 4,
    });
  });

  it('updates a subscription: paused, it notifies nothing; throttling holds the next back', async () => {
    expect((await call('PATCH', `/${subscription}`, resident, { isActive: false })).status).toBe(204);
    expect((await call('GET', `/${subscription}`, resident)).body.status).toBe('paused');
    await reading(22);
    await runJob();
    expect(hook.received).toHaveLength(3);
    expect(
      (await call('PATCH', `/${subscription}`, resident, { isActive: true, throttling: 3600 })).status,
    ).toBe(204);
    await reading(23);
    await runJob();
    expect(hook.received).toHaveLength(3);
    expect((await call('PATCH', `/${subscription}`, other, { isActive: false })).status).toBe(404);
  });

  it('032_01 deletes a subscription', async () => {
    expect((await call('DELETE', `/${subscription}`, other)).status).toBe(404);
    expect((await call('DELETE', `/${subscription}`, resident)).status).toBe(204);
    expect((await call('GET', `/${subscription}`, resident)).status).toBe(404);
  });

  it('reads an inline @context and notifies in its terms, as application/ld+json', async () => {
    const context = [
      {
        Medida: 'https://smartdatamodels.org/dataModel.Device/DeviceMeasurement',
        valor: 'https://smartdatamodels.org/numValue',
      },
      'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld',
    ];
    const res = await t.app.inject({
      method: 'POST',
      url: '/ngsi-ld/v1/subscriptions',
      headers: { ...resident, 'content-type': 'application/ld+json' },
      payload: JSON.stringify({
        type: 'Subscription',
        entities: [{ type: 'Medida' }],
        watchedAttributes: ['valor'],
        notification: { endpoint: { uri: hook.url, accept: 'application/ld+json' }, attributes: ['valor'] },
        '@context': context,
      }),
    });
    expect(res.statusCode, res.body).toBe(201);
    const before = hook.received.length;
    await reading(25);
    await runJob();
    expect(hook.received).toHaveLength(before + 1);
    const { headers, body } = hook.received[before];
    expect(headers['content-type']).toMatch(/^application\/ld\+json/);
    expect(body).toMatchObject({
      '@context': context,
      data: [{ id: `urn:ngsi-ld:DeviceMeasurement:${a.sensorId}`, type: 'Medida', valor: { value: 25 } }],
    });
  });
});
