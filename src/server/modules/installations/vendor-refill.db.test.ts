import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InstallationCoverage } from '#common/api/installations.ts';
import type { VendorRefill } from '#common/api/vendor.ts';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';
import { VendorClient, VendorError } from './vendor-adapter.ts';
import { VendorRefillService } from './vendor-refill.ts';

const MIN = 60_000;
const TOKEN = 'vendor-secret';

interface Stored {
  channel: string;
  device: string;
  medium: string;
  time: string;
  value: number;
}

/**
 * A small manufacturer's platform after the shape CIOP documents: `GET
 * /gateways/{serial}/readings?from&to&page` behind a bearer token, pages of `pageSize` readings
 * with a `next` cursor. Each page repeats the last reading of the page before (duplicates), and
 * it can be told to fail a number of times (transiently, 503) or for good (500) per serial.
 */
class FakeVendor {
  server!: Server;
  url = '';
  readings = new Map<string, Stored[]>();
  /** Serial → how many of its next requests answer 503. */
  flaky = new Map<string, number>();
  /** Serials whose every request answers 500. */
  broken = new Set<string>();
  pageSize = 50;
  /** Every request: serial, from, to, page. */
  requests: { sn: string; from: number; to: number; page: string | null; status: number }[] = [];
  retryAfter: string | undefined = '0';

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const m = /^\/api\/gateways\/([^/]+)\/readings$/.exec(url.pathname);
    const sn = m ? decodeURIComponent(m[1]) : '';
    const from = Date.parse(url.searchParams.get('from') ?? '');
    const to = Date.parse(url.searchParams.get('to') ?? '');
    const page = url.searchParams.get('page');
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ sn, from, to, page, status });
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return answer(401, { error: 'unauthorised' });
    if (!m || !Number.isFinite(from) || !Number.isFinite(to)) return answer(400, { error: 'bad request' });
    const flaky = this.flaky.get(sn) ?? 0;
    if (flaky > 0) {
      this.flaky.set(sn, flaky - 1);
      return answer(
        503,
        { error: 'busy' },
        this.retryAfter === undefined ? {} : { 'retry-after': this.retryAfter },
      );
    }
    if (this.broken.has(sn))
      return answer(
        500,
        { error: 'internal error' },
        this.retryAfter === undefined ? {} : { 'retry-after': this.retryAfter },
      );
    const all = this.readings.get(sn);
    if (!all) return answer(404, { error: 'unknown gateway' });
    const within = all.filter((r) => Date.parse(r.time) >= from && Date.parse(r.time) <= to);
    const start = page === null ? 0 : Number(page);
    // Each page after the first starts with the last reading of the one before.
    const first = Math.max(0, start - (start > 0 ? 1 : 0));
    const slice = within.slice(first, start + this.pageSize);
    const next = start + this.pageSize < within.length ? String(start + this.pageSize) : null;
    answer(200, { serial: sn, readings: slice, next });
  }
}

/** Readings of a 10-minute temperature sensor over [from, to), on the platform's side. */
const series = (from: number, to: number, channel = '1', device = '1'): Stored[] => {
  const out: Stored[] = [];
  for (let t = from; t < to; t += 10 * MIN)
    out.push({
      channel,
      device,
      medium: 'temperature',
      time: new Date(t).toISOString(),
      value: 20 + (t % 7) / 10,
    });
  return out;
};

describe('filling gaps from the manufacturer’s platform', () => {
  const vendor = new FakeVendor();
  let t: TestPlatform;
  let installer: Record<string, string>;
  let a: TestPlace;
  let b: TestPlace;
  /** Starts of the last days, in the city's time zone: day[1] is the day before yesterday. */
  let day: number[];

  beforeAll(async () => {
    await vendor.start();
    t = await openTestPlatform({ vendorUrl: vendor.url, vendorToken: TOKEN, vendorHorizonDays: 7 });
    ({ a, b } = await createPlaces(t));
    installer = await headersAs(t, { roles: ['installer'] });
    const today = DateTime.now().setZone(t.platform.config.timezone).startOf('day');
    day = [3, 2, 1, 0].map((n) => today.minus({ days: n }).toMillis());
  });
  afterAll(async () => {
    await t?.close();
    await vendor.stop();
  });

  /** Stores what the gateway sent CIOP itself: every 10 minutes, but for [gapFrom, gapTo). */
  const ingestWithGap = async (
    place: TestPlace,
    from: number,
    to: number,
    gapFrom: number,
    gapTo: number,
  ) => {
    const readings = series(from, to)
      .filter((r) => Date.parse(r.time) < gapFrom || Date.parse(r.time) >= gapTo)
      .map((r) => ({
        sn: place.sn,
        channel: r.channel,
        device: r.device,
        medium: r.medium,
        ts: r.time,
        value: r.value,
      }));
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ingest',
      headers: t.ingestHeaders,
      payload: { readings },
    });
    expect(res.statusCode, res.body).toBe(200);
  };
  const coverage = async (place: TestPlace, from: number, to: number) => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/installations/coverage?dwelling=${place.dwellingId}&from=${from}&to=${to - 1}`,
      headers: installer,
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as InstallationCoverage).sensors.find((s) => s.sensorId === place.sensorId)!.days;
  };
  const storedCount = async (place: TestPlace, from: number, to: number) => {
    await t.platform.engine.flush();
    const res = await t.app.inject({
      method: 'GET',
      url: `/api/v1/readings?sensor=${place.sensorId}&from=${from}&to=${to - 1}&limit=10000`,
      headers: installer,
    });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { points: unknown[] }).points.length;
  };
  const refill = (place: TestPlace, from: number, to: number, headers = installer) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/installations/gateways/${place.gatewayId}/refill?from=${from}&to=${to - 1}`,
      headers,
    });

  it('fills a gap on demand through pages, duplicates and a busy platform; the heatmap cell turns complete', async () => {
    const [d0, d1, d2] = day;
    await ingestWithGap(a, d0, d2, d1 + 6 * 60 * MIN, d1 + 18 * 60 * MIN);
    vendor.readings.set(a.sn, series(d0, d2));
    const before = await coverage(a, d0, d2);
    expect(before.map((d) => d.share)).toEqual([1, 0.5]);

    vendor.flaky.set(a.sn, 2);
    vendor.requests.length = 0;
    const res = await refill(a, d1, d2);
    expect(res.statusCode, res.body).toBe(200);
    const done = res.json() as VendorRefill;
    const perDay = (d2 - d1) / (10 * MIN);
    expect(done).toMatchObject({
      gatewayId: a.gatewayId,
      sn: a.sn,
      from: d1,
      to: d2 - 1,
      trigger: 'request',
    });
    expect(done).toMatchObject({ outcome: 'ok', error: null, stored: perDay });
    expect(done.pages).toBe(Math.ceil(perDay / vendor.pageSize));
    expect(done.received).toBe(perDay + done.pages - 1);
    // Two 503s, then every page once.
    expect(vendor.requests.map((r) => r.status)).toEqual([503, 503, ...Array(done.pages).fill(200)]);

    expect((await coverage(a, d0, d2)).map((d) => d.share)).toEqual([1, 1]);
    expect(await storedCount(a, d0, d2)).toBe(2 * perDay);

    // Asking again stores nothing twice.
    const again = await refill(a, d0, d2);
    expect(again.statusCode, again.body).toBe(200);
    expect(await storedCount(a, d0, d2)).toBe(2 * perDay);
    expect((await coverage(a, d0, d2)).map((d) => d.share)).toEqual([1, 1]);
  });

  it('records and reports a platform that keeps failing, and refuses whom may not ask', async () => {
    const [, d1, d2] = day;
    vendor.broken.add(b.sn);
    const res = await refill(b, d1, d2);
    expect(res.statusCode, res.body).toBe(502);
    expect(res.json().detail).toMatch(/failed 5 times; the last: HTTP 500/);
    vendor.broken.delete(b.sn);

    const list = await t.app.inject({
      method: 'GET',
      url: `/api/v1/installations/gateways/${b.gatewayId}/refills`,
      headers: installer,
    });
    expect(list.statusCode, list.body).toBe(200);
    const [latest] = (list.json() as { items: VendorRefill[] }).items;
    expect(latest).toMatchObject({ outcome: 'failed', trigger: 'request', stored: 0 });
    expect(latest.error).toMatch(/HTTP 500/);

    const resident = await headersAs(t, { roles: ['resident'], dwellingIds: [b.dwellingId] });
    expect((await refill(b, d1, d2, resident)).statusCode).toBe(403);
    expect((await refill(b, d2, d1, installer)).statusCode).toBe(400);
  });

  it('the job asks for the heatmap’s gaps within the horizon, and a failing gateway does not stop it', async () => {
    const [d0, , d2, today] = day;
    // b reported only yesterday's morning; its platform holds ten days, three beyond the horizon.
    const old = DateTime.fromMillis(d0, { zone: t.platform.config.timezone }).minus({ days: 7 }).toMillis();
    await ingestWithGap(b, d2, today, d2 + 12 * 60 * MIN, today);
    vendor.readings.set(b.sn, series(old, today));
    // a's platform fails for good; a had no gap left, a gap yesterday makes it ask.
    await ingestWithGap(a, d2, today, d2 + 20 * 60 * MIN, today);
    vendor.broken.add(a.sn);

    const platform = t.platform;
    const job = new VendorRefillService(
      platform.database.db,
      platform.ingest,
      platform.registry,
      platform.installations,
      new VendorClient({ url: vendor.url, token: TOKEN, backoffMs: 1 }),
      platform.logger,
      platform.clock,
      { timezone: platform.config.timezone, horizonDays: 7 },
    );
    vendor.requests.length = 0;
    vendor.retryAfter = undefined;
    const result = await job.fillGaps(Date.now());
    vendor.retryAfter = '0';
    vendor.broken.delete(a.sn);

    // b: one run of days (all but yesterday's morning missing); a: the days before its readings
    // began, and yesterday's evening, both failing.
    expect(result).toEqual({ gateways: 2, requests: 3, failed: 2 });
    const horizon = day[3] - 7 * 86_400_000 - 2 * 3_600_000;
    expect(vendor.requests.every((r) => r.from >= horizon && r.to < today)).toBe(true);
    expect(vendor.requests.filter((r) => r.sn === a.sn && r.status === 500)).toHaveLength(10);
    expect((await coverage(b, d2, today)).map((d) => d.share)).toEqual([1]);
    // The days of b before its readings began were asked for too, and filled.
    expect((await coverage(b, d0, d2)).every((d) => d.share === 1)).toBe(true);
    expect((await coverage(a, d2, today)).map((d) => d.share)).toEqual([20 / 24]);
  });
});

describe('the manufacturer’s platform client', () => {
  const vendor = new FakeVendor();
  beforeAll(() => vendor.start());
  afterAll(() => vendor.stop());

  it('waits longer after each failure when the platform does not say how long', async () => {
    vendor.readings.set('00000000000000AA', series(0, 30 * MIN));
    vendor.flaky.set('00000000000000AA', 3);
    vendor.retryAfter = undefined;
    const client = new VendorClient({ url: vendor.url, token: TOKEN, backoffMs: 40 });
    const started = Date.now();
    const pages = [];
    for await (const page of client.readings('00000000000000AA', 0, 30 * MIN)) pages.push(page);
    // 40 + 80 + 160 ms of waiting.
    expect(Date.now() - started).toBeGreaterThanOrEqual(270);
    expect(pages.flatMap((p) => p.readings)).toHaveLength(3);
    vendor.retryAfter = '0';
  });

  it('gives up at once on a wrong token or an unknown gateway', async () => {
    vendor.requests.length = 0;
    const wrong = new VendorClient({ url: vendor.url, token: 'nope', backoffMs: 1 });
    const first = wrong.readings('00000000000000AA', 0, MIN).next();
    await expect(first).rejects.toThrow(/HTTP 401.*CIOP_VENDOR_TOKEN/);
    const client = new VendorClient({ url: vendor.url, token: TOKEN, backoffMs: 1 });
    await expect(client.readings('00000000000000BB', 0, MIN).next()).rejects.toBeInstanceOf(VendorError);
    expect(vendor.requests.map((r) => r.status)).toEqual([401, 404]);
  });
});
