import type { Kysely } from 'kysely';
import { seenWhere, visibilityOf } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { execute, type QlSeries, type QlSource } from './executor.ts';
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

/** A query InfluxDB refuses whole (400): bad text, unknown epoch. */
export class QueryRefused extends Error {}

/** RFC 3339 as InfluxDB writes it: trailing zeros of the fraction dropped. */
export function rfc3339(ms: number): string {
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString();
  const nanos = Math.round((ms - whole) * 1e6);
  const fraction = `${iso.slice(20, 23)}${String(nanos).padStart(6, '0')}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
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
    let cached: Promise<QlSeries[]> | undefined;
    const load = async (): Promise<QlSeries[]> => {
      const rows = await this.db
        .selectFrom('series')
        .leftJoin('sensor', 'sensor.id', 'series.sensor_id')
        .select(['series.id', 'series.measurement', 'series.tags', 'series.field', 'series.value_type'])
        .where(seenWhere(visibility, { gateway: 'sensor.gateway_id' }))
        .orderBy('series.id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        measurement: r.measurement,
        tags: JSON.parse(r.tags) as Record<string, string>,
        field: r.field,
        valueType: r.value_type,
      }));
    };
    return {
      series: async (measurement) => {
        cached ??= load();
        const all = await cached;
        return measurement === undefined ? all : all.filter((s) => s.measurement === measurement);
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
    const answers: StatementAnswer[] = [];
    for (let i = 0; i < parsed.length; i++) {
      const statement = parsed[i];
      try {
        if (statement instanceof Error) throw statement;
        const result = await execute(statement, source, now);
        const series = result.series.map((s) => ({
          ...s,
          values: result.timeColumn
            ? s.values.map((row) => [timeOut(row[0] as number, unit), ...row.slice(1)])
            : s.values,
        }));
        answers.push(series.length > 0 ? { statement_id: i, series } : { statement_id: i });
      } catch (error) {
        if (!(error instanceof UnsupportedError || error instanceof ParseError)) throw error;
        const prefix = error instanceof UnsupportedError ? 'not supported by CIOP: ' : '';
        answers.push({ statement_id: i, error: `${prefix}${error.message}` });
        break;
      }
    }
    return answers;
  }
}

function timeOut(ms: number, unit: number | undefined): string | number {
  if (unit === undefined) return rfc3339(ms);
  return Math.floor(ms / unit);
}
