/**
 * PMV/PPD throughput: CIOP's implementation beside the literal ISO 7730 Annex D program, on the
 * same one million conditions in the same run, plus the time to answer a 10,000-row batch.
 *
 *   npm run bench:comfort
 *
 * The conditions are drawn (seeded, so every run sees the same ones) from ISO 7730's validity range:
 * 10–30 °C air, 10–40 °C radiant, 0–1 m/s, 0.8–4 met, 0–2 clo, water vapour pressure ≤ 2700 Pa.
 */
import { fangerPmv, fangerPmvBatch, pmvPpdBatch, ppdFromPmv } from '../src/common/comfort/index.ts';
import { annexDPmvPpd } from '../src/common/comfort/reference/iso7730-annex-d.ts';

const N = 1_000_000;
const BATCH = 10_000;

function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function conditions(n: number, seed: number) {
  const random = seededRandom(seed);
  const columns = {
    tdb: new Float64Array(n),
    tr: new Float64Array(n),
    vr: new Float64Array(n),
    rh: new Float64Array(n),
    met: new Float64Array(n),
    clo: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const tdb = 10 + 20 * random();
    // Keep the water vapour pressure within ISO 7730's 2700 Pa.
    const rhMax = Math.min(100, 2700 / (10 * Math.exp(16.6536 - 4030.183 / (tdb + 235))));
    columns.tdb[i] = tdb;
    columns.tr[i] = 10 + 30 * random();
    columns.vr[i] = random();
    columns.rh[i] = rhMax * random();
    columns.met[i] = 0.8 + 3.2 * random();
    columns.clo[i] = 2 * random();
  }
  return columns;
}

const input = conditions(N, 2026);
const { tdb, tr, vr, rh, met, clo } = input;

function runReference(count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += annexDPmvPpd(clo[i], met[i], 0, tdb[i], tr[i], vr[i], rh[i]).ppd;
  return sum;
}

function runScalar(count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++)
    sum += ppdFromPmv(fangerPmv(tdb[i], tr[i], vr[i], rh[i], met[i], clo[i], 0));
  return sum;
}

function time(run: () => unknown): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// Warm both up so the JIT has compiled them before the clock runs.
runReference(50_000);
runScalar(50_000);

// Interleaved rounds, fastest of each: other processes on the machine slow single rounds down.
const ROUNDS = 3;
const out = { pmv: new Float64Array(N), ppd: new Float64Array(N) };
let referenceMs = Infinity;
let scalarMs = Infinity;
let kernelBatchMs = Infinity;
let fullBatchMs = Infinity;
for (let round = 0; round < ROUNDS; round++) {
  referenceMs = Math.min(
    referenceMs,
    time(() => runReference(N)),
  );
  scalarMs = Math.min(
    scalarMs,
    time(() => runScalar(N)),
  );
  kernelBatchMs = Math.min(
    kernelBatchMs,
    time(() => fangerPmvBatch(input, out)),
  );
  fullBatchMs = Math.min(
    fullBatchMs,
    time(() => pmvPpdBatch(input)),
  );
}

// Same answers? Compare every one of the million.
let worstPmv = 0;
let worstPpd = 0;
for (let i = 0; i < N; i++) {
  const reference = annexDPmvPpd(clo[i], met[i], 0, tdb[i], tr[i], vr[i], rh[i]);
  worstPmv = Math.max(worstPmv, Math.abs(out.pmv[i] - reference.pmv));
  worstPpd = Math.max(worstPpd, Math.abs(out.ppd[i] - reference.ppd));
}

const perSecond = (ms: number): number => (N / ms) * 1000;
const format = (x: number): string => Math.round(x).toLocaleString('en-US').padStart(12);

console.log(
  `PMV/PPD, ${N.toLocaleString('en-US')} conditions inside ISO 7730's validity range, fastest of ${ROUNDS} rounds (Node ${process.version})`,
);
console.log('');
console.log('                                          evaluations/s   vs Annex D');
console.log(`ISO 7730 Annex D, literal transcription   ${format(perSecond(referenceMs))}        1.00×`);
console.log(
  `CIOP fangerPmv + ppdFromPmv (scalar)      ${format(perSecond(scalarMs))}   ${(referenceMs / scalarMs).toFixed(2).padStart(8)}×`,
);
console.log(
  `CIOP fangerPmvBatch (Float64Array)        ${format(perSecond(kernelBatchMs))}   ${(referenceMs / kernelBatchMs).toFixed(2).padStart(8)}×`,
);
console.log(
  `CIOP pmvPpdBatch, ISO 7730 with checks    ${format(perSecond(fullBatchMs))}   ${(referenceMs / fullBatchMs).toFixed(2).padStart(8)}×`,
);
console.log('');
console.log(
  `largest difference to Annex D: ${worstPmv.toExponential(2)} PMV, ${worstPpd.toExponential(2)} PPD points`,
);

// A 10,000-row batch, as the API receives it: median of repeated runs on fresh rows.
const small = conditions(BATCH, 7);
const smallOut = { pmv: new Float64Array(BATCH), ppd: new Float64Array(BATCH) };
const kernelTimes: number[] = [];
const isoTimes: number[] = [];
const ashraeStillTimes: number[] = [];
for (let run = 0; run < 30; run++) {
  kernelTimes.push(time(() => fangerPmvBatch(small, smallOut)));
  isoTimes.push(time(() => pmvPpdBatch(small, { standard: 'iso' })));
  // ASHRAE 55 in still air (vr ≤ 0.1 m/s): Fanger's equations, no cooling-effect search.
  ashraeStillTimes.push(
    time(() => pmvPpdBatch({ ...small, vr: small.vr.map((v) => 0.1 * v) }, { standard: 'ashrae' })),
  );
}
// ASHRAE 55 at elevated air speed: every row needs the SET cooling-effect search (about ten
// 60-minute two-node simulations), so it is timed once, for the record.
const homes = {
  tdb: small.tdb,
  rh: small.rh.map((x) => Math.min(x, 70)),
  v: new Float64Array(BATCH).fill(0.1),
  met: new Float64Array(BATCH).fill(1.2),
  clo: new Float64Array(BATCH).fill(0.5),
};
const ashraeElevatedMs = time(() => pmvPpdBatch(homes, { standard: 'ashrae' }));

console.log('');
console.log(`${BATCH.toLocaleString('en-US')}-row batch (median of 30):`);
console.log(
  `  fangerPmvBatch                               ${median(kernelTimes).toFixed(2).padStart(8)} ms`,
);
console.log(`  pmvPpdBatch, ISO 7730                        ${median(isoTimes).toFixed(2).padStart(8)} ms`);
console.log(
  `  pmvPpdBatch, ASHRAE 55, still air            ${median(ashraeStillTimes).toFixed(2).padStart(8)} ms`,
);
console.log(
  `  pmvPpdBatch, ASHRAE 55, 0.1 m/s measured at 1.2 met (vr 0.16 m/s: cooling effect on every row, one run) ${ashraeElevatedMs.toFixed(0)} ms`,
);
