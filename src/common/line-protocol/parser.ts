// InfluxDB line protocol, read the way InfluxDB 2.x reads it (models/points.go) and as its
// reference documents it: https://docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/
//
// This is the hot path of every write, so the scanner walks the body once with charCodeAt, keeps
// tag positions in a reused typed array and builds strings only for what it returns. Positions
// for error messages are worked out only when there is an error.

import { LineProtocolError, errorAt, quote } from './errors.ts';
import {
  EXACT_MANTISSA_DIGITS,
  EXACT_POWERS_OF_TEN,
  INT64_MAX_DIGITS,
  INT64_MIN_MAGNITUDE_DIGITS,
  UINT64_MAX_DIGITS,
  digitsAtMost,
} from './numbers.ts';
import {
  PRECISION_SPECS,
  PrecisionError,
  defaultTimeMs,
  timestampToMs,
  type Precision,
  type PrecisionSpec,
} from './precision.ts';

/** A field value with the type line protocol gave it. */
export type FieldValue =
  | { type: 'float'; value: number }
  /** Signed 64-bit in the line; beyond ±2^53 the number is the nearest double. */
  | { type: 'integer'; value: number }
  /** Unsigned 64-bit in the line; beyond 2^53 the number is the nearest double. */
  | { type: 'unsigned'; value: number }
  | { type: 'boolean'; value: boolean }
  | { type: 'string'; value: string };

/** One point of a line protocol body. */
export interface ParsedPoint {
  /** Measurement name, unescaped. */
  measurement: string;
  /**
   * Tag keys and values, unescaped, in InfluxDB's order: by escaped key, as in `seriesKey`.
   * Points of the same series may share one frozen array, hence read-only.
   */
  tags: ReadonlyArray<readonly [string, string]>;
  /**
   * The series key as InfluxDB writes it: escaped measurement, then `,key=value` for every tag
   * in escaped form, sorted by escaped key as Go's bytes.Compare sorts (code point order).
   * No field. Two lines of the same series give the same key whatever their tag order.
   */
  seriesKey: string;
  /** Fields in line order; when a key repeats, the last value wins in the first one's place. */
  fields: Array<[string, FieldValue]>;
  /** Epoch milliseconds, sub-millisecond parts truncated toward -infinity. */
  timeMs: number;
  /** 1-based line of the body on which the point starts. */
  line: number;
}

/** The series of a scanned line: the same object for every line of a series the parser keeps cached. */
export interface SeriesHandle {
  readonly measurement: string;
  readonly tags: ReadonlyArray<readonly [string, string]>;
  readonly seriesKey: string;
  /**
   * A slot for the caller, kept with the series while the parser keeps it cached: a caller
   * may remember there what it looked the series up to, and skip the lookup next time.
   */
  memo: unknown;
}

/** Type codes of scanned fields. */
export const FIELD_FLOAT = 0;
export const FIELD_INTEGER = 1;
export const FIELD_UNSIGNED = 2;
export const FIELD_BOOLEAN = 3;
export const FIELD_STRING = 4;

/**
 * The fields of the line being visited, in arrays the scanner reuses: valid only during the
 * visitor's call. Numbers (and booleans, as 1 or 0) are in `numbers`, strings in `strings`.
 */
export interface ScannedFields {
  count: number;
  keys: string[];
  types: Uint8Array;
  numbers: Float64Array;
  strings: Array<string | undefined>;
}

/** Called once per point of a body, in body order. */
export type PointVisitor = (
  series: SeriesHandle,
  fields: ScannedFields,
  timeMs: number,
  line: number,
) => void;

const TYPE_NAMES = ['float', 'integer', 'unsigned', 'boolean', 'string'] as const;

/** How to read the timestamps of a body, and how large its lines may be. */
export interface ParseOptions {
  /** Unit of the timestamps in the body. */
  precision: Precision;
  /** Time for lines without a timestamp, epoch milliseconds; truncated to `precision`. */
  nowMs: number;
  /** Limits a line must keep within; none when left out. */
  limits?: LineLimits;
}

/**
 * How large a line may be. A line beyond one is refused like a syntax error, with the limit's
 * name in `LineProtocolError.limit`, and the scanner stops there: a line of a million fields
 * costs no more than one of `fields + 1`.
 */
export interface LineLimits {
  /**
   * Longest line, in UTF-8 bytes (a string value spanning lines included). A line is scanned
   * without a pause, so this bounds how long one line holds the thread.
   */
  lineBytes: number;
  /** Most fields one line may list; a repeated key counts every time. */
  fields: number;
  /** Most tags one series may have. */
  tags: number;
  /** Longest measurement, tag key, tag value or field key, in UTF-8 bytes once unescaped. */
  keyBytes: number;
}

const NUL = 0;
const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
const EQUALS = 61;
const UPPER_E = 69;
const UPPER_F = 70;
const UPPER_T = 84;
const BACKSLASH = 92;
const LOWER_E = 101;
const LOWER_F = 102;
const LOWER_I = 105;
const LOWER_T = 116;
const LOWER_U = 117;

/**
 * 1 for the ASCII characters that can neither end nor escape a measurement, a key or a tag
 * value; everything else takes the slow branch. NUL is marked so that `charCodeAt` past the end
 * (NaN, which `| 0` turns into 0) takes the slow branch too, where the end is checked.
 */
const PLAIN = new Uint8Array(128).fill(1);
for (const c of [NUL, LF, CR, SPACE, COMMA, EQUALS, BACKSLASH]) PLAIN[c] = 0;

const KEY_ESCAPED = 1;
const VALUE_ESCAPED = 2;

/** The tag keys InfluxDB 2.x refuses (models.reservedTagKeys). */
const RESERVED_TAG_KEYS = ['_measurement', '_field', 'time'];

/** InfluxDB's models.MaxKeyLength: series key, 4 bytes of separator and field key, in bytes. */
const MAX_KEY_BYTES = 65_535;

/** Per tag: key start, key end (the `=`), value end, escape flags. Reused between lines. */
let tagBounds = new Int32Array(4 * 32);
let tagOrder = new Int32Array(32);

/** The key part of a series, shared (frozen) by every point of that series. */
interface SeriesEntry extends SeriesHandle {
  /** The key text as written in the line, measurement to the last tag value. */
  readonly raw: string;
  /** `keyHash(raw)`, compared before the text. */
  readonly hash: number;
  /** Length of its longest part (measurement, tag key or value), UTF-16 units once unescaped. */
  readonly longestPart: number;
  /** The series of the line that followed this one's last time: the guess for the next line. */
  next: SeriesEntry | undefined;
}

// Building the measurement, tag strings and arrays of a point costs more than scanning it, and
// the garbage they make dominated the profile. Bodies repeat their series line after line and
// request after request, so the key part is cached, keyed by the hash of its text as written
// and checked against that text in place (no slice). The table holds every series it meets, up
// to SERIES_TABLE_MAX, and starts again empty beyond: a fleet of thousands of sensors reporting
// in turn must not evict itself, as a small set-associative cache did. A short token table
// (keys, tag values) is direct-mapped. Cached strings are detached copies so that a cache never
// keeps a request body alive.
// Writers send their series in the same order round after round (a forwarder its gateways'
// sensors, Telegraf its inputs), so each series remembers the one that followed it: the next
// line is compared with that guess first, which spares hashing its key and the table's lookup.
const SERIES_TABLE_MAX = 65_536;
/** Series by key hash; the rare colliding hashes share an array. */
const seriesTable = new Map<number, SeriesEntry | SeriesEntry[]>();
let seriesHeld = 0;
const TOKEN_SLOTS = 4096;
const TOKEN_MAX_LENGTH = 64;
const tokenCache: Array<string | undefined> = new Array<string | undefined>(TOKEN_SLOTS).fill(undefined);

/** Lookups per measurement of the cache's miss rate. */
const CACHE_WINDOW = 1024;
/** Misses in a window above which the cache is left alone for `CACHE_REST_LINES` lines. */
const CACHE_WINDOW_MAX_MISSES = 768;
const CACHE_REST_LINES = 4 * CACHE_WINDOW;
let cacheLookups = 0;
let cacheMisses = 0;
let cacheRest = 0;

/** Longest key text the fast path hashes before scanning it. */
const FAST_KEY_MAX_LENGTH = 1024;

// Hot copies of imports: when the module is compiled to CommonJS (tsx does), every read of an
// imported binding is a getter call, which the per-line code should not pay.
const POW10 = EXACT_POWERS_OF_TEN;
const MANTISSA_DIGITS = EXACT_MANTISSA_DIGITS;
const readTimestamp = timestampToMs;

/**
 * Parses a whole InfluxDB line protocol body, as sent to `POST /write`, `POST /api/v2/write` or
 * over MQTT, into points.
 *
 * Follows InfluxDB 2.x: blank lines and lines whose first non-blank character is `#` are
 * skipped; lines end with LF or CRLF; a quoted string value may span lines; tags may come in any
 * order and are returned sorted; a repeated field key keeps its last value; a field named `time`
 * is dropped, as InfluxDB drops it (a line left without fields then gives no point); the tag keys
 * `_measurement`, `_field` and `time` are refused. Integers must fit int64, unsigned integers
 * uint64; NaN and infinities are refused; timestamps must keep the time within ±(2^63 - 2) ns.
 *
 * @param body the request body, as text or as its UTF-8 bytes.
 * @param options precision of the timestamps and the time, epoch ms, for lines without one.
 * @returns the points, in body order.
 * @throws LineProtocolError for the first offending character of the body; nothing is returned.
 * @throws PrecisionError when `options.precision` is not a Precision.
 */
export function parseLines(body: string | Buffer, options: ParseOptions): ParsedPoint[] {
  const points: ParsedPoint[] = [];
  const visit: PointVisitor = (series, f, timeMs, line) => {
    const fields: Array<[string, FieldValue]> = [];
    for (let i = 0; i < f.count; i++) {
      const type = f.types[i];
      const value: FieldValue =
        type === FIELD_STRING
          ? { type: 'string', value: f.strings[i] as string }
          : type === FIELD_BOOLEAN
            ? { type: 'boolean', value: f.numbers[i] === 1 }
            : { type: TYPE_NAMES[type] as 'float' | 'integer' | 'unsigned', value: f.numbers[i] };
      fields.push([f.keys[i], value]);
    }
    points.push({
      measurement: series.measurement,
      tags: series.tags,
      seriesKey: series.seriesKey,
      fields,
      timeMs,
      line,
    });
  };
  if (typeof body === 'string') scanLines(body, options, visit);
  else scanBytes(body, options, visit);
  return points;
}

/** The reusable field arrays of the scanner. */
const scanned: ScannedFields = {
  count: 0,
  keys: [],
  types: new Uint8Array(16),
  numbers: new Float64Array(16),
  strings: [],
};

/** Sets field `at` of the line being scanned (growing the arrays when needed). */
function setField(at: number, key: string, type: number, number: number, text: string | undefined): void {
  if (at >= scanned.types.length) {
    const types = new Uint8Array(scanned.types.length * 2);
    types.set(scanned.types);
    const numbers = new Float64Array(scanned.numbers.length * 2);
    numbers.set(scanned.numbers);
    scanned.types = types;
    scanned.numbers = numbers;
  }
  scanned.keys[at] = key;
  scanned.types[at] = type;
  scanned.numbers[at] = number;
  scanned.strings[at] = text;
}

/**
 * Scans a whole body like `parseLines`, with the same rules and errors, but hands each point to
 * `visit` instead of building objects: the fast path of ingest, which makes no garbage per line.
 * The body is validated as it goes, so a caller that must refuse a whole bad body keeps what
 * `visit` received aside until `scanLines` returns.
 */
export function scanLines(body: string, options: ParseOptions, visit: PointVisitor): void {
  scanFrom(body, 1, options, visit);
}

/** Bytes a piece of a body given as bytes takes at least: strings this small are made in the young generation. */
const PIECE_BYTES = 64 * 1024;

/**
 * `scanLines` over a UTF-8 body, with the same points, line numbers and errors. The body is
 * decoded and scanned in pieces of about 64 KiB cut after a line's end: one string of half a
 * megabyte takes a fresh memory mapping each time (page faults cost more than its parse), a
 * piece does not. The body may come as the chunks it arrived in, never joined.
 */
export function scanBytes(
  bytes: Buffer | readonly Buffer[],
  options: ParseOptions,
  visit: PointVisitor,
): void {
  const scanner = new LineScanner(bytes, options, visit);
  while (!scanner.step(Infinity));
}

/**
 * Scans `s`, whose first line is line `firstLine` of the body; returns the number of the line
 * after its last.
 */
function scanFrom(s: string, firstLine: number, options: ParseOptions, visit: PointVisitor): number {
  const spec = specOf(options);
  const defaultMs = defaultTimeMs(options.nowMs, options.precision);
  try {
    scanText(s, 0, firstLine, s.length, spec, defaultMs, options, visit);
  } catch (error) {
    throw shifted(error, firstLine);
  }
  return scanEndLine;
}

/** The precision spec of `options`. @throws PrecisionError when it names none. */
function specOf(options: ParseOptions): PrecisionSpec {
  const spec = Object.hasOwn(PRECISION_SPECS, options.precision) ? PRECISION_SPECS[options.precision] : null;
  if (spec === null) throw new PrecisionError(String(options.precision));
  return spec;
}

/** `error`, with its line shifted to the body's when it was found in text starting at `firstLine`. */
function shifted(error: unknown, firstLine: number): unknown {
  // Positions of errors are worked out within the text scanned: shift them to the body's lines.
  if (firstLine === 1 || !(error instanceof LineProtocolError)) return error;
  return new LineProtocolError(error.line + firstLine - 1, error.column, error.reason, error.limit);
}

/**
 * A body scanned a slice at a time, so that a server can answer other requests between two
 * slices: the same points, line numbers and errors as `scanBytes` and `scanLines`, in the same
 * order. A slice ends at the end of a line, so a line (however long) is scanned whole, and the
 * `limits` of the options keep a line short.
 */
export class LineScanner {
  private readonly spec: PrecisionSpec;
  private readonly defaultMs: number;
  /** The text being scanned: the whole body, or the piece of it decoded last. */
  private text = '';
  /** Position in `text` of the next line to scan. */
  private pos = 0;
  /** Line of the body at `pos`. */
  private line = 1;
  /** Line of the body on which `text` starts. */
  private textFirstLine = 1;
  /** What is left to decode of a body given as bytes. */
  private readonly bytes: ByteQueue | undefined;

  /**
   * @param body the request body: text, its UTF-8 bytes, or those bytes in the chunks they came in.
   * @throws PrecisionError when `options.precision` is not a Precision.
   */
  constructor(
    body: string | Buffer | readonly Buffer[],
    private readonly options: ParseOptions,
    private readonly visit: PointVisitor,
  ) {
    this.spec = specOf(options);
    this.defaultMs = defaultTimeMs(options.nowMs, options.precision);
    if (typeof body === 'string') this.text = body;
    else this.bytes = new ByteQueue(Buffer.isBuffer(body) ? [body] : body);
  }

  /**
   * Scans whole lines until about `units` UTF-16 units of text more are behind, or the body ends.
   *
   * @returns true once the whole body has been scanned.
   * @throws LineProtocolError for the first offending character; the scan is over then.
   */
  step(units: number): boolean {
    if (this.pos >= this.text.length) {
      if (this.bytes === undefined || this.bytes.empty) return true;
      this.decodeNextPiece('');
    }
    for (;;) {
      try {
        const stop = Math.min(this.text.length, this.pos + units);
        const more = this.bytes !== undefined && !this.bytes.empty;
        const pos = scanText(
          this.text,
          this.pos,
          this.line,
          stop,
          this.spec,
          this.defaultMs,
          this.options,
          this.visit,
          more,
        );
        this.line = scanEndLine;
        if (pos < 0) {
          // A string value runs on past the piece: scan its line again with the next piece.
          this.decodeNextPiece(this.text.slice(-pos - 1));
          continue;
        }
        this.pos = pos;
      } catch (error) {
        throw shifted(error, this.textFirstLine);
      }
      return this.pos >= this.text.length && (this.bytes === undefined || this.bytes.empty);
    }
  }

  /** Decodes the next piece of the body into `text`, after `carried` (the start of a line). */
  private decodeNextPiece(carried: string): void {
    const piece = (this.bytes as ByteQueue).take(PIECE_BYTES, this.options.limits?.lineBytes ?? NO_LIMIT);
    this.text = carried + piece.toString('utf8');
    this.pos = 0;
    this.textFirstLine = this.line;
  }
}

/** The bytes of a body, taken a piece at a time from the chunks it came in. */
class ByteQueue {
  /** Chunk of the next byte, and its offset there. */
  private at = 0;
  private offset = 0;

  constructor(private readonly chunks: readonly Buffer[]) {
    this.skipEmpty();
  }

  get empty(): boolean {
    return this.at >= this.chunks.length;
  }

  /**
   * The next bytes up to the first LF at least `min` bytes on, that LF included, or to the end.
   * A line with no LF within `maxLine` bytes of that point is longer than `maxLine` anyway: the
   * piece then ends there, `maxLine + 1` bytes on, for the line to be refused without decoding
   * megabytes of it.
   */
  take(min: number, maxLine: number): Buffer {
    const parts: Buffer[] = [];
    let taken = 0;
    for (;;) {
      const chunk = this.chunks[this.at];
      const from = this.offset;
      let end = chunk.length;
      let found = false;
      const searchFrom = from + Math.max(0, min - taken);
      if (searchFrom < chunk.length) {
        const lf = chunk.indexOf(LF, searchFrom);
        if (lf !== -1) {
          end = lf + 1;
          found = true;
        }
      }
      const giveUp = from + (min + maxLine + 1 - taken);
      if (giveUp < end) {
        end = giveUp;
        found = true;
      }
      parts.push(chunk.subarray(from, end));
      taken += end - from;
      if (end === chunk.length) {
        this.at++;
        this.offset = 0;
        this.skipEmpty();
      } else {
        this.offset = end;
      }
      if (found || this.empty) break;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, taken);
  }

  private skipEmpty(): void {
    while (this.at < this.chunks.length && this.chunks[this.at].length === 0) this.at++;
  }
}

/**
 * A limit no line reaches (strings are shorter than 2^29 units), and a small integer, as the
 * finite limits are: comparisons with one kind of number stay fast.
 */
const NO_LIMIT = 0x3fffffff;

/** The line at which `scanText` stopped: a second result, kept out of an allocated object. */
let scanEndLine = 1;

/**
 * Scans the lines of `s` from `start`, which begins line `firstLine` of the body, up to the end
 * of the first line that ends at or after `stop`, or of `s`. Returns the position it stopped at,
 * and leaves the line there in `scanEndLine`. When `more` text follows `s` and a string value
 * runs past its end, returns `-(p + 1)` instead, `p` being where that line starts: it is to be
 * scanned again with more text.
 */
function scanText(
  s: string,
  start: number,
  firstLine: number,
  stop: number,
  spec: PrecisionSpec,
  defaultMs: number,
  options: ParseOptions,
  visit: PointVisitor,
  more = false,
): number {
  const n = s.length;
  let pos = start;
  let line = firstLine;
  const limits = options.limits;
  const maxFields = limits === undefined ? NO_LIMIT : limits.fields;
  const maxTags = limits === undefined ? NO_LIMIT : limits.tags;
  const maxKeyBytes = limits === undefined ? NO_LIMIT : limits.keyBytes;
  const maxLineBytes = limits === undefined ? NO_LIMIT : limits.lineBytes;

  /** The series of the line before, when cached. */
  let previous: SeriesEntry | undefined;

  // `stop` is checked at the start of lines only: a line is always scanned to its end.
  while (pos < stop) {
    let c = s.charCodeAt(pos);
    while (c === SPACE || c === TAB || c === NUL) c = s.charCodeAt(++pos);
    if (pos >= n) break;
    if (c === LF) {
      pos++;
      line++;
      continue;
    }
    if (c === CR && isCrLineEnd(s, pos, n)) {
      pos += 2;
      line++;
      continue;
    }
    if (c === HASH) {
      const next = s.indexOf('\n', pos);
      if (next === -1) {
        pos = n;
        break;
      }
      pos = next + 1;
      line++;
      continue;
    }
    if (c === COMMA) throw errorAt(s, pos, 'missing measurement before the comma');
    const pointLine = line;
    const lineStart = pos;
    // Found natively here, and used again for the timestamp.
    let lineEnd = s.indexOf('\n', pos);
    if (lineEnd === -1) lineEnd = n;
    if ((lineEnd - pos) * 3 > maxLineBytes) checkLineBytes(s, pos, lineEnd, maxLineBytes);
    // A string value may run onto later lines, but not beyond the line's limit.
    const stringStop = maxLineBytes < n - pos ? pos + maxLineBytes + 1 : n;

    // Fast path: a key seen before. The text up to the first space, if it equals a cached key,
    // is that same validated measurement and tag set (a cached key never ends in a backslash,
    // so the space is not escaped), and the scan of the key is skipped altogether.
    // While the cache misses on most lines (series never seen, as in a bulk import), keeping it
    // costs more than it saves, so it is left alone for a while (`cacheRest` lines).
    const measurementStart = pos;
    const firstSpace = cacheRest === 0 ? s.indexOf(' ', pos) : -1;
    let fastHash = 0;
    let fastHashed = false;
    let series: SeriesEntry | undefined;
    let cached = true;
    if (firstSpace > pos && firstSpace - pos <= FAST_KEY_MAX_LENGTH) {
      const guess = previous?.next;
      if (guess !== undefined && sameText(s, pos, firstSpace, guess.raw)) {
        series = guess;
      } else {
        fastHash = keyHash(s, pos, firstSpace);
        fastHashed = true;
        series = findSeries(s, pos, firstSpace, fastHash);
      }
      if (series !== undefined) {
        pos = firstSpace;
        c = SPACE;
      }
    }
    if (series === undefined) {
      // Measurement: up to the first unescaped comma (tags follow) or space (fields follow).
      let measurementEscaped = false;
      for (;;) {
        if (c > 127 || PLAIN[c | 0] === 1) {
          c = s.charCodeAt(++pos);
        } else if (c === COMMA || c === SPACE) {
          break;
        } else if (c === BACKSLASH) {
          measurementEscaped = true;
          const next = s.charCodeAt(pos + 1);
          pos += next === COMMA || next === SPACE ? 2 : 1;
          c = s.charCodeAt(pos);
        } else if (c === EQUALS || c === NUL || (c === CR && !isCrLineEnd(s, pos, n))) {
          c = s.charCodeAt(++pos);
        } else {
          throw errorAt(s, pos, 'missing fields: the line ends after the measurement');
        }
      }
      const measurementEnd = pos;

      // Tag set: `,key=value` pairs up to the first unescaped space.
      let tagCount = 0;
      let tagsSorted = true;
      while (c === COMMA) {
        const keyStart = ++pos;
        c = s.charCodeAt(pos);
        let flags = 0;
        for (;;) {
          if (c > 127 || PLAIN[c | 0] === 1) {
            c = s.charCodeAt(++pos);
          } else if (c === EQUALS) {
            break;
          } else if (c === BACKSLASH) {
            flags |= KEY_ESCAPED;
            const next = s.charCodeAt(pos + 1);
            pos += next === COMMA || next === SPACE || next === EQUALS ? 2 : 1;
            c = s.charCodeAt(pos);
          } else if (c === NUL || (c === CR && !isCrLineEnd(s, pos, n))) {
            c = s.charCodeAt(++pos);
          } else if (pos === keyStart) {
            throw errorAt(s, pos, 'missing tag key after the comma');
          } else {
            throw errorAt(s, pos, `missing "=" and a value after tag key ${quote(s.slice(keyStart, pos))}`);
          }
        }
        if (pos === keyStart) throw errorAt(s, pos, 'missing tag key before "="');
        const keyEnd = pos;
        c = s.charCodeAt(++pos);
        const valueStart = pos;
        // InfluxDB lets a tag value start with an unescaped "=" (its scanner checks only the
        // characters after the first), so such lines are accepted here too.
        if (c === EQUALS) c = s.charCodeAt(++pos);
        for (;;) {
          if (c > 127 || PLAIN[c | 0] === 1) {
            c = s.charCodeAt(++pos);
          } else if (c === COMMA || c === SPACE) {
            break;
          } else if (c === BACKSLASH) {
            flags |= VALUE_ESCAPED;
            const next = s.charCodeAt(pos + 1);
            pos += next === COMMA || next === SPACE || next === EQUALS ? 2 : 1;
            c = s.charCodeAt(pos);
          } else if (c === NUL || (c === CR && !isCrLineEnd(s, pos, n))) {
            c = s.charCodeAt(++pos);
          } else if (c === EQUALS) {
            throw errorAt(
              s,
              pos,
              `unescaped "=" in the value of tag ${quote(s.slice(keyStart, keyEnd))}: write it as \\=`,
            );
          } else if (pos === valueStart) {
            throw errorAt(s, pos, `missing value for tag key ${quote(s.slice(keyStart, keyEnd))}`);
          } else {
            throw errorAt(s, pos, 'missing fields: the line ends after the tag set');
          }
        }
        if (pos === valueStart) {
          throw errorAt(s, pos, `missing value for tag key ${quote(s.slice(keyStart, keyEnd))}`);
        }

        const keyLength = keyEnd - keyStart;
        if (keyLength === 4 || keyLength === 6 || keyLength === 12) {
          for (const reserved of RESERVED_TAG_KEYS) {
            if (reserved.length === keyLength && s.startsWith(reserved, keyStart)) {
              throw errorAt(s, keyStart, `cannot use reserved tag key ${quote(reserved)}`);
            }
          }
        }
        if (tagCount === maxTags)
          throw errorAt(s, keyStart, `more than ${maxTags} tags in one series`, 'tags');
        if (tagCount * 4 === tagBounds.length) growTagScratch();
        const at = tagCount * 4;
        if (tagCount > 0 && tagsSorted) {
          const order = compareKeys(s, tagBounds[at - 4], tagBounds[at - 3], keyStart, keyEnd);
          if (order === 0) throw duplicateTag(s, keyStart, keyEnd);
          if (order > 0) tagsSorted = false;
        }
        tagBounds[at] = keyStart;
        tagBounds[at + 1] = keyEnd;
        tagBounds[at + 2] = pos;
        tagBounds[at + 3] = flags;
        tagCount++;
      }
      // Checked before anything is built or cached from the key. No part of a key is longer in
      // UTF-8 bytes than three times the whole key's UTF-16 units: most keys need no look.
      if ((pos - measurementStart) * 3 > maxKeyBytes)
        checkKeyParts(s, measurementStart, measurementEnd, tagCount, maxKeyBytes);

      // Text equal to a cached key was valid before; other text is built (which, for tags out of
      // order, also checks them for duplicates) and cached.
      if (cacheRest > 0) {
        cacheRest--;
        cached = false;
        series = buildSeries(
          s,
          measurementStart,
          measurementEnd,
          measurementEscaped,
          pos,
          0,
          tagCount,
          tagsSorted,
          false,
        );
      } else {
        const fastMissed = pos === firstSpace && fastHashed;
        const hash = fastMissed ? fastHash : keyHash(s, measurementStart, pos);
        series = fastMissed ? undefined : findSeries(s, measurementStart, pos, hash);
        if (series === undefined) {
          series = buildSeries(
            s,
            measurementStart,
            measurementEnd,
            measurementEscaped,
            pos,
            hash,
            tagCount,
            tagsSorted,
            true,
          );
          keepSeries(series);
          cacheMisses++;
        }
      }
    }
    // Only cached series guess: one built aside (while the cache rests) breaks the chain, and
    // must not be kept by a cached one, as it holds slices of the body.
    if (cached) {
      if (previous !== undefined && previous.next !== series) previous.next = series;
      previous = series;
    } else {
      previous = undefined;
    }
    if (cacheRest === 0 && ++cacheLookups === CACHE_WINDOW) {
      // While the table has room, misses are series it has not met yet (a fleet's first round):
      // it keeps filling. Resting only helps once it is large and still misses.
      if (cacheMisses > CACHE_WINDOW_MAX_MISSES && seriesHeld > SERIES_TABLE_MAX / 2)
        cacheRest = CACHE_REST_LINES;
      cacheLookups = 0;
      cacheMisses = 0;
    }
    // A cached series met its limits when it was built, but perhaps under other limits.
    if (series.tags.length > maxTags || series.longestPart * 3 > maxKeyBytes)
      checkCachedSeries(s, measurementStart, series, maxTags, maxKeyBytes);
    const seriesKey = series.seriesKey;

    // Field set: one or more `key=value`, comma-separated, after one or more spaces.
    do c = s.charCodeAt(++pos);
    while (c === SPACE || c === TAB || c === NUL);
    if (isLineEnd(c, s, pos, n)) throw errorAt(s, pos, 'missing fields: the line ends after the tag set');
    let fieldCount = 0;
    let fieldsSeen = 0;
    let fieldIndex: Map<string, number> | null = null;
    for (;;) {
      if (++fieldsSeen > maxFields)
        throw errorAt(s, pos, `more than ${maxFields} fields on one line`, 'fields');
      const keyStart = pos;
      let keyEscaped = false;
      for (;;) {
        if (c > 127 || PLAIN[c | 0] === 1) {
          c = s.charCodeAt(++pos);
        } else if (c === EQUALS) {
          break;
        } else if (c === BACKSLASH) {
          keyEscaped = true;
          const next = s.charCodeAt(pos + 1);
          pos += next === COMMA || next === SPACE || next === EQUALS ? 2 : 1;
          c = s.charCodeAt(pos);
        } else if (c === NUL || (c === CR && !isCrLineEnd(s, pos, n))) {
          c = s.charCodeAt(++pos);
        } else if (pos === keyStart) {
          throw errorAt(s, pos, 'missing field key');
        } else {
          throw errorAt(s, pos, `missing "=" and a value after field key ${quote(s.slice(keyStart, pos))}`);
        }
      }
      if (pos === keyStart) throw errorAt(s, pos, 'missing field key before "="');
      const keyEnd = pos;
      const valueStart = ++pos;
      c = s.charCodeAt(pos);
      let type: number;
      let number = 0;
      let text: string | undefined;

      if ((c >= DIGIT_0 && c <= DIGIT_9) || c === MINUS || c === DOT) {
        const negative = c === MINUS;
        if (negative) c = s.charCodeAt(++pos);
        const digitsStart = pos;
        let mantissa = 0;
        while (c >= DIGIT_0 && c <= DIGIT_9) {
          mantissa = mantissa * 10 + (c - DIGIT_0);
          c = s.charCodeAt(++pos);
        }
        const intDigits = pos - digitsStart;
        if (c === LOWER_I || c === LOWER_U) {
          const suffix = c;
          c = s.charCodeAt(++pos);
          if (intDigits === 0 || !isValueEnd(c, s, pos, n)) throw invalidNumber(s, valueStart, pos, n);
          if (suffix === LOWER_I) {
            if (
              intDigits > MANTISSA_DIGITS &&
              !digitsAtMost(s, digitsStart, pos - 1, negative ? INT64_MIN_MAGNITUDE_DIGITS : INT64_MAX_DIGITS)
            ) {
              throw errorAt(
                s,
                valueStart,
                `integer out of range: ${quote(s.slice(valueStart, pos))} does not fit a signed 64-bit integer`,
              );
            }
            const magnitude = intDigits > MANTISSA_DIGITS ? Number(s.slice(digitsStart, pos - 1)) : mantissa;
            type = FIELD_INTEGER;
            number = negative ? 0 - magnitude : magnitude;
          } else {
            if (negative) {
              throw errorAt(
                s,
                valueStart,
                `unsigned integer cannot be negative: ${quote(s.slice(valueStart, pos))}`,
              );
            }
            if (intDigits > MANTISSA_DIGITS && !digitsAtMost(s, digitsStart, pos - 1, UINT64_MAX_DIGITS)) {
              throw errorAt(
                s,
                valueStart,
                `unsigned integer out of range: ${quote(s.slice(valueStart, pos))} does not fit 64 bits`,
              );
            }
            const magnitude = intDigits > MANTISSA_DIGITS ? Number(s.slice(digitsStart, pos - 1)) : mantissa;
            type = FIELD_UNSIGNED;
            number = magnitude;
          }
        } else {
          let fractionDigits = 0;
          if (c === DOT) {
            c = s.charCodeAt(++pos);
            const fractionStart = pos;
            while (c >= DIGIT_0 && c <= DIGIT_9) {
              mantissa = mantissa * 10 + (c - DIGIT_0);
              c = s.charCodeAt(++pos);
            }
            fractionDigits = pos - fractionStart;
          }
          if (intDigits + fractionDigits === 0) throw invalidNumber(s, valueStart, pos, n);
          let exponent = 0;
          if (c === LOWER_E || c === UPPER_E) {
            c = s.charCodeAt(++pos);
            const exponentNegative = c === MINUS;
            if (exponentNegative || c === PLUS) c = s.charCodeAt(++pos);
            const exponentStart = pos;
            while (c >= DIGIT_0 && c <= DIGIT_9) {
              if (exponent < 100_000) exponent = exponent * 10 + (c - DIGIT_0);
              c = s.charCodeAt(++pos);
            }
            if (pos === exponentStart) throw invalidNumber(s, valueStart, pos, n);
            if (exponentNegative) exponent = -exponent;
          }
          if (!isValueEnd(c, s, pos, n)) throw invalidNumber(s, valueStart, pos, n);
          const scale = exponent - fractionDigits;
          let magnitude: number;
          if (intDigits + fractionDigits <= MANTISSA_DIGITS && scale >= -22 && scale <= 22) {
            magnitude =
              scale === 0 ? mantissa : scale < 0 ? mantissa / POW10[-scale] : mantissa * POW10[scale];
          } else {
            magnitude = Number(s.slice(digitsStart, pos));
            if (magnitude === Infinity) {
              throw errorAt(
                s,
                valueStart,
                `float out of range: ${quote(s.slice(valueStart, pos))} is beyond ±1.7976931348623157e308`,
              );
            }
          }
          type = FIELD_FLOAT;
          number = negative ? -magnitude : magnitude;
        }
      } else if (c === QUOTE) {
        let end = pos + 1;
        let escaped = false;
        const stringFirstLine = line;
        for (;;) {
          if (end >= stringStop) {
            if (end < n) checkLineBytes(s, lineStart, end, maxLineBytes);
            if (more) {
              scanEndLine = pointLine;
              return -(lineStart + 1);
            }
            throw errorAt(s, valueStart, 'unterminated string: the closing double quote is missing');
          }
          const d = s.charCodeAt(end);
          if (d === QUOTE) break;
          if (d === BACKSLASH) {
            // A backslash always takes the next character with it, as in InfluxDB's scanner.
            escaped = true;
            if (s.charCodeAt(end + 1) === LF) line++;
            end += 2;
          } else {
            if (d === LF) line++;
            end++;
          }
        }
        type = FIELD_STRING;
        text = escaped ? unescapeString(s, pos + 1, end) : s.slice(pos + 1, end);
        pos = end + 1;
        if (line !== stringFirstLine) {
          // The line goes on after the string: its limit counts from its start.
          lineEnd = s.indexOf('\n', pos);
          if (lineEnd === -1) lineEnd = n;
          if ((lineEnd - lineStart) * 3 > maxLineBytes) checkLineBytes(s, lineStart, lineEnd, maxLineBytes);
        }
        c = s.charCodeAt(pos);
        if (!isValueEnd(c, s, pos, n)) {
          throw errorAt(s, pos, `unexpected ${quote(s[pos])} after the closing quote of a string value`);
        }
      } else if (c === LOWER_T || c === UPPER_T || c === LOWER_F || c === UPPER_F) {
        do c = s.charCodeAt(++pos);
        while (!isValueEnd(c, s, pos, n));
        const length = pos - valueStart;
        let truth: boolean;
        if (length === 1) {
          truth = s.charCodeAt(valueStart) === LOWER_T || s.charCodeAt(valueStart) === UPPER_T;
        } else if (
          length === 4 &&
          (s.startsWith('true', valueStart) ||
            s.startsWith('True', valueStart) ||
            s.startsWith('TRUE', valueStart))
        ) {
          truth = true;
        } else if (
          length === 5 &&
          (s.startsWith('false', valueStart) ||
            s.startsWith('False', valueStart) ||
            s.startsWith('FALSE', valueStart))
        ) {
          truth = false;
        } else {
          throw errorAt(
            s,
            valueStart,
            `invalid boolean ${quote(s.slice(valueStart, pos))}: use true or false (also t, T, True, TRUE, f, F, False, FALSE)`,
          );
        }
        type = FIELD_BOOLEAN;
        number = truth ? 1 : 0;
      } else if (c === COMMA || c === SPACE || isLineEnd(c, s, pos, n)) {
        throw errorAt(s, pos, `missing value for field key ${quote(s.slice(keyStart, keyEnd))}`);
      } else {
        throw invalidNumber(s, valueStart, pos, n);
      }

      if ((keyEnd - keyStart) * 3 > maxKeyBytes)
        checkKeyPart(s, keyStart, keyEnd, false, maxKeyBytes, 'field key');
      const key = keyEscaped ? unescapeKey(s, keyStart, keyEnd, true) : token(s, keyStart, keyEnd);
      if ((seriesKey.length + keyEnd - keyStart) * 3 + 4 > MAX_KEY_BYTES) {
        const bytes = utf8Length(seriesKey) + 4 + utf8Length(s.slice(keyStart, keyEnd));
        if (bytes > MAX_KEY_BYTES) {
          throw errorAt(
            s,
            keyStart,
            `series key and field key ${quote(key)} take ${bytes} bytes; InfluxDB allows ${MAX_KEY_BYTES}`,
          );
        }
      }
      // InfluxDB 2.x drops a field named "time" and keeps the rest of the point.
      if (key !== 'time') {
        let f: number;
        if (fieldIndex === null && fieldCount < 16) {
          f = 0;
          while (f < fieldCount && scanned.keys[f] !== key) f++;
        } else {
          // Many fields: index them so that a huge line cannot make the duplicate check quadratic.
          if (fieldIndex === null) {
            fieldIndex = new Map();
            for (let i = 0; i < fieldCount; i++) fieldIndex.set(scanned.keys[i], i);
          }
          f = fieldIndex.get(key) ?? fieldCount;
          if (f === fieldCount) fieldIndex.set(key, f);
        }
        setField(f, key, type, number, text);
        if (f === fieldCount) fieldCount++;
      }

      if (c !== COMMA) break;
      c = s.charCodeAt(++pos);
    }

    // Optional timestamp after one or more spaces, then only blanks up to the end of the line.
    let timeMs = defaultMs;
    if (c === SPACE) {
      do c = s.charCodeAt(++pos);
      while (c === SPACE || c === TAB || c === NUL);
      if (!isLineEnd(c, s, pos, n)) {
        // The rest of the line is the timestamp: find its end natively, then read it in one pass.
        const timestampStart = pos;
        let end = lineEnd;
        if (s.charCodeAt(end - 1) === CR) end--;
        for (let t = s.charCodeAt(end - 1); t === SPACE || t === TAB || t === NUL; t = s.charCodeAt(end - 1))
          end--;
        timeMs = readTimestamp(s, timestampStart, end, spec);
        if (timeMs !== timeMs) throw timestampError(s, timestampStart, end, options.precision);
        pos = lineEnd;
        c = s.charCodeAt(pos);
      }
    }
    if (c === LF) {
      pos++;
      line++;
    } else if (c === CR) {
      pos += 2;
      line++;
    }

    if (fieldCount > 0) {
      scanned.count = fieldCount;
      visit(series, scanned, timeMs, pointLine);
    }
  }
  scanEndLine = line;
  return pos;
}

/** Hash of the key text `s[start, end)`: FNV-1a over pairs of UTF-16 units. */
function keyHash(s: string, start: number, end: number): number {
  let hash = 0x811c9dc5;
  let i = start;
  // Two units per multiplication: half the dependency chain of one unit at a time.
  for (; i + 1 < end; i += 2) {
    hash = Math.imul(hash ^ (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)), 0x01000193);
  }
  if (i < end) hash = Math.imul(hash ^ s.charCodeAt(i), 0x01000193);
  return hash ^ (hash >>> 15);
}

/** The cached series whose key text is `s[start, end)`, with hash `hash`, if any. */
function findSeries(s: string, start: number, end: number, hash: number): SeriesEntry | undefined {
  const found = seriesTable.get(hash);
  if (found === undefined) return undefined;
  if (!Array.isArray(found)) return sameText(s, start, end, found.raw) ? found : undefined;
  for (const entry of found) if (sameText(s, start, end, entry.raw)) return entry;
  return undefined;
}

/** Whether `s[start, end)` is `text`. */
function sameText(s: string, start: number, end: number, text: string): boolean {
  // A slice is a small view of `s`, and V8 compares two flat strings natively: for keys of
  // tens of characters several times faster than a loop over charCodeAt.
  return text.length === end - start && s.slice(start, end) === text;
}

/** Caches `series`; a full table starts again empty. */
function keepSeries(series: SeriesEntry): void {
  if (seriesHeld >= SERIES_TABLE_MAX) {
    // Guesses would keep forgotten series alive.
    for (const found of seriesTable.values()) {
      if (Array.isArray(found)) for (const entry of found) entry.next = undefined;
      else found.next = undefined;
    }
    seriesTable.clear();
    seriesHeld = 0;
  }
  const found = seriesTable.get(series.hash);
  if (found === undefined) seriesTable.set(series.hash, series);
  else if (Array.isArray(found)) found.push(series);
  else seriesTable.set(series.hash, [found, series]);
  seriesHeld++;
}

/**
 * Builds the key part of a point from the bounds the scanner left in `tagBounds`: frozen, with
 * detached strings, when it is to be `shared` through the cache; plain slices otherwise.
 */
function buildSeries(
  s: string,
  measurementStart: number,
  measurementEnd: number,
  measurementEscaped: boolean,
  end: number,
  hash: number,
  tagCount: number,
  tagsSorted: boolean,
  shared: boolean,
): SeriesEntry {
  const raw = shared ? detach(s.slice(measurementStart, end)) : s.slice(measurementStart, end);
  let measurement: string;
  if (measurementEscaped) {
    measurement = unescapeKey(s, measurementStart, measurementEnd, false);
    if (shared) measurement = detach(measurement);
  } else {
    measurement = shared
      ? token(s, measurementStart, measurementEnd)
      : s.slice(measurementStart, measurementEnd);
  }
  const tags: Array<readonly [string, string]> = [];
  let seriesKey: string;
  let longestPart = measurement.length;
  if (tagsSorted) {
    // Tags already in order: the key is the text as written, which is already escaped.
    seriesKey = raw;
    for (let t = 0; t < tagCount; t++) tags.push(tagAt(s, t * 4, shared));
  } else {
    sortTags(s, tagCount);
    seriesKey = s.slice(measurementStart, measurementEnd);
    for (let t = 0; t < tagCount; t++) {
      const at = tagOrder[t] * 4;
      seriesKey += `,${s.slice(tagBounds[at], tagBounds[at + 2])}`;
      tags.push(tagAt(s, at, shared));
    }
    if (shared) seriesKey = detach(seriesKey);
  }
  for (const [key, value] of tags) {
    if (key.length > longestPart) longestPart = key.length;
    if (value.length > longestPart) longestPart = value.length;
  }
  if (!shared)
    return { raw, hash, measurement, tags, seriesKey, longestPart, memo: undefined, next: undefined };
  return {
    raw,
    hash,
    measurement,
    tags: Object.freeze(tags),
    seriesKey,
    longestPart,
    memo: undefined,
    next: undefined,
  };
}

/**
 * Refuses the key `s[start, end)` (a measurement, tag key, tag value or field key, escaped as in
 * the line) when it takes more than `maxBytes` UTF-8 bytes once unescaped.
 */
function checkKeyPart(
  s: string,
  start: number,
  end: number,
  measurement: boolean,
  maxBytes: number,
  what: string,
): void {
  const text = unescapeKey(s, start, end, !measurement);
  // Cheap bound first: a key may be long in units only because of its escapes.
  if (text.length * 3 <= maxBytes) return;
  const bytes = utf8Length(text);
  if (bytes > maxBytes)
    throw errorAt(
      s,
      start,
      `${what} ${quote(text)} takes ${bytes} bytes; at most ${maxBytes} are allowed`,
      'keyBytes',
    );
}

/** `checkKeyPart` for the measurement and every tag of the key the scanner left in `tagBounds`. */
function checkKeyParts(
  s: string,
  measurementStart: number,
  measurementEnd: number,
  tagCount: number,
  maxBytes: number,
): void {
  checkKeyPart(s, measurementStart, measurementEnd, true, maxBytes, 'measurement');
  for (let t = 0; t < tagCount; t++) {
    const at = t * 4;
    checkKeyPart(s, tagBounds[at], tagBounds[at + 1], false, maxBytes, 'tag key');
    checkKeyPart(
      s,
      tagBounds[at + 1] + 1,
      tagBounds[at + 2],
      false,
      maxBytes,
      `value of tag ${quote(unescapeKey(s, tagBounds[at], tagBounds[at + 1], true))}`,
    );
  }
}

/** Refuses the line `s[start, end)` when it takes more than `maxBytes` UTF-8 bytes. */
function checkLineBytes(s: string, start: number, end: number, maxBytes: number): void {
  if (end - start > maxBytes || utf8Length(s.slice(start, end)) > maxBytes)
    throw errorAt(s, start, `the line takes more than ${maxBytes} bytes`, 'lineBytes');
}

/** Refuses a series met in the cache that goes beyond the limits of this scan. */
function checkCachedSeries(
  s: string,
  lineStart: number,
  series: SeriesEntry,
  maxTags: number,
  maxBytes: number,
): void {
  if (series.tags.length > maxTags)
    throw errorAt(s, lineStart, `more than ${maxTags} tags in one series`, 'tags');
  const parts: Array<[string, string]> = [['measurement', series.measurement]];
  for (const [key, value] of series.tags) parts.push(['tag key', key], [`value of tag ${quote(key)}`, value]);
  for (const [what, text] of parts) {
    const bytes = utf8Length(text);
    if (bytes > maxBytes)
      throw errorAt(
        s,
        lineStart,
        `${what} ${quote(text)} takes ${bytes} bytes; at most ${maxBytes} are allowed`,
        'keyBytes',
      );
  }
}

/**
 * `s.slice(start, end)`, shared with earlier equal slices when short: keys and tag values repeat
 * endlessly, and a shared string is no garbage.
 */
function token(s: string, start: number, end: number): string {
  const length = end - start;
  if (length > TOKEN_MAX_LENGTH) return detach(s.slice(start, end));
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ s.charCodeAt(i), 0x01000193);
  const slot = (hash ^ (hash >>> 15)) & (TOKEN_SLOTS - 1);
  const cached = tokenCache[slot];
  if (cached !== undefined && cached.length === length) {
    // A plain loop: for a few characters it beats startsWith with a position.
    let i = 0;
    while (i < length && s.charCodeAt(start + i) === cached.charCodeAt(i)) i++;
    if (i === length) return cached;
  }
  const fresh = detach(s.slice(start, end));
  tokenCache[slot] = fresh;
  return fresh;
}

/**
 * A copy of `text` that does not keep the string it was sliced from alive: V8 represents long
 * slices as views of their parent, and a cache must not hold on to request bodies. Prepending a
 * character forces a flat copy, which the final slice then views.
 */
function detach(text: string): string {
  return ` ${text}`.slice(1);
}

/** Whether the CR at `pos` ends its line (CRLF, or CR as the body's last character). */
function isCrLineEnd(s: string, pos: number, n: number): boolean {
  return pos + 1 >= n || s.charCodeAt(pos + 1) === LF;
}

/** Whether `c`, the character at `pos`, ends the line (or is past the end of the body). */
function isLineEnd(c: number, s: string, pos: number, n: number): boolean {
  return c === LF || pos >= n || (c === CR && isCrLineEnd(s, pos, n));
}

/** Whether `c`, the character at `pos`, may follow a field value. */
function isValueEnd(c: number, s: string, pos: number, n: number): boolean {
  return c === COMMA || c === SPACE || isLineEnd(c, s, pos, n);
}

/** The error for the timestamp `s[start, end)`, which `timestampToMs` refused. */
function timestampError(s: string, start: number, end: number, precision: Precision) {
  let pos = start;
  if (s.charCodeAt(pos) === MINUS) pos++;
  const digitsStart = pos;
  while (pos < end && s.charCodeAt(pos) >= DIGIT_0 && s.charCodeAt(pos) <= DIGIT_9) pos++;
  if (pos === end && pos > digitsStart) {
    return errorAt(
      s,
      start,
      `timestamp out of range: ${quote(s.slice(start, end))} with precision ${precision} is beyond ` +
        `±${PRECISION_SPECS[precision].maxDigits}`,
    );
  }
  const c = s.charCodeAt(pos);
  if (pos > digitsStart && (c === SPACE || c === TAB || c === NUL)) {
    while (
      pos < end &&
      (s.charCodeAt(pos) === SPACE || s.charCodeAt(pos) === TAB || s.charCodeAt(pos) === NUL)
    )
      pos++;
    return errorAt(s, pos, `unexpected text after the timestamp: ${quote(s.slice(pos, end))}`);
  }
  let tokenEnd = start;
  while (tokenEnd < end && s.charCodeAt(tokenEnd) !== SPACE && s.charCodeAt(tokenEnd) !== TAB) tokenEnd++;
  return errorAt(
    s,
    pos === digitsStart ? start : pos,
    `timestamp is not an integer: ${quote(s.slice(start, tokenEnd))}`,
  );
}

/**
 * The error for a field value that is not a number, naming NaN and infinities for what they are.
 * `stop` is where the scanner gave up: the offending character, unless it is the end of the value
 * (the number is cut short), in which case the error points at the start of the value.
 */
function invalidNumber(s: string, start: number, stop: number, n: number) {
  // Walk to the end of the value; a string value is not a number, so quotes need no care here.
  let end = start;
  while (end < n && !isValueEnd(s.charCodeAt(end), s, end, n)) end++;
  const token = s.slice(start, end);
  const bare = token.toLowerCase().replace(/^[+-]/, '');
  if (bare === 'nan' || bare === 'inf' || bare === 'infinity') {
    return errorAt(s, start, `NaN and infinities are not accepted: ${quote(token)}`);
  }
  const first = token.charCodeAt(0);
  if ((first >= DIGIT_0 && first <= DIGIT_9) || first === MINUS || first === DOT) {
    const hint = /[.eE].*[iu]$/.test(token)
      ? ' (an integer has no decimal point or exponent, like 12i)'
      : ' (write floats like 21.5 or -1.5e-2, integers like 12i, unsigned like 12u)';
    return errorAt(s, stop < end ? stop : start, `invalid number ${quote(token)}${hint}`);
  }
  return errorAt(
    s,
    start,
    `invalid field value ${quote(token)}: expected a number, a double-quoted string or a boolean`,
  );
}

function duplicateTag(s: string, keyStart: number, keyEnd: number) {
  return errorAt(s, keyStart, `duplicate tag key ${quote(unescapeKey(s, keyStart, keyEnd, true))}`);
}

/**
 * The unescaped [key, value] of the tag whose bounds start at `tagBounds[at]`; frozen, and of
 * detached strings, when `shared`.
 */
function tagAt(s: string, at: number, shared: boolean): readonly [string, string] {
  const keyStart = tagBounds[at];
  const keyEnd = tagBounds[at + 1];
  const valueEnd = tagBounds[at + 2];
  const flags = tagBounds[at + 3];
  if (!shared) {
    return [
      flags & KEY_ESCAPED ? unescapeKey(s, keyStart, keyEnd, true) : s.slice(keyStart, keyEnd),
      flags & VALUE_ESCAPED ? unescapeKey(s, keyEnd + 1, valueEnd, true) : s.slice(keyEnd + 1, valueEnd),
    ];
  }
  return Object.freeze([
    flags & KEY_ESCAPED ? detach(unescapeKey(s, keyStart, keyEnd, true)) : token(s, keyStart, keyEnd),
    flags & VALUE_ESCAPED
      ? detach(unescapeKey(s, keyEnd + 1, valueEnd, true))
      : token(s, keyEnd + 1, valueEnd),
  ] as const);
}

function growTagScratch(): void {
  const bounds = new Int32Array(tagBounds.length * 2);
  bounds.set(tagBounds);
  tagBounds = bounds;
  tagOrder = new Int32Array(tagOrder.length * 2);
}

/**
 * Orders the first `count` tags of `tagBounds` by key into `tagOrder`, and refuses duplicate
 * keys. Insertion sort: tag sets are small and usually nearly sorted.
 */
function sortTags(s: string, count: number): void {
  for (let i = 0; i < count; i++) {
    const at = i * 4;
    let j = i;
    while (j > 0) {
      const other = tagOrder[j - 1] * 4;
      const order = compareKeys(s, tagBounds[other], tagBounds[other + 1], tagBounds[at], tagBounds[at + 1]);
      if (order === 0) {
        // Report the later of the two in the line.
        const later = Math.max(tagBounds[other], tagBounds[at]);
        throw duplicateTag(s, later, later === tagBounds[at] ? tagBounds[at + 1] : tagBounds[other + 1]);
      }
      if (order < 0) break;
      tagOrder[j] = tagOrder[j - 1];
      j--;
    }
    tagOrder[j] = i;
  }
}

/**
 * Compares two escaped keys of `s` in code point order, which is the UTF-8 byte order that
 * InfluxDB's bytes.Compare uses. UTF-16 units order differently only when a surrogate meets a
 * unit above the surrogate range, so those two are moved before comparing.
 */
function compareKeys(s: string, aStart: number, aEnd: number, bStart: number, bEnd: number): number {
  const aLength = aEnd - aStart;
  const bLength = bEnd - bStart;
  const length = aLength < bLength ? aLength : bLength;
  for (let i = 0; i < length; i++) {
    let a = s.charCodeAt(aStart + i);
    let b = s.charCodeAt(bStart + i);
    if (a !== b) {
      if (a >= 0xd800 && b >= 0xd800) {
        a = a >= 0xe000 ? a - 0x800 : a + 0x2000;
        b = b >= 0xe000 ? b - 0x800 : b + 0x2000;
      }
      return a - b;
    }
  }
  return aLength - bLength;
}

/**
 * Unescapes a measurement (`\,` and `\ `) or a tag key, tag value or field key (also `\=`).
 * Any other backslash is literal, as the InfluxDB documentation and its parser have it.
 */
function unescapeKey(s: string, start: number, end: number, equalsEscapes: boolean): string {
  let out = '';
  let from = start;
  for (let i = start; i < end - 1; i++) {
    if (s.charCodeAt(i) !== BACKSLASH) continue;
    const next = s.charCodeAt(i + 1);
    if (next === COMMA || next === SPACE || (equalsEscapes && next === EQUALS)) {
      out += s.slice(from, i);
      from = i + 1;
      i++;
    }
  }
  return out + s.slice(from, end);
}

/** Unescapes a string field value: `\"` and `\\`; any other backslash is literal. */
function unescapeString(s: string, start: number, end: number): string {
  let out = '';
  let from = start;
  for (let i = start; i < end - 1; i++) {
    if (s.charCodeAt(i) !== BACKSLASH) continue;
    const next = s.charCodeAt(i + 1);
    if (next === BACKSLASH || next === QUOTE) {
      out += s.slice(from, i);
      from = i + 1;
    }
    i++;
  }
  return out + s.slice(from, end);
}

/** Length of `text` in UTF-8 bytes; lone surrogates count as the 3-byte replacement character. */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
