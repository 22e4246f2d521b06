import { HOUR_MS } from '#common/time.ts';
/**
 * The binary layout of a series block: the readings of one series over whole UTC hours, and
 * the hourly rollups of those hours, in one compact value.
 *
 * Times are delta-of-delta coded (a regular 10-minute series costs one byte a reading); values
 * are coded as integer deltas when every value of the block is a decimal with at most six
 * digits after the point (sensor readings are), otherwise as raw float64. Hour rollups follow
 * the points so that hourly queries decode them without touching the points.
 *
 * Layout (version 3): a fixed header — version, scale (0–6 digits, 255 = float64), flags
 * (bit 0 = cumulative, bit 1 = hours derived from the points), n, the coder's state after the
 * last reading (time, time delta, scaled value, zero time codes not yet written), the byte
 * lengths of the sections, the hour count and where the last hour's entry starts — then the
 * time codes, the n value codes, and one entry per hour (varint hour delta, varint count, the
 * hour's numbers). Time codes are run-length coded: each non-zero delta-of-delta follows the
 * count of zeros before it, so a regular series costs a few bytes a block for its times. Slow
 * series (a reading every few minutes) keep no hour entries: their hours are rolled up from the
 * points on reading, exactly as they would have been stored. The state in the header lets a
 * compaction append readings that come after the block's last one without decoding it:
 * readings arrive in time order. Versions 1 (no header state, one points section) and 2 (one
 * time code per reading, hour entries always) are still read; a block of an older version is
 * coded again in version 3 when readings are next merged into it.
 */

const VERSION = 3;
const HEADER_V2 = 55;
const HEADER = 59;
const FLOAT_MODE = 255;
/** Flag bits of the header's third byte. */
const CUMULATIVE = 1;
const DERIVED_HOURS = 2;
/**
 * Blocks with at most this many readings an hour on average keep no hour entries: their hours
 * are rolled up from the points when read, which costs no more than reading the entries would.
 */
const DERIVE_HOURS_UP_TO = 16;

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

/** One hour's entry: its hour index relative to `previous`, its count and its numbers. */
function writeHour(out: Writer, h: HourRollup, previous: number, scale: number, cumulative: boolean): void {
  out.uvarint(h.hour / HOUR_MS - previous);
  out.uvarint(h.count);
  if (scale === FLOAT_MODE) {
    out.float(h.min);
    out.float(h.max);
    out.float(h.first);
    out.float(h.last);
    out.float(h.sum);
    if (cumulative) out.float(h.increase);
    return;
  }
  // Integers relative to the minimum stay small and non-negative.
  const factor = POW10[scale];
  const min = Math.round(h.min * factor);
  out.svarint(min);
  out.uvarint(Math.round(h.max * factor) - min);
  out.uvarint(Math.round(h.first * factor) - min);
  out.uvarint(Math.round(h.last * factor) - min);
  out.uvarint(Math.round(h.sum * factor) - h.count * min);
  if (cumulative) out.uvarint(Math.round(h.increase * factor));
}

function readHour(reader: Reader, previous: number, scale: number, cumulative: boolean): HourRollup {
  const index = previous + reader.uvarint();
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
    const factor = POW10[scale];
    const minS = reader.svarint();
    min = minS / factor;
    max = (minS + reader.uvarint()) / factor;
    first = (minS + reader.uvarint()) / factor;
    last = (minS + reader.uvarint()) / factor;
    sum = (reader.uvarint() + n * minS) / factor;
    if (cumulative) increase = reader.uvarint() / factor;
  }
  return { hour: index * HOUR_MS, count: n, sum, min, max, first, last, increase };
}

/** The coder's state after a block's last reading, kept in the header. */
interface Tail {
  lastT: number;
  lastDelta: number;
  /** Scaled last value (decimal scales) or the value itself (float64). */
  lastS: number;
  /** Zero delta-of-delta codes after the last one written. */
  zeros: number;
}

/** Codes times and values continuing from `tail` into two fresh byte arrays. */
function encodeReadings(
  points: BlockPoints,
  scale: number,
  tail: Tail,
): { times: Uint8Array; values: Uint8Array; tail: Tail } {
  const { times, values } = points;
  const body = scratchBody.reset();
  let prevT = tail.lastT;
  let prevDelta = tail.lastDelta;
  let zeros = tail.zeros;
  for (let i = 0; i < times.length; i++) {
    const delta = times[i] - prevT;
    if (delta === prevDelta) {
      zeros++;
    } else {
      body.uvarint(zeros);
      body.svarint(delta - prevDelta);
      zeros = 0;
    }
    prevDelta = delta;
    prevT = times[i];
  }
  const timeBytes = body.result();
  body.reset();
  let prev = tail.lastS;
  if (scale === FLOAT_MODE) {
    for (let i = 0; i < values.length; i++) body.float(values[i]);
    if (values.length > 0) prev = values[values.length - 1];
  } else {
    const factor = POW10[scale];
    for (let i = 0; i < values.length; i++) {
      const s = Math.round(values[i] * factor);
      body.svarint(s - prev);
      prev = s;
    }
  }
  return {
    times: timeBytes,
    values: body.result(),
    tail: { lastT: prevT, lastDelta: prevDelta, lastS: prev, zeros },
  };
}

interface HoursSection {
  bytes: Uint8Array;
  count: number;
  lastOffset: number;
  beforeLast: number;
  last: number;
}

/** Codes hour entries after `prefix` (earlier entries, already coded), the first relative to `previous`. */
function encodeHours(
  prefix: Uint8Array,
  prefixCount: number,
  hours: HourRollup[],
  previous: number,
  scale: number,
  cumulative: boolean,
  fallback: Omit<HoursSection, 'bytes' | 'count'>,
): HoursSection {
  const out = scratchOut.reset();
  out.bytes(prefix);
  let { lastOffset, beforeLast, last } = fallback;
  for (const h of hours) {
    lastOffset = out.pos;
    beforeLast = previous;
    writeHour(out, h, previous, scale, cumulative);
    previous = h.hour / HOUR_MS;
    last = previous;
  }
  return { bytes: out.result(), count: prefixCount + hours.length, lastOffset, beforeLast, last };
}

function assemble(
  scale: number,
  flags: number,
  n: number,
  tail: Tail,
  times: Uint8Array[],
  values: Uint8Array[],
  hours: HoursSection,
): Uint8Array {
  const timesLen = times.reduce((sum, b) => sum + b.length, 0);
  const valuesLen = values.reduce((sum, b) => sum + b.length, 0);
  const out = new Uint8Array(HEADER + timesLen + valuesLen + hours.bytes.length);
  const view = new DataView(out.buffer);
  out[0] = VERSION;
  out[1] = scale;
  out[2] = flags;
  view.setUint32(3, n, true);
  view.setFloat64(7, tail.lastT, true);
  view.setFloat64(15, tail.lastDelta, true);
  view.setFloat64(23, tail.lastS, true);
  view.setUint32(31, timesLen, true);
  view.setUint32(35, valuesLen, true);
  view.setUint32(39, hours.count, true);
  view.setUint32(43, hours.lastOffset, true);
  view.setUint32(47, hours.beforeLast, true);
  view.setUint32(51, hours.last, true);
  view.setUint32(55, tail.zeros, true);
  let at = HEADER;
  for (const part of [...times, ...values, hours.bytes]) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Encodes sorted points (strictly increasing times, all within whole hours starting at
 * `t0`) and their hourly rollups.
 */
export function encodeBlock(t0: number, points: BlockPoints, cumulative: boolean): Uint8Array {
  const scale = decimalScale(points.values);
  const readings = encodeReadings(points, scale, { lastT: t0, lastDelta: 0, lastS: 0, zeros: 0 });
  const first = Math.floor(t0 / HOUR_MS);
  const rollups = rollupHours(points, cumulative);
  const derived = points.times.length <= DERIVE_HOURS_UP_TO * rollups.length;
  const hours = encodeHours(new Uint8Array(0), 0, derived ? [] : rollups, first, scale, cumulative, {
    lastOffset: 0,
    beforeLast: first,
    last: first,
  });
  return assemble(
    scale,
    (cumulative ? CUMULATIVE : 0) | (derived ? DERIVED_HOURS : 0),
    points.times.length,
    readings.tail,
    [readings.times],
    [readings.values],
    hours,
  );
}

interface Header {
  version: number;
  derived: boolean;
  zeros: number;
  reader: Reader;
  view: DataView;
  scale: number;
  cumulative: boolean;
  n: number;
  timesStart: number;
  valuesStart: number;
  hoursStart: number;
  hourCount: number;
}

function readHeader(data: Uint8Array): Header {
  const reader = new Reader(data);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const version = data[0];
  if (version === 2 || version === 3) {
    const start = version === 3 ? HEADER : HEADER_V2;
    const timesLen = view.getUint32(31, true);
    const valuesLen = view.getUint32(35, true);
    return {
      version,
      derived: version === 3 && (data[2] & DERIVED_HOURS) !== 0,
      zeros: version === 3 ? view.getUint32(55, true) : 0,
      reader,
      view,
      scale: data[1],
      cumulative: (data[2] & CUMULATIVE) !== 0,
      n: view.getUint32(3, true),
      timesStart: start,
      valuesStart: start + timesLen,
      hoursStart: start + timesLen + valuesLen,
      hourCount: view.getUint32(39, true),
    };
  }
  if (version !== 1) throw new Error(`series block version ${version} is not known`);
  reader.pos = 1;
  const scale = reader.byte();
  const cumulative = (reader.byte() & 1) === 1;
  const n = reader.uvarint();
  const pointsLength = reader.uvarint();
  const timesStart = reader.pos;
  // Version 1 keeps the values right after the times, with no length between them.
  reader.pos = timesStart;
  for (let i = 0; i < n; i++) reader.uvarint();
  const valuesStart = reader.pos;
  reader.pos = timesStart + pointsLength;
  const hourCount = reader.uvarint();
  return {
    version,
    derived: false,
    zeros: 0,
    reader,
    view,
    scale,
    cumulative,
    n,
    timesStart,
    valuesStart,
    hoursStart: reader.pos,
    hourCount,
  };
}

/**
 * Decodes the points of a block; with `scaled`, decimal values are given as the block's
 * integers (value × 10^scale) rather than divided.
 */
function decode(t0: number, h: Header, scaled: boolean): BlockPoints {
  const { reader, scale, n, timesStart, valuesStart } = h;
  const times = new Float64Array(n);
  const values = new Float64Array(n);
  reader.pos = timesStart;
  let prevT = t0;
  let prevDelta = 0;
  if (h.version === 3) {
    let i = 0;
    while (reader.pos < valuesStart) {
      for (let zeros = reader.uvarint(); zeros > 0; zeros--) times[i++] = prevT += prevDelta;
      prevDelta += reader.svarint();
      times[i++] = prevT += prevDelta;
    }
    for (let zeros = h.zeros; zeros > 0; zeros--) times[i++] = prevT += prevDelta;
    if (i !== n) throw new Error(`series block holds ${i} times for ${n} readings`);
  } else {
    for (let i = 0; i < n; i++) {
      prevDelta += reader.svarint();
      prevT += prevDelta;
      times[i] = prevT;
    }
  }
  reader.pos = valuesStart;
  if (scale === FLOAT_MODE) {
    for (let i = 0; i < n; i++) values[i] = reader.float();
  } else {
    const factor = scaled ? 1 : POW10[scale];
    let s = 0;
    for (let i = 0; i < n; i++) {
      s += reader.svarint();
      values[i] = s / factor;
    }
  }
  return { times, values };
}

/** Decodes the points of a block. */
export function decodePoints(t0: number, data: Uint8Array): BlockPoints {
  return decode(t0, readHeader(data), false);
}

/**
 * Rolls up a block's hours from its points, as they would have been stored: decimal values are
 * summed as the block's integers, so sums are as exact as stored ones.
 */
function deriveHours(t0: number, h: Header): HourRollup[] {
  if (h.scale === FLOAT_MODE) return rollupHours(decode(t0, h, false), h.cumulative);
  const hours = rollupHours(decode(t0, h, true), h.cumulative);
  const factor = POW10[h.scale];
  for (const x of hours) {
    x.sum /= factor;
    x.min /= factor;
    x.max /= factor;
    x.first /= factor;
    x.last /= factor;
    x.increase /= factor;
  }
  return hours;
}

/** Decodes the hourly rollups of a block without decoding its points. */
export function decodeHours(t0: number, data: Uint8Array): HourRollup[] {
  const header = readHeader(data);
  if (header.derived) return deriveHours(t0, header);
  const { reader, scale, cumulative, hoursStart, hourCount } = header;
  reader.pos = hoursStart;
  const hours: HourRollup[] = new Array(hourCount);
  let previous = Math.floor(t0 / HOUR_MS);
  for (let i = 0; i < hourCount; i++) {
    hours[i] = readHour(reader, previous, scale, cumulative);
    previous = hours[i].hour / HOUR_MS;
  }
  return hours;
}

/**
 * Appends readings that all come after the block's last one, without decoding it. Undefined
 * when that cannot be done (an older layout, values that need more decimal digits than the
 * block codes, or a block without hour entries whose series turns out fast): then the block is
 * coded again whole.
 */
export function appendToBlock(
  t0: number,
  data: Uint8Array,
  points: BlockPoints,
  cumulative: boolean,
): Uint8Array | undefined {
  if (data[0] !== VERSION || ((data[2] & CUMULATIVE) !== 0) !== cumulative) return undefined;
  const h = readHeader(data);
  const { scale, view } = h;
  if (scale !== FLOAT_MODE) {
    const factor = POW10[scale];
    for (let i = 0; i < points.values.length; i++) {
      const scaled = Math.round(points.values[i] * factor);
      if (Math.abs(scaled) >= MAX_SCALED || scaled / factor !== points.values[i]) return undefined;
    }
  }
  const tail: Tail = {
    lastT: view.getFloat64(7, true),
    lastDelta: view.getFloat64(15, true),
    lastS: view.getFloat64(23, true),
    zeros: h.zeros,
  };
  if (points.times.length === 0 || points.times[0] <= tail.lastT) return undefined;
  // A block begun with a few readings of a fast series is coded again with hour entries.
  const hoursSpanned = Math.floor((points.times[points.times.length - 1] - t0) / HOUR_MS) + 1;
  if (h.derived && h.n + points.times.length > DERIVE_HOURS_UP_TO * hoursSpanned) return undefined;
  const readings = encodeReadings(points, scale, tail);
  const lastValue = scale === FLOAT_MODE ? tail.lastS : tail.lastS / POW10[scale];

  // The hours: the last stored hour may go on with the new readings.
  const lastOffset = view.getUint32(43, true);
  const beforeLast = view.getUint32(47, true);
  const lastHour = view.getUint32(51, true);
  const oldHours = data.subarray(h.hoursStart);
  const fresh = h.derived ? [] : rollupHours(points, cumulative);
  let section: HoursSection;
  if (h.hourCount > 0 && fresh.length > 0 && fresh[0].hour / HOUR_MS === lastHour) {
    h.reader.pos = h.hoursStart + lastOffset;
    const old = readHour(h.reader, beforeLast, scale, cumulative);
    const head = fresh[0];
    const merged: HourRollup = {
      hour: old.hour,
      count: old.count + head.count,
      sum: old.sum + head.sum,
      min: Math.min(old.min, head.min),
      max: Math.max(old.max, head.max),
      first: old.first,
      last: head.last,
      increase:
        old.increase + head.increase + (cumulative && head.first > lastValue ? head.first - lastValue : 0),
    };
    section = encodeHours(
      oldHours.subarray(0, lastOffset),
      h.hourCount - 1,
      [merged, ...fresh.slice(1)],
      beforeLast,
      scale,
      cumulative,
      { lastOffset, beforeLast, last: lastHour },
    );
  } else {
    section = encodeHours(oldHours, h.hourCount, fresh, lastHour, scale, cumulative, {
      lastOffset,
      beforeLast,
      last: lastHour,
    });
  }
  return assemble(
    scale,
    data[2],
    h.n + points.times.length,
    readings.tail,
    [data.subarray(h.timesStart, h.valuesStart), readings.times],
    [data.subarray(h.valuesStart, h.hoursStart), readings.values],
    section,
  );
}
