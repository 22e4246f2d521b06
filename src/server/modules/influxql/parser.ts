/**
 * A parser for the part of InfluxQL (InfluxDB 1.x) that Grafana's InfluxDB data source and the
 * InfluxDB client libraries send: a tokenizer and a recursive descent over its statements.
 * Anything outside that part is refused with {@link UnsupportedError}, naming what it is, so that
 * the caller learns what CIOP does not serve rather than getting a wrong answer.
 */

/** Text that is not InfluxQL: InfluxDB answers such a query 400 `error parsing query: …`. */
export class ParseError extends Error {}

/** InfluxQL that CIOP does not serve (yet): answered as the statement's error. */
export class UnsupportedError extends Error {}

type TokenKind = 'ident' | 'string' | 'number' | 'duration' | 'regex' | 'op' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifiers and strings unquoted and unescaped; keywords as written. */
  text: string;
  /** Whether an identifier was double-quoted (then it is never a keyword). */
  quoted?: boolean;
  pos: number;
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  u: 1e-3,
  µ: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Milliseconds of a duration literal (`7d`, `1h30m`, `1700000000000ms`). */
export function durationMs(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)(ns|ms|u|µ|s|m|h|d|w)/g))
    total += Number(n) * DURATION_UNITS[unit];
  return total;
}

const DURATION = /^(\d+(ns|ms|u|µ|s|m|h|d|w))+/;
const NUMBER = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Splits one statement into tokens. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const previousAllowsRegex = () => {
    const last = tokens[tokens.length - 1];
    return last !== undefined && last.kind === 'op' && (last.text === '=~' || last.text === '!~');
  };
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const rest = text.slice(i);
    if (c === "'" || c === '"') {
      let out = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        if (text[j] === '\\' && j + 1 < text.length) {
          const n = text[++j];
          out += n === 'n' ? '\n' : n;
        } else out += text[j];
      }
      if (j >= text.length) throw new ParseError(`found unterminated quote at char ${i + 1}`);
      tokens.push(
        c === "'"
          ? { kind: 'string', text: out, pos: i }
          : { kind: 'ident', text: out, quoted: true, pos: i },
      );
      i = j + 1;
      continue;
    }
    if (c === '/' && previousAllowsRegex()) {
      let out = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== '/'; j++) {
        if (text[j] === '\\' && text[j + 1] === '/') {
          out += '/';
          j++;
        } else out += text[j];
      }
      if (j >= text.length) throw new ParseError(`found unterminated regex at char ${i + 1}`);
      tokens.push({ kind: 'regex', text: out, pos: i });
      i = j + 1;
      continue;
    }
    const duration = DURATION.exec(rest);
    if (duration && !/^[A-Za-z0-9_]/.test(rest.slice(duration[0].length))) {
      tokens.push({ kind: 'duration', text: duration[0], pos: i });
      i += duration[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', text: number[0], pos: i });
      i += number[0].length;
      continue;
    }
    const ident = IDENT.exec(rest);
    if (ident) {
      tokens.push({ kind: 'ident', text: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    const op = /^(=~|!~|!=|<>|<=|>=|=|<|>|\+|-|\*|\/|%)/.exec(rest);
    if (op) {
      tokens.push({ kind: 'op', text: op[0] === '<>' ? '!=' : op[0], pos: i });
      i += op[0].length;
      continue;
    }
    if ('(),.'.includes(c)) {
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    throw new ParseError(`found ${c}, expected a statement at char ${i + 1}`);
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length });
  return tokens;
}

/** Splits a query into statements at the semicolons outside quotes and regexes. */
export function splitStatements(query: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (quote) {
      current += c;
      if (c === '\\' && i + 1 < query.length) current += query[++i];
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '/' && /(=~|!~)\s*$/.test(current)) quote = '/';
    if (c === ';') {
      if (current.trim()) out.push(current.trim());
      current = '';
    } else current += c;
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

// --- The syntax tree -------------------------------------------------------------------------

/** A bound of time, epoch ms (fractional when written in nanoseconds). */
export type TimeValue = { kind: 'time'; ms: number };

export type Operand =
  | { kind: 'ref'; name: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'regex'; source: string }
  | TimeValue;

export type Condition =
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'compare'; op: CompareOp; left: Operand; right: Operand };

export type CompareOp = '=' | '!=' | '=~' | '!~' | '<' | '<=' | '>' | '>=';

export const AGGREGATES = [
  'mean',
  'median',
  'min',
  'max',
  'spread',
  'sum',
  'count',
  'first',
  'last',
] as const;
export type Aggregate = (typeof AGGREGATES)[number];

/** Functions of a series of values (raw, or an aggregate per GROUP BY time bucket). */
export const TRANSFORMS = ['difference', 'non_negative_derivative'] as const;
export type TransformName = (typeof TRANSFORMS)[number];

export interface SelectField {
  /** The aggregate, or undefined for the raw field. */
  call?: Aggregate;
  /** A function over successive values, around the aggregate or the raw field. */
  transform?: {
    name: TransformName;
    /** ms; absent: 1s for raw values, the interval for buckets */ unit?: number;
  };
  field: string;
  /** The column's name: the alias, the function's name, or the field's. */
  column: string;
}

export type Fill = { kind: 'null' | 'none' | 'previous' | 'linear' } | { kind: 'number'; value: number };

export interface SelectStatement {
  kind: 'select';
  /** Empty with `SELECT *`. */
  fields: SelectField[];
  /** `SELECT *`: every tag and field of the measurement. */
  wildcard?: boolean;
  /** `tz('Europe/Madrid')`: buckets of days cut and times written in that zone. */
  tz?: string;
  measurement: string;
  where?: Condition;
  /** GROUP BY time(interval, offset), ms. */
  interval?: { every: number; offset: number };
  /** Tags grouped by; `'*'` for every tag. */
  groupTags: string[] | '*';
  fill: Fill;
  descending: boolean;
  limit?: number;
  offset?: number;
  /** Series of the answer: at most `slimit`, after skipping `soffset`. */
  slimit?: number;
  soffset?: number;
}

/** What `WITH KEY` of SHOW TAG VALUES names. */
export type KeyMatch =
  | { kind: 'eq'; keys: string[] }
  | { kind: 'neq'; key: string }
  | { kind: 'regex'; source: string; negated: boolean };

export type ShowStatement =
  | { kind: 'show databases' }
  | { kind: 'show retention policies' }
  | { kind: 'show measurements'; measurement?: KeyMatch; where?: Condition; limit?: number }
  | { kind: 'show tag keys'; from?: string; where?: Condition; limit?: number }
  | { kind: 'show tag values'; from?: string; key: KeyMatch; where?: Condition; limit?: number }
  | { kind: 'show field keys'; from?: string }
  | { kind: 'show series'; from?: string; where?: Condition; limit?: number; offset?: number };

export type Statement = SelectStatement | ShowStatement;

// --- The parser -------------------------------------------------------------------------------

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    /** The time the statement is read at, epoch ms: `now()`. */
    private readonly now: number,
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.i + offset, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'ident' && !t.quoted && t.text.toUpperCase() === word;
  }

  private acceptKeyword(word: string): boolean {
    if (!this.isKeyword(word)) return false;
    this.i++;
    return true;
  }

  private fail(expected: string): never {
    const t = this.peek();
    const found = t.kind === 'eof' ? 'EOF' : t.text;
    throw new ParseError(`found ${found}, expected ${expected} at line 1, char ${t.pos + 1}`);
  }

  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) this.fail(word);
  }

  private acceptPunct(p: string): boolean {
    const t = this.peek();
    if (t.kind !== 'punct' || t.text !== p) return false;
    this.i++;
    return true;
  }

  private expectPunct(p: string): void {
    if (!this.acceptPunct(p)) this.fail(p);
  }

  private identifier(what = 'identifier'): string {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(what);
    this.i++;
    return t.text;
  }

  private end(): void {
    if (this.peek().kind !== 'eof') this.fail('EOF');
  }

  statement(): Statement {
    if (this.acceptKeyword('SELECT')) return this.select();
    if (this.acceptKeyword('SHOW')) return this.show();
    const t = this.peek();
    if (t.kind === 'ident' && !t.quoted)
      throw new UnsupportedError(
        `${t.text.toUpperCase()} statements are not supported: CIOP serves SELECT and SHOW`,
      );
    this.fail('SELECT or SHOW');
  }

  // SHOW …

  private show(): Statement {
    if (this.acceptKeyword('DATABASES')) {
      this.end();
      return { kind: 'show databases' };
    }
    if (this.acceptKeyword('RETENTION')) {
      this.expectKeyword('POLICIES');
      if (this.acceptKeyword('ON')) this.identifier('database name');
      this.end();
      return { kind: 'show retention policies' };
    }
    if (this.acceptKeyword('MEASUREMENTS')) {
      if (this.acceptKeyword('ON')) this.identifier('database name');
      let measurement: KeyMatch | undefined;
      if (this.acceptKeyword('WITH')) {
        this.expectKeyword('MEASUREMENT');
        measurement = this.keyMatch();
      }
      const where = this.acceptKeyword('WHERE') ? this.condition() : undefined;
      const limit = this.limitClause();
      this.end();
      return { kind: 'show measurements', measurement, where, limit };
    }
    if (this.acceptKeyword('TAG')) {
      if (this.acceptKeyword('KEYS')) {
        if (this.acceptKeyword('ON')) this.identifier('database name');
        const from = this.acceptKeyword('FROM') ? this.measurement() : undefined;
        const where = this.acceptKeyword('WHERE') ? this.condition() : undefined;
        const limit = this.limitClause();
        this.end();
        return { kind: 'show tag keys', from, where, limit };
      }
      this.expectKeyword('VALUES');
      if (this.acceptKeyword('ON')) this.identifier('database name');
      const from = this.acceptKeyword('FROM') ? this.measurement() : undefined;
      this.expectKeyword('WITH');
      this.expectKeyword('KEY');
      const key = this.keyMatch();
      const where = this.acceptKeyword('WHERE') ? this.condition() : undefined;
      const limit = this.limitClause();
      this.end();
      return { kind: 'show tag values', from, key, where, limit };
    }
    if (this.acceptKeyword('SERIES')) {
      if (this.acceptKeyword('ON')) this.identifier('database name');
      const from = this.acceptKeyword('FROM') ? this.measurement() : undefined;
      const where = this.acceptKeyword('WHERE') ? this.condition() : undefined;
      const limit = this.limitClause();
      const offset = this.acceptKeyword('OFFSET') ? this.integer('OFFSET') : undefined;
      this.end();
      return { kind: 'show series', from, where, limit, offset };
    }
    if (this.acceptKeyword('FIELD')) {
      this.expectKeyword('KEYS');
      if (this.acceptKeyword('ON')) this.identifier('database name');
      const from = this.acceptKeyword('FROM') ? this.measurement() : undefined;
      this.end();
      return { kind: 'show field keys', from };
    }
    const t = this.peek();
    if (t.kind === 'ident') throw new UnsupportedError(`SHOW ${t.text.toUpperCase()} is not supported`);
    this.fail('DATABASES, MEASUREMENTS, SERIES, TAG, FIELD or RETENTION');
  }

  /** `= "k"`, `!= "k"`, `IN ("a", "b")`, `=~ /re/`, `!~ /re/`. */
  private keyMatch(): KeyMatch {
    if (this.acceptKeyword('IN')) {
      this.expectPunct('(');
      const keys = [this.identifier('tag key')];
      while (this.acceptPunct(',')) keys.push(this.identifier('tag key'));
      this.expectPunct(')');
      return { kind: 'eq', keys };
    }
    const op = this.next();
    if (op.kind === 'op' && op.text === '=') return { kind: 'eq', keys: [this.identifier('tag key')] };
    if (op.kind === 'op' && op.text === '!=') return { kind: 'neq', key: this.identifier('tag key') };
    if (op.kind === 'op' && (op.text === '=~' || op.text === '!~')) {
      const re = this.next();
      if (re.kind !== 'regex') {
        this.i--;
        this.fail('regex');
      }
      return { kind: 'regex', source: re.text, negated: op.text === '!~' };
    }
    this.i--;
    this.fail('=, !=, =~, !~ or IN');
  }

  private limitClause(): number | undefined {
    if (!this.acceptKeyword('LIMIT')) return undefined;
    return this.integer('LIMIT');
  }

  private integer(what: string): number {
    const t = this.next();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) {
      this.i--;
      this.fail(`an integer after ${what}`);
    }
    return Number(t.text);
  }

  /** `m`, `"m"`, `rp.m`, `db.rp.m`, `db..m`: the last part names the measurement. */
  private measurement(): string {
    const t = this.peek();
    if (t.kind === 'regex' || (t.kind === 'op' && t.text === '/'))
      throw new UnsupportedError('measurements named by a regular expression are not supported');
    let name = this.identifier('measurement');
    while (this.acceptPunct('.')) {
      if (this.peek().kind === 'punct' && this.peek().text === '.') continue;
      name = this.identifier('measurement');
    }
    if (this.acceptPunct(','))
      throw new UnsupportedError('selecting from several measurements is not supported');
    return name;
  }

  // SELECT …

  private select(): SelectStatement {
    let wildcard = false;
    const fields: SelectField[] = [];
    if (this.peek().kind === 'op' && this.peek().text === '*') {
      this.i++;
      wildcard = true;
      if (this.peek().kind === 'punct' && this.peek().text === ',')
        throw new UnsupportedError('SELECT * with other fields is not supported');
    } else {
      fields.push(this.selectField());
      while (this.acceptPunct(',')) fields.push(this.selectField());
    }
    if (this.acceptKeyword('INTO')) throw new UnsupportedError('SELECT … INTO is not supported');
    this.expectKeyword('FROM');
    if (this.peek().kind === 'punct' && this.peek().text === '(')
      throw new UnsupportedError('subqueries are not supported');
    const measurement = this.measurement();
    const where = this.acceptKeyword('WHERE') ? this.condition() : undefined;
    let interval: SelectStatement['interval'];
    let groupTags: string[] | '*' = [];
    let fill: Fill = { kind: 'null' };
    if (this.acceptKeyword('GROUP')) {
      this.expectKeyword('BY');
      do {
        if (this.isKeyword('TIME') && this.peek(1).kind === 'punct' && this.peek(1).text === '(') {
          this.i += 2;
          const every = this.duration('GROUP BY time(');
          let offset = 0;
          if (this.acceptPunct(',')) {
            const negative = this.peek().kind === 'op' && this.peek().text === '-';
            if (negative) this.i++;
            offset = (negative ? -1 : 1) * this.duration('the offset of GROUP BY time');
          }
          this.expectPunct(')');
          if (every <= 0) throw new ParseError('GROUP BY time interval must be positive');
          interval = { every, offset: ((offset % every) + every) % every };
        } else if (this.peek().kind === 'op' && this.peek().text === '*') {
          this.i++;
          groupTags = '*';
        } else if (this.peek().kind === 'regex' || (this.peek().kind === 'op' && this.peek().text === '/')) {
          throw new UnsupportedError('GROUP BY a regular expression is not supported');
        } else {
          const tag = this.identifier('tag key or time(…)');
          if (groupTags !== '*') groupTags.push(tag);
        }
      } while (this.acceptPunct(','));
    }
    if (this.acceptKeyword('FILL')) {
      this.expectPunct('(');
      const t = this.next();
      if (t.kind === 'ident' && ['null', 'none', 'previous'].includes(t.text.toLowerCase()))
        fill = { kind: t.text.toLowerCase() as 'null' | 'none' | 'previous' };
      else if (t.kind === 'ident' && t.text.toLowerCase() === 'linear') fill = { kind: 'linear' };
      else if (t.kind === 'number') fill = { kind: 'number', value: Number(t.text) };
      else if (t.kind === 'op' && t.text === '-' && this.peek().kind === 'number')
        fill = { kind: 'number', value: -Number(this.next().text) };
      else {
        this.i--;
        this.fail('null, none, previous, linear or a number');
      }
      this.expectPunct(')');
    }
    let descending = false;
    if (this.acceptKeyword('ORDER')) {
      this.expectKeyword('BY');
      if (!this.acceptKeyword('TIME')) throw new UnsupportedError('ORDER BY is only supported on time');
      if (this.acceptKeyword('DESC')) descending = true;
      else this.acceptKeyword('ASC');
    }
    const limit = this.limitClause();
    const offset = this.acceptKeyword('OFFSET') ? this.integer('OFFSET') : undefined;
    const slimit = this.acceptKeyword('SLIMIT') ? this.integer('SLIMIT') : undefined;
    const soffset = this.acceptKeyword('SOFFSET') ? this.integer('SOFFSET') : undefined;
    let tz: string | undefined;
    if (this.isKeyword('TZ') && this.peek(1).kind === 'punct' && this.peek(1).text === '(') {
      this.i += 2;
      const zone = this.next();
      if (zone.kind !== 'string') {
        this.i--;
        this.fail('string');
      }
      this.expectPunct(')');
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone.text });
      } catch {
        throw new ParseError(`unable to find time zone ${zone.text}`);
      }
      tz = zone.text;
    }
    this.end();
    const aggregates = fields.filter((f) => f.call).length;
    if (aggregates > 0 && aggregates < fields.length)
      throw new UnsupportedError('mixing aggregate functions and raw fields is not supported');
    if (interval && aggregates === 0 && !fields.some((f) => f.transform))
      throw new ParseError('GROUP BY requires at least one aggregate function');
    return {
      kind: 'select',
      fields,
      ...(wildcard ? { wildcard } : {}),
      ...(tz !== undefined ? { tz } : {}),
      measurement,
      where,
      interval,
      groupTags,
      fill,
      descending,
      limit,
      offset,
      slimit,
      soffset,
    };
  }

  private duration(what: string): number {
    const t = this.next();
    if (t.kind !== 'duration') {
      this.i--;
      this.fail(`a duration in ${what}`);
    }
    return durationMs(t.text);
  }

  private selectField(): SelectField {
    const t = this.peek();
    if (t.kind === 'op' && t.text === '*')
      throw new UnsupportedError('SELECT * with other fields is not supported');
    let field: SelectField;
    if (this.isCall()) {
      const name = t.text.toLowerCase();
      if ((TRANSFORMS as readonly string[]).includes(name)) {
        this.i += 2;
        const inner = this.isCall() ? this.aggregateCall() : { field: this.identifier('field key') };
        let unit: number | undefined;
        if (this.acceptPunct(',')) {
          if (name !== 'non_negative_derivative')
            throw new ParseError(`invalid number of arguments for ${name}, expected 1, got 2`);
          unit = this.duration(`the unit of ${name}()`);
          if (unit <= 0) throw new ParseError(`duration argument must be positive, got ${unit}ms`);
        }
        this.expectPunct(')');
        field = {
          ...inner,
          transform: { name: name as TransformName, ...(unit !== undefined ? { unit } : {}) },
          column: name,
        };
      } else {
        const call = this.aggregateCall();
        field = { ...call, column: call.call };
      }
    } else {
      const name = this.identifier('field key or function');
      field = { field: name, column: name };
    }
    const after = this.peek();
    if (after.kind === 'op' && '+-*/%'.includes(after.text))
      throw new UnsupportedError('arithmetic in SELECT is not supported');
    if (after.kind === 'punct' && after.text === '.')
      throw new UnsupportedError('field types (::) and dotted fields are not supported');
    if (this.acceptKeyword('AS')) field.column = this.identifier('alias');
    return field;
  }

  private isCall(): boolean {
    const t = this.peek();
    return t.kind === 'ident' && !t.quoted && this.peek(1).kind === 'punct' && this.peek(1).text === '(';
  }

  /** `mean("value")`: an aggregate of one field. */
  private aggregateCall(): { call: Aggregate; field: string } {
    const name = this.peek().text.toLowerCase();
    if (!(AGGREGATES as readonly string[]).includes(name))
      throw new UnsupportedError(`function ${name}() is not supported`);
    this.i += 2;
    const arg = this.peek();
    if (arg.kind === 'op' && arg.text === '*')
      throw new UnsupportedError(`${name}(*) is not supported: name the field`);
    if (this.isCall()) throw new UnsupportedError('nested functions are not supported');
    const inner = this.identifier('field key');
    if (this.acceptPunct(','))
      throw new UnsupportedError(`${name}() with more than one argument is not supported`);
    this.expectPunct(')');
    return { call: name as Aggregate, field: inner };
  }

  // Conditions

  condition(): Condition {
    let left = this.conjunction();
    while (this.acceptKeyword('OR')) left = { kind: 'or', left, right: this.conjunction() };
    return left;
  }

  private conjunction(): Condition {
    let left = this.comparison();
    while (this.acceptKeyword('AND')) left = { kind: 'and', left, right: this.comparison() };
    return left;
  }

  private comparison(): Condition {
    if (this.acceptPunct('(')) {
      const inner = this.condition();
      this.expectPunct(')');
      return inner;
    }
    const left = this.operand();
    const opToken = this.next();
    if (opToken.kind !== 'op' || !['=', '!=', '=~', '!~', '<', '<=', '>', '>='].includes(opToken.text)) {
      this.i--;
      this.fail('=, !=, =~, !~, <, <=, > or >=');
    }
    const right = this.operand();
    return { kind: 'compare', op: opToken.text as CompareOp, left, right };
  }

  /** A term, with `+ duration` / `- duration` folded into a time when it is one. */
  private operand(): Operand {
    let value = this.term();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || (t.text !== '+' && t.text !== '-')) return value;
      this.i++;
      const d = this.term();
      const sign = t.text === '+' ? 1 : -1;
      if (value.kind === 'time' && d.kind === 'time') value = { kind: 'time', ms: value.ms + sign * d.ms };
      else if (value.kind === 'number' && d.kind === 'number')
        value = { kind: 'number', value: value.value + sign * d.value };
      else if (value.kind === 'string' && d.kind === 'time')
        value = { kind: 'time', ms: this.timeOf(value.value) + sign * d.ms };
      else throw new UnsupportedError('arithmetic in WHERE is only supported on times');
    }
  }

  private term(): Operand {
    const t = this.next();
    switch (t.kind) {
      case 'string':
        return { kind: 'string', value: t.text };
      case 'number':
        return { kind: 'number', value: Number(t.text) };
      case 'duration':
        return { kind: 'time', ms: durationMs(t.text) };
      case 'regex':
        return { kind: 'regex', source: t.text };
      case 'ident':
        if (!t.quoted && t.text.toLowerCase() === 'now' && this.peek().text === '(') {
          this.expectPunct('(');
          this.expectPunct(')');
          return { kind: 'time', ms: this.now };
        }
        if (!t.quoted && (t.text.toLowerCase() === 'true' || t.text.toLowerCase() === 'false'))
          throw new UnsupportedError('boolean literals are not supported');
        return { kind: 'ref', name: t.text };
      case 'op':
        if (t.text === '-' && this.peek().kind === 'number')
          return { kind: 'number', value: -Number(this.next().text) };
        break;
      default:
        break;
    }
    this.i--;
    this.fail('identifier, string, number, duration or regex');
  }

  /** An RFC 3339 (or `YYYY-MM-DD hh:mm:ss`) time, epoch ms. */
  timeOf(text: string): number {
    const ms = parseTime(text);
    if (ms === undefined) throw new ParseError(`invalid time ${JSON.stringify(text)}: use RFC 3339`);
    return ms;
  }
}

/** Epoch ms of an RFC 3339 time, keeping nanoseconds as a fraction; undefined when not one. */
export function parseTime(text: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/.exec(
    text.trim(),
  );
  if (!m) return undefined;
  const base = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${m[4] ?? 'Z'}`);
  if (Number.isNaN(base)) return undefined;
  const fraction = m[3] ? Number(`0.${m[3]}`) * 1000 : 0;
  return base + fraction;
}

/** Parses one statement at `now` (epoch ms). */
export function parseStatement(text: string, now: number): Statement {
  return new Parser(tokenize(text), now).statement();
}

/** Whether an operand is a time: folded arithmetic, or a string compared with `time`. */
export function timeOfOperand(operand: Operand): number | undefined {
  if (operand.kind === 'time') return operand.ms;
  // A bare integer compared with time is in nanoseconds, as InfluxDB reads it.
  if (operand.kind === 'number') return operand.value / 1e6;
  if (operand.kind === 'string') {
    const ms = parseTime(operand.value);
    if (ms === undefined) throw new ParseError(`invalid time ${JSON.stringify(operand.value)}: use RFC 3339`);
    return ms;
  }
  return undefined;
}
