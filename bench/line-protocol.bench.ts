// Line protocol parsing speed on the shape CIOP's forwarders send.
//
//   node --import tsx bench/line-protocol.bench.ts [lines per body] [seconds per case]
//
// Prints lines/s and MB/s for CIOP's parser beside two references on the same points: JSON.parse
// of the equivalent JSON batch (the other ingest format) and a naive split-based reader that
// validates nothing. The parser is measured twice: on a body whose series it has seen (every
// minute the city's forwarders send the same series again) and on bodies of series it has never
// seen (a bulk import). Goal: >= 1.5 million forwarder lines/s on one core.

import { parseLines } from '../src/common/line-protocol/index.ts';

const LINES = Number(process.argv[2] ?? 5_000);
const SECONDS = Number(process.argv[3] ?? 3);

const MEDIA = ['temperature', 'humidity', 'co2', 'power'] as const;

/**
 * A deterministic forwarder body: gateways × channels × devices × media, ns timestamps.
 * `firstGateway` shifts the serial numbers, so that bodies can be made of series never seen.
 */
function forwarderBody(lines: number, firstGateway = 0, gateways = 250): { text: string; json: string } {
  const rows: string[] = [];
  const objects: unknown[] = [];
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let i = 0; i < lines; i++) {
    const sn = (0x0123456789a00000 + firstGateway + (i % gateways))
      .toString(16)
      .toUpperCase()
      .padStart(16, '0');
    const channel = 1 + (i % 4);
    const device = 1 + ((i >> 2) % 8);
    const medium = MEDIA[(i >> 5) % MEDIA.length];
    const value = Math.round((15 + random() * 15) * 100) / 100;
    const time = `${1_700_000_000 + Math.floor(i / 250) * 60}000000000`;
    rows.push(
      `forwarder_data,SN=${sn},channel=${channel},device=${device},medium=${medium} value=${value} ${time}`,
    );
    objects.push({
      measurement: 'forwarder_data',
      tags: { SN: sn, channel: String(channel), device: String(device), medium },
      fields: { value },
      time: Number(time.slice(0, -6)),
    });
  }
  return { text: `${rows.join('\n')}\n`, json: JSON.stringify(objects) };
}

/** Splits on separators without escaping, quoting or checks: a floor for what parsing costs. */
function naiveParse(body: string): unknown[] {
  const out: unknown[] = [];
  for (const line of body.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [key, fieldSet, time] = line.split(' ');
    const [measurement, ...tagPairs] = key.split(',');
    const tags = tagPairs.map((pair) => pair.split('=') as [string, string]);
    const fields = fieldSet.split(',').map((pair) => {
      const [k, v] = pair.split('=');
      return [k, Number(v)] as const;
    });
    out.push({ measurement, tags, fields, time: Number(time.slice(0, -6)) });
  }
  return out;
}

function measure(name: string, bytes: number, run: () => number): number {
  for (let i = 0; i < 20; i++) run(); // warm up the JIT
  let lines = 0;
  let rounds = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(SECONDS * 1e9));
  let now = start;
  while (now < deadline) {
    lines += run();
    rounds++;
    now = process.hrtime.bigint();
  }
  const seconds = Number(now - start) / 1e9;
  const linesPerSecond = lines / seconds;
  const megabytesPerSecond = (bytes * rounds) / seconds / 1e6;
  console.log(
    `${name.padEnd(34)} ${Math.round(linesPerSecond).toLocaleString('en').padStart(11)} lines/s` +
      `  ${megabytesPerSecond.toFixed(1).padStart(6)} MB/s`,
  );
  return linesPerSecond;
}

const { text, json } = forwarderBody(LINES);
const nowMs = Date.now();
const textBytes = Buffer.byteLength(text);
const jsonBytes = Buffer.byteLength(json);
console.log(
  `${LINES} forwarder lines per body, ${textBytes} bytes (JSON ${jsonBytes} bytes), node ${process.version}`,
);

const ciop = measure('CIOP parseLines', textBytes, () => parseLines(text, { precision: 'ns', nowMs }).length);
// Worst case for the series cache: every line a series not seen for 20 bodies.
const fresh = Array.from({ length: 20 }, (_, i) => forwarderBody(LINES, i * LINES, LINES).text);
let next = 0;
measure('CIOP parseLines, every series new', Buffer.byteLength(fresh[0]), () => {
  next = (next + 1) % fresh.length;
  return parseLines(fresh[next], { precision: 'ns', nowMs }).length;
});
measure('reference: JSON.parse of the batch', jsonBytes, () => (JSON.parse(json) as unknown[]).length);
measure('reference: naive split, no checks', textBytes, () => naiveParse(text).length);

const goal = 1_500_000;
console.log(`goal ${goal.toLocaleString('en')} forwarder lines/s: ${ciop >= goal ? 'met' : 'NOT met'}`);
