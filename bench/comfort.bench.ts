/**
 * PMV/PPD throughput: CIOP's implementation beside the literal ISO 7730 Annex D program, on the
 * same one million conditions in the same run, plus the time to answer a 10,000-row batch.
 *
 *   npm run bench:comfort
 *
 * The conditions are drawn (seeded, so every run sees the same ones) from ISO 7730's validity range:
 * 10–30 °C air, 10–40 °C radiant, 0–1 m/s, 0.8–4 met, 0–2 clo, water vapour pressure ≤ 2700 Pa.
 *
 * Then the API: `POST /api/v1/comfort/pmv` with 10,000 inputs, through Fastify (`app.inject`: JSON
 * parsing, schema validation, computation, serialisation), for ISO 7730 and for ASHRAE 55 at
 * elevated air speed (the SET cooling-effect search on every row).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import {
  clearCoolingEffectCache,
  coolingEffectBatch,
  fangerPmv,
  fangerPmvBatch,
  pmvPpdBatch,
  ppdFromPmv,
} from '../src/common/comfort/index.ts';
import { buildApp } from '../src/server/app.ts';
import { loadConfig } from '../src/server/config.ts';
import { openPlatform } from '../src/server/platform.ts';
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
// ASHRAE 55 at elevated air speed: every row needs the SET cooling-effect search. Homes: measured
// 0.1 m/s at 1.2 met is a relative 0.16 m/s, so the cooling effect applies to every row.
const homes = (seed: number) => {
  const rows = conditions(BATCH, seed);
  return {
    tdb: rows.tdb,
    rh: rows.rh.map((x) => Math.min(x, 70)),
    v: new Float64Array(BATCH).fill(0.1),
    met: new Float64Array(BATCH).fill(1.2),
    clo: new Float64Array(BATCH).fill(0.5),
  };
};
const rowByRowMs = time(() => pmvPpdBatch(homes(8), { standard: 'ashrae', shareCoolingEffect: false }));
const coldTimes: number[] = [];
const warmTimes: number[] = [];
let setRuns: number;
for (let run = 0; run < 10; run++) {
  const rows = homes(100 + run);
  clearCoolingEffectCache();
  coldTimes.push(time(() => pmvPpdBatch(rows, { standard: 'ashrae' })));
  warmTimes.push(time(() => pmvPpdBatch(homes(200 + run), { standard: 'ashrae' })));
}
{
  clearCoolingEffectCache();
  const rows = homes(300);
  const clo = 0.5 * (0.6 + 0.4 / 1.2);
  setRuns = coolingEffectBatch({
    tdb: rows.tdb,
    tr: rows.tdb,
    vr: new Float64Array(BATCH).fill(0.16),
    rh: rows.rh,
    met: rows.met,
    clo: new Float64Array(BATCH).fill(clo),
    wme: new Float64Array(BATCH),
  }).stats.setRuns;
}

console.log('');
console.log(`${BATCH.toLocaleString('en-US')}-row batch (median of 30):`);
console.log(
  `  fangerPmvBatch                               ${median(kernelTimes).toFixed(2).padStart(8)} ms`,
);
console.log(`  pmvPpdBatch, ISO 7730                        ${median(isoTimes).toFixed(2).padStart(8)} ms`);
console.log(
  `  pmvPpdBatch, ASHRAE 55, still air            ${median(ashraeStillTimes).toFixed(2).padStart(8)} ms`,
);
console.log('  pmvPpdBatch, ASHRAE 55, homes: 0.1 m/s measured at 1.2 met (cooling effect on every row):');
console.log(`    row by row (shareCoolingEffect: false), one run ${rowByRowMs.toFixed(1).padStart(8)} ms`);
console.log(
  `    shared searches, cold lattice (median of 10)  ${median(coldTimes).toFixed(1).padStart(8)} ms  (${setRuns} SET runs)`,
);
console.log(
  `    shared searches, lattice kept (median of 10)  ${median(warmTimes).toFixed(1).padStart(8)} ms`,
);

// ---------------------------------------------------------------- the API

const round = (x: number, decimals: number): number => Number(x.toFixed(decimals));
/** A request body as a client sends it: measured values with a few decimals. */
function body(kind: 'iso' | 'ashrae-homes' | 'ashrae-mixed', seed: number, layout = 'rows'): string {
  const random = seededRandom(seed);
  const inputs: Record<string, number>[] = [];
  for (let i = 0; i < BATCH; i++) {
    if (kind === 'iso') {
      const tdb = 10 + 20 * random();
      const rhMax = Math.min(100, 2700 / (10 * Math.exp(16.6536 - 4030.183 / (tdb + 235))));
      inputs.push({
        tdb: round(tdb, 2),
        tr: round(10 + 30 * random(), 2),
        vr: round(random(), 2),
        rh: round(rhMax * random(), 1),
        met: round(0.8 + 3.2 * random(), 2),
        clo: round(2 * random(), 2),
      });
    } else if (kind === 'ashrae-homes') {
      inputs.push({
        tdb: round(10 + 20 * random(), 2),
        rh: round(70 * random(), 1),
        v: 0.1,
        met: 1.2,
        clo: 0.5,
      });
    } else {
      // Every row its own air speed, activity and clothing: nothing to share but warm starts.
      inputs.push({
        tdb: round(18 + 10 * random(), 2),
        vr: round(0.15 + random(), 2),
        rh: round(20 + 50 * random(), 1),
        met: round(1 + random(), 2),
        clo: round(0.3 + random(), 2),
      });
    }
  }
  const standard = kind === 'iso' ? 'iso' : 'ashrae';
  if (layout !== 'columns-in') return JSON.stringify({ standard, layout, inputs });
  // The same inputs as one array per field (answered in columns).
  const fields = Object.keys(inputs[0]);
  const columns = Object.fromEntries(fields.map((f) => [f, inputs.map((input) => input[f])]));
  return JSON.stringify({ standard, columns });
}

const folder = mkdtempSync(path.join(tmpdir(), 'ciop-bench-comfort-'));
const platform = await openPlatform(
  loadConfig(
    {},
    {
      databaseUrl: `sqlite:${path.join(folder, 'ciop.db')}`,
      logLevel: 'silent',
      mqttPort: 0,
      comfortRateLimit: 1_000_000,
    },
  ),
  pino({ level: 'silent' }),
);
const app = await buildApp(platform);
await app.ready();
async function post(payload: string): Promise<number> {
  const start = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/comfort/pmv',
    payload,
    headers: { 'content-type': 'application/json' },
  });
  const ms = performance.now() - start;
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${res.body.slice(0, 300)}`);
  return ms;
}
const httpRuns = async (kind: Parameters<typeof body>[0], runs: number, cold: boolean, layout = 'rows') => {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const payload = body(kind, 1000 + run, layout);
    if (cold) clearCoolingEffectCache();
    times.push(await post(payload));
  }
  return times;
};
// Warm the JIT on a few requests first.
await httpRuns('iso', 5, false);
await httpRuns('ashrae-homes', 3, false);
const isoHttp = await httpRuns('iso', 30, false);
const isoColumns = await httpRuns('iso', 30, false, 'columns');
const isoColumnsIn = await httpRuns('iso', 30, false, 'columns-in');
const homesCold = await httpRuns('ashrae-homes', 10, true);
const homesColdColumns = await httpRuns('ashrae-homes', 10, true, 'columns');
const homesWarm = await httpRuns('ashrae-homes', 30, false);
const homesWarmColumns = await httpRuns('ashrae-homes', 30, false, 'columns');
const mixed = await httpRuns('ashrae-mixed', 3, true);
await app.close();
await platform.close();
rmSync(folder, { recursive: true, force: true });

const sizeKb = (kind: Parameters<typeof body>[0], layout = 'rows') =>
  Math.round(body(kind, 1, layout).length / 1024);
const line = (label: string, times: number[]) =>
  console.log(
    `  ${label.padEnd(62)} median ${median(times).toFixed(1).padStart(6)} ms, fastest ${Math.min(...times)
      .toFixed(1)
      .padStart(6)} ms`,
  );
console.log('');
console.log(
  `POST /api/v1/comfort/pmv with ${BATCH.toLocaleString('en-US')} inputs (app.inject, whole request):`,
);
line(`ISO 7730 (${sizeKb('iso')} KB of JSON), answer in rows`, isoHttp);
line('ISO 7730, answer in columns (layout: columns)', isoColumns);
line(`ISO 7730, inputs and answer in columns (${sizeKb('iso', 'columns-in')} KB)`, isoColumnsIn);
line(`ASHRAE 55, homes at elevated speed, lattice cold (${sizeKb('ashrae-homes')} KB), rows`, homesCold);
line('ASHRAE 55, homes at elevated speed, lattice cold, columns', homesColdColumns);
line('ASHRAE 55, homes, lattice kept from earlier requests, rows', homesWarm);
line('ASHRAE 55, homes, lattice kept from earlier requests, columns', homesWarmColumns);
line('ASHRAE 55, every row a different speed/activity/clothing', mixed);
