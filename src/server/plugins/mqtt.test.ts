import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestPlatform, type TestPlatform } from '../testing/platform.ts';
import { eventually } from '../testing/eventually.ts';
import type { Config } from '../config.ts';
import { MqttIngest } from './mqtt.ts';

const T = Date.UTC(2026, 10, 1, 12);

/** The embedded broker on a free port, storing into the test platform, with these settings. */
const startBroker = (t: TestPlatform, settings: Partial<Config> = {}) =>
  MqttIngest.start(
    { ...t.platform.config, host: '127.0.0.1', mqttPort: 0, ...settings },
    t.platform.ingest,
    (s) => t.platform.verifySecret(s),
    pino({ level: 'silent' }),
    t.platform.ingestToken,
  );

describe('MQTT ingest through the embedded broker', () => {
  let t: TestPlatform;
  let ingest: MqttIngest;
  let url: string;

  beforeAll(async () => {
    t = await openTestPlatform();
    ingest = await startBroker(t);
    url = `mqtt://127.0.0.1:${ingest.brokerPort}`;
  });
  afterAll(async () => {
    await ingest.stop();
    await t.close();
  });

  const readBack = async (sn: string, medium: string) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings?sn=${sn}&channel=1&device=1&medium=${medium}&from=${T - 3_600_000}&to=${T + 3_600_000}`,
      headers: t.readerHeaders,
    });
    return res.statusCode === 200 ? res.json().points : [];
  };

  it('stores line protocol and JSON payloads published with a valid token', async () => {
    const client = await mqtt.connectAsync(url, { username: 'forwarder', password: t.platform.ingestToken });
    await client.publishAsync(
      'ciop/gw/AB00000000000001/ms',
      `forwarder_data,SN=AB00000000000001,channel=1,device=1,medium=temperature value=21.5 ${T}`,
      { qos: 1 },
    );
    await client.publishAsync(
      'ciop/json',
      JSON.stringify({ sn: 'AB00000000000001', channel: 1, device: 1, medium: 'humidity', ts: T, value: 48 }),
      { qos: 1 },
    );
    await client.endAsync();
    await eventually(async () =>
      expect(await readBack('AB00000000000001', 'temperature')).toEqual([{ t: T, v: 21.5 }]),
    );
    await eventually(async () =>
      expect(await readBack('AB00000000000001', 'humidity')).toEqual([{ t: T, v: 48 }]),
    );
  });

  it('refuses to connect a client without a valid token', async () => {
    await expect(
      mqtt.connectAsync(url, { username: 'x', password: 'wrong', reconnectPeriod: 0 }),
    ).rejects.toThrow(/not authorized|bad user|Connection refused/i);
  });

  it('drops a bad payload without storing any of it and keeps going', async () => {
    const before = ingest.rejected;
    const client = await mqtt.connectAsync(url, { password: t.platform.ingestToken, username: 'f' });
    await client.publishAsync(
      'ciop/gw/ms',
      `forwarder_data,SN=AB00000000000002,channel=1,device=1,medium=co2 value=500 ${T}\nforwarder_data,SN=AB00000000000002,channel=1,device=1,medium=co2 value= ${T}`,
      { qos: 1 },
    );
    await client.publishAsync(
      'ciop/gw/ms',
      `forwarder_data,SN=AB00000000000002,channel=1,device=1,medium=co2 value=600 ${T}`,
      { qos: 1 },
    );
    await client.endAsync();
    await eventually(async () =>
      expect(await readBack('AB00000000000002', 'co2')).toEqual([{ t: T, v: 600 }]),
    );
    expect(ingest.rejected).toBe(before + 1);
  });
});

describe('stopping CIOP with its embedded broker', () => {
  it('stores every message the broker acknowledged to a publisher before the stop', async () => {
    const t = await openTestPlatform();
    try {
      const ingest = await startBroker(t);
      const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${ingest.brokerPort}`, {
        username: 'forwarder',
        password: t.platform.ingestToken,
        reconnectPeriod: 0,
      });
      const n = 1000;
      const acknowledged: number[] = [];
      const answers = Array.from({ length: n }, (_, i) =>
        client
          .publishAsync(
            'ciop/gw/ms',
            `forwarder_data,SN=AB00000000000003,channel=1,device=1,medium=power value=${i} ${T + i * 1000}`,
            { qos: 1 },
          )
          .then(
            () => acknowledged.push(i),
            () => undefined,
          ),
      );
      await eventually(async () => expect(ingest.received).toBeGreaterThan(0));
      // Stopped mid-stream: the publisher's connection closes, with some messages acknowledged.
      await ingest.stop();
      client.end(true);
      await Promise.race([Promise.all(answers), new Promise((r) => setTimeout(r, 2000))]);
      expect(acknowledged.length).toBeGreaterThan(0);
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/readings?sn=AB00000000000003&channel=1&device=1&medium=power&from=${T}&to=${T + n * 1000}&limit=10000`,
        headers: t.readerHeaders,
      });
      const stored = new Set((res.json().points as { v: number }[]).map((p) => p.v));
      expect(acknowledged.filter((i) => !stored.has(i))).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('MQTT over TLS through the embedded broker', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ciop-mqtt-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  let t: TestPlatform;
  let ingest: MqttIngest;

  beforeAll(async () => {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost'].concat([
        '-addext',
        'subjectAltName=DNS:localhost',
        '-keyout',
        keyFile,
        '-out',
        certFile,
      ]),
      { stdio: 'ignore' },
    );
    t = await openTestPlatform();
    ingest = await startBroker(t, { mqttTlsCert: certFile, mqttTlsKey: keyFile, mqttTlsPort: 0 });
  });
  afterAll(async () => {
    await ingest?.stop();
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes readings over TLS on its own port, beside plain MQTT', async () => {
    expect(ingest.brokerTlsPort).toBeGreaterThan(0);
    expect(ingest.brokerTlsPort).not.toBe(ingest.brokerPort);
    const client = await mqtt.connectAsync(`mqtts://localhost:${ingest.brokerTlsPort}`, {
      username: 'forwarder',
      password: t.platform.ingestToken,
      ca: readFileSync(certFile),
    });
    await client.publishAsync(
      'ciop/gw/AB000000000000A1/ms',
      `forwarder_data,SN=AB000000000000A1,channel=1,device=1,medium=temperature value=19.5 ${T}`,
      { qos: 1 },
    );
    await client.endAsync();
    await eventually(async () => {
      const res = await t.app.inject({
        url: `/api/v1/readings?sn=AB000000000000A1&channel=1&device=1&medium=temperature&from=${T - 1}&to=${T + 1}`,
        headers: t.readerHeaders,
      });
      expect(res.json().points).toEqual([{ t: T, v: 19.5 }]);
    });
  });

  it('is refused to a client that does not trust the certificate, and to a wrong token', async () => {
    await expect(
      mqtt.connectAsync(`mqtts://localhost:${ingest.brokerTlsPort}`, {
        username: 'forwarder',
        password: t.platform.ingestToken,
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/self.signed|certificate/i);
    await expect(
      mqtt.connectAsync(`mqtts://localhost:${ingest.brokerTlsPort}`, {
        username: 'forwarder',
        password: 'not-a-token',
        ca: readFileSync(certFile),
        reconnectPeriod: 0,
      }),
    ).rejects.toThrow(/Bad username or password|Not authorized|bad/i);
  });

  it('does not start with a key that is not PEM, and names the settings', async () => {
    await expect(
      startBroker(t, { mqttTlsCert: certFile, mqttTlsKey: certFile, mqttTlsPort: 0 }),
    ).rejects.toThrow(/CIOP_MQTT_TLS_CERT .* and CIOP_MQTT_TLS_KEY .* are not a PEM certificate and its key/);
    await expect(
      startBroker(t, { mqttTlsCert: path.join(dir, 'none.pem'), mqttTlsKey: keyFile, mqttTlsPort: 0 }),
    ).rejects.toThrow(/CIOP_MQTT_TLS_CERT: cannot read .*none\.pem/);
  });
});
