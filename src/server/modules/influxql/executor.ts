import { HOUR_MS } from '#common/time.ts';
import type { BlockPoints, HourRollup } from '../../timeseries/block-codec.ts';
import {
  type Aggregate,
  type Condition,
  type KeyMatch,
  type Operand,
  ParseError,
  type SelectField,
  type SelectStatement,
  type Statement,
  timeOfOperand,
  UnsupportedError,
} from './parser.ts';

/** One series as InfluxQL sees it: a measurement, its tags and one field. */
export interface QlSeries {
  id: number;
  measurement: string;
  tags: Record<string, string>;
  field: string;
  valueType: 'number' | 'text';
}

/** What statements read: the series the caller sees, and their points. */
export interface QlSource {
  /** The series the caller sees, of one measurement or of all. */
  series(measurement?: string): Promise<QlSeries[]>;
  readPoints(seriesId: number, from: number, to: number): Promise<BlockPoints>;
  readHours(seriesId: number, from: number, to: number): Promise<HourRollup[]>;
}

/** One series of an answer; times are epoch ms until the answer is written. */
export interface QlResultSeries {
  /** Absent for SHOW RETENTION POLICIES, as InfluxDB writes it. */
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

/** Which columns hold times (written per `epoch`): the first of a SELECT's. */
export interface QlResult {
  series: QlResultSeries[];
  timeColumn: boolean;
  /** The zone times are written in (`tz()`); absent: UTC. */
  tz?: string;
}

const FAR_PAST = -8_640_000_000_000_000;
const FAR_FUTURE = 8_640_000_000_000_000;
/** Buckets one statement may fill, per series: beyond, it is refused rather than exhausting memory. */
export const MAX_BUCKETS = 1_000_000;
/** Raw readings one statement may answer with: beyond, it is refused rather than exhausting memory. */
export const MAX_RAW_ROWS = 2_000_000;

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Runs one parsed statement. */
export async function execute(statement: Statement, source: QlSource, now: number): Promise<QlResult> {
  switch (statement.kind) {
    case 'select':
      return { series: await select(statement, source, now), timeColumn: true, tz: statement.tz };
    case 'show databases':
      return { series: [{ name: 'databases', columns: ['name'], values: [['ciop']] }], timeColumn: false };
    case 'show retention policies':
      return {
        series: [
          {
            columns: ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'],
            values: [['autogen', '0s', '168h0m0s', 1, true]],
          },
        ],
        timeColumn: false,
      };
    case 'show measurements': {
      const all = await source.series();
      const names = new Set<string>();
      const fieldsOf = fieldKeysByMeasurement(all);
      for (const s of all) {
        if (statement.measurement && !keyMatches(statement.measurement, s.measurement)) continue;
        if (statement.where && !tagsMatch(statement.where, s, fieldsOf.get(s.measurement))) continue;
        names.add(s.measurement);
      }
      const values = [...names].sort(byteOrder).map((n) => [n]);
      const limited = statement.limit !== undefined ? values.slice(0, statement.limit) : values;
      return {
        series: limited.length > 0 ? [{ name: 'measurements', columns: ['name'], values: limited }] : [],
        timeColumn: false,
      };
    }
    case 'show tag keys':
      return {
        series: perMeasurement(await source.series(statement.from), statement.where, (list) => {
          const keys = new Set<string>();
          for (const s of list) for (const k of Object.keys(s.tags)) keys.add(k);
          const values = [...keys].sort(byteOrder).map((k) => [k]);
          return {
            columns: ['tagKey'],
            values: statement.limit !== undefined ? values.slice(0, statement.limit) : values,
          };
        }),
        timeColumn: false,
      };
    case 'show tag values':
      return {
        series: perMeasurement(await source.series(statement.from), statement.where, (list) => {
          const pairs = new Map<string, [string, string]>();
          for (const s of list)
            for (const [k, v] of Object.entries(s.tags))
              if (keyMatches(statement.key, k)) pairs.set(`${k}\u0000${v}`, [k, v]);
          const values = [...pairs.values()].sort((a, b) => byteOrder(a[0], b[0]) || byteOrder(a[1], b[1]));
          return {
            columns: ['key', 'value'],
            values: statement.limit !== undefined ? values.slice(0, statement.limit) : values,
          };
        }),
        timeColumn: false,
      };
    case 'show series': {
      const all = await source.series(statement.from);
      const fieldsOf = fieldKeysByMeasurement(all);
      const keys = new Set<string>();
      for (const s of all) {
        if (statement.where && !tagsMatch(statement.where, s, fieldsOf.get(s.measurement))) continue;
        keys.add(seriesKey(s));
      }
      const offset = statement.offset ?? 0;
      const values = [...keys]
        .sort(byteOrder)
        .slice(offset, statement.limit !== undefined ? offset + statement.limit : undefined)
        .map((k) => [k]);
      return { series: values.length > 0 ? [{ columns: ['key'], values }] : [], timeColumn: false };
    }
    case 'show field keys':
      return {
        series: perMeasurement(await source.series(statement.from), undefined, (list) => {
          const fields = new Map<string, string>();
          for (const s of list) fields.set(s.field, s.valueType === 'text' ? 'string' : 'float');
          return {
            columns: ['fieldKey', 'fieldType'],
            values: [...fields].sort((a, b) => byteOrder(a[0], b[0])),
          };
        }),
        timeColumn: false,
      };
  }
}

/** A series' key as line protocol writes it: `measurement,k1=v1,k2=v2`, tags in key order. */
function seriesKey(s: QlSeries): string {
  const escape = (text: string) => text.replace(/[,= ]/g, (c) => `\\${c}`);
  const tags = Object.entries(s.tags).sort((a, b) => byteOrder(a[0], b[0]));
  return [
    s.measurement.replace(/[, ]/g, (c) => `\\${c}`),
    ...tags.map(([k, v]) => `${escape(k)}=${escape(v)}`),
  ].join(',');
}

function fieldKeysByMeasurement(series: QlSeries[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of series) {
    let set = out.get(s.measurement);
    if (!set) out.set(s.measurement, (set = new Set()));
    set.add(s.field);
  }
  return out;
}

/** One answer series per measurement (sorted), over the series the condition admits; empty ones left out. */
function perMeasurement(
  series: QlSeries[],
  where: Condition | undefined,
  build: (list: QlSeries[]) => { columns: string[]; values: unknown[][] },
): QlResultSeries[] {
  const fieldsOf = fieldKeysByMeasurement(series);
  const by = new Map<string, QlSeries[]>();
  for (const s of series) {
    if (where && !tagsMatch(where, s, fieldsOf.get(s.measurement))) continue;
    let list = by.get(s.measurement);
    if (!list) by.set(s.measurement, (list = []));
    list.push(s);
  }
  const out: QlResultSeries[] = [];
  for (const name of [...by.keys()].sort(byteOrder)) {
    const built = build(by.get(name)!);
    if (built.values.length > 0) out.push({ name, ...built });
  }
  return out;
}

/** A regular expression as InfluxQL writes it (Go's syntax; `(?i)` in front for case-insensitive). */
function regexOf(source: string): RegExp {
  const insensitive = source.startsWith('(?i)');
  try {
    return new RegExp(insensitive ? source.slice(4) : source, insensitive ? 'i' : '');
  } catch (error) {
    throw new ParseError(`invalid regular expression /${source}/: ${(error as Error).message}`);
  }
}

function keyMatches(match: KeyMatch, key: string): boolean {
  switch (match.kind) {
    case 'eq':
      return match.keys.includes(key);
    case 'neq':
      return match.key !== key;
    case 'regex':
      return regexOf(match.source).test(key) !== match.negated;
  }
}

// --- Conditions -------------------------------------------------------------------------------

const isTimeRef = (o: Operand) => o.kind === 'ref' && o.name.toLowerCase() === 'time';

/** Whether a series' tags satisfy a condition on tags (one naming time or a field is refused). */
function tagsMatch(condition: Condition, series: QlSeries, fields: Set<string> | undefined): boolean {
  if (condition.kind !== 'compare') {
    const left = tagsMatch(condition.left, series, fields);
    const right = tagsMatch(condition.right, series, fields);
    return condition.kind === 'and' ? left && right : left || right;
  }
  let { left, right } = condition;
  let op = condition.op;
  if (left.kind !== 'ref' && right.kind === 'ref') {
    [left, right] = [right, left];
    op = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, typeof op>)[op] ?? op;
  }
  if (left.kind !== 'ref') throw new UnsupportedError('conditions must compare a tag or time with a value');
  if (isTimeRef(left))
    throw new UnsupportedError('conditions on time are only supported joined to the rest with AND');
  if (right.kind === 'ref') throw new UnsupportedError('comparing two tags or fields is not supported');
  if (fields?.has(left.name) && !(left.name in series.tags))
    throw new UnsupportedError(`conditions on fields ("${left.name}") are not supported`);
  const value = series.tags[left.name] ?? '';
  switch (op) {
    case '=':
    case '!=': {
      if (right.kind === 'regex') throw new ParseError(`use =~ or !~ with a regular expression`);
      const equal = right.kind === 'string' ? value === right.value : false;
      return op === '=' ? equal : !equal;
    }
    case '=~':
    case '!~': {
      if (right.kind !== 'regex') throw new ParseError(`${op} takes a regular expression`);
      return regexOf(right.source).test(value) === (op === '=~');
    }
    default:
      throw new UnsupportedError(`${op} on tags is not supported`);
  }
}

function refsOf(c: Condition, into: string[] = []): string[] {
  if (c.kind !== 'compare') {
    refsOf(c.left, into);
    refsOf(c.right, into);
  } else for (const o of [c.left, c.right]) if (o.kind === 'ref') into.push(o.name);
  return into;
}

/**
 * Splits what is left of WHERE once time is taken out into the conditions on tags (which choose
 * series) and those on the selected field's values (which choose readings). Each part joined by
 * AND must be of one kind; values are compared only for the one field selected.
 */
function splitFieldConditions(
  rest: Condition | undefined,
  fields: Set<string>,
  tagKeys: Set<string>,
  statement: SelectStatement,
): { tagCondition?: Condition; valueCondition?: Condition } {
  if (!rest) return {};
  const conjuncts: Condition[] = [];
  const flatten = (c: Condition) => {
    if (c.kind === 'and') {
      flatten(c.left);
      flatten(c.right);
    } else conjuncts.push(c);
  };
  flatten(rest);
  const isField = (name: string) => fields.has(name) && !tagKeys.has(name);
  const tagParts: Condition[] = [];
  const valueParts: Condition[] = [];
  for (const c of conjuncts) {
    const refs = refsOf(c);
    const onFields = refs.filter(isField);
    if (onFields.length === 0) tagParts.push(c);
    else if (onFields.length === refs.length) valueParts.push(c);
    else throw new UnsupportedError('a condition mixing tags and field values in one OR is not supported');
  }
  if (valueParts.length > 0) {
    const selected = new Set(statement.fields.map((f) => f.field));
    const named = new Set(valueParts.flatMap((c) => refsOf(c)));
    if (selected.size !== 1 || [...named].some((n) => !selected.has(n)))
      throw new UnsupportedError('conditions are only supported on the values of the one field selected');
  }
  const join = (parts: Condition[]) =>
    parts.reduce<Condition | undefined>(
      (acc, c) => (acc ? { kind: 'and', left: acc, right: c } : c),
      undefined,
    );
  return { tagCondition: join(tagParts), valueCondition: join(valueParts) };
}

/** Whether a reading's value satisfies a condition on the field's values. */
function valueMatches(c: Condition, v: number): boolean {
  if (c.kind !== 'compare') {
    const left = valueMatches(c.left, v);
    const right = valueMatches(c.right, v);
    return c.kind === 'and' ? left && right : left || right;
  }
  let { op } = c;
  let other = c.right;
  if (c.left.kind !== 'ref') {
    other = c.left;
    op = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, typeof op>)[op] ?? op;
  }
  if (other.kind === 'ref') throw new UnsupportedError('comparing two fields is not supported');
  if (other.kind === 'regex' || op === '=~' || op === '!~')
    throw new UnsupportedError('regular expressions on field values are not supported');
  if (other.kind !== 'number') return op === '!=';
  const x = other.value;
  switch (op) {
    case '=':
      return v === x;
    case '!=':
      return v !== x;
    case '<':
      return v < x;
    case '<=':
      return v <= x;
    case '>':
      return v > x;
    default:
      return v >= x;
  }
}

function filterValues(points: BlockPoints, condition: Condition): BlockPoints {
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < points.times.length; i++) {
    if (!valueMatches(condition, points.values[i])) continue;
    times.push(points.times[i]);
    values.push(points.values[i]);
  }
  return { times: Float64Array.from(times), values: Float64Array.from(values) };
}

/**
 * The time range a condition names, in whole ms, inclusive; and the rest of the condition. As
 * InfluxDB 1.6 reads it, comparisons of time are taken out wherever they stand, also inside OR,
 * and their ranges intersected ("there is no such thing as using OR with a time range").
 */
export function splitTime(condition: Condition | undefined): { from: number; to: number; rest?: Condition } {
  const walk = (c: Condition): { from: number; to: number; rest?: Condition } => {
    if (c.kind !== 'compare') {
      const left = walk(c.left);
      const right = walk(c.right);
      const rest =
        left.rest && right.rest
          ? ({ kind: c.kind, left: left.rest, right: right.rest } as Condition)
          : (left.rest ?? right.rest);
      return { from: Math.max(left.from, right.from), to: Math.min(left.to, right.to), rest };
    }
    let op = c.op;
    let other: Operand;
    if (isTimeRef(c.left)) other = c.right;
    else if (isTimeRef(c.right)) {
      other = c.left;
      op = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, typeof op>)[op] ?? op;
    } else return { from: FAR_PAST, to: FAR_FUTURE, rest: c };
    const at = timeOfOperand(other);
    if (at === undefined)
      throw new ParseError('time must be compared with a time: now(), an RFC 3339 string or an epoch');
    // Readings are stored to the millisecond: bounds become whole milliseconds.
    switch (op) {
      case '>':
        return { from: Math.floor(at) + 1, to: FAR_FUTURE };
      case '>=':
        return { from: Math.ceil(at), to: FAR_FUTURE };
      case '<':
        return { from: FAR_PAST, to: Math.ceil(at) - 1 };
      case '<=':
        return { from: FAR_PAST, to: Math.floor(at) };
      case '=':
        return Number.isInteger(at) ? { from: at, to: at } : { from: FAR_FUTURE, to: FAR_PAST };
      default:
        throw new UnsupportedError(`time ${op} … is not supported`);
    }
  };
  return condition ? walk(condition) : { from: FAR_PAST, to: FAR_FUTURE };
}

// --- SELECT -----------------------------------------------------------------------------------

/** What an aggregate keeps of the points of one bucket. */
interface State {
  count: number;
  sum: number;
  min: number;
  minT: number;
  max: number;
  maxT: number;
  first: number;
  firstT: number;
  last: number;
  lastT: number;
  /** Every value, kept only for median. */
  values?: number[];
}

const emptyState = (): State => ({
  count: 0,
  sum: 0,
  min: Infinity,
  minT: 0,
  max: -Infinity,
  maxT: 0,
  first: 0,
  firstT: Infinity,
  last: 0,
  lastT: -Infinity,
});

function addPoint(s: State, t: number, v: number): void {
  s.count++;
  s.sum += v;
  s.values?.push(v);
  if (v < s.min || (v === s.min && t < s.minT)) {
    s.min = v;
    s.minT = t;
  }
  if (v > s.max || (v === s.max && t < s.maxT)) {
    s.max = v;
    s.maxT = t;
  }
  // Readings of several series at one time: the first series read wins (InfluxDB's choice
  // follows the order of its iterators' heap, which answers do not promise).
  if (t < s.firstT) {
    s.first = v;
    s.firstT = t;
  }
  if (t > s.lastT) {
    s.last = v;
    s.lastT = t;
  }
}

/** An hourly rollup into a state; first and last are placed at the hour (one series only). */
function addHour(s: State, h: HourRollup): void {
  s.count += h.count;
  s.sum += h.sum;
  if (h.min < s.min) {
    s.min = h.min;
    s.minT = h.hour;
  }
  if (h.max > s.max) {
    s.max = h.max;
    s.maxT = h.hour;
  }
  if (h.hour < s.firstT) {
    s.first = h.first;
    s.firstT = h.hour;
  }
  if (h.hour > s.lastT) {
    s.last = h.last;
    s.lastT = h.hour;
  }
}

function valueOf(call: Aggregate, s: State): number | null {
  if (call === 'count') return s.count;
  if (s.count === 0) return null;
  switch (call) {
    case 'mean':
      return s.sum / s.count;
    case 'median': {
      const sorted = Float64Array.from(s.values ?? []).sort();
      const half = sorted.length >> 1;
      if (sorted.length % 2 === 1) return sorted[half];
      const [lo, hi] = [sorted[half - 1], sorted[half]];
      return lo + (hi - lo) / 2;
    }
    case 'spread':
      return s.max - s.min;
    case 'sum':
      return s.sum;
    case 'min':
      return s.min;
    case 'max':
      return s.max;
    case 'first':
      return s.first;
    case 'last':
      return s.last;
  }
}

function timeOfSelector(call: Aggregate, s: State): number | undefined {
  switch (call) {
    case 'min':
      return s.minT;
    case 'max':
      return s.maxT;
    case 'first':
      return s.firstT;
    case 'last':
      return s.lastT;
    default:
      return undefined;
  }
}

/** The series of an answer before they are cut to rows: one per group of tags. */
interface Group {
  tags: Record<string, string>;
  /** The selected series of each tag set in the group. */
  members: QlSeries[];
}

/** A column of raw rows: a field's values, or (with `SELECT *`) a tag's. */
type RawColumn = { kind: 'field'; field: string } | { kind: 'tag'; key: string };

async function select(statement: SelectStatement, source: QlSource, now: number): Promise<QlResultSeries[]> {
  const all = await source.series(statement.measurement);
  const fields = new Set(all.map((s) => s.field));
  const tagKeys = new Set(all.flatMap((s) => Object.keys(s.tags)));
  for (const f of statement.fields) {
    if (tagKeys.has(f.field) && !fields.has(f.field))
      throw new UnsupportedError(`selecting a tag ("${f.field}") is not supported: select a field`);
  }
  const transform = checkTransforms(statement);
  const { from, to: upper, rest } = splitTime(statement.where);
  const { tagCondition, valueCondition } = splitFieldConditions(rest, fields, tagKeys, statement);
  // Conditions on values leave only some readings of an hour: those are read one by one.
  const reader: QlSource = valueCondition
    ? {
        ...source,
        readPoints: async (id, f, t) => filterValues(await source.readPoints(id, f, t), valueCondition),
      }
    : source;
  // SELECT *: every field of numbers, and every tag not grouped by, in one list in byte order.
  const numericFields = [...new Set(all.filter((s) => s.valueType === 'number').map((s) => s.field))];
  const wanted = new Set(statement.wildcard ? numericFields : statement.fields.map((f) => f.field));
  const matched = all.filter(
    (s) =>
      wanted.has(s.field) &&
      s.valueType === 'number' &&
      (!tagCondition || tagsMatch(tagCondition, s, fields)),
  );
  const groupKeys =
    statement.groupTags === '*'
      ? [...new Set(matched.flatMap((s) => Object.keys(s.tags)))].sort(byteOrder)
      : statement.groupTags;
  let rawColumns: RawColumn[] = statement.fields.map((f) => ({ kind: 'field', field: f.field }));
  let columnNames = statement.fields.map((f) => f.column);
  if (statement.wildcard) {
    const grouped = new Set(statement.groupTags === '*' ? tagKeys : groupKeys);
    const names = [...[...tagKeys].filter((k) => !grouped.has(k) && !wanted.has(k)), ...numericFields].sort(
      byteOrder,
    );
    rawColumns = names.map((n) => (wanted.has(n) ? { kind: 'field', field: n } : { kind: 'tag', key: n }));
    columnNames = names;
  }
  const groups = new Map<string, Group>();
  for (const s of matched) {
    const tags = Object.fromEntries(groupKeys.map((k) => [k, s.tags[k] ?? '']));
    const key = JSON.stringify(groupKeys.map((k) => tags[k]));
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { tags, members: [] }));
    group.members.push(s);
  }
  const soffset = statement.soffset ?? 0;
  // Series in the order of their tags (SLIMIT counts in that order); with ORDER BY time DESC they
  // are answered in the reverse order, as InfluxDB answers them.
  const ordered = [...groups.entries()]
    .sort((a, b) => byteOrder(a[0], b[0]))
    .map(([, g]) => g)
    .slice(soffset, statement.slimit !== undefined ? soffset + statement.slimit : undefined);
  if (statement.descending) ordered.reverse();
  const aggregate = statement.fields.some((f) => f.call);
  const columns = ['time', ...columnNames];
  const out: QlResultSeries[] = [];
  for (const group of ordered) {
    let rows: unknown[][];
    if (!aggregate) {
      rows = await rawRows(rawColumns, group, reader, from, upper);
      if (statement.descending) rows.reverse();
      if (transform) rows = transformRows(rows, transform, transform.unit ?? 1000, statement.descending);
    } else if (statement.interval) {
      const to = upper === FAR_FUTURE ? now : upper;
      rows = await bucketRows(statement, group, reader, from, to, !valueCondition);
    } else rows = await totalRows(statement, group, reader, from, upper);
    if (rows.length === 0) continue;
    const offset = statement.offset ?? 0;
    rows = rows.slice(offset, statement.limit !== undefined ? offset + statement.limit : undefined);
    if (rows.length === 0) continue;
    out.push({
      name: statement.measurement,
      ...(groupKeys.length > 0 ? { tags: group.tags } : {}),
      columns,
      values: rows,
    });
  }
  return out;
}

/** The transform of the statement, if any, once its use is one InfluxDB and CIOP answer. */
function checkTransforms(statement: SelectStatement): SelectField['transform'] {
  const withTransform = statement.fields.filter((f) => f.transform);
  if (withTransform.length === 0) return undefined;
  if (statement.fields.length > 1)
    throw new UnsupportedError(
      'difference() and non_negative_derivative() are only supported as the one field selected',
    );
  const [field] = withTransform;
  const name = field.transform!.name;
  if (statement.interval && !field.call)
    throw new ParseError(`aggregate function required inside the call to ${name}`);
  if (!statement.interval && field.call)
    throw new ParseError(`${name} aggregate requires a GROUP BY interval`);
  return field.transform;
}

/**
 * difference() and non_negative_derivative() over rows `[time, value]` in the order answered, as
 * InfluxDB computes them: nulls skipped, a second value at one time ignored, derivatives per
 * `unit` ms (in descending order the elapsed time counts forward), negative ones dropped.
 */
function transformRows(
  rows: unknown[][],
  transform: NonNullable<SelectField['transform']>,
  unit: number,
  descending: boolean,
): unknown[][] {
  const out: unknown[][] = [];
  let previous: [number, number] | undefined;
  for (const row of rows) {
    const [t, v] = row as [number, number | null];
    if (v === null) continue;
    if (previous && previous[0] === t) continue;
    if (previous) {
      const diff = v - previous[1];
      if (transform.name === 'difference') out.push([t, diff]);
      else if (diff >= 0) {
        const elapsed = descending ? previous[0] - t : t - previous[0];
        out.push([t, diff / (elapsed / unit)]);
      }
    }
    previous = [t, v];
  }
  return out;
}

/** Raw points: per tag set, the selected fields joined on time; tag sets merged in time order. */
async function rawRows(
  columns: RawColumn[],
  group: Group,
  source: QlSource,
  from: number,
  to: number,
): Promise<unknown[][]> {
  const bySet = new Map<string, QlSeries[]>();
  for (const s of group.members) {
    const key = JSON.stringify(Object.entries(s.tags).sort((a, b) => byteOrder(a[0], b[0])));
    let list = bySet.get(key);
    if (!list) bySet.set(key, (list = []));
    list.push(s);
  }
  const rows: unknown[][] = [];
  for (const key of [...bySet.keys()].sort(byteOrder)) {
    const members = bySet.get(key)!;
    const tags = members[0].tags;
    const blank = [0, ...columns.map((c) => (c.kind === 'tag' ? (tags[c.key] ?? null) : null))];
    const byTime = new Map<number, unknown[]>();
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c];
      if (column.kind !== 'field') continue;
      const series = members.find((s) => s.field === column.field);
      if (!series) continue;
      const points = await source.readPoints(series.id, from, to);
      for (let i = 0; i < points.times.length; i++) {
        const t = points.times[i];
        let row = byTime.get(t);
        if (!row) {
          row = blank.slice();
          row[0] = t;
          byTime.set(t, row);
        }
        row[c + 1] = points.values[i];
      }
    }
    for (const row of byTime.values()) rows.push(row);
    if (rows.length > MAX_RAW_ROWS)
      throw new UnsupportedError(
        `answering with more than ${MAX_RAW_ROWS} readings: narrow the time range, or aggregate with GROUP BY time`,
      );
  }
  // Stable: rows of one time keep their tag sets' order.
  return rows.sort((a, b) => (a[0] as number) - (b[0] as number));
}

const stateFor = (call: Aggregate | undefined): State =>
  call === 'median' ? { ...emptyState(), values: [] } : emptyState();

/** Aggregates over the whole range: one row. */
async function totalRows(
  statement: SelectStatement,
  group: Group,
  source: QlSource,
  from: number,
  to: number,
): Promise<unknown[][]> {
  const states = statement.fields.map((f) => stateFor(f.call));
  let any = false;
  for (let c = 0; c < statement.fields.length; c++) {
    for (const s of group.members) {
      if (s.field !== statement.fields[c].field) continue;
      const points = await source.readPoints(s.id, from, to);
      for (let i = 0; i < points.times.length; i++) addPoint(states[c], points.times[i], points.values[i]);
      if (points.times.length > 0) any = true;
    }
  }
  if (!any) return [];
  // A lone selector answers with its point's time; otherwise the row is at the range's start.
  const lone =
    statement.fields.length === 1 ? timeOfSelector(statement.fields[0].call!, states[0]) : undefined;
  const time = lone ?? (from === FAR_PAST ? 0 : from);
  return [[time, ...statement.fields.map((f, c) => valueOf(f.call!, states[c]))]];
}

// --- Buckets of GROUP BY time ---------------------------------------------------------------

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** The offset of a time zone from UTC at a time, ms (Europe/Madrid in summer: 7_200_000). */
export function zoneOffset(tz: string, t: number): number {
  let format = zoneFormats.get(tz);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormats.set(tz, format);
  }
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(new Date(t)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const local = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return local - Math.floor(t / 1000) * 1000;
}

/** The start of the bucket holding `t`, as InfluxDB's window cuts it (in a zone: at local times). */
function windowStart(t: number, every: number, offset: number, tz: string | undefined): number {
  const u = t - offset;
  const zone = tz ? zoneOffset(tz, u) : 0;
  const dt = (((u + zone) % every) + every) % every;
  let start = u - dt;
  if (tz) {
    const change = zone - zoneOffset(tz, start);
    if (change !== 0 && Math.abs(change) < every) start += change;
  }
  return start + offset;
}

interface Buckets {
  starts: number[];
  /** The bucket of a time within the range. */
  indexOf(t: number): number;
}

/** The buckets from the one holding `from` to the one holding `to`. */
function bucketsOf(from: number, to: number, every: number, offset: number, tz: string | undefined): Buckets {
  if ((to - from) / every + 2 > MAX_BUCKETS)
    throw new UnsupportedError(
      `GROUP BY time would make more than ${MAX_BUCKETS} buckets: use a longer interval`,
    );
  if (!tz) {
    const first = Math.floor((from - offset) / every);
    const last = Math.floor((to - offset) / every);
    const starts: number[] = [];
    for (let k = first; k <= last; k++) starts.push(k * every + offset);
    return { starts, indexOf: (t) => Math.floor((t - offset) / every) - first };
  }
  // In a zone, a bucket that spans a change of offset is longer or shorter by the change.
  const starts: number[] = [];
  let time = windowStart(from, every, offset, tz);
  let zone = zoneOffset(tz, time);
  while (time <= to) {
    starts.push(time);
    time += every;
    const next = zoneOffset(tz, time - 1);
    if (next !== zone) {
      if (Math.abs(zone - next) < every) time += zone - next;
      zone = next;
    }
  }
  return {
    starts,
    indexOf: (t) => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= t) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    },
  };
}

/** The time of the first reading of a group's series up to `to`, if any (for WHERE without a start). */
async function firstTime(group: Group, source: QlSource, to: number): Promise<number | undefined> {
  let earliest = Infinity;
  for (const s of group.members) {
    const first = (await source.readHours(s.id, FAR_PAST, to)).find((h) => h.count > 0);
    if (!first || first.hour >= earliest) continue;
    const points = await source.readPoints(s.id, first.hour, Math.min(to, first.hour + HOUR_MS - 1));
    earliest = Math.min(earliest, points.times.length > 0 ? points.times[0] : first.hour);
  }
  return earliest === Infinity ? undefined : earliest;
}

/** Linear fill: a null between two values takes the line between them, as InfluxDB draws it (in ns). */
function fillLinear(values: (number | null)[], starts: number[]): void {
  let previous = -1;
  for (let b = 0; b < values.length; b++) {
    if (values[b] === null) continue;
    if (previous >= 0 && b - previous > 1) {
      const [pv, nv] = [values[previous]!, values[b]!];
      const m = (nv - pv) / ((starts[b] - starts[previous]) * 1e6);
      for (let k = previous + 1; k < b; k++) values[k] = m * ((starts[k] - starts[previous]) * 1e6) + pv;
    }
    previous = b;
  }
}

/**
 * Aggregates per GROUP BY time bucket, with fill, in the order answered. Whole-hour buckets are
 * read from the rollups. Without a start in WHERE, buckets start at the group's first reading;
 * with difference() or non_negative_derivative() one more bucket is read before the range (after
 * it with ORDER BY time DESC), as InfluxDB does, so that the first bucket has a value to follow.
 */
async function bucketRows(
  statement: SelectStatement,
  group: Group,
  source: QlSource,
  from: number,
  to: number,
  rollups: boolean,
): Promise<unknown[][]> {
  const { every, offset } = statement.interval!;
  const transform = statement.fields.find((f) => f.transform)?.transform;
  if (transform && statement.descending) to += every;
  else if (transform && from !== FAR_PAST) from -= every;
  if (from === FAR_PAST) {
    const first = await firstTime(group, source, to);
    if (first === undefined) return [];
    from = first;
  }
  if (to < from) return [];
  const buckets = bucketsOf(from, to, every, offset, statement.tz);
  const { starts, indexOf } = buckets;
  const n = starts.length;
  if (n === 0) return [];
  const states = statement.fields.map((f) => Array.from({ length: n }, () => stateFor(f.call)));
  const hourly =
    rollups && every % HOUR_MS === 0 && starts.every((t) => ((t % HOUR_MS) + HOUR_MS) % HOUR_MS === 0);
  let any = false;
  for (let c = 0; c < statement.fields.length; c++) {
    const { field, call } = statement.fields[c];
    const members = group.members.filter((s) => s.field === field);
    // Rollups do not say when in the hour the first and last readings were (across series, raw),
    // nor which values they had (median, raw).
    const fromRollups =
      hourly && call !== 'median' && (members.length === 1 || (call !== 'first' && call !== 'last'));
    for (const s of members) {
      const addPoints = (points: BlockPoints) => {
        for (let i = 0; i < points.times.length; i++) {
          addPoint(states[c][indexOf(points.times[i])], points.times[i], points.values[i]);
          any = true;
        }
      };
      if (!fromRollups) {
        addPoints(await source.readPoints(s.id, from, to));
        continue;
      }
      // Whole hours within the range from the rollups; the cut hours at either end from points.
      const fullFrom = Math.ceil(from / HOUR_MS) * HOUR_MS;
      const fullTo = Math.floor((to + 1) / HOUR_MS) * HOUR_MS - 1;
      if (fullFrom > fullTo) {
        addPoints(await source.readPoints(s.id, from, to));
        continue;
      }
      if (from < fullFrom) addPoints(await source.readPoints(s.id, from, fullFrom - 1));
      for (const h of await source.readHours(s.id, fullFrom, fullTo)) {
        if (h.hour < fullFrom || h.hour > fullTo || h.count === 0) continue;
        addHour(states[c][indexOf(h.hour)], h);
        any = true;
      }
      if (fullTo < to) addPoints(await source.readPoints(s.id, fullTo + 1, to));
    }
  }
  if (!any) return [];
  const values = statement.fields.map((f, c) =>
    states[c].map((state) => (state.count === 0 ? null : valueOf(f.call!, state))),
  );
  if (statement.fill.kind === 'linear') for (const perField of values) fillLinear(perField, starts);
  const rows: unknown[][] = [];
  const previous: (number | null)[] = statement.fields.map(() => null);
  // Filled in the order answered: with ORDER BY time DESC, fill(previous) takes the later bucket's.
  for (let k = 0; k < n; k++) {
    const b = statement.descending ? n - 1 - k : k;
    const empty = states.every((perField) => perField[b].count === 0);
    if (empty && statement.fill.kind === 'none') continue;
    const row: unknown[] = [starts[b]];
    for (let c = 0; c < statement.fields.length; c++) {
      let value = values[c][b];
      // An empty bucket is filled; fill(null) leaves it null, but a count of nothing is 0.
      if (value === null) {
        if (statement.fill.kind === 'previous') value = previous[c];
        else if (statement.fill.kind === 'number') value = statement.fill.value;
        else if (statement.fill.kind === 'null' && statement.fields[c].call === 'count') value = 0;
      }
      previous[c] = value;
      row.push(value);
    }
    rows.push(row);
  }
  return transform ? transformRows(rows, transform, transform.unit ?? every, statement.descending) : rows;
}
