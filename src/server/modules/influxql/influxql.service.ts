import type { Kysely } from 'kysely';
import { seenWhere, visibilityOf } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { execute, type QlSeries, type QlSource, zoneOffset } from './executor.ts';
import { parseStatement, ParseError, splitStatements, UnsupportedError } from './parser.ts';

/** The precisions `epoch` takes, in ms per unit; absent: RFC 3339 strings. */
const EPOCH_UNITS: Record<string, number> = {
  ns: 1e-6,
  n: 1e-6,
  u: 1e-3,
  µ: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** One statement's answer, as InfluxDB writes it. */
export interface StatementAnswer {
  statement_id: number;
  series?: unknown[];
  error?: string;
}

/** One line of a chunked answer: a part of one statement's answer. */
export interface Chunk {
  results: [StatementAnswer & { partial?: true }];
}

/** A query InfluxDB refuses whole (400): bad text, unknown epoch. */
export class QueryRefused extends Error {}

/**
 * RFC 3339 as InfluxDB writes it: trailing zeros of the fraction dropped; in a zone, the local
 * time with its offset (`2026-10-01T02:00:00+02:00`), and `Z` where the offset is 0.
 */
export function rfc3339(ms: number, tz?: string): string {
  const zone = tz ? zoneOffset(tz, Math.floor(ms)) : 0;
  const whole = Math.floor(ms);
  const iso = new Date(whole + zone).toISOString();
  const nanos = Math.round((ms - whole) * 1e6);
  const fraction = `${iso.slice(20, 23)}${String(nanos).padStart(6, '0')}`.replace(/0+$/, '');
  const minutes = Math.abs(zone) / 60_000;
  const suffix =
    zone === 0
      ? 'Z'
      : `${zone < 0 ? '-' : '+'}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}${suffix}`;
}

/**
 * A statement's answer cut as InfluxDB streams it with `chunked=true`: each series in parts of at
 * most `size` rows, one part a line; `partial` on a series whose rows go on in the next line, and
 * on every line of the statement but its last. SHOW statements come whole.
 */
export function chunksOf(answer: StatementAnswer, chunkable: boolean, size: number): Chunk[] {
  const series = (answer.series ?? []) as { values: unknown[][] }[];
  if (series.length === 0 || !chunkable) return [{ results: [answer] }];
  const parts: Chunk[] = [];
  for (const s of series) {
    for (let i = 0; i < s.values.length; i += size) {
      const more = i + size < s.values.length;
      parts.push({
        results: [
          {
            statement_id: answer.statement_id,
            series: [{ ...s, values: s.values.slice(i, i + size), ...(more ? { partial: true } : {}) }],
            partial: true,
          },
        ],
      });
    }
  }
  delete parts[parts.length - 1].results[0].partial;
  return parts;
}

/**
 * The InfluxDB 1.x query API over CIOP's series: InfluxQL statements read the series the caller
 * sees (a resident, their dwelling's), never anything else.
 */
export class InfluxQlService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
  ) {}

  /** The series a principal sees, with their measurement, tags and field. */
  private sourceFor(principal: Principal): QlSource {
    const visibility = visibilityOf(principal);
    // Read once per query: of one measurement (SELECT, SHOW … FROM) or of all.
    const cached = new Map<string, Promise<QlSeries[]>>();
    const load = async (measurement: string | undefined): Promise<QlSeries[]> => {
      let query = this.db
        .selectFrom('series')
        .leftJoin('sensor', 'sensor.id', 'series.sensor_id')
        .select(['series.id', 'series.measurement', 'series.tags', 'series.field', 'series.value_type'])
        .where(seenWhere(visibility, { gateway: 'sensor.gateway_id' }));
      if (measurement !== undefined) query = query.where('series.measurement', '=', measurement);
      const rows = await query.orderBy('series.id').execute();
      return rows.map((r) => ({
        id: r.id,
        measurement: r.measurement,
        tags: JSON.parse(r.tags) as Record<string, string>,
        field: r.field,
        valueType: r.value_type,
      }));
    };
    return {
      series: (measurement) => {
        const key = measurement === undefined ? '' : `m:${measurement}`;
        let list = cached.get(key);
        if (!list) cached.set(key, (list = load(measurement)));
        return list;
      },
      readPoints: (id, from, to) => this.engine.readPoints(id, from, to),
      readHours: (id, from, to) => this.engine.readHours(id, from, to),
    };
  }

  /**
   * Answers a query of one or more statements. Text that is not InfluxQL refuses the whole query
   * (`QueryRefused`, as InfluxDB answers 400); a statement CIOP does not serve answers its error,
   * and, as in InfluxDB, the statements after it are not run.
   */
  async query(
    text: string,
    epoch: string | undefined,
    principal: Principal,
    now: number,
  ): Promise<StatementAnswer[]> {
    const answers: StatementAnswer[] = [];
    for await (const { answer } of this.answers(text, epoch, principal, now)) answers.push(answer);
    return answers;
  }

  /**
   * The statements' answers one by one, as they are run (for chunked answers). The query is read
   * whole first: it throws `QueryRefused` before any answer. `chunkable` tells SELECT from SHOW.
   */
  answers(
    text: string,
    epoch: string | undefined,
    principal: Principal,
    now: number,
  ): AsyncGenerator<{ answer: StatementAnswer; chunkable: boolean }> {
    const unit = epoch === undefined || epoch === '' ? undefined : EPOCH_UNITS[epoch];
    if (epoch && unit === undefined)
      throw new QueryRefused(`invalid epoch "${epoch}": use ns, u, ms, s, m or h`);
    const texts = splitStatements(text);
    if (texts.length === 0)
      throw new QueryRefused('error parsing query: found EOF, expected SELECT or SHOW at line 1, char 1');
    const parsed = texts.map((t) => {
      try {
        return parseStatement(t, now);
      } catch (error) {
        if (error instanceof ParseError) throw new QueryRefused(`error parsing query: ${error.message}`);
        if (error instanceof UnsupportedError) return error;
        throw error;
      }
    });
    const source = this.sourceFor(principal);
    return (async function* () {
      for (let i = 0; i < parsed.length; i++) {
        const statement = parsed[i];
        const chunkable = !(statement instanceof Error) && statement.kind === 'select';
        try {
          if (statement instanceof Error) throw statement;
          const result = await execute(statement, source, now);
          const series = result.series.map((s) => ({
            ...s,
            values: result.timeColumn
              ? s.values.map((row) => [timeOut(row[0] as number, unit, result.tz), ...row.slice(1)])
              : s.values,
          }));
          yield {
            answer: series.length > 0 ? { statement_id: i, series } : { statement_id: i },
            chunkable,
          };
        } catch (error) {
          if (!(error instanceof UnsupportedError || error instanceof ParseError)) throw error;
          const prefix = error instanceof UnsupportedError ? 'not supported by CIOP: ' : '';
          yield { answer: { statement_id: i, error: `${prefix}${error.message}` }, chunkable };
          return;
        }
      }
    })();
  }
}

function timeOut(ms: number, unit: number | undefined, tz: string | undefined): string | number {
  if (unit === undefined) return rfc3339(ms, tz);
  return Math.floor(ms / unit);
}
