/**
 * The forwarders' load: `gateways` gateways × 4 sensors reporting every 10 minutes, in time
 * order, as `forwarder_data` lines with nanosecond timestamps.
 */
export const MEDIA = ['temperature', 'humidity', 'co2', 'power'] as const;
export const STEP_MS = 600_000;
export const LOAD_START = Date.UTC(2026, 0, 1);

export function serialOf(gateway: number): string {
  return (0xa000000000000000n + BigInt(gateway) * 7919n).toString(16).toUpperCase().padStart(16, '0');
}

/** Value of a sensor at a slot: realistic short decimals, varying smoothly. */
function valueOf(medium: number, gateway: number, slot: number): string {
  const phase = (slot % 144) / 144;
  const wave = Math.sin(2 * Math.PI * phase + gateway);
  switch (medium) {
    case 0:
      return (20 + wave * 2 + ((gateway * 7 + slot) % 5) / 10).toFixed(1);
    case 1:
      return (50 + wave * 8 + ((gateway + slot) % 3)).toFixed(1);
    case 2:
      return String(Math.round(600 + wave * 250 + ((gateway * 13 + slot) % 40)));
    default:
      return String(Math.round(300 + Math.abs(wave) * 900 + ((gateway * 31 + slot * 17) % 200)));
  }
}

/**
 * Yields request bodies of `linesPerRequest` lines until `points` lines have been made, from
 * `start`; the gateways are numbered from `firstGateway` (another number, another fleet).
 */
export function* forwarderBodies(
  gateways: number,
  points: number,
  linesPerRequest: number,
  start = LOAD_START,
  firstGateway = 0,
): Generator<string> {
  const prefixes: string[] = [];
  for (let g = firstGateway; g < firstGateway + gateways; g++) {
    for (const m of MEDIA)
      prefixes.push(
        `forwarder_data,SN=${serialOf(g)},channel=1,device=${MEDIA.indexOf(m) + 1},medium=${m} value=`,
      );
  }
  let made = 0;
  let lines: string[] = [];
  for (let slot = 0; made < points; slot++) {
    const ns = `${start + slot * STEP_MS}000000`;
    for (let i = 0; i < prefixes.length && made < points; i++, made++) {
      lines.push(`${prefixes[i]}${valueOf(i % 4, i >> 2, slot)} ${ns}`);
      if (lines.length === linesPerRequest) {
        yield lines.join('\n');
        lines = [];
      }
    }
  }
  if (lines.length > 0) yield lines.join('\n');
}

/** Sends the bodies with `writers` concurrent writers; returns elapsed ms. */
export async function sendAll(
  url: string,
  headers: Record<string, string>,
  bodies: Iterator<string>,
  writers: number,
): Promise<number> {
  const started = performance.now();
  const worker = async () => {
    for (;;) {
      const next = bodies.next();
      if (next.done) return;
      const res = await fetch(url, { method: 'POST', headers, body: next.value });
      if (res.status !== 204) throw new Error(`write refused: ${res.status} ${await res.text()}`);
    }
  };
  await Promise.all(Array.from({ length: writers }, worker));
  return performance.now() - started;
}

/** One request's answer time: when it was sent (ms since the load began) and how long it took. */
export interface Timed {
  at: number;
  ms: number;
}

/**
 * `clients` concurrent writers, each sending the next body as soon as its previous one is
 * answered, for `durationMs`; returns every request's answer time.
 */
export async function writeFor(
  url: string,
  headers: Record<string, string>,
  bodies: Iterator<string>,
  clients: number,
  durationMs: number,
): Promise<Timed[]> {
  const began = performance.now();
  const timed: Timed[] = [];
  const client = async () => {
    while (performance.now() - began < durationMs) {
      const next = bodies.next();
      if (next.done) return;
      const sent = performance.now();
      const res = await fetch(url, { method: 'POST', headers, body: next.value });
      if (res.status !== 204) throw new Error(`write refused: ${res.status} ${await res.text()}`);
      timed.push({ at: sent - began, ms: performance.now() - sent });
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return timed;
}

/**
 * An offered load (open loop): `pointsPerS` readings a second in batches of `linesPerRequest`,
 * spread evenly over `clients` clients, each sending on its own schedule whether or not its
 * earlier batches have been answered, for `durationMs`. A batch's time runs from when it was
 * due, so that the time it waited behind a slow server (or a late client) counts.
 */
export async function writeAtRate(
  url: string,
  headers: Record<string, string>,
  bodies: Iterator<string>,
  clients: number,
  pointsPerS: number,
  linesPerRequest: number,
  durationMs: number,
): Promise<Timed[]> {
  const began = performance.now();
  const timed: Timed[] = [];
  // Each client sends a batch every `interval` ms; client i starts i/clients of an interval in.
  const interval = (clients * linesPerRequest * 1000) / pointsPerS;
  const sending: Promise<void>[] = [];
  const send = async (due: number, body: string) => {
    const res = await fetch(url, { method: 'POST', headers, body });
    if (res.status !== 204) throw new Error(`write refused: ${res.status} ${await res.text()}`);
    timed.push({ at: due - began, ms: performance.now() - due });
  };
  const client = async (i: number) => {
    for (let k = 0; ; k++) {
      const due = began + (i / clients + k) * interval;
      if (due - began >= durationMs) return;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const next = bodies.next();
      if (next.done) return;
      sending.push(send(due, next.value));
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  await Promise.all(sending);
  return timed;
}

/** The `q` quantile (0–1) of some times, nearest rank. */
export function quantile(ms: number[], q: number): number {
  if (ms.length === 0) return NaN;
  const sorted = [...ms].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
