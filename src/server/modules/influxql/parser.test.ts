import { describe, expect, it } from 'vitest';
import { splitTime } from './executor.ts';
import {
  durationMs,
  parseStatement,
  ParseError,
  splitStatements,
  tokenize,
  UnsupportedError,
  type SelectStatement,
} from './parser.ts';

const NOW = Date.UTC(2026, 11, 7, 12);
const parse = (q: string) => parseStatement(q, NOW);
const select = (q: string) => parse(q) as SelectStatement;

describe('the InfluxQL tokenizer', () => {
  it('reads quoted identifiers, strings, durations, numbers and regexes', () => {
    const tokens = tokenize(
      `"SN" =~ /^(A|B)\\/x$/ AND time > 1700000000000ms - 1h30m AND "a b" = 'it\\'s' 1.5`,
    );
    expect(tokens.map((t) => [t.kind, t.text])).toEqual([
      ['ident', 'SN'],
      ['op', '=~'],
      ['regex', '^(A|B)/x$'],
      ['ident', 'AND'],
      ['ident', 'time'],
      ['op', '>'],
      ['duration', '1700000000000ms'],
      ['op', '-'],
      ['duration', '1h30m'],
      ['ident', 'AND'],
      ['ident', 'a b'],
      ['op', '='],
      ['string', "it's"],
      ['number', '1.5'],
      ['eof', ''],
    ]);
    expect(durationMs('1h30m')).toBe(5_400_000);
    expect(durationMs('7d')).toBe(7 * 86_400_000);
  });

  it('splits statements at semicolons outside quotes and regexes', () => {
    expect(
      splitStatements(`SHOW DATABASES; SELECT "a;b" FROM m WHERE x = ';' ;SHOW TAG VALUES WITH KEY =~ /;/;`),
    ).toEqual(['SHOW DATABASES', `SELECT "a;b" FROM m WHERE x = ';'`, 'SHOW TAG VALUES WITH KEY =~ /;/']);
  });
});

describe('the InfluxQL parser', () => {
  it('parses the SHOW statements Grafana sends', () => {
    expect(parse('SHOW DATABASES')).toEqual({ kind: 'show databases' });
    expect(parse('show retention policies on "ciop"')).toEqual({ kind: 'show retention policies' });
    expect(parse('SHOW MEASUREMENTS LIMIT 100')).toEqual({ kind: 'show measurements', limit: 100 });
    expect(parse('SHOW MEASUREMENTS WITH MEASUREMENT =~ /forw/ LIMIT 5')).toMatchObject({
      measurement: { kind: 'regex', source: 'forw', negated: false },
      limit: 5,
    });
    expect(parse('SHOW TAG KEYS FROM "autogen"."forwarder_data"')).toEqual({
      kind: 'show tag keys',
      from: 'forwarder_data',
    });
    expect(
      parse(`SHOW TAG VALUES FROM "forwarder_data" WITH KEY = "SN" WHERE "medium" = 'temperature'`),
    ).toEqual({
      kind: 'show tag values',
      from: 'forwarder_data',
      key: { kind: 'eq', keys: ['SN'] },
      where: {
        kind: 'compare',
        op: '=',
        left: { kind: 'ref', name: 'medium' },
        right: { kind: 'string', value: 'temperature' },
      },
    });
    expect(parse('SHOW TAG VALUES WITH KEY IN ("SN", "medium")')).toMatchObject({
      key: { kind: 'eq', keys: ['SN', 'medium'] },
    });
    expect(parse('SHOW TAG VALUES WITH KEY =~ /^(SN|medium)$/')).toMatchObject({
      key: { kind: 'regex', source: '^(SN|medium)$' },
    });
    expect(parse('SHOW FIELD KEYS FROM forwarder_data')).toEqual({
      kind: 'show field keys',
      from: 'forwarder_data',
    });
  });

  it("parses Grafana's SELECT with $timeFilter, GROUP BY time, tags and fill", () => {
    const s = select(
      `SELECT mean("value") AS "t" FROM "forwarder_data" WHERE ("SN" = 'AB' OR "SN" =~ /^C/) AND time >= 1700000000000ms and time <= 1700003600000ms GROUP BY time(1h), "medium" fill(previous) ORDER BY time DESC LIMIT 10 OFFSET 2`,
    );
    expect(s.fields).toEqual([{ call: 'mean', field: 'value', column: 't' }]);
    expect(s.measurement).toBe('forwarder_data');
    expect(s.interval).toEqual({ every: 3_600_000, offset: 0 });
    expect(s.groupTags).toEqual(['medium']);
    expect(s.fill).toEqual({ kind: 'previous' });
    expect(s.descending).toBe(true);
    expect([s.limit, s.offset]).toEqual([10, 2]);
    const range = splitTime(s.where);
    expect([range.from, range.to]).toEqual([1_700_000_000_000, 1_700_003_600_000]);
    expect(range.rest?.kind).toBe('or');
    expect(
      select('SELECT max(value) FROM m WHERE time > now() - 1h GROUP BY time(10m, 5m) fill(-1.5)'),
    ).toMatchObject({
      interval: { every: 600_000, offset: 300_000 },
      fill: { kind: 'number', value: -1.5 },
    });
    expect(select('SELECT count(value) FROM m GROUP BY *').groupTags).toBe('*');
    expect(select('SELECT count(value) FROM m GROUP BY * LIMIT 2 SLIMIT 3 SOFFSET 1')).toMatchObject({
      limit: 2,
      slimit: 3,
      soffset: 1,
    });
  });

  it('reads time bounds: now() arithmetic, RFC 3339, epochs in ns, ms and s', () => {
    const range = (where: string) => {
      const r = splitTime(select(`SELECT value FROM m WHERE ${where}`).where);
      return [r.from, r.to];
    };
    expect(range('time > now() - 7d')).toEqual([NOW - 7 * 86_400_000 + 1, 8_640_000_000_000_000]);
    expect(range(`time >= '2026-12-01T00:00:00Z' AND time < '2026-12-02T00:00:00.5Z'`)).toEqual([
      Date.UTC(2026, 11, 1),
      Date.UTC(2026, 11, 2) + 499,
    ]);
    expect(range('time >= 1700000000s AND time <= 1700000060000000000')).toEqual([
      1_700_000_000_000, 1_700_000_060_000,
    ]);
    expect(range(`time >= '2026-12-01' + 1h`)[0]).toBe(Date.UTC(2026, 11, 1, 1));
    expect(range('now() - 1h < time')[0]).toBe(NOW - 3_600_000 + 1);
  });

  it('names what it does not support', () => {
    const unsupported = (q: string, what: RegExp) => {
      expect(() => parse(q)).toThrow(UnsupportedError);
      expect(() => parse(q)).toThrow(what);
    };
    unsupported('SELECT stddev(value) FROM m', /stddev\(\) is not supported/);
    unsupported('SELECT *, value FROM m', /SELECT \*/);
    unsupported('SELECT value * 2 FROM m', /arithmetic/);
    unsupported('SELECT mean(value) FROM (SELECT value FROM m)', /subqueries/);
    unsupported('SHOW CONTINUOUS QUERIES', /SHOW CONTINUOUS/);
    unsupported('DROP MEASUREMENT m', /DROP statements are not supported/);
    unsupported('SELECT value, mean(value) FROM m', /mixing/);
    unsupported('SELECT difference(difference(value)) FROM m', /difference\(\) is not supported/);
  });

  it('reads median, spread, the transforms, fill(linear), tz(), SELECT * and SHOW SERIES', () => {
    const s = select(
      "SELECT non_negative_derivative(mean(value), 1m) AS rate FROM m WHERE time > 0 GROUP BY time(1h) fill(linear) tz('Europe/Madrid')",
    );
    expect(s.fields).toEqual([
      {
        call: 'mean',
        field: 'value',
        transform: { name: 'non_negative_derivative', unit: 60_000 },
        column: 'rate',
      },
    ]);
    expect(s.fill).toEqual({ kind: 'linear' });
    expect(s.tz).toBe('Europe/Madrid');
    expect(
      select('SELECT median(v), spread(v), difference(mean(v)) FROM m').fields.map((f) => f.column),
    ).toEqual(['median', 'spread', 'difference']);
    expect(select('SELECT * FROM m').wildcard).toBe(true);
    expect(parse("SHOW SERIES FROM m WHERE a = 'b' LIMIT 2 OFFSET 1")).toMatchObject({
      kind: 'show series',
      from: 'm',
      limit: 2,
      offset: 1,
    });
    expect(() => parse("SELECT mean(v) FROM m GROUP BY time(1d) tz('Mars/Olympus')")).toThrow(
      /unable to find time zone Mars\/Olympus/,
    );
  });

  it('takes time out of OR and intersects the ranges, as InfluxDB 1.6 does', () => {
    const { from, to, rest } = splitTime(
      select('SELECT value FROM m WHERE "SN" = \'x\' OR (time >= 1000ms AND time < 5000ms) OR time > 2000ms')
        .where,
    );
    expect([from, to]).toEqual([2001, 4999]);
    expect(rest).toEqual({
      kind: 'compare',
      op: '=',
      left: { kind: 'ref', name: 'SN' },
      right: { kind: 'string', value: 'x' },
    });
  });

  it('refuses text that is not InfluxQL', () => {
    for (const q of [
      'SELECT',
      'SELECT value FROM',
      'SELECT value FROM m WHERE',
      "SELECT value FROM m WHERE x = 'a",
      'SHOW TAG VALUES',
      'SELECT value FROM m GROUP BY time(1h)',
    ])
      expect(() => parse(q), q).toThrow(ParseError);
    expect(() => parse('SELECT value FROM m WHERE')).toThrow(/found EOF, expected/);
  });
});
