import { Point, escape } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import {
  LineProtocolError,
  LineScanner,
  parseLines,
  type FieldValue,
  type LineLimits,
  type ParsedPoint,
  type Precision,
} from './index.ts';

const NOW = Date.UTC(2024, 0, 15, 12, 0, 0, 0);

function parse(body: string, precision: Precision = 'ns', nowMs = NOW): ParsedPoint[] {
  return parseLines(body, { precision, nowMs });
}

/** The single point of a one-line body. */
function point(line: string, precision: Precision = 'ns'): ParsedPoint {
  const points = parse(line, precision);
  expect(points).toHaveLength(1);
  return points[0];
}

/** Fields as a plain object of values, for compact expectations. */
function values(p: ParsedPoint): Record<string, FieldValue['value']> {
  return Object.fromEntries(p.fields.map(([key, field]) => [key, field.value]));
}

function fieldOf(line: string, key = 'f'): FieldValue {
  const found = point(line).fields.find(([k]) => k === key);
  if (found === undefined) throw new Error(`no field ${key}`);
  return found[1];
}

/** The LineProtocolError a body raises. */
function failure(body: string, precision: Precision = 'ns'): LineProtocolError {
  try {
    parse(body, precision);
  } catch (error) {
    if (error instanceof LineProtocolError) return error;
    throw error;
  }
  throw new Error(`no error for ${JSON.stringify(body)}`);
}

describe('parseLines: the forwarder shape', () => {
  it('reads a forwarder line', () => {
    const p = point(
      'forwarder_data,SN=0123456789ABCDEF,channel=1,device=3,medium=temperature value=21.5 1700000000000000000',
    );
    expect(p).toEqual({
      measurement: 'forwarder_data',
      tags: [
        ['SN', '0123456789ABCDEF'],
        ['channel', '1'],
        ['device', '3'],
        ['medium', 'temperature'],
      ],
      seriesKey: 'forwarder_data,SN=0123456789ABCDEF,channel=1,device=3,medium=temperature',
      fields: [['value', { type: 'float', value: 21.5 }]],
      timeMs: 1_700_000_000_000,
      line: 1,
    });
  });

  it('reads a 5,000-line forwarder body exactly', () => {
    const media = ['temperature', 'humidity', 'co2', 'power'];
    const expected: Array<{ sn: string; channel: number; medium: string; value: number; ns: string }> = [];
    const lines: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const sn = (0xabc0000 + (i % 97)).toString(16).toUpperCase().padStart(16, '0');
      const channel = 1 + (i % 4);
      const medium = media[i % media.length];
      const value = Math.round(Math.sin(i) * 10_000) / 100 + 0; // + 0: no -0, which prints as 0
      // Nanoseconds with a sub-millisecond part: 2^53 is far below these values.
      const ns = `${1_700_000_000_000 + i * 1000 + (i % 1000)}${String(i % 1_000_000).padStart(6, '0')}`;
      expected.push({ sn, channel, medium, value, ns });
      lines.push(`forwarder_data,SN=${sn},channel=${channel},device=3,medium=${medium} value=${value} ${ns}`);
    }
    const points = parse(lines.join('\n'));
    expect(points).toHaveLength(5000);
    points.forEach((p, i) => {
      const e = expected[i];
      expect(p.line).toBe(i + 1);
      expect(p.tags).toEqual([
        ['SN', e.sn],
        ['channel', String(e.channel)],
        ['device', '3'],
        ['medium', e.medium],
      ]);
      expect(p.fields).toEqual([['value', { type: 'float', value: e.value }]]);
      expect(p.timeMs).toBe(Number(e.ns.slice(0, -6)));
    });
  });
});

describe('parseLines: elements', () => {
  it('needs only a measurement and a field', () => {
    expect(point('cpu value=1')).toEqual({
      measurement: 'cpu',
      tags: [],
      seriesKey: 'cpu',
      fields: [['value', { type: 'float', value: 1 }]],
      timeMs: NOW,
      line: 1,
    });
  });

  it('reads several fields of every type, in line order', () => {
    const p = point('m,host=a f=1.5,i=-12i,u=12u,s="text",b=true 1000000000');
    expect(p.fields).toEqual([
      ['f', { type: 'float', value: 1.5 }],
      ['i', { type: 'integer', value: -12 }],
      ['u', { type: 'unsigned', value: 12 }],
      ['s', { type: 'string', value: 'text' }],
      ['b', { type: 'boolean', value: true }],
    ]);
    expect(p.timeMs).toBe(1000);
  });

  it('accepts every boolean spelling (InfluxDB TestParsePointWithBoolField)', () => {
    const p = point(
      'cpu,host=serverA,region=us-east true=true,t=t,T=T,TRUE=TRUE,True=True,false=false,f=f,F=F,FALSE=FALSE,False=False 1000000000',
    );
    expect(values(p)).toEqual({
      true: true,
      t: true,
      T: true,
      TRUE: true,
      True: true,
      false: false,
      f: false,
      F: false,
      FALSE: false,
      False: false,
    });
  });

  it('reads floats in every form InfluxDB accepts', () => {
    const cases: Array<[string, number]> = [
      ['1', 1],
      ['1.', 1],
      ['.1', 0.1],
      ['-.5', -0.5],
      ['-0.64', -0.64],
      ['1e3', 1000],
      ['1E3', 1000],
      ['1.0e4', 1e4],
      ['1.0E-4', 1e-4],
      ['-1.5E-2', -0.015],
      ['1e+3', 1000],
      ['1.e5', 1e5],
      ['6.632243e+06', 6_632_243],
      ['-1.234456e+78', -1.234456e78],
      ['0000123.5', 123.5],
      ['3.141592653589793', Math.PI],
      ['123456789012345678901234567890', 1.2345678901234568e29],
      ['1e-400', 0],
      ['1.7976931348623157e308', Number.MAX_VALUE],
      ['-1.7976931348623157e308', -Number.MAX_VALUE],
      ['4.9e-324', Number.MIN_VALUE],
    ];
    for (const [text, expected] of cases) {
      expect(fieldOf(`m f=${text}`), text).toEqual({ type: 'float', value: expected });
    }
  });

  it('gives floats exactly the value Number() gives their text', () => {
    // A deterministic spread of mantissas and exponents, through the fast and the slow path.
    let seed = 7;
    const random = () => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    for (let i = 0; i < 3000; i++) {
      const digits = String(Math.floor(random() * 10 ** (1 + Math.floor(random() * 17))));
      const point = Math.floor(random() * (digits.length + 1));
      let text = `${digits.slice(0, point)}.${digits.slice(point)}`;
      if (text === '.') text = '0.0';
      if (random() < 0.4) text += `e${Math.floor(random() * 60) - 30}`;
      if (random() < 0.3) text = `-${text}`;
      expect(fieldOf(`m f=${text}`).value, text).toBe(Number(text));
    }
  });

  it('reads integers up to the int64 limits', () => {
    expect(fieldOf('m f=0i')).toEqual({ type: 'integer', value: 0 });
    expect(fieldOf('m f=-0i')).toEqual({ type: 'integer', value: 0 });
    expect(fieldOf('m f=12485903i')).toEqual({ type: 'integer', value: 12_485_903 });
    expect(fieldOf('m f=9007199254740993i')).toEqual({ type: 'integer', value: 9_007_199_254_740_992 });
    expect(fieldOf('m f=9223372036854775807i')).toEqual({ type: 'integer', value: 2 ** 63 });
    expect(fieldOf('m f=-9223372036854775808i')).toEqual({ type: 'integer', value: -(2 ** 63) });
    // Leading zeros do not count against the range (InfluxDB TestParsePointMaxInt64).
    expect(fieldOf('m f=0009223372036854775807i').type).toBe('integer');
    expect(fieldOf('m f=-0009223372036854775808i').type).toBe('integer');
  });

  it('reads unsigned integers up to the uint64 limit', () => {
    expect(fieldOf('m f=0u')).toEqual({ type: 'unsigned', value: 0 });
    expect(fieldOf('m f=0000u')).toEqual({ type: 'unsigned', value: 0 });
    expect(fieldOf('m f=12485903u')).toEqual({ type: 'unsigned', value: 12_485_903 });
    expect(fieldOf('m f=18446744073709551615u')).toEqual({ type: 'unsigned', value: 2 ** 64 });
    expect(fieldOf('m f=00018446744073709551615u').type).toBe('unsigned');
  });

  it('reads string values with spaces, commas, equals signs and escapes (InfluxDB points_test.go)', () => {
    const cases: Array<[string, string]> = [
      ['"foo bar"', 'foo bar'],
      ['"1,0"', '1,0'],
      ['"foo=bar"', 'foo=bar'],
      ['"foo \\" bar"', 'foo " bar'],
      ['"foo\\,bar"', 'foo\\,bar'],
      ['"{Hello\\"{,}\\" World}"', '{Hello"{,}" World}'],
      ['"{Hello\\"{\\,}\\" World}"', '{Hello"{\\,}" World}'],
      ['"test\\\\\\""', 'test\\"'],
      ['"test\\\\"', 'test\\'],
      ['"test\\""', 'test"'],
      ['"wè"', 'wè'],
      ['"Launch 🚀"', 'Launch 🚀'],
      ['""', ''],
      ['"C:\\windows\\system32"', 'C:\\windows\\system32'],
    ];
    for (const [text, expected] of cases) {
      expect(fieldOf(`m f=${text}`), text).toEqual({ type: 'string', value: expected });
    }
    expect(values(point('cpu str="foo\\\\",str2="bar" 1000000000'))).toEqual({ str: 'foo\\', str2: 'bar' });
  });

  it('reads the escaped backslashes of the InfluxDB documentation in string values', () => {
    // docs.influxdata.com/influxdb/v2/reference/syntax/line-protocol/#escaping-backslashes:
    // "With two contiguous backslashes, the first is interpreted as an escape character."
    const table: Array<[string, string]> = [
      ['\\', '\\'],
      ['\\\\', '\\'],
      ['\\\\\\', '\\\\'],
      ['\\\\\\\\', '\\\\'],
      ['\\\\\\\\\\', '\\\\\\'],
      ['\\\\\\\\\\\\', '\\\\\\'],
    ];
    for (const [backslashes, interpreted] of table) {
      expect(fieldOf(`m f="a${backslashes}b"`).value, backslashes).toBe(`a${interpreted}b`);
    }
  });

  it('lets a string value span lines, counting them', () => {
    const points = parse('cpu,host=serverA str="foo\nbar",value=1.0 1000000000\ncpu value=2 2000000000');
    expect(points.map((p) => [values(p), p.line])).toEqual([
      [{ str: 'foo\nbar', value: 1 }, 1],
      [{ value: 2 }, 3],
    ]);
  });

  it('reads timestamps in every precision', () => {
    const cases: Array<[Precision, string, number]> = [
      ['ns', '946730096789012345', 946_730_096_789],
      ['us', '946730096789012', 946_730_096_789],
      ['ms', '946730096789', 946_730_096_789],
      ['s', '946730096', 946_730_096_000],
      ['m', '15778834', 946_730_040_000],
      ['h', '262980', 946_728_000_000],
    ];
    for (const [precision, timestamp, ms] of cases) {
      expect(point(`cpu value=1 ${timestamp}`, precision).timeMs, precision).toBe(ms);
    }
  });

  it('keeps the millisecond of nanosecond timestamps above 2^53 exact', () => {
    expect(point('cpu value=1 1700000000123999999').timeMs).toBe(1_700_000_000_123);
    expect(point('cpu value=1 9007199254740993999').timeMs).toBe(9_007_199_254_740);
    expect(point('cpu value=1 9223372036854775806').timeMs).toBe(9_223_372_036_854);
    expect(point('cpu value=1 -9223372036854775806').timeMs).toBe(-9_223_372_036_855);
  });

  it('reads negative timestamps, flooring to the millisecond', () => {
    expect(point('cpu value=1 -1').timeMs).toBe(-1);
    expect(point('cpu value=1 -1000000').timeMs).toBe(-1);
    expect(point('cpu value=1 -2', 's').timeMs).toBe(-2000);
  });

  it('gives lines without a timestamp the time of the write, truncated to the precision', () => {
    const now = Date.UTC(2024, 0, 15, 12, 34, 56, 789);
    expect(parse('cpu value=1', 'ns', now)[0].timeMs).toBe(now);
    expect(parse('cpu value=1', 's', now)[0].timeMs).toBe(Date.UTC(2024, 0, 15, 12, 34, 56));
    expect(parse('cpu value=1', 'h', now)[0].timeMs).toBe(Date.UTC(2024, 0, 15, 12));
    expect(parse('cpu value=1 ', 'ns', now)[0].timeMs).toBe(now);
  });
});

describe('parseLines: lines, blanks and comments', () => {
  it('accepts the whitespace InfluxDB accepts (TestParsePointWhitespace)', () => {
    const examples = [
      'cpu    value=1.0 1257894000000000000',
      'cpu value=1.0     1257894000000000000',
      'cpu      value=1.0     1257894000000000000',
      'cpu value=1.0 1257894000000000000   ',
      'cpu value=1.0 1257894000000000000\n',
      'cpu   value=1.0 1257894000000000000\n',
      '  \t cpu value=1.0 1257894000000000000',
      'cpu \tvalue=1.0 \t1257894000000000000\t',
    ];
    for (const example of examples) {
      const p = point(example);
      expect([p.measurement, values(p), p.timeMs], JSON.stringify(example)).toEqual([
        'cpu',
        { value: 1 },
        1_257_894_000_000,
      ]);
    }
  });

  it('skips blank lines and comments, also indented ones, and counts them', () => {
    const body = [
      '# a point is below',
      '',
      '   ',
      '\t# indented comment',
      'cpu value=1 1000000',
      '#cpu value=2 2000000',
      '',
      'cpu value=3 3000000',
      '# end',
    ].join('\n');
    expect(parse(body).map((p) => [p.line, p.timeMs])).toEqual([
      [5, 1],
      [8, 3],
    ]);
    expect(parse('# comment only')).toEqual([]);
    expect(parse('')).toEqual([]);
    expect(parse(' ')).toEqual([]);
    expect(parse('\n\n\n')).toEqual([]);
  });

  it('reads CRLF line endings', () => {
    const body = '# comment\r\ncpu value=1 1000000\r\n\r\ncpu value=2\r\ncpu,host=a value="x" 3000000\r\n';
    const points = parse(body);
    expect(points.map((p) => [p.line, values(p), p.timeMs])).toEqual([
      [2, { value: 1 }, 1],
      [4, { value: 2 }, NOW],
      [5, { value: 'x' }, 3],
    ]);
    expect(point('cpu value=1 1000000\r').timeMs).toBe(1);
    expect(point('cpu value=true\r\n').fields).toEqual([['value', { type: 'boolean', value: true }]]);
  });

  it('keeps a CR that does not end a line as part of a name', () => {
    expect(point('cp\ru value=1').measurement).toBe('cp\ru');
  });

  it('does not take "#" after the start of a line for a comment', () => {
    expect(point('cpu#1,tag=#a value=1').seriesKey).toBe('cpu#1,tag=#a');
  });
});

describe('parseLines: escaping (InfluxDB TestParsePointUnescape and the reference)', () => {
  // Each case: line, measurement, tags, field key.
  const cases: Array<[string, string, Array<[string, string]>, string]> = [
    ['foo\\,bar value=1i', 'foo,bar', [], 'value'],
    ['cpu\\,main,regions=east value=1.0', 'cpu,main', [['regions', 'east']], 'value'],
    ['cpu\\ load,region=east value=1.0', 'cpu load', [['region', 'east']], 'value'],
    // "=" needs no escape in a measurement, and there a backslash before it is literal.
    ['cpu\\=load,region=east value=1.0', 'cpu\\=load', [['region', 'east']], 'value'],
    ['cpu=load,region=east value=1.0', 'cpu=load', [['region', 'east']], 'value'],
    ['cpu,region\\,zone=east value=1.0', 'cpu', [['region,zone', 'east']], 'value'],
    ['cpu,region\\ zone=east value=1.0', 'cpu', [['region zone', 'east']], 'value'],
    ['cpu,reg\\\\=ion=east value=1.0', 'cpu', [['reg\\=ion', 'east']], 'value'],
    ['cpu,\\ =east value=1.0', 'cpu', [[' ', 'east']], 'value'],
    ['cpu,regions=east\\,west value=1.0', 'cpu', [['regions', 'east,west']], 'value'],
    ['cpu,regions=\\\\ east value=1.0', 'cpu', [['regions', '\\ east']], 'value'],
    ['cpu,regions=eas\\\\ t value=1.0', 'cpu', [['regions', 'eas\\ t']], 'value'],
    ['cpu,regions=east\\\\  value=1.0', 'cpu', [['regions', 'east\\ ']], 'value'],
    ['cpu,regions=east\\ west value=1.0', 'cpu', [['regions', 'east west']], 'value'],
    ['cpu,regions=east value\\,ms=1.0', 'cpu', [['regions', 'east']], 'value,ms'],
    ['cpu,regions=east value\\ ms=1.0', 'cpu', [['regions', 'east']], 'value ms'],
    ['cpu,regions=eas\\t value=1.0', 'cpu', [['regions', 'eas\\t']], 'value'],
    ['cpu,regions=\\\\,\\,\\=east value=1.0', 'cpu', [['regions', '\\,,=east']], 'value'],
    ['cpu \\a=1i', 'cpu', [], '\\a'],
    ['cpu=load,equals\\=foo=tag\\=value value=1i', 'cpu=load', [['equals=foo', 'tag=value']], 'value'],
    // Quotes are ordinary characters outside string values.
    ['"cpu",host=serverA value=1.0', '"cpu"', [['host', 'serverA']], 'value'],
    ['cpu,"host"="serverA" value=1.0', 'cpu', [['"host"', '"serverA"']], 'value'],
    [
      'cpu,tag0=1\\"\\",t=k value=1',
      'cpu',
      [
        ['t', 'k'],
        ['tag0', '1\\"\\"'],
      ],
      'value',
    ],
    ['cpu "a=1', 'cpu', [], '"a'],
    // The reference's examples of special characters.
    ['my\\ Measurement fieldKey="string value"', 'my Measurement', [], 'fieldKey'],
    [
      'myMeasurement,tag\\ Key1=tag\\ Value1,tag\\ Key2=tag\\ Value2 fieldKey=100',
      'myMeasurement',
      [
        ['tag Key1', 'tag Value1'],
        ['tag Key2', 'tag Value2'],
      ],
      'fieldKey',
    ],
    [
      'myMeasurement,tagKey=🍭 fieldKey="Launch 🚀" 1556813561098000000',
      'myMeasurement',
      [['tagKey', '🍭']],
      'fieldKey',
    ],
    ['cpu,tag\u00001=v0 val\u0000ue=1', 'cpu', [['tag\u00001', 'v0']], 'val\u0000ue'],
  ];
  for (const [line, measurement, tags, fieldKey] of cases) {
    it(line, () => {
      const p = point(line);
      expect(p.measurement).toBe(measurement);
      expect(p.tags).toEqual(tags);
      expect(p.fields.map(([key]) => key)).toEqual([fieldKey]);
    });
  }

  it('writes the series key in escaped form, and it parses back to the same point', () => {
    const p = point('cpu\\ load\\,x,zone=a\\ b\\=c,host=h\\,1 value=1');
    expect(p.seriesKey).toBe('cpu\\ load\\,x,host=h\\,1,zone=a\\ b\\=c');
    const again = point(`${p.seriesKey} value=1`);
    expect([again.measurement, again.tags, again.seriesKey]).toEqual([p.measurement, p.tags, p.seriesKey]);
  });

  it('accepts a tag value starting with an unescaped "=", as InfluxDB’s scanner does', () => {
    const p = point('cpu,a==b value=1');
    expect(p.tags).toEqual([['a', '=b']]);
    expect(p.seriesKey).toBe('cpu,a==b');
  });
});

describe('parseLines: series keys', () => {
  it('sorts tags by key whatever their order in the line (InfluxDB TestParsePointKeyUnsorted)', () => {
    const p = point('cpu,last=1,first=2 value=1i');
    expect(p.seriesKey).toBe('cpu,first=2,last=1');
    expect(p.tags).toEqual([
      ['first', '2'],
      ['last', '1'],
    ]);
  });

  it('gives the same key to every order of the same tags', () => {
    const tags = ['SN=0123', 'channel=1', 'device=3', 'medium=co2', 'zone=north'];
    const keys = new Set<string>();
    for (let rotation = 0; rotation < tags.length; rotation++) {
      const order = [...tags.slice(rotation), ...tags.slice(0, rotation)];
      keys.add(point(`forwarder_data,${order.join(',')} value=1`).seriesKey);
      keys.add(point(`forwarder_data,${order.reverse().join(',')} value=1`).seriesKey);
    }
    expect([...keys]).toEqual(['forwarder_data,SN=0123,channel=1,device=3,medium=co2,zone=north']);
  });

  it('orders keys as bytes.Compare does: uppercase first, prefixes first, code points', () => {
    expect(point('m,b=1,B=2,a=3,A=4,aa=5 v=1').seriesKey).toBe('m,A=4,B=2,a=3,aa=5,b=1');
    // U+FF5E (in UTF-16 above the surrogates) sorts before U+1F36D (a surrogate pair) in UTF-8.
    expect(point('m,🍭=1,～=2 v=1').seriesKey).toBe('m,～=2,🍭=1');
    expect(point('m,～=2,🍭=1 v=1').seriesKey).toBe('m,～=2,🍭=1');
    // Escaped keys sort by their escaped text, as InfluxDB keeps them.
    expect(point('m,a!=1,a\\ b=2 v=1').seriesKey).toBe('m,a!=1,a\\ b=2');
    expect(point('m,a\\ b=2,a!=1 v=1').seriesKey).toBe('m,a!=1,a\\ b=2');
  });

  it('sorts many tags (InfluxDB TestNewPointLargeNumberOfTags)', () => {
    const tags = Array.from({ length: 255 }, (_, i) => `tag${i}=value${i}`);
    const p = point(`cpu,${[...tags].reverse().join(',')} value=1`);
    expect(p.tags).toHaveLength(255);
    const byKey = [...tags].sort((a, b) => (a.split('=')[0] < b.split('=')[0] ? -1 : 1));
    expect(p.seriesKey).toBe(`cpu,${byKey.join(',')}`);
    expect(p.seriesKey.startsWith('cpu,tag0=value0,tag1=value1,tag10=value10,tag100=value100,')).toBe(true);
  });

  it('shares read-only tags between points of a series', () => {
    const [a, b] = parse('cpu,host=a value=1\ncpu,host=a value=2');
    expect(a.tags).toEqual(b.tags);
    expect(Object.isFrozen(a.tags)).toBe(true);
    expect(Object.isFrozen(a.tags[0])).toBe(true);
  });

  it('gives the same results whether its series cache hits, misses or rests', () => {
    const body = 'cpu,z=1,a=2 v=1\ncpu\\ x,host=a\\,b v=2\nm,t=🍭 v=3';
    const first = parse(body);
    expect(parse(body)).toEqual(first);
    // Thousands of series never seen make the cache rest; then again thousands it has seen.
    const flood = Array.from({ length: 6000 }, (_, i) => `flood,id=${i} v=${i}`).join('\n');
    for (let round = 0; round < 3; round++) {
      expect(parse(flood)).toHaveLength(6000);
      expect(parse(body)).toEqual(first);
    }
    expect(first.map((p) => [p.seriesKey, p.tags])).toEqual([
      [
        'cpu,a=2,z=1',
        [
          ['a', '2'],
          ['z', '1'],
        ],
      ],
      ['cpu\\ x,host=a\\,b', [['host', 'a,b']]],
      ['m,t=🍭', [['t', '🍭']]],
    ]);
  });

  it('gives each line its own series when writers change the order of their series', () => {
    // Keys of one length that differ in one character: a guess from the round before must not
    // stand in for the series the line names.
    const keys = Array.from(
      { length: 12 },
      (_, i) => `forwarder_data,SN=A${(i % 10).toString()},medium=m${i < 10 ? 'a' : 'b'}`,
    );
    const rounds = [
      keys,
      keys,
      [...keys].reverse(),
      keys.map((_, i) => keys[(i * 5) % keys.length]),
      [keys[0], keys[0], keys[1], keys[0]],
      keys,
    ];
    for (const round of rounds) {
      const points = parse(round.map((key, i) => `${key} v=${i} ${i}`).join('\n'));
      expect(points.map((p) => p.seriesKey)).toEqual(round);
      expect(points.map((p) => p.fields[0][1].value)).toEqual(round.map((_, i) => i));
    }
  });

  it('refuses duplicate tag keys, in order or not (InfluxDB TestParsePointWithDuplicateTags)', () => {
    expect(failure('cpu,host=serverA,host=serverB value=1i 1000000000').reason).toBe(
      'duplicate tag key "host"',
    );
    expect(failure('cpu,b=2,b=1,c=3 value=1i 1000000000').reason).toBe('duplicate tag key "b"');
    expect(failure('cpu,b=2,c=3,b=1 value=1i 1000000000').reason).toBe('duplicate tag key "b"');
  });

  it('refuses the tag keys InfluxDB 2.x reserves (InfluxDB TestPoint_Tags)', () => {
    expect(failure('cpu,_measurement=v0,tag0=v0 value=1').reason).toBe(
      'cannot use reserved tag key "_measurement"',
    );
    expect(failure('cpu,tag0=v0,_field=v0 value=1').reason).toBe('cannot use reserved tag key "_field"');
    expect(failure('cpu,tag0=v0,time=v0 value=1').reason).toBe('cannot use reserved tag key "time"');
    expect(point('cpu,times=1,_fields=2 value=1').tags).toHaveLength(2);
  });
});

describe('parseLines: fields InfluxDB rewrites', () => {
  it('keeps the last value of a repeated field key', () => {
    const p = point('m a=1,b=2,a="three",b=4i');
    expect(p.fields).toEqual([
      ['a', { type: 'string', value: 'three' }],
      ['b', { type: 'integer', value: 4 }],
    ]);
  });

  it('keeps the last value of a repeated key among many fields', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}=${i}`);
    const p = point(`m ${keys.join(',')},k3=-1,k39=-2`);
    expect(p.fields).toHaveLength(40);
    expect(values(p).k3).toBe(-1);
    expect(values(p).k39).toBe(-2);
  });

  it('drops a field named "time", as InfluxDB 2.x does, and a line left without fields', () => {
    expect(values(point('m time=5i,v=1i 1000000'))).toEqual({ v: 1 });
    expect(parse('m time=1\nm v=2').map((p) => [p.line, values(p)])).toEqual([[2, { v: 2 }]]);
  });
});

describe('parseLines: errors', () => {
  // Each case: body, line, column, start of the reason.
  const cases: Array<[string, number, number, string]> = [
    ['cpu', 1, 4, 'missing fields'],
    ['cpu   ', 1, 7, 'missing fields'],
    ['cpu,host=a', 1, 11, 'missing fields'],
    ['cpu,host=serverA,region=us-west', 1, 32, 'missing fields'],
    [',tag=a f=1', 1, 1, 'missing measurement'],
    ['cpu,=a f=1', 1, 5, 'missing tag key'],
    ['cpu, f=1', 1, 5, 'missing tag key'],
    ['cpu,', 1, 5, 'missing tag key'],
    ['cpu,,, f=1', 1, 5, 'missing tag key'],
    ['cpu,host=serverA,=us-east value=1i', 1, 18, 'missing tag key'],
    ['cpu,host=serverAa\\,,=us-east value=1i', 1, 21, 'missing tag key'],
    ['cpu,host f=1', 1, 9, 'missing "=" and a value after tag key "host"'],
    ['cpu,host', 1, 9, 'missing "=" and a value after tag key "host"'],
    ['cpu,host= f=1', 1, 10, 'missing value for tag key "host"'],
    ['cpu,host=serverA,region=,zone=us-west value=1i', 1, 25, 'missing value for tag key "region"'],
    ['cpu,host=a=b f=1', 1, 11, 'unescaped "=" in the value of tag "host"'],
    ['cpu,host=f\\==o, f=1', 1, 13, 'unescaped "="'],
    ['cpu f', 1, 6, 'missing "=" and a value after field key "f"'],
    ['cpu value=1i,b', 1, 15, 'missing "=" and a value after field key "b"'],
    ['cpu,host=server01 1434055562000000000i', 1, 39, 'missing "=" and a value after field key'],
    ['cpu =1', 1, 5, 'missing field key'],
    ['cpu value=123i,=456i', 1, 16, 'missing field key'],
    ['cpu f=1,', 1, 9, 'missing field key'],
    ['cpu f=1, g=2', 1, 9, 'missing field key'],
    ['cpu f=', 1, 7, 'missing value for field key "f"'],
    ['cpu f=,g=1', 1, 7, 'missing value for field key "f"'],
    ['cpu f= 1000000000i', 1, 7, 'missing value for field key "f"'],
    ['cpu f=abc', 1, 7, 'invalid field value "abc"'],
    ['cpu f=+1', 1, 7, 'invalid field value "+1"'],
    ['cpu f=1.1.1', 1, 10, 'invalid number "1.1.1"'],
    ['cpu f=12a', 1, 9, 'invalid number "12a"'],
    ['cpu f=0.-1', 1, 9, 'invalid number'],
    ['cpu f=42+3', 1, 9, 'invalid number'],
    ['cpu f=-', 1, 7, 'invalid number "-"'],
    ['cpu f=-i', 1, 7, 'invalid number "-i"'],
    ['cpu f=-.', 1, 7, 'invalid number "-."'],
    ['cpu f=.', 1, 7, 'invalid number "."'],
    ['cpu f=1e', 1, 7, 'invalid number "1e"'],
    ['cpu f=-e-e-e', 1, 8, 'invalid number'],
    ['cpu f=1ii', 1, 9, 'invalid number "1ii"'],
    ['cpu f=1.0i', 1, 10, 'invalid number "1.0i" (an integer has no decimal point or exponent'],
    ['cpu f=9ie10', 1, 9, 'invalid number "9ie10"'],
    ['cpu f=9e10i', 1, 11, 'invalid number "9e10i"'],
    ['cpu f=--1u', 1, 8, 'invalid number "--1u"'],
    ['cpu f=NaN', 1, 7, 'NaN and infinities are not accepted: "NaN"'],
    ['cpu f=nAn 1000000000', 1, 7, 'NaN and infinities are not accepted'],
    ['cpu f=inf', 1, 7, 'NaN and infinities are not accepted'],
    ['cpu f=-Inf', 1, 7, 'NaN and infinities are not accepted'],
    ['cpu f=+Infinity', 1, 7, 'NaN and infinities are not accepted'],
    ['cpu f=1e309', 1, 7, 'float out of range'],
    ['cpu f=-1e309', 1, 7, 'float out of range'],
    ['cpu f=9223372036854775808i', 1, 7, 'integer out of range: "9223372036854775808i"'],
    ['cpu f=-9223372036854775809i', 1, 7, 'integer out of range'],
    ['cpu f=18446744073709551616u', 1, 7, 'unsigned integer out of range'],
    ['cpu f=-1u', 1, 7, 'unsigned integer cannot be negative'],
    ['cpu f="abc', 1, 7, 'unterminated string'],
    ['cpu,host=serverA value="test', 1, 24, 'unterminated string'],
    ['cpu f="abc\\"', 1, 7, 'unterminated string'],
    ['cpu,host=serverA value="test""', 1, 30, 'unexpected "\\"" after the closing quote of a string value'],
    ['m f="blah"=123,r 1531703600000000000', 1, 11, 'unexpected "="'],
    ['cpu f=a', 1, 7, 'invalid field value "a"'],
    ['cpu f=tru', 1, 7, 'invalid boolean "tru"'],
    ['cpu f=True1', 1, 7, 'invalid boolean "True1"'],
    ['cpu f=\u0000', 1, 7, 'invalid field value'],
    ['cpu f=1 12a', 1, 11, 'timestamp is not an integer: "12a"'],
    ['cpu f=1 1.5', 1, 10, 'timestamp is not an integer: "1.5"'],
    ['cpu f=1 -', 1, 9, 'timestamp is not an integer: "-"'],
    ['cpu f=1 -/', 1, 9, 'timestamp is not an integer'],
    ['cpu f=1 -1?', 1, 11, 'timestamp is not an integer'],
    ['cpu f=1 1-', 1, 10, 'timestamp is not an integer'],
    ['a v=1 0\\', 1, 8, 'timestamp is not an integer'],
    ['cpu f=1 1 2', 1, 11, 'unexpected text after the timestamp: "2"'],
    ['cpu f=1 9223372036854775807 12', 1, 29, 'unexpected text after the timestamp'],
    ['cpu f=1 9223372036854775807', 1, 9, 'timestamp out of range'],
    ['cpu f=1 -92233720368547758078', 1, 9, 'timestamp out of range'],
    ['cpu f=1 99999999999999999999', 1, 9, 'timestamp out of range'],
    ['cpu,time=1 f=1', 1, 5, 'cannot use reserved tag key "time"'],
    ['cpu,a=1,a=2 f=1', 1, 9, 'duplicate tag key "a"'],
    ['cpu,b=1,a=2,b=3 f=1', 1, 13, 'duplicate tag key "b"'],
    ['cpu f=1\ncpu f=2\n\ncpu f=x', 4, 7, 'invalid field value "x"'],
    ['cpu f=1\r\ncpu f=\r\n', 2, 7, 'missing value for field key "f"'],
    ['# c\r\n\r\ncpu f=1\r\ncpu f=1 x\r\n', 4, 9, 'timestamp is not an integer: "x"'],
    ['cpu s="a\nb" 12x', 2, 6, 'timestamp is not an integer'],
    ['cpu,t=é😀 f=x', 1, 12, 'invalid field value "x"'],
    ['cpu \\"\\, \'= "\\ v=1.0', 1, 9, 'missing "=" and a value after field key'],
    // InfluxDB ends a value at a comma or a space only: a tab right after one is not a separator.
    ['cpu f=1.0\t1', 1, 10, 'invalid number'],
  ];
  for (const [body, line, column, reason] of cases) {
    it(`${JSON.stringify(body)} → ${line}:${column} ${reason}`, () => {
      const error = failure(body);
      expect([error.line, error.column]).toEqual([line, column]);
      expect(error.reason.startsWith(reason), error.reason).toBe(true);
      expect(error.message).toBe(`line ${line}, column ${column}: ${error.reason}`);
      expect(error.name).toBe('LineProtocolError');
    });
  }

  it('refuses a key longer than InfluxDB allows', () => {
    const name = 'a'.repeat(65_535 - 'value'.length - 4);
    expect(point(`${name} value=1,ok=2.0`).measurement).toBe(name);
    expect(failure(`${name}a value=1,ok=2.0`).reason).toMatch(
      /^series key and field key "value" take 65536 bytes/,
    );
    // Bytes, not UTF-16 units: "é" takes two.
    expect(failure(`${'é'.repeat(32_766)} value=1`).reason).toMatch(/take 65541 bytes/);
  });

  it('stops at the first error of the body and returns nothing', () => {
    const error = failure('cpu f=1\ncpu f=\ncpu f=x');
    expect([error.line, error.reason]).toEqual([2, 'missing value for field key "f"']);
  });

  it('refuses an unknown precision', () => {
    expect(() => parseLines('cpu f=1', { precision: 'sec' as Precision, nowMs: 0 })).toThrow(
      'invalid precision "sec"',
    );
  });
});

describe('parseLines: a body given as bytes', () => {
  // Long enough to be read in several pieces, with every kind of line at the cuts.
  const kinds = [
    (i: number) =>
      `forwarder_data,SN=A00000000000${(i % 997).toString(16).padStart(4, '0')},channel=${i % 4},device=1,medium=temperature value=${(i % 300) / 10} ${1_700_000_000 + i}000000000`,
    (i: number) => `# comment ${i}`,
    () => '',
    (i: number) => `weather\\ station,place=Plaza\\,\\ 1,kind=t\\=x temp=${i}i,ok=true,n=${i}u\r`,
    (i: number) => `  m,t=ñandú\\ 🍭 v=-${i}.5e-1`,
    (i: number) => `cpu,host=back\\slash v=${i}`,
  ];
  const lines = Array.from({ length: 12_000 }, (_, i) => kinds[(i * 7) % kinds.length](i));

  it('gives the same points and line numbers as the text', () => {
    const body = lines.join('\n');
    const bytes = Buffer.from(body);
    expect(bytes.length).toBeGreaterThan(4 * 64 * 1024);
    const fromText = parse(body);
    expect(fromText.length).toBe(8_000);
    expect(parseLines(bytes, { precision: 'ns', nowMs: NOW })).toEqual(fromText);
  });

  it('reports an error deep in the body at the same line and column as the text', () => {
    for (const at of [3, 5_001, 11_998]) {
      const bad = [...lines];
      bad[at] = 'cpu,host=a v=1 12x';
      const body = bad.join('\n');
      const expected = failure(body);
      expect(expected.line).toBe(at + 1);
      let error: unknown;
      try {
        parseLines(Buffer.from(body), { precision: 'ns', nowMs: NOW });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LineProtocolError);
      expect((error as LineProtocolError).message).toBe(expected.message);
    }
  });

  it('reads a body with quoted strings whole, newlines inside them included', () => {
    const body = [...lines.slice(0, 6_000), 'note text="two\nlines" 1', ...lines.slice(6_000)].join('\n');
    expect(parseLines(Buffer.from(body), { precision: 'ns', nowMs: NOW })).toEqual(parse(body));
  });
});

describe('LineScanner: a body scanned a slice at a time', () => {
  const body = Array.from(
    { length: 9_000 },
    (_, i) =>
      [
        `forwarder_data,SN=B00000000000${(i % 251).toString(16).padStart(4, '0')},channel=1,device=1,medium=co2 value=${i} ${1_700_000_000 + i}000000000`,
        `# comment ${i}`,
        '',
        `cpu,host=h${i % 7} idle=${i}.5,user=${i}i`,
      ][i % 4],
  ).join('\n');

  /** Points of `input` scanned in slices of `units`, and the number of slices it took. */
  function sliced(
    input: string | Buffer | Buffer[],
    units: number,
  ): { points: ParsedPoint[]; slices: number } {
    const points: ParsedPoint[] = [];
    const scanner = new LineScanner(input, { precision: 'ns', nowMs: NOW }, (series, f, timeMs, line) => {
      const fields: Array<[string, FieldValue]> = [];
      for (let i = 0; i < f.count; i++) {
        const type = (['float', 'integer', 'unsigned', 'boolean', 'string'] as const)[f.types[i]];
        const value =
          type === 'string' ? f.strings[i] : type === 'boolean' ? f.numbers[i] === 1 : f.numbers[i];
        fields.push([f.keys[i], { type, value } as FieldValue]);
      }
      const { measurement, tags, seriesKey } = series;
      points.push({ measurement, tags, seriesKey, fields, timeMs, line });
    });
    let slices = 1;
    while (!scanner.step(units)) slices++;
    return { points, slices };
  }

  it('gives the same points and line numbers as a whole scan, in any slices, from text or bytes', () => {
    const whole = parse(body);
    for (const units of [1, 1_000, 64 * 1024, 10_000_000]) {
      const text = sliced(body, units);
      expect(text.points).toEqual(whole);
      expect(sliced(Buffer.from(body), units).points).toEqual(whole);
      if (units === 1_000) expect(text.slices).toBeGreaterThan(body.length / 2_000);
    }
  });

  it('reports an error at the same line and column as a whole scan', () => {
    const bad = `${body}\ncpu,host=a v=1 12x\n${body}`;
    const expected = failure(bad);
    for (const input of [bad, Buffer.from(bad)]) {
      let error: unknown;
      try {
        sliced(input, 5_000);
      } catch (e) {
        error = e;
      }
      expect((error as LineProtocolError).message).toBe(expected.message);
    }
  });

  it('gives the same points from the chunks a body came in, however they cut it', () => {
    const withStrings = body
      .split('\n')
      .map((line, i) =>
        i % 97 === 0 ? `note,n=${i} text="two\nlines ${'ü'.repeat(i % 5)}\\\nand\\\\ more" ${i}` : line,
      )
      .join('\n');
    const whole = parse(withStrings);
    const bytes = Buffer.from(withStrings);
    for (const size of [1, 7, 1000, 70_000]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      expect(sliced(chunks, 5_000).points).toEqual(whole);
    }
  });

  it('ends on a comment without a newline', () => {
    expect(sliced('cpu v=1 1\n# the end', 1).points).toHaveLength(1);
  });
});

describe('parseLines: limits', () => {
  const limits: LineLimits = { lineBytes: 64, fields: 3, tags: 2, keyBytes: 8 };
  /** The error a body raises under `limits`, or undefined when it is read. */
  function refusal(body: string, under = limits): LineProtocolError | undefined {
    try {
      parseLines(body, { precision: 'ns', nowMs: NOW, limits: under });
    } catch (error) {
      if (error instanceof LineProtocolError) return error;
      throw error;
    }
    return undefined;
  }

  it('reads lines within every limit', () => {
    expect(refusal('measure,tagkey01=tagval01,b=2 fieldk01=1,b=2,c=3 1')).toBeUndefined();
    // Bytes once unescaped: the escapes do not count.
    expect(refusal('m\\ m\\ m\\ m,t\\=1\\=2=v\\ v\\ v\\ v f\\,f\\,f\\,f=1')).toBeUndefined();
  });

  it('refuses a line of too many fields, repeated keys counted, at the first one too many', () => {
    const error = refusal('ok v=1\ncpu a=1,b=2,c=3,d=4');
    expect([error?.line, error?.column, error?.limit]).toEqual([2, 17, 'fields']);
    expect(error?.reason).toBe('more than 3 fields on one line');
    expect(refusal('cpu a=1,a=2,a=3,a=4')?.limit).toBe('fields');
  });

  it('refuses a series of too many tags', () => {
    const error = refusal('cpu,c=1,b=2,a=3 v=1');
    expect([error?.column, error?.limit, error?.reason]).toEqual([
      13,
      'tags',
      'more than 2 tags in one series',
    ]);
  });

  it('refuses a measurement, tag key, tag value or field key longer than allowed, in UTF-8 bytes', () => {
    expect(refusal('measureme v=1')?.reason).toBe(
      'measurement "measureme" takes 9 bytes; at most 8 are allowed',
    );
    expect(refusal('m,tagkey012=1 v=1')?.reason).toMatch(/^tag key "tagkey012" takes 9 bytes/);
    expect(refusal('m,t=ñandúñ v=1')?.reason).toMatch(/^value of tag "t" "ñandúñ" takes 9 bytes/);
    const field = refusal('m fieldkey9=1');
    expect([field?.column, field?.limit]).toEqual([3, 'keyBytes']);
  });

  it('holds a series met earlier under looser limits to the limits of this body', () => {
    const line = 'wide,a=1,b=2,c=3 v=1';
    parse(line);
    parse(line);
    expect(refusal(line)?.limit).toBe('tags');
    const long = 'longmeasurement,a=1 v=1';
    parse(long);
    expect(refusal(long)?.limit).toBe('keyBytes');
  });

  it('refuses a line longer than allowed, in UTF-8 bytes, a string value running onto later lines too', () => {
    const at64 = `m v="${'s'.repeat(64 - 6)}"`;
    expect(at64.length).toBe(64);
    expect(refusal(`ok v=1\n${at64}`)).toBeUndefined();
    const long = refusal(`ok v=1\n${at64}x`);
    expect([long?.line, long?.column, long?.limit]).toEqual([2, 1, 'lineBytes']);
    expect(long?.reason).toBe('the line takes more than 64 bytes');
    expect(refusal(`m v="${'é'.repeat(30)}"`)?.limit).toBe('lineBytes');
    const spanning = refusal(`m v="${'a\n'.repeat(40)}"`);
    expect([spanning?.line, spanning?.limit]).toEqual([1, 'lineBytes']);
    const after = refusal(`m v="a\nb",w=${'1'.repeat(70)}`);
    expect([after?.line, after?.limit]).toEqual([1, 'lineBytes']);
    expect(refusal(`m v="${'a'.repeat(70)}`)?.limit).toBe('lineBytes');
    expect(refusal('m v="abc')?.reason).toMatch(/^unterminated string/);
  });

  it('refuses a line of megabytes from a body given as bytes at the same place as from the text', () => {
    const under: LineLimits = { lineBytes: 1000, fields: 3, tags: 2, keyBytes: 8 };
    const lines = Array.from({ length: 20_000 }, (_, i) => `cpu v=${i} ${i}`);
    for (const at of [0, 3_000, 19_999]) {
      const body = [...lines.slice(0, at), `m v=${'1'.repeat(3_000_000)}`, ...lines.slice(at)].join('\n');
      const expected = refusal(body, under);
      expect([expected?.line, expected?.column, expected?.limit]).toEqual([at + 1, 1, 'lineBytes']);
      let error: unknown;
      const scanner = new LineScanner(
        Buffer.from(body),
        { precision: 'ns', nowMs: NOW, limits: under },
        () => {},
      );
      try {
        while (!scanner.step(64 * 1024));
      } catch (e) {
        error = e;
      }
      expect((error as LineProtocolError).message).toBe(expected?.message);
    }
  });

  it('stops at a million fields as soon as one is too many', () => {
    // Flat, as a request body decodes: a string built by concatenation is flattened on first use.
    const wide = Buffer.from(
      `bomb,host=x value=1,${Array.from({ length: 1_000_000 }, (_, i) => `f${i}=1`).join(',')} 1`,
    ).toString();
    const started = performance.now();
    const error = refusal(wide, { lineBytes: 26e6, fields: 1000, tags: 64, keyBytes: 1024 });
    expect(error?.limit).toBe('fields');
    // Scanning the whole line takes seconds here.
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('parseLines: agreement with the official InfluxDB client', () => {
  // The @influxdata/influxdb-client Point writes line protocol with InfluxDB's escaping; every
  // point it writes must read back as what was given to it.
  it('reads back what the client writes, whatever the characters', () => {
    const alphabet = [
      'a',
      'B',
      'z',
      '0',
      '_',
      '-',
      '.',
      ' ',
      ',',
      '=',
      '"',
      "'",
      '\\',
      'é',
      '～',
      '🍭',
      '#',
      '/',
    ];
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed % n;
    };
    const name = (): string => {
      for (;;) {
        let text = '';
        for (let i = 1 + random(8); i > 0; i--) text += alphabet[random(alphabet.length)];
        // A name ending in a backslash cannot be written: the backslash would escape the
        // separator after it, in InfluxDB as here.
        if (!text.endsWith('\\')) return text;
      }
    };
    const byCodePoint = (a: string, b: string) => {
      const x = [...a].map((c) => c.codePointAt(0) ?? 0);
      const y = [...b].map((c) => c.codePointAt(0) ?? 0);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
      return x.length - y.length;
    };

    for (let round = 0; round < 1500; round++) {
      let measurement = name();
      if (measurement.startsWith('#')) measurement = `m${measurement}`; // "#" would start a comment
      const tags = new Map<string, string>();
      for (let i = random(4); i > 0; i--) {
        const key = name();
        if (!['time', '_field', '_measurement'].includes(key)) tags.set(key, name());
      }
      const fields = new Map<string, FieldValue>();
      for (let i = 1 + random(4); i > 0; i--) {
        const key = name();
        if (key === 'time') continue;
        const kind = random(5);
        if (kind === 0) fields.set(key, { type: 'float', value: (random(2_000_001) - 1_000_000) / 64 });
        else if (kind === 1) fields.set(key, { type: 'integer', value: random(2_000_001) - 1_000_000 });
        else if (kind === 2) fields.set(key, { type: 'unsigned', value: random(1_000_000) });
        else if (kind === 3) fields.set(key, { type: 'boolean', value: random(2) === 1 });
        else fields.set(key, { type: 'string', value: `${name()}\n${name()}` });
      }
      if (fields.size === 0) fields.set('v', { type: 'float', value: 1 });

      const written = new Point(measurement);
      for (const [key, value] of tags) written.tag(key, value);
      for (const [key, field] of fields) {
        if (field.type === 'float') written.floatField(key, field.value);
        else if (field.type === 'integer') written.intField(key, field.value);
        else if (field.type === 'unsigned') written.uintField(key, field.value);
        else if (field.type === 'boolean') written.booleanField(key, field.value);
        else written.stringField(key, field.value);
      }
      written.timestamp(`${1_700_000_000_000 + round}123456`);
      const line = written.toLineProtocol() ?? '';

      const p = point(line);
      expect(p.measurement, line).toBe(measurement);
      // InfluxDB orders tags by their escaped keys, as written in the series key.
      expect(p.tags, line).toEqual([...tags].sort(([a], [b]) => byCodePoint(escape.tag(a), escape.tag(b))));
      expect(Object.fromEntries(p.fields), line).toEqual(Object.fromEntries(fields));
      expect(p.timeMs, line).toBe(1_700_000_000_000 + round);
      // The series key of a line is the key part the client wrote, once tags are in order.
      expect(point(`${p.seriesKey} v=1`).tags, line).toEqual(p.tags);
    }
  });
});
