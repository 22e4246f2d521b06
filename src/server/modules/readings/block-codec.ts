/**
 * The binary layout of a series block: the readings of one series over whole UTC hours, and
 * the hourly rollups of those hours, in one compact value.
 *
 * Times are delta-of-delta coded (a regular 10-minute series costs one byte a reading); values
 * are coded as integer deltas when every value of the block is a decimal with at most six
 * digits after the point (sensor readings are), otherwise as raw float64. Hour rollups follow
 * the points so that hourly queries decode them without touching the points.
 *
 * Layout: [version 1 byte][scale 1 byte: 0–6 digits, 255 = float64][flags 1 byte: bit 0 = cumulative]
 *         [varint n][varint points byte length][points: n time codes, n value codes]
 *         [varint hour count][per hour: varint hour delta, varint count, then the hour's numbers]
 */

const VERSION = 1;
const FLOAT_MODE = 255;
export const HOUR_MS = 3_600_000;

/** Rollup of one series over one UTC hour. Quantities are in the series' unit. */
export interface HourRollup {
  /** Start of the hour, epoch ms. */
  hour: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** First and last reading of the hour (cumulative meters need them across hour boundaries). */
  first: number;
  last: number;
  /** Cumulative meters only: increase within the hour; a drop (reset) counts as zero. */
  increase: number;
}

/** Points of a block, sorted by time, unique times. */
export interface BlockPoints {
  times: Float64Array;
  values: Float64Array;
}

class Writer {
  buf = new Uint8Array(1024);
  pos = 0;

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + extra) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Non-negative integer up to 2^53. */
  uvarint(n: number): void {
    this.ensure(8);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  /** Signed integer of magnitude below 2^52, zigzag coded. */
  svarint(n: number): void {
    this.uvarint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  float(v: number): void {
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).setFloat64(0, v, true);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }

  reset(): this {
    this.pos = 0;
    return this;
  }
}

// Scratch space reused by every encode (the event loop runs one at a time).
const scratchBody = new Writer();
const scratchOut = new Writer();

class Reader {
  pos = 0;
  private view: DataView;

  constructor(readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  byte(): number {
    return this.buf[this.pos++];
  }

  uvarint(): number {
    let result = 0;
    let factor = 1;
    for (;;) {
      const b = this.buf[this.pos++];
      if (b === undefined) throw new Error('series block is truncated');
      result += (b & 0x7f) * factor;
      if (b < 0x80) return result;
      factor *= 0x80;
    }
  }

  svarint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  float(): number {
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
}

const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000];
const MAX_SCALED = 2 ** 51;

/** The fewest decimal digits (0–6) that represent every value exactly, or FLOAT_MODE. */
function decimalScale(values: Float64Array): number {
  let scale = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    while (scale <= 6) {
      const scaled = Math.round(v * POW10[scale]);
      if (Math.abs(scaled) < MAX_SCALED && scaled / POW10[scale] === v) break;
      scale++;
    }
    if (scale > 6) return FLOAT_MODE;
  }
  return scale;
}

/** Rollups of sorted points, one per UTC hour that has readings. */
export function rollupHours(points: BlockPoints, cumulative: boolean): HourRollup[] {
  const { times, values } = points;
  const hours: HourRollup[] = [];
  let current: HourRollup | undefined;
  for (let i = 0; i < times.length; i++) {
    const hour = Math.floor(times[i] / HOUR_MS) * HOUR_MS;
    const v = values[i];
    if (!current || current.hour !== hour) {
      current = { hour, count: 1, sum: v, min: v, max: v, first: v, last: v, increase: 0 };
      hours.push(current);
      continue;
    }
    current.count++;
    current.sum += v;
    if (v < current.min) current.min = v;
    if (v > current.max) current.max = v;
    if (cumulative && v > current.last) current.increase += v - current.last;
    current.last = v;
  }
  return hours;
}

/**
 * Encodes sorted points (strictly increasing times, all within whole hours starting at
 * `t0`) and their hourly rollups.
 */
export function encodeBlock(t0: number, points: BlockPoints, cumulative: boolean): Uint8Array {
  const { times, values } = points;
  const n = times.length;
  const scale = decimalScale(values);
  const factor = scale === FLOAT_MODE ? 1 : POW10[scale];

  const body = scratchBody.reset();
  let prevT = t0;
  let prevDelta = 0;
  for (let i = 0; i < n; i++) {
    const delta = times[i] - prevT;
    body.svarint(delta - prevDelta);
    prevDelta = delta;
    prevT = times[i];
  }
  if (scale === FLOAT_MODE) {
    for (let i = 0; i < n; i++) body.float(values[i]);
  } else {
    let prev = 0;
    for (let i = 0; i < n; i++) {
      const s = Math.round(values[i] * factor);
      body.svarint(s - prev);
      prev = s;
    }
  }

  const out = scratchOut.reset();
  out.byte(VERSION);
  out.byte(scale);
  out.byte(cumulative ? 1 : 0);
  out.uvarint(n);
  out.uvarint(body.pos);
  out.bytes(body.buf.subarray(0, body.pos));

  const hours = rollupHours(points, cumulative);
  out.uvarint(hours.length);
  let prevHour = Math.floor(t0 / HOUR_MS);
  for (const h of hours) {
    const index = h.hour / HOUR_MS;
    out.uvarint(index - prevHour);
    prevHour = index;
    out.uvarint(h.count);
    if (scale === FLOAT_MODE) {
      out.float(h.min);
      out.float(h.max);
      out.float(h.first);
      out.float(h.last);
      out.float(h.sum);
      if (cumulative) out.float(h.increase);
    } else {
      // Integers relative to the minimum stay small and non-negative.
      const min = Math.round(h.min * factor);
      out.svarint(min);
      out.uvarint(Math.round(h.max * factor) - min);
      out.uvarint(Math.round(h.first * factor) - min);
      out.uvarint(Math.round(h.last * factor) - min);
      out.uvarint(Math.round(h.sum * factor) - h.count * min);
      if (cumulative) out.uvarint(Math.round(h.increase * factor));
    }
  }
  return out.result();
}

interface Header {
  reader: Reader;
  scale: number;
  cumulative: boolean;
  n: number;
  pointsStart: number;
  pointsLength: number;
}

function readHeader(data: Uint8Array): Header {
  const reader = new Reader(data);
  const version = reader.byte();
  if (version !== VERSION) throw new Error(`series block version ${version} is not known`);
  const scale = reader.byte();
  const cumulative = (reader.byte() & 1) === 1;
  const n = reader.uvarint();
  const pointsLength = reader.uvarint();
  return { reader, scale, cumulative, n, pointsStart: reader.pos, pointsLength };
}

/** Decodes the points of a block. */
export function decodePoints(t0: number, data: Uint8Array): BlockPoints {
  const { reader, scale, n } = readHeader(data);
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  let prevT = t0;
  let prevDelta = 0;
  for (let i = 0; i < n; i++) {
    prevDelta += reader.svarint();
    prevT += prevDelta;
    times[i] = prevT;
  }
  if (scale === FLOAT_MODE) {
    for (let i = 0; i < n; i++) values[i] = reader.float();
  } else {
    const factor = POW10[scale];
    let s = 0;
    for (let i = 0; i < n; i++) {
      s += reader.svarint();
      values[i] = s / factor;
    }
  }
  return { times, values };
}

/** Decodes the hourly rollups of a block without decoding its points. */
export function decodeHours(t0: number, data: Uint8Array): HourRollup[] {
  const header = readHeader(data);
  const { reader, scale, cumulative } = header;
  reader.pos = header.pointsStart + header.pointsLength;
  const count = reader.uvarint();
  const hours: HourRollup[] = new Array(count);
  let hourIndex = Math.floor(t0 / HOUR_MS);
  const factor = scale === FLOAT_MODE ? 1 : POW10[scale];
  for (let i = 0; i < count; i++) {
    hourIndex += reader.uvarint();
    const n = reader.uvarint();
    let min: number, max: number, first: number, last: number, sum: number;
    let increase = 0;
    if (scale === FLOAT_MODE) {
      min = reader.float();
      max = reader.float();
      first = reader.float();
      last = reader.float();
      sum = reader.float();
      if (cumulative) increase = reader.float();
    } else {
      const minS = reader.svarint();
      min = minS / factor;
      max = (minS + reader.uvarint()) / factor;
      first = (minS + reader.uvarint()) / factor;
      last = (minS + reader.uvarint()) / factor;
      sum = (reader.uvarint() + n * minS) / factor;
      if (cumulative) increase = reader.uvarint() / factor;
    }
    hours[i] = { hour: hourIndex * HOUR_MS, count: n, sum, min, max, first, last, increase };
  }
  return hours;
}
