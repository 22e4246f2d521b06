import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttIngest } from '../../plugins/mqtt.ts';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { forwarderKey } from '../../timeseries/series-key.ts';

const line = (sn: string, medium: string, v: number, t = Date.now() - 1000) =>
  `forwarder_data,SN=${sn},channel=1,device=1,medium=${medium} value=${v} ${t}`;

describe('machine tokens', () => {
  let t: TestPlatform;
  let admin: Record<string, string>;
  let a: TestPlace;
  let b: TestPlace;

  const issue = async (body: Record<string, unknown>) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/tokens',
      headers: admin,
      payload: body,
    });
    expect(res.statusCode).toBe(201);
    return res.json() as { id: number; token: string; prefix: string; lastUsedAt: number | null };
  };
  const write = (token: string, body: string) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v2/write?org=city&bucket=ciop&precision=ms',
      headers: { authorization: `Token ${token}` },
      body,
    });
  const read = (token: string, sensor: number) =>
    t.app.inject({
      method: 'GET',
      url: `/api/v1/readings?sensor=${sensor}&from=0&to=${Date.now() + 60_000}`,
      headers: { authorization: `Bearer ${token}` },
    });
  const listed = async (id: number) => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/admin/tokens?includeRevoked=true',
      headers: admin,
    });
    return (res.json().items as Record<string, unknown>[]).find((x) => x.id === id)!;
  };

  beforeAll(async () => {
    t = await openTestPlatform();
    admin = await headersAs(t, { roles: ['admin'] });
    ({ a, b } = await createPlaces(t));
  });
  afterAll(async () => {
    await t.close();
  });

  it('is shown once, recognisable, and stored only as a hash', async () => {
    const issued = await issue({ name: 'forwarder', scopes: ['ingest:write'] });
    expect(issued.token).toMatch(/^ciop_[\w-]{43}$/);
    expect(issued.token.startsWith(issued.prefix)).toBe(true);
    const entry = await listed(issued.id);
    expect(entry).not.toHaveProperty('token');
    expect(entry).toMatchObject({ name: 'forwarder', scopes: ['ingest:write'], revokedAt: null });
    const rows = await t.platform.database.db.selectFrom('machine_token').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(issued.token);
  });

  it('writes and reads within its scopes only', async () => {
    const writer = await issue({ name: 'writer', scopes: ['ingest:write'] });
    const reader = await issue({ name: 'reader', scopes: ['read'] });
    expect((await write(writer.token, line(a.sn, 'humidity', 50))).statusCode).toBe(204);
    expect((await read(writer.token, a.sensorId)).statusCode).toBe(403);
    expect((await write(reader.token, line(a.sn, 'humidity', 51))).statusCode).toBe(403);
    expect((await read(reader.token, a.sensorId)).statusCode).toBe(200);
    // Not for people's endpoints.
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { authorization: `Bearer ${reader.token}` },
    });
    expect(me.statusCode).toBe(403);
  });

  it('keeps its last-used time, written at most once a minute', async () => {
    const issued = await issue({ name: 'touched', scopes: ['read'] });
    expect(issued.lastUsedAt).toBeNull();
    await read(issued.token, a.sensorId);
    const first = (await listed(issued.id)).lastUsedAt as number;
    expect(first).toBeGreaterThan(0);
    const clock = t.platform.clock;
    const realNow = clock.now;
    try {
      clock.now = () => realNow() + 30_000;
      await read(issued.token, a.sensorId);
      expect((await listed(issued.id)).lastUsedAt).toBe(first);
      clock.now = () => realNow() + 61_000;
      await read(issued.token, a.sensorId);
      expect((await listed(issued.id)).lastUsedAt).toBeGreaterThan(first);
    } finally {
      clock.now = realNow;
    }
  });

  it('stops working at once when revoked, and the revocation is audited', async () => {
    const issued = await issue({ name: 'to revoke', scopes: ['ingest:write'] });
    expect((await write(issued.token, line(a.sn, 'co2', 600))).statusCode).toBe(204);
    const revoke = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/admin/tokens/${issued.id}`,
      headers: admin,
    });
    expect(revoke.statusCode).toBe(204);
    const refused = await write(issued.token, line(a.sn, 'co2', 601));
    expect(refused.statusCode).toBe(401);
    expect((await listed(issued.id)).revokedAt).toBeGreaterThan(0);
    const audit = await t.platform.audit.list({ action: 'token.', targetId: String(issued.id) });
    expect(audit.items.map((e) => e.action)).toEqual(['token.revoked', 'token.issued']);
    expect(
      (await t.app.inject({ method: 'DELETE', url: '/api/v1/admin/tokens/999999', headers: admin }))
        .statusCode,
    ).toBe(404);
  });

  it('expires', async () => {
    const issued = await issue({ name: 'short', scopes: ['read'], expiresAt: Date.now() + 3_600_000 });
    expect((await read(issued.token, a.sensorId)).statusCode).toBe(200);
    const clock = t.platform.clock;
    const realNow = clock.now;
    clock.now = () => realNow() + 3_601_000;
    try {
      expect((await read(issued.token, a.sensorId)).statusCode).toBe(401);
    } finally {
      clock.now = realNow;
    }
  });

  it('restricted to a gateway, writes to that gateway only', async () => {
    const issued = await issue({ name: 'gateway A', scopes: ['ingest:write'], gatewayIds: [a.gatewayId] });
    expect((await write(issued.token, line(a.sn, 'power', 100))).statusCode).toBe(204);
    const other = await write(issued.token, line(b.sn, 'power', 100));
    expect(other.statusCode).toBe(403);
    expect(other.json().detail).toContain('other gateways');
  });

  it('restricted to a building, writes and reads that building only', async () => {
    const writer = await issue({ name: 'building A', scopes: ['ingest:write'], buildingIds: [a.buildingId] });
    expect((await write(writer.token, line(a.sn, 'power', 120))).statusCode).toBe(204);
    const other = await write(writer.token, line(b.sn, 'power', 120));
    expect(other.statusCode).toBe(403);
    expect(other.json().detail).toContain('other buildings');
    const reader = await issue({ name: 'reads A', scopes: ['read'], buildingIds: [a.buildingId] });
    expect((await read(reader.token, a.sensorId)).statusCode).toBe(200);
    expect((await read(reader.token, b.sensorId)).statusCode).toBe(403);
  });

  it('refuses restrictions to gateways or buildings that do not exist', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/admin/tokens',
      headers: admin,
      payload: { name: 'ghost', scopes: ['read'], gatewayIds: [987654] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toContain('no gateway 987654');
  });

  describe('on the embedded MQTT broker', () => {
    let broker: MqttIngest;
    let url: string;
    const clients: mqtt.MqttClient[] = [];

    beforeAll(async () => {
      broker = await MqttIngest.start(
        { ...t.platform.config, mqttUrl: undefined, mqttPort: 0, host: '127.0.0.1' },
        t.platform.ingest,
        (s) => t.platform.verifySecret(s),
        pino({ level: 'silent' }),
        t.platform.ingestToken,
        { onRevoked: (listener) => t.platform.auth.machineTokens.onRevoked(listener) },
      );
      url = `mqtt://127.0.0.1:${broker.brokerPort}`;
    });
    afterAll(async () => {
      for (const c of clients) await c.endAsync(true);
      await broker.stop();
    });

    function connect(password: string): Promise<mqtt.MqttClient> {
      return new Promise((resolve, reject) => {
        const client = mqtt.connect(url, {
          username: 'gateway',
          password,
          reconnectPeriod: 0,
          connectTimeout: 5000,
        });
        clients.push(client);
        client.once('connect', () => resolve(client));
        client.once('error', reject);
      });
    }

    async function stored(sn: string, medium: string): Promise<boolean> {
      for (let i = 0; i < 50; i++) {
        if (t.platform.catalog.get(forwarderKey(sn, '1', '1', medium))) return true;
        await new Promise((r) => setTimeout(r, 20));
      }
      return false;
    }

    it('accepts a machine token with ingest:write, and the bootstrap ingest token', async () => {
      const issued = await issue({ name: 'mqtt gateway', scopes: ['ingest:write'] });
      const client = await connect(issued.token);
      await client.publishAsync(`ciop/gw/${a.sn}/ms`, line(a.sn, 'mqtt_a', 1), { qos: 1 });
      expect(await stored(a.sn, 'mqtt_a')).toBe(true);
      const bootstrap = await connect(t.platform.ingestToken);
      expect(bootstrap.connected).toBe(true);
    });

    it('refuses a token without ingest:write, and a wrong one', async () => {
      const reader = await issue({ name: 'mqtt reader', scopes: ['read'] });
      await expect(connect(reader.token)).rejects.toThrow(/Bad username or password|Not authorized/);
      await expect(connect('ciop_nonsense')).rejects.toThrow(/Bad username or password|Not authorized/);
    });

    it('closes the connections of a revoked token and refuses new ones at once', async () => {
      const issued = await issue({ name: 'mqtt to revoke', scopes: ['ingest:write'] });
      const client = await connect(issued.token);
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      const revoke = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/admin/tokens/${issued.id}`,
        headers: admin,
      });
      expect(revoke.statusCode).toBe(204);
      await closed;
      expect(client.connected).toBe(false);
      await expect(connect(issued.token)).rejects.toThrow(/Bad username or password|Not authorized/);
    });
  });
});
