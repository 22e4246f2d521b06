import {
  coolingEffect,
  type CoolingEffectGuess,
  type CoolingEffectResult,
  type CoolingEffectStatus,
  STILL_AIR_SPEED,
} from './cooling-effect.ts';
import { SET_REGIME } from './set.ts';

/**
 * The cooling effect (ASHRAE 55-2023 Normative Appendix D) of many rows at once.
 *
 * One cooling-effect search runs Gagge's two-node model five or six times (≈ 4 µs each), so a
 * 10,000-row batch searched row by row takes a quarter of a second or more. Rows of a batch are
 * rarely unrelated, and three things are shared between them:
 *
 * 1. Identical rows are searched once.
 * 2. Each search starts from the answer of a neighbouring row (same air speed, activity, clothing
 *    and work; nearest air temperature), and finds the root to the same tolerance
 *    (`COOLING_EFFECT_TOLERANCE_K`) in fewer SET runs.
 * 3. Where many rows share air speed, activity, clothing and work, and their radiant temperature
 *    is their air temperature (or differs from it by a multiple of 0.5 K), the cooling effect is a
 *    function of air temperature and humidity alone. It is then computed exactly on a lattice of
 *    cells of 1 K × 20 % RH and interpolated bilinearly on the lattice twice as fine (0.5 K × 10 %),
 *    cell by cell, only where that is safe:
 *    - every point of the cell's 3 × 3 fine lattice converged, away from the skin-wettedness
 *      limit, and with the same thermoregulation regime in both SETs (`SetResult.regime`: where
 *      sweating, shivering or one of the model's bounds switches on, the cooling effect has a
 *      kink or a notch narrower than a cell);
 *    - the cell's corners reproduce its five inner fine points within
 *      {@link LATTICE_CHECK_TOLERANCE_K}.
 *    A cell that fails is split in four and checked again, twice; rows in cells that still fail
 *    are searched one by one. Lattice points are kept between batches (bounded), since the same
 *    groups come back (every dwelling's seasonal assumptions, a dashboard's settings). The lattice
 *    is used only when each point it needs serves several rows.
 *
 * Against a row-by-row search, measured over the validity range (cooling-effect-batch.test.ts):
 * the PMV within 0.005 everywhere (within 0.001, CE within 0.002 K, for sedentary people at home),
 * the cooling effect within 0.005 K but in the rare bands where SET equivalence has several roots a
 * few hundredths of a kelvin apart (where a thermoregulation response switches on; any of them is an
 * answer of ASHRAE's definition, and a search may land on any): within the published rounding of
 * PMV (0.01) and CE (0.01 K).
 */

/** The coarse lattice check: corners must reproduce the inner fine points within this, K. */
export const LATTICE_CHECK_TOLERANCE_K = 0.004;
/** Cells of the coarse lattice: air temperature, K, and relative humidity, %. */
const CELL_TDB_K = 1;
const CELL_RH = 20;
/** Times a failing cell is split in four before its rows are searched one by one. */
const MAX_SPLITS = 2;
/** Below this share of the wettedness limit at every point of a cell, the model is smooth there. */
const SAFE_WETTEDNESS = 0.95;
/**
 * Thermoregulation responses whose onset inside a cell bars interpolating it: sweating (its onset
 * puts a notch of about 0.01 K, narrower than a cell, in the cooling effect), shivering, and the
 * model's bounds, in either SET. The onsets of vasoconstriction and vasodilation leave kinks small
 * enough for the cell check.
 */
const REGIME_MASK = (SET_REGIME.sweating | SET_REGIME.shivering | SET_REGIME.bounded) * 0x101;
/** The lattice is used when it has at most one point per this many rows. */
const ROWS_PER_POINT = 4;
/** Radiant minus air temperature lies on planes this far apart for rows to use the lattice, K. */
const RADIANT_PLANE_K = 0.5;

/** SI columns of the rows, after the activity corrections (relative air speed, dynamic clothing). */
export interface CoolingEffectBatchInput {
  tdb: Float64Array;
  tr: Float64Array;
  vr: Float64Array;
  rh: Float64Array;
  met: Float64Array;
  clo: Float64Array;
  wme: Float64Array;
}

export interface CoolingEffectBatchOutput {
  /** Cooling effect per row, K; NaN where failed. */
  ce: Float64Array;
  /** Index into `COOLING_EFFECT_STATUS_CODES` per row. */
  status: Uint8Array;
  /** Why a row's search was uncertain or failed. */
  reasons: Map<number, string>;
  /** How the batch was answered: searches run (lattice points and single rows), and rows interpolated. */
  stats: { searches: number; interpolated: number; setRuns: number };
}

const STATUS_CODE: Record<CoolingEffectStatus, number> = {
  'not-applicable': 0,
  converged: 1,
  uncertain: 2,
  failed: 3,
};

interface Group {
  vr: number;
  met: number;
  clo: number;
  wme: number;
  rows: number[];
}

/** Most lattice points kept between batches (about 100 bytes each). */
const MAX_CACHED_POINTS = 200_000;

/** Runs one search for a group's conditions. */
type Solver = (
  tdb: number,
  tr: number,
  rh: number,
  group: Group,
  guess: CoolingEffectGuess | undefined,
) => CoolingEffectResult;

/** A solved lattice point. */
interface LatticePoint {
  ce: number;
  slope: number;
  ok: boolean;
  regime: number;
}

/**
 * The lattice of one group (air speed, activity, clothing, work) on one plane of radiant minus air
 * temperature: the points solved so far, kept between batches (see {@link planes}).
 */
class Plane {
  /** Solved points by air temperature, then humidity. */
  private readonly points = new Map<number, Map<number, LatticePoint>>();
  private lastGuess: CoolingEffectGuess | undefined;
  size = 0;

  constructor(
    private readonly group: Group,
    /** Radiant minus air temperature, K. */
    private readonly offset: number,
  ) {}

  has(tdb: number, rh: number): boolean {
    return this.points.get(tdb)?.has(rh) ?? false;
  }

  point(tdb: number, rh: number, solve: Solver): LatticePoint {
    let column = this.points.get(tdb);
    if (!column) {
      column = new Map();
      this.points.set(tdb, column);
    }
    let p = column.get(rh);
    if (p) return p;
    const result = solve(tdb, tdb + this.offset, rh, this.group, this.guessNear(tdb, rh));
    p = {
      ce: result.ce,
      slope: result.slope,
      ok: result.status === 'converged' && result.wettednessRatio < SAFE_WETTEDNESS,
      regime: result.regime,
    };
    column.set(rh, p);
    this.size++;
    if (result.status === 'converged') this.lastGuess = { ce: result.ce, slope: result.slope };
    return p;
  }

  /** The answer at the nearest solved point in air temperature, at the same humidity if there is one. */
  private guessNear(tdb: number, rh: number): CoolingEffectGuess | undefined {
    for (const dt of [CELL_TDB_K / 2, -CELL_TDB_K / 2, CELL_TDB_K / 4, -CELL_TDB_K / 4]) {
      const p = this.points.get(tdb - dt)?.get(rh);
      if (p && p.ok) {
        const before = this.points.get(tdb - 2 * dt)?.get(rh);
        // Along a line of points, extrapolate linearly: the cooling effect changes smoothly with tdb.
        const ce = before && before.ok ? 2 * p.ce - before.ce : p.ce;
        return { ce, slope: p.slope };
      }
    }
    return this.lastGuess;
  }
}

/**
 * Lattices kept between batches, least recently used first: the same groups come back (the
 * seasonal assumptions of every dwelling, a dashboard's settings), and a lattice point does not
 * depend on the batch that asked for it (beyond the search tolerance).
 */
const planes = new Map<string, Plane>();
let cachedPoints = 0;

function planeFor(group: Group, offset: number): Plane {
  const key = `${group.vr},${group.met},${group.clo},${group.wme},${offset}`;
  let plane = planes.get(key);
  if (plane) {
    planes.delete(key);
    cachedPoints -= plane.size;
  } else plane = new Plane(group, offset);
  planes.set(key, plane);
  return plane;
}

/** Puts back the points a batch added to `plane` into the count, forgetting old lattices beyond the budget. */
function settle(plane: Plane): void {
  cachedPoints += plane.size;
  for (const [key, old] of planes) {
    if (cachedPoints <= MAX_CACHED_POINTS || old === plane) break;
    planes.delete(key);
    cachedPoints -= old.size;
  }
}

/** Forgets every kept lattice (for tests and benchmarks that measure a cold start). */
export function clearCoolingEffectCache(): void {
  planes.clear();
  cachedPoints = 0;
}

function bilinear(c00: number, c10: number, c01: number, c11: number, fx: number, fy: number): number {
  return c00 * (1 - fx) * (1 - fy) + c10 * fx * (1 - fy) + c01 * (1 - fx) * fy + c11 * fx * fy;
}

/**
 * Cooling effect of every row, sharing the work between rows as the module comment describes.
 * Rows at or below still air (0.1 m/s) are `not-applicable` with CE 0.
 *
 * @param input SI columns after the activity corrections: °C, m/s, %, met, clo, met
 * @returns CE (K), status and reasons per row
 */
export function coolingEffectBatch(input: CoolingEffectBatchInput): CoolingEffectBatchOutput {
  const { tdb, tr, vr, rh, met, clo, wme } = input;
  const n = tdb.length;
  const ce = new Float64Array(n);
  const status = new Uint8Array(n);
  const reasons = new Map<number, string>();
  const stats = { searches: 0, interpolated: 0, setRuns: 0 };

  const solve: Solver = (t, r, h, g, guess) => {
    const result = coolingEffect(t, r, g.vr, h, g.met, g.clo, g.wme, guess);
    stats.searches++;
    stats.setRuns += result.evaluations;
    return result;
  };
  const store = (i: number, result: CoolingEffectResult): void => {
    ce[i] = result.ce;
    status[i] = STATUS_CODE[result.status];
    if (result.reason !== undefined) reasons.set(i, result.reason);
  };

  // Group the rows by air speed, activity, clothing and work; the previous row's group is tried first.
  const groups = new Map<string, Group>();
  let last: Group | undefined;
  for (let i = 0; i < n; i++) {
    if (!(vr[i] > STILL_AIR_SPEED)) continue;
    if (!last || last.vr !== vr[i] || last.met !== met[i] || last.clo !== clo[i] || last.wme !== wme[i]) {
      const key = `${vr[i]},${met[i]},${clo[i]},${wme[i]}`;
      last = groups.get(key);
      if (!last) {
        last = { vr: vr[i], met: met[i], clo: clo[i], wme: wme[i], rows: [] };
        groups.set(key, last);
      }
    }
    last.rows.push(i);
  }

  // Rows searched one by one, of every group.
  const alone: { row: number; group: Group }[] = [];
  for (const group of groups.values()) {
    const single: number[] = [];
    // Rows on a plane of radiant minus air temperature, by plane.
    const planes = new Map<number, number[]>();
    for (const i of group.rows) {
      const offset = tr[i] - tdb[i];
      const plane = offset / RADIANT_PLANE_K;
      if (Number.isInteger(plane)) {
        let rows = planes.get(offset);
        if (!rows) planes.set(offset, (rows = []));
        rows.push(i);
      } else single.push(i);
    }
    for (const [offset, rows] of planes) {
      const fallback = interpolateOnLattice(rows, offset, group, { solve, tdb, rh, ce, status, stats });
      single.push(...fallback);
    }
    for (const row of single) alone.push({ row, group });
  }
  searchOneByOne(alone, tdb, tr, rh, solve, store);
  return { ce, status, reasons, stats };
}

/**
 * Searches rows one by one, each starting from the answer of the row before it in the order of
 * air speed, clothing, activity, work, then temperatures and humidity: the same group's nearest
 * row where there is one, otherwise a row of a similar group.
 */
function searchOneByOne(
  rows: { row: number; group: Group }[],
  tdb: Float64Array,
  tr: Float64Array,
  rh: Float64Array,
  solve: Solver,
  store: (i: number, result: CoolingEffectResult) => void,
): void {
  rows.sort(
    (a, b) =>
      a.group.vr - b.group.vr ||
      a.group.clo - b.group.clo ||
      a.group.met - b.group.met ||
      a.group.wme - b.group.wme ||
      tdb[a.row] - tdb[b.row] ||
      tr[a.row] - tr[b.row] ||
      rh[a.row] - rh[b.row],
  );
  let guess: CoolingEffectGuess | undefined;
  let previous: { row: number; group: Group; result: CoolingEffectResult } | undefined;
  for (const { row, group } of rows) {
    // Identical rows are neighbours in this order: searched once.
    if (
      previous &&
      previous.group === group &&
      tdb[row] === tdb[previous.row] &&
      tr[row] === tr[previous.row] &&
      rh[row] === rh[previous.row]
    ) {
      store(row, previous.result);
      continue;
    }
    const result = solve(tdb[row], tr[row], rh[row], group, guess);
    store(row, result);
    previous = { row, group, result };
    if (result.status === 'converged') guess = { ce: result.ce, slope: result.slope };
  }
}

/** What one plane's interpolation works with. */
interface LatticeRun {
  plane: Plane;
  solve: Solver;
  tdb: Float64Array;
  rh: Float64Array;
  ce: Float64Array;
  status: Uint8Array;
  /** Rows that must be searched one by one after all. */
  fallback: number[];
  stats: { interpolated: number };
}

/**
 * Interpolates the rows of one plane on a checked lattice when that is cheaper than searching
 * them; returns the rows that must still be searched one by one.
 */
function interpolateOnLattice(
  rows: number[],
  offset: number,
  group: Group,
  run: Omit<LatticeRun, 'plane' | 'fallback'>,
): number[] {
  const { tdb, rh } = run;
  // Rows by coarse cell; the top humidity edge belongs to the cell below it.
  const topCell = Math.ceil(100 / CELL_RH) - 1;
  const cells = new Map<number, Map<number, number[]>>();
  const temperatures = new Set<number>();
  const humidities = new Set<number>();
  for (const i of rows) {
    temperatures.add(tdb[i]);
    humidities.add(rh[i]);
    const cx = Math.floor(tdb[i] / CELL_TDB_K);
    const cy = Math.max(0, Math.min(topCell, Math.floor(rh[i] / CELL_RH)));
    let column = cells.get(cx);
    if (!column) cells.set(cx, (column = new Map()));
    let inCell = column.get(cy);
    if (!inCell) column.set(cy, (inCell = []));
    inCell.push(i);
  }
  // The fine lattice points of the touched cells not solved yet, shared between neighbours.
  const plane = planeFor(group, offset);
  const missing = new Set<number>();
  for (const [cx, column] of cells) {
    for (const cy of column.keys()) {
      for (let a = 0; a <= 2; a++)
        for (let b = 0; b <= 2; b++) {
          if (!plane.has(cx * CELL_TDB_K + (a * CELL_TDB_K) / 2, cy * CELL_RH + (b * CELL_RH) / 2))
            missing.add((2 * cx + a) * 4096 + 2 * cy + b);
        }
    }
  }
  // A lattice point costs about as much as a row searched alone, and cells that fail their check
  // cost their points and their rows: the lattice pays when each new point serves several rows
  // that differ (identical rows are searched once anyway).
  // Rows repeat (sensor resolution, copied conditions): at most this many differ.
  const distinct = Math.min(rows.length, temperatures.size * humidities.size);
  if (missing.size * ROWS_PER_POINT > distinct) {
    settle(plane);
    return rows;
  }
  const lattice: LatticeRun = { ...run, plane, fallback: [] };
  // Columns of cells in air-temperature order, so that each search starts from its neighbour's answer.
  for (const cx of [...cells.keys()].sort((a, b) => a - b)) {
    const column = cells.get(cx) as Map<number, number[]>;
    for (const cy of [...column.keys()].sort((a, b) => a - b)) {
      const inCell = column.get(cy) as number[];
      fillCell(lattice, cx * CELL_TDB_K, cy * CELL_RH, CELL_TDB_K, CELL_RH, inCell, 0);
    }
  }
  settle(plane);
  return lattice.fallback;
}

/** Checks one cell and interpolates its rows, splitting it when the check fails. */
function fillCell(
  run: LatticeRun,
  x0: number,
  y0: number,
  dx: number,
  dy: number,
  rows: number[],
  depth: number,
): void {
  const { tdb, rh, ce, status } = run;
  const hx = dx / 2;
  const hy = dy / 2;
  const p: LatticePoint[][] = [];
  let ok = true;
  for (let a = 0; a <= 2; a++) {
    p.push([]);
    for (let b = 0; b <= 2; b++) {
      const point = run.plane.point(x0 + a * hx, y0 + b * hy, run.solve);
      p[a].push(point);
      // A thermoregulation response switching on inside the cell puts a kink (or a notch) in it.
      ok &&= point.ok && ((point.regime ^ p[0][0].regime) & REGIME_MASK) === 0;
    }
  }
  if (ok) {
    // The corners must reproduce the five inner points of the fine lattice.
    const c00 = p[0][0].ce;
    const c10 = p[2][0].ce;
    const c01 = p[0][2].ce;
    const c11 = p[2][2].ce;
    for (const [a, b] of [
      [1, 0],
      [0, 1],
      [1, 1],
      [2, 1],
      [1, 2],
    ]) {
      if (Math.abs(bilinear(c00, c10, c01, c11, a / 2, b / 2) - p[a][b].ce) > LATTICE_CHECK_TOLERANCE_K) {
        ok = false;
        break;
      }
    }
  }
  if (ok) {
    for (const i of rows) {
      const fx = (tdb[i] - x0) / hx;
      const fy = (rh[i] - y0) / hy;
      const a = Math.min(1, Math.floor(fx));
      const b = Math.min(1, Math.max(0, Math.floor(fy)));
      ce[i] = bilinear(p[a][b].ce, p[a + 1][b].ce, p[a][b + 1].ce, p[a + 1][b + 1].ce, fx - a, fy - b);
      status[i] = STATUS_CODE.converged;
    }
    run.stats.interpolated += rows.length;
    return;
  }
  if (depth >= MAX_SPLITS) {
    run.fallback.push(...rows);
    return;
  }
  const quarters: number[][] = [[], [], [], []];
  for (const i of rows) {
    const a = tdb[i] - x0 >= hx ? 1 : 0;
    const b = rh[i] - y0 >= hy ? 1 : 0;
    quarters[a * 2 + b].push(i);
  }
  for (let q = 0; q < 4; q++) {
    if (quarters[q].length === 0) continue;
    fillCell(run, x0 + (q >> 1) * hx, y0 + (q & 1) * hy, hx, hy, quarters[q], depth + 1);
  }
}
