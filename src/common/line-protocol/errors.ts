/**
 * A syntax or range error in an InfluxDB line protocol body. The whole body is refused.
 *
 * `line` and `column` are 1-based and point at the offending character; the column counts
 * Unicode code points from the start of that physical line (a newline inside a quoted string
 * value starts a new physical line).
 */
export class LineProtocolError extends Error {
  /** 1-based line number in the body. */
  readonly line: number;
  /** 1-based column of the offending character, in code points. */
  readonly column: number;
  /** What is wrong, without the position, phrased so that a person can fix the line. */
  readonly reason: string;
  /** The limit of `ParseOptions.limits` the line goes beyond, when that is what is wrong. */
  readonly limit: LimitName | undefined;

  constructor(line: number, column: number, reason: string, limit?: LimitName) {
    super(`line ${line}, column ${column}: ${reason}`);
    this.name = 'LineProtocolError';
    this.line = line;
    this.column = column;
    this.reason = reason;
    this.limit = limit;
  }
}

/** The names of the limits a parse may be given (`LineLimits`). */
export type LimitName = 'lineBytes' | 'fields' | 'tags' | 'keyBytes';

/**
 * Builds the error for the character at `index` of `body`. Positions are worked out here, on the
 * error path only, so that the parser itself does not have to track columns.
 */
export function errorAt(body: string, index: number, reason: string, limit?: LimitName): LineProtocolError {
  const end = Math.min(Math.max(index, 0), body.length);
  let line = 1;
  let lineStart = 0;
  for (let i = body.indexOf('\n'); i !== -1 && i < end; i = body.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  let column = 1;
  for (let i = lineStart; i < end; i++) {
    const c = body.charCodeAt(i);
    // A surrogate pair is one character to the person reading the line.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = body.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    column++;
  }
  return new LineProtocolError(line, column, reason, limit);
}

/** Quotes a piece of the input for an error message, cut short when it is long. */
export function quote(text: string): string {
  const max = 40;
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
