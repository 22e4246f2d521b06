/** One reading as the manufacturer's platform sends it. */
export interface VendorReading {
  channel: string;
  device: string;
  medium: string;
  /** Epoch ms. */
  t: number;
  value: number;
}

/** One page of a gateway's readings. */
export interface VendorPage {
  readings: VendorReading[];
  /** Readings of the page that could not be read (no time, no number), skipped. */
  malformed: number;
}

export interface VendorOptions {
  /** Base URL, e.g. `https://cloud.example.com/api/v1`. */
  url: string;
  token: string;
  /** First wait after a 5xx, a 429 without Retry-After or a broken connection, ms; doubled each time. */
  backoffMs?: number;
  /** Attempts of one page before the request counts as failed. */
  maxAttempts?: number;
  /** Longest wait for one answer, ms. */
  timeoutMs?: number;
  /** Most pages of one request, so that a platform repeating its cursor cannot hold the job. */
  maxPages?: number;
}

/** The platform refused the request, or kept failing: the run is recorded as failed. */
export class VendorError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Statuses worth asking again after a wait: the platform is busy or briefly down. */
const TRANSIENT = new Set([408, 429, 500, 502, 503, 504]);

/**
 * A client of the gateway manufacturer's platform:
 * `GET {base}/gateways/{serial}/readings?from=…&to=…[&page=…]` with `Authorization: Bearer`,
 * answering `{ "readings": [{ channel, device, medium, time, value }], "next": cursor | null }`
 * (times ISO 8601 or epoch ms). A 429, a 5xx or a broken connection is tried again after a
 * doubling wait (Retry-After when given); a 4xx is final.
 */
export class VendorClient {
  private readonly backoffMs: number;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;
  private readonly maxPages: number;

  constructor(private readonly options: VendorOptions) {
    this.backoffMs = options.backoffMs ?? 1000;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxPages = options.maxPages ?? 10_000;
  }

  private url(sn: string, query: Record<string, string>): string {
    const base = this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`;
    const u = new URL(`gateways/${encodeURIComponent(sn)}/readings`, base);
    for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v);
    return u.toString();
  }

  /** One page, asked again while the failure is transient. */
  private async fetchPage(url: string): Promise<unknown> {
    let wait = this.backoffMs;
    for (let attempt = 1; ; attempt++) {
      let failure: string;
      let retryAfterS = NaN;
      try {
        const res = await fetch(url, {
          headers: { authorization: `Bearer ${this.options.token}`, accept: 'application/json' },
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        if (res.ok) {
          try {
            return await res.json();
          } catch {
            throw new VendorError(`The manufacturer's platform answered something that is not JSON.`);
          }
        }
        const text = (await res.text()).slice(0, 200).trim();
        failure = `HTTP ${res.status}${text ? ` (${text})` : ''}`;
        if (!TRANSIENT.has(res.status)) {
          const why =
            res.status === 401 || res.status === 403
              ? ' — check CIOP_VENDOR_TOKEN'
              : res.status === 404
                ? ' — the platform does not know this gateway'
                : '';
          throw new VendorError(`The manufacturer's platform answered ${failure}${why}.`, res.status);
        }
        const retryAfter = res.headers.get('retry-after');
        if (retryAfter !== null && retryAfter.trim() !== '') retryAfterS = Number(retryAfter);
      } catch (error) {
        if (error instanceof VendorError) throw error;
        failure = (error as Error).message;
      }
      if (attempt >= this.maxAttempts)
        throw new VendorError(`The manufacturer's platform failed ${attempt} times; the last: ${failure}.`);
      // A Retry-After is followed up to a minute, so that one gateway cannot hold the job for hours.
      await sleep(
        Number.isFinite(retryAfterS) && retryAfterS >= 0 ? Math.min(retryAfterS * 1000, 60_000) : wait,
      );
      wait *= 2;
    }
  }

  /** The readings a gateway sent over [from, to] (epoch ms, inclusive), page by page. */
  async *readings(sn: string, from: number, to: number): AsyncGenerator<VendorPage> {
    const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
    let cursor: string | undefined;
    for (let page = 0; page < this.maxPages; page++) {
      const body = await this.fetchPage(
        this.url(sn, cursor === undefined ? range : { ...range, page: cursor }),
      );
      yield parsePage(body);
      const next = (body as { next?: unknown }).next;
      if (next === undefined || next === null || next === '') return;
      cursor = String(next);
    }
    throw new VendorError(`The manufacturer's platform kept paging beyond ${this.maxPages} pages.`);
  }
}

/** Reads a page; a page without a list of readings is a broken answer. */
function parsePage(body: unknown): VendorPage {
  const list = (body as { readings?: unknown } | null)?.readings;
  if (!Array.isArray(list))
    throw new VendorError(`The manufacturer's platform answered a page without a "readings" list.`);
  const readings: VendorReading[] = [];
  let malformed = 0;
  for (const raw of list as Record<string, unknown>[]) {
    const time = raw?.time ?? raw?.ts;
    const t = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : NaN;
    const value = typeof raw?.value === 'number' ? raw.value : NaN;
    const medium = typeof raw?.medium === 'string' ? raw.medium : '';
    const channel = String(raw?.channel ?? '');
    const device = String(raw?.device ?? '');
    const named = (s: string) => s.length >= 1 && s.length <= 64;
    if (
      !Number.isFinite(t) ||
      !Number.isFinite(value) ||
      !/^[a-z0-9_]{1,64}$/.test(medium) ||
      !named(channel) ||
      !named(device)
    ) {
      malformed++;
      continue;
    }
    readings.push({ channel, device, medium, t, value });
  }
  return { readings, malformed };
}
