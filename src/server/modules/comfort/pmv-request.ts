import type { PmvConditions, PmvInputColumns, PmvRequest, PmvResultBody } from '#common/api/comfort.ts';
import {
  ashraeCompliant,
  comfortCategory,
  COOLING_EFFECT_STATUS_CODES,
  ISO_7730_CATEGORY_LETTERS,
  residentStatus,
  PMV_BATCH_FLAGS,
  pmvPpdBatch,
  type PmvBatchInput,
  type PmvBatchResult,
  type RangeViolation,
  STANDARD_EDITIONS,
  type StandardEdition,
} from '#common/comfort/index.ts';
import { badRequest } from '../../plugins/errors.ts';

/** Answer to one input. */
export type PmvSingleAnswer = PmvResultBody & { standard: StandardEdition; units: 'SI' | 'IP' };
/** Answer to a batch, one object per input. */
export interface PmvBatchAnswer {
  standard: StandardEdition;
  units: 'SI' | 'IP';
  results: PmvResultBody[];
}

type Column<K extends keyof PmvResultBody> = PmvResultBody[K][];

/** Answer to a batch, one array per field. */
export interface PmvColumnsAnswer {
  standard: StandardEdition;
  units: 'SI' | 'IP';
  columns: {
    pmv: Column<'pmv'>;
    ppd: Column<'ppd'>;
    category: Column<'category'>;
    isoCategory: Column<'isoCategory'>;
    ashraeCompliant: Column<'ashraeCompliant'>;
    status: Column<'status'>;
    withinValidity: Column<'withinValidity'>;
    coolingEffect: Column<'coolingEffect'>;
    coolingEffectStatus: Column<'coolingEffectStatus'>;
  };
  violations: ({ input: number } & PmvResultBody['violations'][number])[];
  failures: { input: number; failure: string }[];
}

/** Where in the body input `i` (and its `field`) is, for error messages. */
type Where = (i: number, field?: string | null) => string;

interface Problem {
  where: string;
  message: string;
}

/** Strict mode lists at most this many offending inputs (the first ones). */
const MAX_LISTED_PROBLEMS = 100;

const SINGLE_FIELDS = ['tdb', 'tr', 'vr', 'v', 'rh', 'met', 'clo', 'wme'] as const;

function refuse(problems: Problem[], unlisted = 0): never {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  const rest = unlisted + problems.length - listed.length;
  const shown = listed.slice(0, 3).map((p) => `${p.where}: ${p.message}`);
  if (listed.length > 3) shown.push(`… ${listed.length - 3} more listed in \`errors\``);
  if (rest > 0) shown.push(`${rest} more not listed`);
  throw badRequest(shown.join('; '), { errors: listed });
}

function format(x: number): string {
  return Number.isFinite(x) ? String(Math.round(x * 1000) / 1000) : String(x);
}

/** Which optional fields an input gave: enough to name the field a violated range asks to change. */
type InputShape = Pick<PmvConditions, 'tr' | 'vr'>;

/** The input field a violated range asks to change; null for the PMV's own range. */
function fieldOf(v: RangeViolation, input: InputShape): string | null {
  switch (v.quantity) {
    case 'pa':
      return 'rh';
    case 'pmv':
      return null;
    case 'tr':
      return input.tr === undefined ? 'tdb' : 'tr';
    case 'vr':
    case 'v':
      return input.vr === undefined ? 'v' : 'vr';
    default:
      return v.quantity;
  }
}

function describe(v: Omit<RangeViolation, 'quantity'> & { quantity: string }): string {
  const unit = v.unit === '' ? '' : ` ${v.unit}`;
  const what = v.quantity === 'pa' ? 'water vapour pressure' : v.quantity;
  return `${what} = ${format(v.value)}${unit} is outside the validity range of ${v.standard} (${format(v.min)} to ${format(v.max)}${unit})`;
}

/** Checks what the schema cannot say (one air speed, external work below met) for every input. */
function checkInputs(inputs: PmvConditions[], where: Where): void {
  const problems: Problem[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    if ((input.vr === undefined) === (input.v === undefined)) {
      problems.push({
        where: where(i, 'vr'),
        message:
          input.vr === undefined
            ? 'give the relative air speed `vr` (or the measured room air speed `v`)'
            : 'give `vr` or `v`, not both',
      });
    }
    if (input.wme !== undefined && input.wme >= input.met) {
      problems.push({ where: where(i, 'wme'), message: `external work must be below met (${input.met})` });
    }
  }
  if (problems.length > 0) refuse(problems);
}

/** Rows of a batch that give the same kind of air speed, run through the library together. */
interface Run {
  /** Input index of each row of `out`. */
  rows: ArrayLike<number>;
  measured: boolean;
  out: PmvBatchResult;
}

type BatchOptions = Parameters<typeof pmvPpdBatch>[1];

/** Runs the library's batch on the rows `rows` of `inputs`, all giving the same kind of air speed. */
function runRows(inputs: PmvConditions[], rows: number[], measured: boolean, options: BatchOptions): Run {
  return { rows, measured, out: pmvPpdBatch(columnsOf(inputs, rows, measured), options) };
}

/** The columns of a batch given in columns, checked: same lengths, one kind of air speed, wme < met. */
function runGivenColumns(c: PmvInputColumns, options: BatchOptions): Run {
  const n = c.tdb.length;
  const problems: Problem[] = [];
  for (const field of ['tr', 'vr', 'v', 'rh', 'met', 'clo', 'wme'] as const) {
    const column = c[field];
    if (column !== undefined && column.length !== n) {
      problems.push({
        where: `body.columns.${field}`,
        message: `has ${column.length} values, \`tdb\` ${n}: give one value per input in every column`,
      });
    }
  }
  if ((c.vr === undefined) === (c.v === undefined)) {
    problems.push({
      where: 'body.columns',
      message:
        c.vr === undefined
          ? 'give the relative air speed `vr` (or the measured room air speed `v`) for every input'
          : 'give `vr` or `v`, not both',
    });
  }
  if (problems.length === 0 && c.wme !== undefined) {
    for (let i = 0; i < n && problems.length < MAX_LISTED_PROBLEMS; i++) {
      if (c.wme[i] >= c.met[i])
        problems.push({
          where: `body.columns.wme.${i}`,
          message: `external work must be below met (${c.met[i]})`,
        });
    }
  }
  if (problems.length > 0) refuse(problems);
  const measured = c.vr === undefined;
  const f64 = (column: number[]) => Float64Array.from(column);
  const tdb = f64(c.tdb);
  const columns = {
    tdb,
    tr: c.tr === undefined ? tdb : f64(c.tr),
    rh: f64(c.rh),
    met: f64(c.met),
    clo: f64(c.clo),
    wme: c.wme === undefined ? new Float64Array(n) : f64(c.wme),
  };
  const speed = f64((measured ? c.v : c.vr) as number[]);
  const input: PmvBatchInput = measured ? { ...columns, v: speed } : { ...columns, vr: speed };
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return { rows, measured, out: pmvPpdBatch(input, options) };
}

/** The library's columns for the rows `rows` of `inputs`. */
function columnsOf(inputs: PmvConditions[], rows: number[], measured: boolean): PmvBatchInput {
  const n = rows.length;
  const tdb = new Float64Array(n);
  const tr = new Float64Array(n);
  const speed = new Float64Array(n);
  const rh = new Float64Array(n);
  const met = new Float64Array(n);
  const clo = new Float64Array(n);
  const wme = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const input = inputs[rows[k]];
    tdb[k] = input.tdb;
    tr[k] = input.tr ?? input.tdb;
    speed[k] = (measured ? input.v : input.vr) as number;
    rh[k] = input.rh;
    met[k] = input.met;
    clo[k] = input.clo;
    wme[k] = input.wme ?? 0;
  }
  return measured ? { tdb, tr, v: speed, rh, met, clo, wme } : { tdb, tr, vr: speed, rh, met, clo, wme };
}

type Columns = PmvColumnsAnswer['columns'];

function newColumns(n: number): Columns {
  // Filled, not holey: V8 writes and serialises packed arrays faster. The numbers are kept as
  // unboxed doubles, NaN where there is none: JSON writes NaN as null, and no number is boxed.
  const column = () => new Array(n).fill(null);
  const numbers = () => new Array<number>(n).fill(NaN);
  return {
    pmv: numbers(),
    ppd: numbers(),
    category: column(),
    isoCategory: column(),
    ashraeCompliant: column(),
    status: column(),
    withinValidity: column(),
    coolingEffect: numbers(),
    coolingEffectStatus: column(),
  };
}

/** A number of a column, null where there is none. */
const orNull = (x: number | null): number | null => (x === null || Number.isNaN(x) ? null : x);

/** Writes row `k` of a library batch into input `i` of the answer's columns. */
function fill(c: Columns, i: number, batch: PmvBatchResult, k: number): void {
  const pmv = batch.pmv[k];
  const ce = batch.coolingEffect[k];
  c.withinValidity[i] = (batch.flags[k] & PMV_BATCH_FLAGS.outOfRange) === 0;
  c.coolingEffect[i] = ce;
  c.coolingEffectStatus[i] = COOLING_EFFECT_STATUS_CODES[batch.coolingEffectStatus[k]];
  if (Number.isFinite(pmv)) {
    const category = comfortCategory(pmv);
    c.pmv[i] = pmv;
    c.ppd[i] = batch.ppd[k];
    c.category[i] = category;
    c.isoCategory[i] = category === null ? null : ISO_7730_CATEGORY_LETTERS[category];
    c.ashraeCompliant[i] = ashraeCompliant(pmv);
    c.status[i] = residentStatus(pmv);
  } else {
    c.category[i] = null;
    c.isoCategory[i] = null;
    c.ashraeCompliant[i] = null;
    c.status[i] = null;
  }
}

/** Input `i` as one object. */
function rowOf(
  c: Columns,
  i: number,
  violations: PmvResultBody['violations'],
  failure?: string,
): PmvResultBody {
  const row: PmvResultBody = {
    pmv: orNull(c.pmv[i]),
    ppd: orNull(c.ppd[i]),
    category: c.category[i],
    isoCategory: c.isoCategory[i],
    ashraeCompliant: c.ashraeCompliant[i],
    status: c.status[i],
    withinValidity: c.withinValidity[i],
    violations,
    coolingEffect: orNull(c.coolingEffect[i]),
    coolingEffectStatus: c.coolingEffectStatus[i],
  };
  if (failure !== undefined) row.failure = failure;
  return row;
}

/**
 * PMV and PPD of one input or a batch, by ISO 7730:2005 or ANSI/ASHRAE 55-2023, with the
 * classification residents and ESCOs see. Pure computation: nothing is read or stored.
 * Errors name the input (`body.inputs.N`) and the field.
 */
export function answerPmv(body: PmvRequest): PmvSingleAnswer | PmvBatchAnswer | PmvColumnsAnswer {
  const standard = body.standard ?? 'iso';
  const units = body.units ?? 'SI';
  const options = { standard, units, airspeedControl: body.airspeed_control ?? true } as const;
  const given = body.columns;
  const batch = body.inputs !== undefined || given !== undefined;
  let inputs: PmvConditions[] = [];
  let where: Where;
  if (batch) {
    const stray = SINGLE_FIELDS.filter((f) => body[f] !== undefined);
    if (stray.length > 0) {
      refuse(
        stray.map((f) => ({
          where: `body.${f}`,
          message: 'give either a batch (`inputs` or `columns`) or the fields of one input, not both',
        })),
      );
    }
    if (body.inputs !== undefined && given !== undefined) {
      refuse([{ where: 'body.columns', message: 'give the batch as `inputs` or as `columns`, not both' }]);
    }
    if (given === undefined) {
      inputs = body.inputs as PmvConditions[];
      where = (i, field) => (field ? `body.inputs.${i}.${field}` : `body.inputs.${i}`);
    } else {
      where = (i, field) => (field ? `body.columns.${field}.${i}` : `body.columns, input ${i}`);
    }
  } else {
    if (body.layout !== undefined) {
      refuse([{ where: 'body.layout', message: 'applies to a batch (`inputs`) only' }]);
    }
    const missing = (['tdb', 'rh', 'met', 'clo'] as const).filter((f) => body[f] === undefined);
    if (missing.length > 0) {
      refuse(
        missing.map((f) => ({ where: `body.${f}`, message: 'is required (or send a batch as `inputs`)' })),
      );
    }
    const { tdb, tr, vr, v, rh, met, clo, wme } = body;
    inputs = [{ tdb, tr, vr, v, rh, met, clo, wme } as PmvConditions];
    where = (_, field) => (field ? `body.${field}` : 'body');
  }
  let runs: Run[];
  let n: number;
  let shapeOf: (i: number) => InputShape;
  if (given !== undefined) {
    const run = runGivenColumns(given, options);
    runs = [run];
    n = given.tdb.length;
    const shape: InputShape = {
      tr: given.tr === undefined ? undefined : 0,
      vr: run.measured ? undefined : 0,
    };
    shapeOf = () => shape;
  } else {
    checkInputs(inputs, where);
    const relative: number[] = [];
    const measured: number[] = [];
    for (let i = 0; i < inputs.length; i++) (inputs[i].vr === undefined ? measured : relative).push(i);
    runs = [];
    if (relative.length > 0) runs.push(runRows(inputs, relative, false, options));
    if (measured.length > 0) runs.push(runRows(inputs, measured, true, options));
    n = inputs.length;
    shapeOf = (i) => inputs[i];
  }
  const columns = newColumns(n);
  // What only some inputs have: their violations (in the caller's terms) and failures.
  const violations: (PmvResultBody['violations'] | undefined)[] = new Array(n);
  const failures: (string | undefined)[] = new Array(n);
  const problems: Problem[] = [];
  let unlistedRows = 0;
  for (const { rows, measured: isMeasured, out } of runs) {
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k];
      fill(columns, i, out, k);
      if (out.flags[k] === 0) continue;
      const detail = out.details.get(k);
      if (detail) {
        if (detail.violations.length > 0) {
          violations[i] = detail.violations.map((v) => ({
            field: fieldOf(v, shapeOf(i)),
            quantity: v.quantity,
            value: v.value,
            min: v.min,
            max: v.max,
            unit: v.unit,
          }));
        }
        if (detail.failure !== undefined) failures[i] = detail.failure;
      }
      if (!body.strict) continue;
      if (problems.length >= MAX_LISTED_PROBLEMS) {
        unlistedRows++;
        continue;
      }
      for (const v of violations[i] ?? []) {
        problems.push({
          where: where(i, v.field),
          message: describe({ ...v, standard: STANDARD_EDITIONS[standard] }),
        });
      }
      if (detail?.failure !== undefined) problems.push({ where: where(i), message: detail.failure });
      else if ((out.flags[k] & PMV_BATCH_FLAGS.uncertain) !== 0) {
        problems.push({
          where: where(i, isMeasured ? 'v' : 'vr'),
          message: `cooling effect uncertain: ${detail?.coolingEffectReason ?? 'SET at its wettedness limit'}`,
        });
      }
    }
  }
  if (problems.length > 0) {
    // Problems are gathered per air-speed kind; report them in input order.
    problems.sort((a, b) => inputIndex(a.where) - inputIndex(b.where));
    refuse(problems, unlistedRows);
  }
  const edition = STANDARD_EDITIONS[standard];
  const noViolations: PmvResultBody['violations'] = [];
  if (!batch)
    return {
      ...rowOf(columns, 0, violations[0] ?? noViolations, failures[0]),
      standard: edition,
      units,
    };
  if (body.layout === 'columns' || (given !== undefined && body.layout !== 'rows')) {
    return {
      standard: edition,
      units,
      columns,
      violations: violations.flatMap((list, input) => (list ?? []).map((v) => ({ input, ...v }))),
      failures: failures.flatMap((failure, input) => (failure === undefined ? [] : [{ input, failure }])),
    };
  }
  const results = new Array<PmvResultBody>(n);
  for (let i = 0; i < n; i++) results[i] = rowOf(columns, i, violations[i] ?? noViolations, failures[i]);
  return { standard: edition, units, results };
}

function inputIndex(where: string): number {
  const match = /^body\.inputs\.(\d+)/.exec(where);
  return match ? Number(match[1]) : 0;
}
