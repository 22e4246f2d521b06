import { HOUR_MS } from '#common/time.ts';
import type { BlockPoints, HourRollup } from '../../timeseries/block-codec.ts';
import {
  type Aggregate,
  type Condition,
  type KeyMatch,
  type Operand,
  ParseError,
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
      return { series: await select(statement, source, now), timeColumn: true };
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

/** The time range a condition's top-level AND names, in whole ms, inclusive; and the rest. */
export function splitTime(condition: Condition | undefined): { from: number; to: number; rest?: Condition } {
  let from = FAR_PAST;
  let to = FAR_FUTURE;
  const rest: Condition[] = [];
  const mentionsTime = (c: Condition): boolean =>
    c.kind === 'compare'
      ? isTimeRef(c.left) || isTimeRef(c.right)
      : mentionsTime(c.left) || mentionsTime(c.right);
  const walk = (c: Condition) => {
    if (c.kind === 'and') {
      walk(c.left);
      walk(c.right);
      return;
    }
    if (c.kind !== 'compare') {
      if (mentionsTime(c))
        throw new UnsupportedError('conditions on time are only supported joined to the rest with AND');
      rest.push(c);
      return;
    }
    let op = c.op;
    let other: Operand;
    if (isTimeRef(c.left)) other = c.right;
    else if (isTimeRef(c.right)) {
      other = c.left;
      op = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, typeof op>)[op] ?? op;
    } else {
      rest.push(c);
      return;
    }
    const at = timeOfOperand(other);
    if (at === undefined)
      throw new ParseError('time must be compared with a time: now(), an RFC 3339 string or an epoch');
    // Readings are stored to the millisecond: bounds become whole milliseconds.
    switch (op) {
      case '>':
        from = Math.max(from, Math.floor(at) + 1);
        break;
      case '>=':
        from = Math.max(from, Math.ceil(at));
        break;
      case '<':
        to = Math.min(to, Math.ceil(at) - 1);
        break;
      case '<=':
        to = Math.min(to, Math.floor(at));
        break;
      case '=':
        if (Number.isInteger(at)) {
          from = Math.max(from, at);
          to = Math.min(to, at);
        } else to = from - 1;
        break;
      default:
        throw new UnsupportedError(`time ${op} … is not supported`);
    }
  };
  if (condition) walk(condition);
  const joined = rest.reduce<Condition | undefined>(
    (acc, c) => (acc ? { kind: 'and', left: acc, right: c } : c),
    undefined,
  );
  return { from, to, rest: joined };
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

async function select(statement: SelectStatement, source: QlSource, now: number): Promise<QlResultSeries[]> {
  const all = await source.series(statement.measurement);
  const fields = new Set(all.map((s) => s.field));
  const tagKeys = new Set(all.flatMap((s) => Object.keys(s.tags)));
  for (const f of statement.fields) {
    if (tagKeys.has(f.field) && !fields.has(f.field))
      throw new UnsupportedError(`selecting a tag ("${f.field}") is not supported: select a field`);
  }
  const { from, to: upper, rest } = splitTime(statement.where);
  const { tagCondition, valueCondition } = splitFieldConditions(rest, fields, tagKeys, statement);
  // Conditions on values leave only some readings of an hour: those are read one by one.
  const reader: QlSource = valueCondition
    ? {
        ...source,
        readPoints: async (id, f, t) => filterValues(await source.readPoints(id, f, t), valueCondition),
      }
    : source;
  const wanted = new Set(statement.fields.map((f) => f.field));
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
  const columns = ['time', ...statement.fields.map((f) => f.column)];
  const out: QlResultSeries[] = [];
  for (const group of ordered) {
    let rows: unknown[][];
    if (!aggregate) rows = await rawRows(statement, group, reader, from, upper);
    else if (statement.interval) {
      const to = upper === FAR_FUTURE ? now : upper;
      rows = await bucketRows(statement, group, reader, from, to, !valueCondition);
    } else rows = await totalRows(statement, group, reader, from, upper);
    if (rows.length === 0) continue;
    if (statement.descending && !(aggregate && statement.interval)) rows.reverse();
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

/** Raw points: per tag set, the selected fields joined on time; tag sets merged in time order. */
async function rawRows(
  statement: SelectStatement,
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
    const byTime = new Map<number, unknown[]>();
    for (let c = 0; c < statement.fields.length; c++) {
      const series = members.find((s) => s.field === statement.fields[c].field);
      if (!series) continue;
      const points = await source.readPoints(series.id, from, to);
      for (let i = 0; i < points.times.length; i++) {
        const t = points.times[i];
        let row = byTime.get(t);
        if (!row) byTime.set(t, (row = [t, ...statement.fields.map(() => null)]));
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

/** Aggregates over the whole range: one row. */
async function totalRows(
  statement: SelectStatement,
  group: Group,
  source: QlSource,
  from: number,
  to: number,
): Promise<unknown[][]> {
  const states = statement.fields.map(() => emptyState());
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

/** Aggregates per GROUP BY time bucket, with fill. Whole-hour buckets are read from the rollups. */
async function bucketRows(
  statement: SelectStatement,
  group: Group,
  source: QlSource,
  from: number,
  to: number,
  rollups: boolean,
): Promise<unknown[][]> {
  const { every, offset } = statement.interval!;
  if (from === FAR_PAST)
    throw new UnsupportedError(
      'GROUP BY time needs a lower bound on time in WHERE (time > now() - 7d, $timeFilter)',
    );
  const indexOf = (t: number) => Math.floor((t - offset) / every);
  const first = indexOf(from);
  const last = indexOf(to);
  if (last < first) return [];
  if (last - first + 1 > MAX_BUCKETS)
    throw new UnsupportedError(
      `GROUP BY time would make more than ${MAX_BUCKETS} buckets: use a longer interval`,
    );
  const n = last - first + 1;
  const states = statement.fields.map(() => Array.from({ length: n }, emptyState));
  const hourly = rollups && every % HOUR_MS === 0 && offset % HOUR_MS === 0;
  let any = false;
  for (let c = 0; c < statement.fields.length; c++) {
    const { field, call } = statement.fields[c];
    const members = group.members.filter((s) => s.field === field);
    // Rollups do not say when in the hour the first and last readings were: across series, raw.
    const fromRollups = hourly && (members.length === 1 || (call !== 'first' && call !== 'last'));
    for (const s of members) {
      const addPoints = (points: BlockPoints) => {
        for (let i = 0; i < points.times.length; i++) {
          addPoint(states[c][indexOf(points.times[i]) - first], points.times[i], points.values[i]);
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
        addHour(states[c][indexOf(h.hour) - first], h);
        any = true;
      }
      if (fullTo < to) addPoints(await source.readPoints(s.id, fullTo + 1, to));
    }
  }
  if (!any) return [];
  const rows: unknown[][] = [];
  const previous: (number | null)[] = statement.fields.map(() => null);
  // Filled in the order answered: with ORDER BY time DESC, fill(previous) takes the later bucket's.
  for (let k = 0; k < n; k++) {
    const b = statement.descending ? n - 1 - k : k;
    const empty = states.every((perField) => perField[b].count === 0);
    if (empty && statement.fill.kind === 'none') continue;
    const row: unknown[] = [(first + b) * every + offset];
    for (let c = 0; c < statement.fields.length; c++) {
      const call = statement.fields[c].call!;
      let value = states[c][b].count === 0 ? null : valueOf(call, states[c][b]);
      // An empty bucket is filled; fill(null) leaves it null, but a count of nothing is 0.
      if (value === null) {
        if (statement.fill.kind === 'previous') value = previous[c];
        else if (statement.fill.kind === 'number') value = statement.fill.value;
        else if (call === 'count') value = 0;
      }
      previous[c] = value;
      row.push(value);
    }
    rows.push(row);
  }
  return rows;
}
