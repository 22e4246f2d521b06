/**
 * npm run bench:ingest [-- --points N | --full] [--db sqlite,postgres] [--no-influx] [--breakdown]
 *                      [--checks off,on [--check-interval S] [--repeat N]]
 *
 * Line protocol over HTTP, the forwarders' shape (1,000 gateways × 4 sensors, 10-minute
 * readings, in time order), 5,000 lines a request, 2 concurrent writers. Prints points/s end to
 * end (HTTP, parse, durable store) and bytes on disk per point once compacted, for CIOP on SQLite
 * and on PostgreSQL, beside InfluxDB 1.6 and VictoriaMetrics when their Debian packages
 * (`influxdb`, `victoria-metrics`) are installed (`--no-influx` leaves both out).
 *
 * `--checks off,on` runs each CIOP with the data-quality checks off (CIOP_QUALITY_CHECK_INTERVAL_S=0)
 * and on, every `--check-interval` s (default 5, so that the job runs while the readings arrive
 * rather than after), `--repeat` times in turns (default 2), and prints what the checks cost: the
 * points/s of each, and the time the quality job took (from /metrics) once it has checked every
 * reading. Goal: the checks cost at most 10 % of ingest throughput.
 *
 * npm run bench:ingest -- --latency [--db sqlite|postgres] [--clients 50] [--lines 100] [--seconds 60]
 *                      [--rate 5000,20000] [--no-closed]
 *
 * Ingest latency: `ciop start` (the demo district seeded, its live simulator publishing, every
 * job running), then 50 clients writing 100-line batches for a minute, while one more client
 * asks the health endpoint every 100 ms: first in a closed loop (each client sends its next
 * batch as soon as the last is answered, which measures the server saturated: each batch waits
 * for the 49 others), then at each offered rate of `--rate` (points/s spread over the clients,
 * open loop: each client sends on its schedule, and a batch's time runs from when it was due).
 * A city of 110,000 dwellings writes about 730 points/s. Each run writes a new fleet (its series
 * created by its first batches). Prints p50/p99/max of the batches, the health endpoint's p99,
 * how long after the last answer every reading was compacted (whether compaction keeps up) and
 * the load average, beside the goal: p99 ≤ 50 ms and no request over 1 s.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  adminHeaders,
  type BenchServer,
  startCiop,
  startInfluxdb,
  startVictoriaMetrics,
} from './lib/servers.ts';
import {
  forwarderBodies,
  quantile,
  sendAll,
  STEP_MS,
  type Timed,
  writeAtRate,
  writeFor,
} from './lib/load.ts';
import { closeConnections, get } from './lib/http.ts';

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '2000000' },
    full: { type: 'boolean', default: false },
    db: { type: 'string', default: 'sqlite,postgres' },
    'no-influx': { type: 'boolean', default: false },
    breakdown: { type: 'boolean', default: false },
    gateways: { type: 'string', default: '1000' },
    writers: { type: 'string', default: '2' },
    lines: { type: 'string' },
    latency: { type: 'boolean', default: false },
    clients: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '60' },
    rate: { type: 'string', default: '5000,20000' },
    'no-closed': { type: 'boolean', default: false },
    checks: { type: 'string' },
    'check-interval': { type: 'string', default: '5' },
    repeat: { type: 'string', default: '2' },
  },
});
const points = values.full ? 17_280_000 : Number(values.points);
const gateways = Number(values.gateways);
const writers = Number(values.writers);
const linesPerRequest = Number(values.lines ?? (values.latency ? 100 : 5000));

if (values.latency) {
  await latency();
  process.exit(0);
}

interface Result {
  name: string;
  pointsPerS: number;
  settledS: number;
  bytesPerPoint: number;
  /** With the checks on: seconds the quality job ran, once it had checked every reading. */
  checksS?: number;
  /** CPU time of the server's process from the first write until compacted, s per million points. */
  cpuPerMillion: number | undefined;
}

const GOAL_CHECKS_SHARE = 0.1;

async function waitUntilCompacted(server: BenchServer): Promise<void> {
  if (!server.name.startsWith('CIOP')) return;
  for (;;) {
    const health = (await (await fetch(`${server.url}/api/v1/health`)).json()) as { pendingReadings: number };
    if (health.pendingReadings === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Seconds the quality job has run, and how many runs, from the Prometheus metrics. */
async function qualityJobTime(server: BenchServer, headers: Record<string, string>) {
  const text = await (await fetch(`${server.url}/metrics`, { headers })).text();
  let seconds = 0;
  let runs = 0;
  for (const m of text.matchAll(/^ciop_job_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$/gm)) {
    if (!m[2].includes('job="quality-checks"')) continue;
    if (m[1] === 'sum') seconds += Number(m[3]);
    else runs += Number(m[3]);
  }
  return { seconds, runs };
}

/** Waits until the quality job has run twice after the log emptied (so over every reading); its time then. */
async function waitUntilChecked(server: BenchServer): Promise<number> {
  const headers = await adminHeaders(server.url);
  const { runs } = await qualityJobTime(server, headers);
  for (;;) {
    const now = await qualityJobTime(server, headers);
    if (now.runs >= runs + 2) return now.seconds;
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function run(server: BenchServer, writeUrl: string, checked = false): Promise<Result> {
  const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
  if (server.authorization) headers.authorization = server.authorization;
  const cpuBefore = server.cpuSeconds();
  const elapsed = await sendAll(
    writeUrl,
    headers,
    forwarderBodies(gateways, points, linesPerRequest),
    writers,
  );
  const started = performance.now();
  await waitUntilCompacted(server);
  const settled = elapsed + (performance.now() - started);
  const cpuAfter = server.cpuSeconds();
  const checksS = checked ? await waitUntilChecked(server) : undefined;
  // Let background housekeeping land: CIOP gives the emptied log's and the write-ahead files'
  // space back within 10 s of the log emptying; InfluxDB snapshots its cache.
  await new Promise((r) => setTimeout(r, 12_000));
  const bytes = await server.diskBytes();
  if (process.env.CIOP_BENCH_LIST) console.log(server.name, await server.files?.());
  if (values.breakdown && server.breakdown) {
    console.log(`${server.name}, where the bytes go:`);
    for (const line of await server.breakdown()) console.log(`  ${line}`);
  }
  return {
    name: server.name,
    pointsPerS: points / (elapsed / 1000),
    settledS: settled / 1000,
    bytesPerPoint: bytes / points,
    checksS,
    cpuPerMillion:
      cpuBefore === undefined || cpuAfter === undefined ? undefined : (cpuAfter - cpuBefore) / (points / 1e6),
  };
}

const results: Result[] = [];
const checks = values.checks?.split(',') as ('off' | 'on')[] | undefined;
if (checks?.some((c) => c !== 'off' && c !== 'on')) throw new Error('--checks: off, on or off,on');
const settings = checks ?? [undefined];
const repeat = checks ? Number(values.repeat) : 1;
for (const dialect of values.db.split(',') as ('sqlite' | 'postgres')[]) {
  for (let r = 0; r < repeat; r++) {
    for (const setting of settings) {
      const server = await startCiop(
        dialect,
        setting === undefined
          ? {}
          : { CIOP_QUALITY_CHECK_INTERVAL_S: setting === 'off' ? '0' : values['check-interval'] },
      );
      if (setting) server.name = `${server.name} checks ${setting}`;
      try {
        results.push(
          await run(server, `${server.url}/api/v2/write?org=city&bucket=ciop&precision=ns`, setting === 'on'),
        );
      } finally {
        await server.stop();
      }
    }
  }
}
if (!values['no-influx']) {
  const influx = await startInfluxdb();
  if (influx) {
    try {
      results.push(await run(influx, `${influx.url}/write?db=bench&precision=ns`));
    } finally {
      await influx.stop();
    }
  } else {
    console.log('InfluxDB is not installed (apt-get install -y influxdb): no reference run.');
  }
}
if (!values['no-influx']) {
  // The second reference: faster than InfluxDB, though it acknowledges before the data is on disk.
  const victoria = await startVictoriaMetrics();
  if (victoria) {
    try {
      results.push(await run(victoria, `${victoria.url}/write?precision=ns`));
    } finally {
      await victoria.stop();
    }
  } else {
    console.log(
      'VictoriaMetrics is not installed (apt-get install -y victoria-metrics): no second reference.',
    );
  }
}

const reference = results.find((r) => r.name.startsWith('InfluxDB'));
console.log(
  `\ningest: ${points.toLocaleString('en')} points, ${gateways} gateways × 4 sensors, ${linesPerRequest} lines/request, ${writers} writers\n`,
);
const width = Math.max(16, ...results.map((r) => r.name.length));
console.log(
  `${'server'.padEnd(width)}  points/s   vs InfluxDB   compacted after   bytes/point   CPU s/M points   CPU vs InfluxDB${checks ? '   quality job' : ''}`,
);
for (const r of results) {
  const ratio = reference ? `${(r.pointsPerS / reference.pointsPerS).toFixed(2)}×` : '–';
  const cpu = r.cpuPerMillion === undefined ? '–' : r.cpuPerMillion.toFixed(2);
  const cpuRatio =
    reference?.cpuPerMillion && r.cpuPerMillion !== undefined
      ? `${(r.cpuPerMillion / reference.cpuPerMillion).toFixed(2)}×`
      : '–';
  const job = r.checksS === undefined ? '' : `   ${r.checksS.toFixed(2).padStart(9)} s`;
  console.log(
    `${r.name.padEnd(width)} ${Math.round(r.pointsPerS).toLocaleString('en').padStart(9)}   ${ratio.padStart(11)}   ${r.settledS.toFixed(1).padStart(13)} s   ${r.bytesPerPoint.toFixed(1).padStart(11)}   ${cpu.padStart(14)}   ${cpuRatio.padStart(15)}${job}`,
  );
}
// On a shared machine the rate follows whatever else runs; the CPU time each server spent on the
// same points (the server's process only: for CIOP on PostgreSQL, not the database's) does not.
console.log(
  '\nCPU s/M points: CPU time of the server process, first write to compacted, per million points.',
);

if (checks?.includes('on') && checks.includes('off')) {
  // What the checks cost, per database: throughput with them on against off (each run beside the
  // others of the same command, in turns), and the quality job's own time against the time the
  // same readings took to arrive and be compacted with the checks off.
  console.log(
    `\ncost of the quality checks (every ${values['check-interval']} s; goal ≤ ${GOAL_CHECKS_SHARE * 100} %)`,
  );
  const range = (xs: number[], digits = 0) =>
    `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  for (const dialect of values.db.split(',')) {
    const off = results.filter((r) => r.name === `CIOP (${dialect}) checks off`);
    const on = results.filter((r) => r.name === `CIOP (${dialect}) checks on`);
    const loss = 1 - median(on.map((r) => r.pointsPerS)) / median(off.map((r) => r.pointsPerS));
    const share = median(on.map((r) => r.checksS ?? 0)) / median(off.map((r) => r.settledS));
    console.log(
      `CIOP (${dialect}): points/s off ${range(off.map((r) => r.pointsPerS))}, on ${range(on.map((r) => r.pointsPerS))}: ` +
        `${(loss * 100).toFixed(1)} % less with the checks (medians); the quality job ran ${range(
          on.map((r) => r.checksS ?? 0),
          2,
        )} s ` +
        `= ${(share * 100).toFixed(1)} % of the ${range(
          off.map((r) => r.settledS),
          1,
        )} s the readings took to arrive and be compacted with the checks off ` +
        `(${share <= GOAL_CHECKS_SHARE ? 'met' : 'NOT met'})`,
    );
    const sendingS = Math.max(...on.map((r) => points / r.pointsPerS));
    if (Number(values['check-interval']) >= sendingS)
      console.log(
        `  the job first ran after the readings had been sent (${sendingS.toFixed(1)} s at most): the points/s of the runs differ by the machine's own noise; its time is the cost`,
      );
  }
}

/** One latency run's figures. */
interface LatencyRun {
  load: string;
  pointsPerS: number;
  p50: number;
  p99: number;
  max: number;
  healthP99: number;
  /** Seconds after the last batch was answered until every reading was compacted. */
  compactedAfterS: number;
  loadAverage: string;
  slowest: string;
}

/**
 * The ingest latency under many small writers while the demo's simulator and the jobs run: first
 * the closed loop (every client sends its next batch as soon as the last is answered: the
 * server's saturation), then each offered rate (open loop). Each run writes a fleet of its own,
 * new to the server, so that each also pays for creating its series.
 */
async function latency(): Promise<void> {
  const GOAL_P99_MS = 50;
  const GOAL_MAX_MS = 1000;
  const clients = Number(values.clients);
  const seconds = Number(values.seconds);
  const rates = (values.rate ?? '')
    .split(',')
    .filter((r) => r !== '')
    .map(Number);
  if (rates.some((r) => !(r > 0))) throw new Error('--rate: points per second, e.g. 5000,20000');
  const rows: string[] = [];
  const loads: { rate?: number; fleet: number }[] = [
    ...(values['no-closed'] ? [] : [{ fleet: 0 }]),
    ...rates.map((rate, i) => ({ rate, fleet: i + 1 })),
  ];
  for (const dialect of values.db.split(',') as ('sqlite' | 'postgres')[]) {
    const seeding = performance.now();
    const server = await startCiop(dialect, {}, { command: 'start' });
    const seededS = (performance.now() - seeding) / 1000;
    console.log(`${server.name}: demo seeded and serving after ${seededS.toFixed(0)} s`);
    try {
      for (const { rate, fleet } of loads) {
        let run: LatencyRun;
        try {
          run = await latencyRun(server, clients, seconds, fleet, rate);
        } catch (error) {
          // A server that no longer answers (connections time out) ends this run, not the others.
          const load = rate === undefined ? 'closed loop' : `${rate.toLocaleString('en')} points/s`;
          console.log(`${server.name}, ${load}: failed: ${(error as Error).message}`);
          rows.push(`${server.name.padEnd(16)} ${load.padEnd(20)} failed: ${(error as Error).message}`);
          continue;
        }
        console.log(`${server.name}, ${run.load}: slowest: ${run.slowest}`);
        rows.push(
          [
            server.name.padEnd(16),
            run.load.padEnd(20),
            Math.round(run.pointsPerS).toLocaleString('en').padStart(9),
            run.p50.toFixed(1).padStart(8),
            run.p99.toFixed(1).padStart(8),
            run.max.toFixed(0).padStart(8),
            run.healthP99.toFixed(1).padStart(11),
            run.compactedAfterS.toFixed(1).padStart(13),
            run.loadAverage.padStart(10),
            `   ${run.p99 <= GOAL_P99_MS && run.max <= GOAL_MAX_MS ? 'met' : 'not met'}`,
          ].join(' '),
        );
        console.log(rows[rows.length - 1]);
      }
    } finally {
      closeConnections();
      await server.stop();
    }
  }
  console.log(
    `\ningest latency: ${clients} clients writing ${linesPerRequest}-line batches for ${seconds} s each run (a new fleet of ${gateways} gateways × 4 sensors each run), with \`ciop start\`'s demo simulator and jobs running; the health endpoint asked every 100 ms meanwhile. closed loop: each client sends its next batch once the last is answered (saturation: p50 ≈ clients ÷ batches/s); N points/s: open loop, the batches sent on a schedule, times from when each was due\n`,
  );
  console.log(
    'server           load                  points/s   p50 ms   p99 ms   max ms   health p99   compacted +s   load avg   goal: p99 ≤ 50 ms, max ≤ 1 s',
  );
  for (const row of rows) console.log(row);
}

async function latencyRun(
  server: BenchServer,
  clients: number,
  seconds: number,
  fleet: number,
  rate: number | undefined,
): Promise<LatencyRun> {
  // Recent readings, so that every job (rollups, comfort hours, KPIs, alarms, silent devices)
  // sees them as today's.
  const start = Math.floor((Date.now() - 3 * 86_400_000) / STEP_MS) * STEP_MS;
  const headers = { 'content-type': 'text/plain; charset=utf-8', authorization: server.authorization };
  const health: Timed[] = [];
  let writing = true;
  const loadBefore = loadavg()[0];
  const began = performance.now();
  const watcher = (async () => {
    while (writing) {
      const sent = performance.now();
      await get(`${server.url}/api/v1/health`);
      health.push({ at: sent - began, ms: performance.now() - sent });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const url = `${server.url}/api/v2/write?org=city&bucket=ciop&precision=ns`;
  const bodies = forwarderBodies(
    gateways,
    Number.POSITIVE_INFINITY,
    linesPerRequest,
    start,
    fleet * gateways,
  );
  const batches =
    rate === undefined
      ? await writeFor(url, headers, bodies, clients, seconds * 1000)
      : await writeAtRate(url, headers, bodies, clients, rate, linesPerRequest, seconds * 1000);
  const answered = performance.now();
  writing = false;
  await watcher;
  const loadAfter = loadavg()[0];
  await waitUntilCompacted(server);
  const compactedAfterS = (performance.now() - answered) / 1000;
  const ms = batches.map((b) => b.ms);
  return {
    load: rate === undefined ? 'closed loop' : `${rate.toLocaleString('en')} points/s`,
    pointsPerS: (batches.length * linesPerRequest) / seconds,
    p50: quantile(ms, 0.5),
    p99: quantile(ms, 0.99),
    max: Math.max(...ms),
    healthP99: quantile(
      health.map((h) => h.ms),
      0.99,
    ),
    compactedAfterS,
    loadAverage: `${loadBefore.toFixed(1)}–${loadAfter.toFixed(1)}`,
    slowest: [...batches]
      .sort((a, b) => b.ms - a.ms)
      .slice(0, 5)
      .map((b) => `${b.ms.toFixed(0)} ms at ${(b.at / 1000).toFixed(1)} s`)
      .join(', '),
  };
}
