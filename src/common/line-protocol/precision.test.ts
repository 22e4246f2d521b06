import { describe, expect, it } from 'vitest';
import {
  PRECISION_SPECS,
  PrecisionError,
  defaultTimeMs,
  parsePrecision,
  timestampToMs,
  type Precision,
} from './precision.ts';

const toMs = (timestamp: string, precision: Precision) =>
  timestampToMs(timestamp, 0, timestamp.length, PRECISION_SPECS[precision]);

describe('parsePrecision', () => {
  it('accepts the InfluxDB 2.x names', () => {
    for (const name of ['ns', 'us', 'ms', 's'] as const) expect(parsePrecision(name, 'ms')).toBe(name);
  });

  it('accepts the InfluxDB 1.x names', () => {
    expect(parsePrecision('n', 'ms')).toBe('ns');
    expect(parsePrecision('u', 'ms')).toBe('us');
    expect(parsePrecision('m', 'ms')).toBe('m');
    expect(parsePrecision('h', 'ms')).toBe('h');
  });

  it('falls back when the parameter is missing or empty', () => {
    expect(parsePrecision(undefined, 'ns')).toBe('ns');
    expect(parsePrecision('', 's')).toBe('s');
  });

  it('refuses anything else, naming the value and the valid units', () => {
    for (const bad of ['µs', 'µ', 'MS', 'sec', 'nanoseconds', ' ns', 'toString', '__proto__']) {
      expect(() => parsePrecision(bad, 'ns')).toThrow(PrecisionError);
    }
    expect(() => parsePrecision('x', 'ns')).toThrow(
      'invalid precision "x": use ns, us, ms or s (also n, u, m or h)',
    );
    try {
      parsePrecision('sec', 'ns');
    } catch (error) {
      expect((error as PrecisionError).precision).toBe('sec');
    }
  });
});

describe('timestampToMs', () => {
  it('converts every precision to milliseconds', () => {
    expect(toMs('1700000000123456789', 'ns')).toBe(1_700_000_000_123);
    expect(toMs('1700000000123456', 'us')).toBe(1_700_000_000_123);
    expect(toMs('1700000000123', 'ms')).toBe(1_700_000_000_123);
    expect(toMs('1700000000', 's')).toBe(1_700_000_000_000);
    expect(toMs('28333333', 'm')).toBe(1_699_999_980_000);
    expect(toMs('472222', 'h')).toBe(1_699_999_200_000);
  });

  it('keeps the exact millisecond of nanosecond values far beyond 2^53', () => {
    // Number('9007199254740993999') rounds to ...992000 or so; the digits must not go through it.
    expect(toMs('9007199254740993999', 'ns')).toBe(9_007_199_254_740);
    expect(toMs('1700000000999999999', 'ns')).toBe(1_700_000_000_999);
    expect(toMs('9223372036854775806', 'ns')).toBe(9_223_372_036_854);
    expect(toMs('1234567890123456789', 'ns')).toBe(1_234_567_890_123);
  });

  it('truncates toward -infinity before the epoch', () => {
    expect(toMs('-1', 'ns')).toBe(-1);
    expect(toMs('-1000000', 'ns')).toBe(-1);
    expect(toMs('-1000001', 'ns')).toBe(-2);
    expect(toMs('-999999', 'ns')).toBe(-1);
    expect(toMs('-1', 'us')).toBe(-1);
    expect(toMs('-1500', 'us')).toBe(-2);
    expect(toMs('-1', 's')).toBe(-1000);
    expect(toMs('-1700000000123456789', 'ns')).toBe(-1_700_000_000_124);
  });

  it('gives 0, not -0, for zero', () => {
    expect(Object.is(toMs('0', 'ns'), 0)).toBe(true);
    expect(Object.is(toMs('-0', 'ns'), 0)).toBe(true);
    expect(Object.is(toMs('-000000', 'ns'), 0)).toBe(true);
  });

  it('truncates sub-millisecond parts of small values', () => {
    expect(toMs('999999', 'ns')).toBe(0);
    expect(toMs('1000000', 'ns')).toBe(1);
    expect(toMs('999', 'us')).toBe(0);
  });

  it('ignores leading zeros, also for the range', () => {
    expect(toMs('0001700000000000000000', 'ns')).toBe(1_700_000_000_000);
    expect(toMs('00009223372036854775806', 'ns')).toBe(9_223_372_036_854);
  });

  it('accepts InfluxDB’s extreme times and refuses one step beyond, in every precision', () => {
    // models.MaxNanoTime = 2^63 - 2 ns; models.MinNanoTime = -(2^63 - 2) ns.
    const limits: Record<Precision, [string, string]> = {
      ns: ['9223372036854775806', '9223372036854775807'],
      us: ['9223372036854775', '9223372036854776'],
      ms: ['9223372036854', '9223372036855'],
      s: ['9223372036', '9223372037'],
      m: ['153722867', '153722868'],
      h: ['2562047', '2562048'],
    };
    for (const [precision, [max, beyond]] of Object.entries(limits) as Array<[Precision, [string, string]]>) {
      expect(toMs(max, precision), precision).not.toBeNaN();
      expect(toMs(`-${max}`, precision), precision).not.toBeNaN();
      expect(toMs(beyond, precision), precision).toBeNaN();
      expect(toMs(`-${beyond}`, precision), precision).toBeNaN();
    }
    expect(toMs('2562047', 'h')).toBe(2_562_047 * 3_600_000);
    expect(toMs('99999999999999999999', 'ns')).toBeNaN();
  });

  it('refuses text that is not an integer', () => {
    for (const bad of ['', '-', '1.5', '1e9', '12a', '--1', '+1', '1-', ' 1', '1 ']) {
      expect(toMs(bad, 'ns'), bad).toBeNaN();
    }
  });
});

describe('defaultTimeMs', () => {
  it('truncates the clock to the write precision, as InfluxDB does', () => {
    const now = Date.UTC(2024, 1, 29, 13, 45, 30, 789);
    expect(defaultTimeMs(now, 'ns')).toBe(now);
    expect(defaultTimeMs(now, 'us')).toBe(now);
    expect(defaultTimeMs(now, 'ms')).toBe(now);
    expect(defaultTimeMs(now, 's')).toBe(Date.UTC(2024, 1, 29, 13, 45, 30));
    expect(defaultTimeMs(now, 'm')).toBe(Date.UTC(2024, 1, 29, 13, 45));
    expect(defaultTimeMs(now, 'h')).toBe(Date.UTC(2024, 1, 29, 13));
    expect(defaultTimeMs(-1, 's')).toBe(-1000);
  });
});
