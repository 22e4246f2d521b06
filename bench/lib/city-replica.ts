/**
 * One CIOP replica of `npm run bench:city`: the platform and its HTTP API as `ciop serve` runs
 * them, with every job driven on the simulated clock instead of the wall clock. Started by
 * bench/city.bench.ts as a child process with an IPC channel; the simulated clock is
 * `simStart + (Date.now() - wallStart) × speed`, the same in every replica.
 *
 * A job runs each of its scheduled runs (an interval's number, or a cron minute) in simulated
 * time, claimed once across replicas as the scheduler claims them. A run that falls due while the
 * previous one still runs is served by the next run: its lag is the simulated time from the
 * oldest run it serves falling due until it finished. Each run this replica made is reported to
 * the parent: { job, due, finished, wallMs }.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Cron } from 'croner';
import pino from 'pino';
import { buildApp } from '../../src/server/app.ts';
import { loadConfig, type Config } from '../../src/server/config.ts';
import { openPlatform } from '../../src/server/platform.ts';
import type { Job } from '../../src/server/plugins/scheduler.ts';

const sim = JSON.parse(process.env.CIOP_CITY_SIM ?? '{}') as {
  simStart: number;
  wallStart: number;
  speed: number;
  port: number;
  config: Partial<Config>;
  /** Jobs not run: they reach services outside the machine. */
  skip: string[];
  /** When given, only these jobs run. */
  only?: string[];
};
const simNow = () => sim.simStart + (Date.now() - sim.wallStart) * sim.speed;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const config = loadConfig({}, { ...sim.config, port: sim.port, host: '127.0.0.1', mqttPort: 0 });
const platform = await openPlatform(config, pino({ level: 'warn' }));
const app = await buildApp(platform);
await app.listen({ port: sim.port, host: '127.0.0.1' });

// The scheduler keeps its jobs to itself; the simulation reads their periods and cron lines.
const jobs = Reflect.get(platform.scheduler, 'jobs') as Map<string, Job>;
let stopping = false;

/** The due time of the first scheduled run after `t` (simulated ms), and its slot. */
function nextRun(job: Job, t: number): { due: number; slot: number } {
  if (job.cron) {
    const next = new Cron(job.cron, { timezone: config.timezone }).nextRun(new Date(t));
    const due = next ? next.getTime() : Number.POSITIVE_INFINITY;
    return { due, slot: Math.floor(due / 60_000) };
  }
  const period = job.everyMs ?? 60_000;
  const slot = Math.floor(t / period) + 1;
  return { due: slot * period, slot };
}

async function drive(name: string, job: Job): Promise<void> {
  let next = nextRun(job, simNow());
  while (!stopping) {
    const wait = (next.due - simNow()) / sim.speed;
    if (wait > 0) {
      await sleep(Math.min(wait, 1000));
      continue;
    }
    // Every run that fell due since is served by this one: the latest slot is the one claimed.
    const oldestDue = next.due;
    let latest = next;
    for (let n = nextRun(job, latest.due); n.due <= simNow(); n = nextRun(job, n.due)) latest = n;
    const began = performance.now();
    process.send?.({ started: name, due: oldestDue });
    try {
      const ran = await platform.scheduler.runScheduled(name, latest.slot, latest.due);
      if (ran)
        process.send?.({
          job: name,
          due: oldestDue,
          finished: simNow(),
          wallMs: performance.now() - began,
        });
    } catch (error) {
      process.send?.({ job: name, error: String(error) });
    } finally {
      process.send?.({ ended: name });
    }
    next = nextRun(job, latest.due);
  }
}

const drivers: Promise<void>[] = [];
// How long requests and runs waited for the event loop: synchronous work shows here.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
process.on('message', (message: { start?: boolean; stop?: boolean }) => {
  if (message.start) {
    for (const [name, job] of jobs)
      if (!sim.skip.includes(name) && (!sim.only || sim.only.includes(name))) drivers.push(drive(name, job));
  }
  if (message.stop) {
    stopping = true;
    void (async () => {
      // A run still going a minute after the end is reported as such, not waited for.
      await Promise.race([Promise.allSettled(drivers), sleep(60_000)]);
      await app.close();
      await platform.close();
      process.send?.({
        loopDelay: {
          p50: loopDelay.percentile(50) / 1e6,
          p99: loopDelay.percentile(99) / 1e6,
          max: loopDelay.max / 1e6,
        },
      });
      process.exit(0);
    })();
  }
});
process.send?.({
  ready: true,
  jobs: [...jobs.values()].map((j) => ({
    name: j.name,
    every: j.cron ?? `${(j.everyMs ?? 60_000) / 1000} s`,
  })),
});
