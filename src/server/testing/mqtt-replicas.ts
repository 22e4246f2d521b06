import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { freePort } from './ports.ts';

/**
 * The parts of the replica-kill test and benchmark: a Mosquitto of their own, `ciop serve`
 * replicas as child processes, a QoS 1 publisher that counts the broker's PUBACKs, and a reader
 * that counts what was stored.
 */

const ROOT = path.resolve(import.meta.dirname, '../../..');
export const MOSQUITTO = process.env.CIOP_TEST_MOSQUITTO ?? '/usr/sbin/mosquitto';

/** Keeps the last `limit` characters a child process printed, for the message of a failure. */
function tail(child: ChildProcess, limit = 20_000): () => string {
  let text = '';
  const keep = (chunk: Buffer) => {
    text = (text + chunk.toString('utf8')).slice(-limit);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => text;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = exited(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

export interface Broker {
  url: string;
  /** What the broker logged, last 20,000 characters. */
  log(): string;
  /** Stops the broker (SIGTERM: a persistent one saves its sessions) and starts it again on its port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A Mosquitto on a free loopback port, with `settings` (mosquitto.conf lines: name → value)
 * added to its configuration. Sessions live in memory only, unless `persistent`: then they are
 * saved when it stops and outlive a restart.
 */
export async function startMosquitto(
  settings: Record<string, string | number> = {},
  options: { persistent?: boolean } = {},
): Promise<Broker> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ciop-mosquitto-'));
  // Started as root, Mosquitto drops to its own user, which must be able to save its sessions.
  if (options.persistent) chmodSync(dir, 0o777);
  const port = await freePort();
  const file = path.join(dir, 'mosquitto.conf');
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    ...(options.persistent ? ['persistence true', `persistence_location ${dir}/`] : ['persistence false']),
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    'log_type notice',
    'log_type information',
    ...Object.entries(settings).map(([name, value]) => `${name} ${value}`),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  const url = `mqtt://127.0.0.1:${port}`;
  let logs = '';
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(MOSQUITTO, ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = tail(child);
    const earlier = logs;
    const combined = () => (earlier + log()).slice(-20_000);
    const until = Date.now() + 10_000;
    for (;;) {
      try {
        const probe = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1000 });
        await probe.endAsync();
        break;
      } catch (error) {
        if (Date.now() > until || child.exitCode !== null) {
          child.kill('SIGKILL');
          rmSync(dir, { recursive: true, force: true });
          throw new Error(`mosquitto did not start: ${(error as Error).message}\n${combined()}`, {
            cause: error,
          });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return combined;
  };
  let log = await launch();
  return {
    url,
    log: () => log(),
    restart: async () => {
      await stopChild(child);
      logs = log();
      log = await launch();
    },
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Builds the server, as `npm start` does, into a folder of its own under `.tmp/` (so that a
 * replica starts in a few seconds, not the tens that transpiling on the fly takes on a busy
 * machine, and `dist/` is left alone). Returns the `ciop` command of that build and a remover.
 */
export async function buildReplicaServer(): Promise<{ command: string; remove(): void }> {
  const dir = path.join(ROOT, '.tmp', `replica-server-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  const script = pathToFileURL(path.join(ROOT, 'scripts', 'build-server.mjs')).href;
  const { buildServer } = (await import(script)) as {
    buildServer(root: string, outdir: string): Promise<void>;
  };
  await buildServer(ROOT, dir);
  const command = path.join(dir, 'ciop.mjs');
  writeFileSync(command, "import { main } from './main.js';\nawait main(process.argv.slice(2));\n");
  return { command, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Replica {
  url: string;
  /** What the process printed, last 20,000 characters. */
  log(): string;
  /** Ends the process at once, as a crash or an out-of-memory kill would. */
  kill(): Promise<void>;
  /** Asks the process to stop (SIGTERM) and waits for it. */
  stop(): Promise<void>;
}

/** Credentials of the admin every replica of these tests creates on an empty database. */
export const REPLICA_ADMIN = { email: 'replicas@ciop.example', password: 'replica admin password 2026' };

/**
 * A `ciop serve` child process (`command`: the `ciop` script to run) on `databaseUrl`,
 * answering on `port`, with `env` added.
 */
export async function startReplica(
  command: string,
  databaseUrl: string,
  port: number,
  env: Record<string, string>,
): Promise<Replica> {
  const child = spawn(process.execPath, [command, 'serve'], {
    cwd: ROOT,
    env: {
      ...process.env,
      CIOP_PORT: String(port),
      CIOP_HOST: '127.0.0.1',
      CIOP_DATABASE_URL: databaseUrl,
      CIOP_LOG_LEVEL: 'warn',
      CIOP_ADMIN_EMAIL: REPLICA_ADMIN.email,
      CIOP_ADMIN_PASSWORD: REPLICA_ADMIN.password,
      CIOP_RATE_LIMIT_PER_MINUTE: '0',
      CIOP_AUTH_RATE_PER_MINUTE: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = tail(child);
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ciop serve exited with ${child.exitCode}:\n${log()}`);
    try {
      // The HTTP server listens once the MQTT subscription is in place.
      if ((await fetch(`${url}/api/v1/health`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`ciop serve did not answer within 60 s:\n${log()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    log,
    kill: async () => {
      const done = exited(child);
      child.kill('SIGKILL');
      await done;
    },
    stop: () => stopChild(child),
  };
}

/** The line-protocol reading of message `i`: its value is `i`, its time `start + i` seconds. */
export function replicaMessage(sn: string, start: number, i: number): string {
  return `forwarder_data,SN=${sn},channel=1,device=1,medium=power value=${i} ${start + i * 1000}`;
}

export interface PublishRun {
  /** Messages handed to the broker. */
  published: number;
  /** Per message: whether the broker acknowledged it (PUBACK). */
  acknowledged: boolean[];
  /** Messages a second actually sent, over the time the stream took. */
  rate: number;
}

/**
 * Publishes `count` QoS 1 messages (MQTT 5) to `topic` at `perSecond`, pipelined as a gateway
 * forwarder sends them, and records which ones the broker acknowledged. `during` runs beside the
 * stream (e.g. to kill a replica at some point); the run ends when both are over and every
 * acknowledgement has come or `settleMs` has passed.
 */
export async function publishAtRate(
  brokerUrl: string,
  topic: string,
  count: number,
  perSecond: number,
  message: (i: number) => string,
  during: (progress: () => number) => Promise<void> = async () => undefined,
  settleMs = 10_000,
): Promise<PublishRun> {
  const client = await mqtt.connectAsync(brokerUrl, {
    protocolVersion: 5,
    clientId: `ciop-test-publisher-${process.pid}-${Date.now()}`,
    reconnectPeriod: 0,
  });
  const acknowledged = new Array<boolean>(count).fill(false);
  let published = 0;
  let answered = 0;
  const started = performance.now();
  const stream = (async () => {
    while (published < count) {
      const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * perSecond) + 1);
      for (; published < due; published++) {
        const i = published;
        client.publish(topic, message(i), { qos: 1 }, (error) => {
          answered++;
          if (!error) acknowledged[i] = true;
        });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const [ended] = await Promise.all([stream.then(() => performance.now()), during(() => published)]);
  const elapsed = (ended - started) / 1000;
  const until = Date.now() + settleMs;
  while (answered < published && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  await client.endAsync(true);
  return { published, acknowledged, rate: published / elapsed };
}

/** An admin's bearer header on `url`. */
export async function adminHeader(url: string): Promise<Record<string, string>> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(REPLICA_ADMIN),
  });
  if (!res.ok) throw new Error(`cannot log in: ${res.status} ${await res.text()}`);
  const { accessToken } = (await res.json()) as { accessToken: string };
  return { authorization: `Bearer ${accessToken}` };
}

/** The values stored for the sensor `sn`/1/1/power between `from` and `to` (epoch ms), read through the API. */
export async function storedValues(
  url: string,
  headers: Record<string, string>,
  sn: string,
  from: number,
  to: number,
): Promise<Set<number>> {
  const values = new Set<number>();
  let cursor: number | undefined = from;
  while (cursor !== undefined) {
    const query = `sn=${sn}&channel=1&device=1&medium=power&from=${cursor}&to=${to}&limit=10000`;
    const res = await fetch(`${url}/api/v1/readings?${query}`, { headers });
    if (res.status === 404) return values; // no reading of that sensor yet
    if (!res.ok) throw new Error(`GET /api/v1/readings: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { points: { t: number; v: number }[]; next?: number };
    for (const p of page.points) values.add(p.v);
    cursor = page.next;
  }
  return values;
}
