import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from 'node:tls';
import { Type } from '@sinclair/typebox';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BY_SYSTEM } from './audit/by.ts';
import { defineModule } from './module.ts';
import { MODULES } from './modules/index.ts';
import { MqttIngest } from './plugins/mqtt.ts';
import { addCharger, SimulatedCharger } from './testing/ocpp-charger.ts';
import { openTestPlatform, type TestPlatform } from './testing/platform.ts';
import { freePort } from './testing/ports.ts';

// The nginx configuration shipped in deploy/nginx, run by Debian's nginx with a self-signed
// certificate in front of a CIOP: what goes through it must arrive as it would without it.
const REPO = path.resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'ciop-nginx-'));
let t: TestPlatform;
let nginx: ChildProcess | undefined;
let mqttIngest: MqttIngest | undefined;
let https = 0;
let mqtts = 0;
let cert: Buffer;

/** What CIOP saw of a request: here, the scheme it believed. */
const seenModule = defineModule({
  id: 'seen',
  open: () => ({}),
  routes: [
    {
      plugin: async (app) => {
        app.get(
          '/seen',
          {
            schema: { response: { 200: Type.Object({ protocol: Type.String() }) } },
            config: { access: 'public' },
          },
          async (request) => ({ protocol: request.protocol }),
        );
      },
    },
  ],
});

function render(file: string, replace: [string | RegExp, string][]): string {
  let text = readFileSync(path.join(REPO, 'deploy/nginx', file), 'utf8');
  for (const [from, to] of replace) {
    const before = text;
    text = text.replaceAll(from, to);
    expect(text, `deploy/nginx/${file} has ${String(from)}`).not.toBe(before);
  }
  return text;
}

async function listening(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nginx does not listen on ${port}: ${readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
}

function send(
  method: string,
  url: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: https, path: url, method, headers, ca: cert, servername: 'localhost' },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(path.join(dir, 'cert.pem'));
  const mqttPort = await freePort();
  t = await openTestPlatform({ trustProxy: 'loopback', mqttPort }, {}, [...MODULES, seenModule]);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const ciop = (t.app.server.address() as { port: number }).port;
  mqttIngest = await MqttIngest.start(
    t.platform.config,
    t.platform.ingest,
    (s) => t.platform.verifySecret(s),
    t.platform.logger,
    t.platform.ingestToken,
  );
  https = await freePort();
  const http = await freePort();
  mqtts = await freePort();
  const tls: [string, string][] = [
    ['/etc/ssl/ciop/fullchain.pem', path.join(dir, 'cert.pem')],
    ['/etc/ssl/ciop/privkey.pem', path.join(dir, 'key.pem')],
  ];
  const site = render('ciop.conf', [
    ['127.0.0.1:8080', `127.0.0.1:${ciop}`],
    ['listen 443 ssl', `listen ${https} ssl`],
    ['listen 80;', `listen ${http};`],
    [/^\s*listen \[::\].*$/gm, ''],
    ['ciop.example.org', 'localhost'],
    ...tls,
  ]);
  const stream = render('ciop-mqtt.conf', [
    ['127.0.0.1:1883', `127.0.0.1:${mqttPort}`],
    ['listen 8883 ssl', `listen ${mqtts} ssl`],
    [/^\s*listen \[::\].*$/gm, ''],
    ...tls,
  ]);
  writeFileSync(path.join(dir, 'ciop.conf'), site);
  writeFileSync(path.join(dir, 'ciop-mqtt.conf'), stream);
  for (const temp of ['body', 'proxy']) mkdirSync(path.join(dir, temp));
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `load_module /usr/lib/nginx/modules/ngx_stream_module.so;
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  include ${dir}/ciop.conf;
}
stream { include ${dir}/ciop-mqtt.conf; }
`,
  );
  nginx = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
  await listening(https);
  await listening(mqtts);
}, 60_000);

afterAll(async () => {
  nginx?.kill('SIGTERM');
  await mqttIngest?.stop();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('CIOP behind the shipped nginx configuration', () => {
  it('answers over HTTPS with HTTP/2 offered and HSTS, and tells CIOP the scheme was https', async () => {
    const health = await send('GET', '/api/v1/health');
    expect(health.status).toBe(200);
    expect(health.headers['strict-transport-security']).toMatch(/max-age=31536000/);
    expect(JSON.parse((await send('GET', '/api/v1/seen')).body)).toEqual({ protocol: 'https' });
    const alpn = await new Promise<string | false>((resolve, reject) => {
      const socket = connect(
        {
          port: https,
          host: '127.0.0.1',
          ca: cert,
          servername: 'localhost',
          ALPNProtocols: ['h2', 'http/1.1'],
        },
        () => {
          resolve(socket.alpnProtocol ?? false);
          socket.end();
        },
      );
      socket.on('error', reject);
    });
    expect(alpn).toBe('h2');
  });

  it('keeps the session cookies Secure through the proxy', async () => {
    await t.platform.auth.accounts.create(
      {
        email: 'proxied@example.org',
        name: 'Proxied',
        roles: ['resident'],
        language: 'en',
        dwellingIds: [],
        password: 'a long passphrase 7',
      },
      BY_SYSTEM,
    );
    const login = await send(
      'POST',
      '/api/v1/auth/login',
      JSON.stringify({ email: 'proxied@example.org', password: 'a long passphrase 7' }),
      { 'content-type': 'application/json' },
    );
    expect(login.status).toBe(200);
    const cookies = [login.headers['set-cookie'] ?? []].flat();
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) expect(cookie).toMatch(/; Secure/);
  });

  it('passes a WebSocket upgrade: a charger speaks OCPP through it', async () => {
    // CIOP's own WebSocket endpoint, with its subprotocol and Basic authentication.
    await addCharger(t.platform, 'NGINX-CP', null, Date.now());
    const { token } = await t.platform.auth.machineTokens.issue(
      { name: 'charger', scopes: ['ocpp'] },
      BY_SYSTEM,
    );
    const cp = await SimulatedCharger.connect({
      base: `wss://localhost:${https}`,
      chargePointId: 'NGINX-CP',
      password: token,
      ca: cert,
    });
    expect(cp.protocol).toBe('ocpp1.6');
    const answer = await cp.call('Heartbeat', {});
    await cp.close();
    expect(Date.parse(String(answer.currentTime))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('takes a 20 MB ingest body whole', async () => {
    const t0 = Date.UTC(2026, 3, 1);
    const lines: string[] = [];
    let bytes = 0;
    for (let i = 0; bytes < 20 * 1024 * 1024; i++) {
      const l = `forwarder_data,SN=0xPROXY${String(i % 100).padStart(3, '0')},channel=1,device=1,medium=power value=${i % 997}.25 ${t0 + Math.floor(i / 100) * 1000}`;
      lines.push(l);
      bytes += l.length + 1;
    }
    const body = Buffer.from(lines.join('\n'));
    expect(body.length).toBeGreaterThan(20 * 1024 * 1024);
    const res = await send('POST', '/api/v2/write?precision=ms', body, {
      authorization: `Token ${t.platform.ingestToken}`,
      'content-type': 'text/plain',
    });
    expect(res.status, res.body).toBe(204);
    const series = await t.platform.db
      .selectFrom('series')
      .select('id')
      .where('key', 'like', '%0xPROXY%')
      .execute();
    let stored = 0;
    for (const s of series)
      stored += (await t.platform.engine.readPoints(Number(s.id), t0, t0 + 86_400_000)).values.length;
    expect(stored).toBe(lines.length);
  });

  it('carries MQTT over TLS on its own port to the broker', async () => {
    const client = await mqtt.connectAsync(`mqtts://localhost:${mqtts}`, {
      ca: cert,
      username: 'gateway',
      password: t.platform.ingestToken,
      reconnectPeriod: 0,
    });
    const t0 = Date.UTC(2026, 3, 2);
    await client.publishAsync(
      'ciop/0xTLSMQTT1/ms',
      `forwarder_data,SN=0xTLSMQTT1,channel=1,device=1,medium=co2 value=612 ${t0}`,
      { qos: 1 },
    );
    await client.endAsync();
    // The broker acknowledges the gateway; CIOP's subscriber stores the message just after.
    const stored = () =>
      t.platform.db.selectFrom('series').select('id').where('key', 'like', '%0xTLSMQTT1%').execute();
    await expect.poll(async () => (await stored()).length).toBe(1);
    const series = await stored();
    expect([...(await t.platform.engine.readPoints(Number(series[0].id), t0, t0 + 1)).values]).toEqual([612]);
  });
});
