import type { PmvConditions, PmvRequest, PmvResultBody } from '#common/api/comfort.ts';
import {
  classifyPmv,
  COOLING_EFFECT_STATUS_CODES,
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
/** Answer to a batch. */
export interface PmvBatchAnswer {
  standard: StandardEdition;
  units: 'SI' | 'IP';
  results: PmvResultBody[];
}

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

/** The input field a violated range asks to change; null for the PMV's own range. */
function fieldOf(v: RangeViolation, input: PmvConditions): string | null {
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

function describe(v: RangeViolation): string {
  const unit = v.unit === '' ? '' : ` ${v.unit}`;
  const what = v.quantity === 'pa' ? 'water vapour pressure' : v.quantity;
  return `${what} = ${format(v.value)}${unit} is outside the validity range of ${v.standard} (${format(v.min)} to ${format(v.max)}${unit})`;
}

/** Checks what the schema cannot say (one air speed, external work below met) for every input. */
function checkInputs(inputs: PmvConditions[], prefix: (i: number) => string): void {
  const problems: Problem[] = [];
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i];
    if ((input.vr === undefined) === (input.v === undefined)) {
      problems.push({
        where: `${prefix(i)}.vr`,
        message:
          input.vr === undefined
            ? 'give the relative air speed `vr` (or the measured room air speed `v`)'
            : 'give `vr` or `v`, not both',
      });
    }
    if (input.wme !== undefined && input.wme >= input.met) {
      problems.push({ where: `${prefix(i)}.wme`, message: `external work must be below met (${input.met})` });
    }
  }
  if (problems.length > 0) refuse(problems);
}

/** Runs the library's batch on the rows `rows` of `inputs`, all giving the same kind of air speed. */
function runColumns(
  inputs: PmvConditions[],
  rows: number[],
  measured: boolean,
  options: Parameters<typeof pmvPpdBatch>[1],
): PmvBatchResult {
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
  const columns: PmvBatchInput = measured
    ? { tdb, tr, v: speed, rh, met, clo, wme }
    : { tdb, tr, vr: speed, rh, met, clo, wme };
  return pmvPpdBatch(columns, options);
}

function resultOf(batch: PmvBatchResult, k: number, input: PmvConditions): PmvResultBody {
  const pmv = batch.pmv[k];
  const detail = batch.details.get(k);
  const status = COOLING_EFFECT_STATUS_CODES[batch.coolingEffectStatus[k]];
  const ce = batch.coolingEffect[k];
  const result: PmvResultBody = {
    pmv: null,
    ppd: null,
    category: null,
    isoCategory: null,
    ashraeCompliant: null,
    status: null,
    withinValidity: (batch.flags[k] & PMV_BATCH_FLAGS.outOfRange) === 0,
    violations: [],
    coolingEffect: Number.isNaN(ce) ? null : ce,
    coolingEffectStatus: status,
  };
  if (Number.isFinite(pmv)) {
    const c = classifyPmv(pmv);
    result.pmv = pmv;
    result.ppd = batch.ppd[k];
    result.category = c.category;
    result.isoCategory = c.isoCategory;
    result.ashraeCompliant = c.ashraeCompliant;
    result.status = c.status;
  }
  if (detail) {
    result.violations = detail.violations.map((v) => ({
      field: fieldOf(v, input),
      quantity: v.quantity,
      value: v.value,
      min: v.min,
      max: v.max,
      unit: v.unit,
    }));
    if (detail.failure !== undefined) result.failure = detail.failure;
  }
  return result;
}

/**
 * PMV and PPD of one input or a batch, by ISO 7730:2005 or ANSI/ASHRAE 55-2023, with the
 * classification residents and ESCOs see. Pure computation: nothing is read or stored.
 * Errors name the input (`body.inputs.N`) and the field.
 */
export function answerPmv(body: PmvRequest): PmvSingleAnswer | PmvBatchAnswer {
  const standard = body.standard ?? 'iso';
  const units = body.units ?? 'SI';
  const options = { standard, units, airspeedControl: body.airspeed_control ?? true } as const;
  const batch = body.inputs !== undefined;
  let inputs: PmvConditions[];
  let prefix: (i: number) => string;
  if (batch) {
    const stray = SINGLE_FIELDS.filter((f) => body[f] !== undefined);
    if (stray.length > 0) {
      refuse(
        stray.map((f) => ({
          where: `body.${f}`,
          message: 'give either `inputs` (a batch) or the fields of one input, not both',
        })),
      );
    }
    inputs = body.inputs as PmvConditions[];
    prefix = (i) => `body.inputs.${i}`;
  } else {
    const missing = (['tdb', 'rh', 'met', 'clo'] as const).filter((f) => body[f] === undefined);
    if (missing.length > 0) {
      refuse(
        missing.map((f) => ({ where: `body.${f}`, message: 'is required (or send a batch as `inputs`)' })),
      );
    }
    const { tdb, tr, vr, v, rh, met, clo, wme } = body;
    inputs = [{ tdb, tr, vr, v, rh, met, clo, wme } as PmvConditions];
    prefix = () => 'body';
  }
  checkInputs(inputs, prefix);

  const relative: number[] = [];
  const measured: number[] = [];
  for (let i = 0; i < inputs.length; i++) (inputs[i].vr === undefined ? measured : relative).push(i);
  const results: PmvResultBody[] = new Array(inputs.length);
  const problems: Problem[] = [];
  let unlistedRows = 0;
  for (const [rows, isMeasured] of [
    [relative, false],
    [measured, true],
  ] as const) {
    if (rows.length === 0) continue;
    const out = runColumns(inputs, rows, isMeasured, options);
    for (let k = 0; k < rows.length; k++) {
      const i = rows[k];
      results[i] = resultOf(out, k, inputs[i]);
      if (!body.strict || out.flags[k] === 0) continue;
      if (problems.length >= MAX_LISTED_PROBLEMS) {
        unlistedRows++;
        continue;
      }
      const detail = out.details.get(k);
      for (const v of detail?.violations ?? []) {
        const field = fieldOf(v, inputs[i]);
        problems.push({ where: field === null ? prefix(i) : `${prefix(i)}.${field}`, message: describe(v) });
      }
      if (detail?.failure !== undefined) problems.push({ where: prefix(i), message: detail.failure });
      else if ((out.flags[k] & PMV_BATCH_FLAGS.uncertain) !== 0) {
        problems.push({
          where: `${prefix(i)}.${inputs[i].vr === undefined ? 'v' : 'vr'}`,
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
  if (batch) return { standard: edition, units, results };
  return { ...results[0], standard: edition, units };
}

function inputIndex(where: string): number {
  const match = /^body\.inputs\.(\d+)/.exec(where);
  return match ? Number(match[1]) : 0;
}
