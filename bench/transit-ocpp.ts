/**
 * OCPP under load: 200 simulated chargers (OCPP 1.6J over real WebSockets) against a built
 * `ciop serve`, each booting, starting a transaction, sending MeterValues (energy register, active
 * power, state of charge) every second for a minute and stopping. Goal: p99 answer to MeterValues
 * under 100 ms, and every message stored (the meter points counted back through `/query`, the
 * charges' energy checked). The server's CPU time and memory are read from /proc.
 *
 *   npm run bench:transit                        # SQLite in a temporary folder
 *   CIOP_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:transit
 *
 * CIOP_BENCH_OCPP_CHARGERS (default 200) and CIOP_BENCH_OCPP_SECONDS (default 60) change the load.
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/server/db/database.ts';
import { SimulatedCharger } from '../src/server/testing/ocpp-charger.ts';
import { adminHeaders, startCiop } from './lib/servers.ts';
import { type BenchSection, runSections, type SectionFigure } from './transit-gtfs.ts';

const CHARGERS = Number(process.env.CIOP_BENCH_OCPP_CHARGERS ?? 200);
const SECONDS = Number(process.env.CIOP_BENCH_OCPP_SECONDS ?? 60);
const P99_GOAL_MS = 100;
/** Samples in each MeterValues: energy register, power, state of charge. */
const SAMPLES = 3;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};
const ms = (v: number) => `${v.toFixed(1)} ms`;

/** A process's CPU time (user + system) from /proc, s. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // Fields 14 and 15 of stat (utime, stime), in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A process's resident memory now and at its peak, MiB. */
function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

const code = (i: number) => `BENCH-CP-${String(i).padStart(3, '0')}`;
const plate = (i: number) => `${String(2000 + i)}-EBUS`;

const ocppSection: BenchSection = {
  name: `OCPP 1.6J: ${CHARGERS} chargers, MeterValues every second for ${SECONDS} s, against ciop serve`,
  async run(): Promise<SectionFigure[]> {
    const server = await startCiop(process.env.CIOP_BENCH_DATABASE_URL ? 'postgres' : 'sqlite');
    try {
      // The chargers and the buses they charge, as the fleet platform would have named them.
      const handle = openDatabase(server.databaseUrl);
      const now = Date.now();
      await handle.db
        .insertInto('mobility_vehicle')
        .values(
          Array.from({ length: CHARGERS }, (_, i) => ({
            code: plate(i),
            plate: plate(i),
            model: 'e-bus',
            type: 'standard',
            source: 'fleet' as const,
            updated_at: now,
          })),
        )
        .execute();
      await handle.db
        .insertInto('mobility_charger')
        .values(
          Array.from({ length: CHARGERS }, (_, i) => ({
            code: code(i),
            name: code(i),
            kind: 'plug',
            current: 'DC',
            power_kw: 150,
            status: 'Available',
            status_at: now,
            source: 'fleet' as const,
            updated_at: now,
          })),
        )
        .execute();
      await handle.close();
      const headers = await adminHeaders(server.url);
      const issued = await fetch(`${server.url}/api/v1/admin/tokens`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'bench chargers', scopes: ['ocpp'] }),
      });
      if (!issued.ok) throw new Error(`cannot issue the ocpp token: ${issued.status} ${await issued.text()}`);
      const { token } = (await issued.json()) as { token: string };

      const base = server.url.replace(/^http/, 'ws');
      const connectStart = performance.now();
      const chargers = await Promise.all(
        Array.from({ length: CHARGERS }, (_, i) =>
          SimulatedCharger.connect({ base, chargePointId: code(i), password: token }),
        ),
      );
      const connectMs = performance.now() - connectStart;
      const startAt = Date.now();
      const transactions = await Promise.all(
        chargers.map(async (cp, i) => {
          await cp.call('BootNotification', { chargePointVendor: 'Bench', chargePointModel: 'Sim' });
          await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Preparing' });
          const { transactionId } = await cp.call<{ transactionId: number }>('StartTransaction', {
            connectorId: 1,
            idTag: plate(i),
            meterStart: 1_000_000 + i,
            timestamp: new Date(startAt).toISOString(),
          });
          await cp.call('StatusNotification', { connectorId: 1, errorCode: 'NoError', status: 'Charging' });
          return transactionId;
        }),
      );
      for (const cp of chargers) cp.answerMs.length = 0;

      // Each charger sends a MeterValues a second, at its own offset within the second.
      const cpu0 = cpuSeconds(server.pid);
      const wall0 = performance.now();
      let sent = 0;
      let answered = 0;
      let refused = 0;
      const meterStart = (i: number) => 1_000_000 + i;
      const whAfter = (i: number, s: number) => meterStart(i) + s * 42;
      await Promise.all(
        chargers.map(
          (cp, i) =>
            new Promise<void>((resolve) => {
              let s = 0;
              const tick = () => {
                s++;
                sent++;
                cp.call('MeterValues', {
                  connectorId: 1,
                  transactionId: transactions[i],
                  meterValue: [
                    {
                      timestamp: new Date(startAt + s * 1000).toISOString(),
                      sampledValue: [
                        {
                          value: String(whAfter(i, s)),
                          measurand: 'Energy.Active.Import.Register',
                          unit: 'Wh',
                        },
                        { value: '151.2', measurand: 'Power.Active.Import', unit: 'kW' },
                        { value: String(Math.min(100, 30 + s / 2)), measurand: 'SoC', unit: 'Percent' },
                      ],
                    },
                  ],
                })
                  .then(() => answered++)
                  .catch(() => refused++);
                if (s >= SECONDS) {
                  clearInterval(timer);
                  resolve();
                }
              };
              let timer: NodeJS.Timeout;
              setTimeout(
                () => {
                  timer = setInterval(tick, 1000);
                },
                (i * 1000) / CHARGERS,
              );
            }),
        ),
      );
      // The last answers.
      const until = Date.now() + 10_000;
      while (answered + refused < sent && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const wallS = (performance.now() - wall0) / 1000;
      const cpuS = cpuSeconds(server.pid) - cpu0;
      const mem = memory(server.pid);
      const load = loadavg();
      const times = chargers.flatMap((cp) => cp.answerMs);

      await Promise.all(
        chargers.map(async (cp, i) => {
          await cp.call('StopTransaction', {
            transactionId: transactions[i],
            idTag: plate(i),
            meterStop: whAfter(i, SECONDS),
            timestamp: new Date(startAt + (SECONDS + 1) * 1000).toISOString(),
            reason: 'Local',
          });
          await cp.close();
        }),
      );

      // What was stored: the meter points, counted back per charger, and each charge's energy.
      const q = `SELECT count(energy_kwh), count(power_w), count(soc_pct) FROM charger_meter WHERE time >= ${startAt}ms GROUP BY charger`;
      const res = await fetch(`${server.url}/query?${new URLSearchParams({ q, epoch: 'ms' })}`, { headers });
      if (!res.ok) throw new Error(`/query answered ${res.status}: ${await res.text()}`);
      const body = (await res.json()) as { results: { series?: { values: number[][] }[] }[] };
      let stored = 0;
      for (const s of body.results[0].series ?? [])
        for (const row of s.values) stored += row[1] + row[2] + row[3];
      const charges = await fetch(`${server.url}/api/v1/mobility/charges?limit=500`, { headers });
      const items = ((await charges.json()) as { items: { energyKwh: number | null }[] }).items;
      const rightEnergy = items.filter(
        (c) => c.energyKwh !== null && Math.abs(c.energyKwh - (SECONDS * 42) / 1000) < 1e-9,
      );

      const p99 = quantile(times, 0.99);
      return [
        {
          label: 'chargers connected (upgrade with Basic auth)',
          value: `${chargers.length} in ${ms(connectMs)}`,
        },
        { label: 'MeterValues answer, p50', value: ms(quantile(times, 0.5)) },
        {
          label: 'MeterValues answer, p99',
          value: ms(p99),
          goal: `< ${P99_GOAL_MS} ms`,
          met: p99 < P99_GOAL_MS,
        },
        { label: 'MeterValues answer, max', value: ms(Math.max(...times)) },
        { label: 'MeterValues sent / answered / CALLERROR', value: `${sent} / ${answered} / ${refused}` },
        {
          label: 'meter points sent / stored',
          value: `${sent * SAMPLES} / ${stored}`,
          goal: 'none lost',
          met: stored === sent * SAMPLES && refused === 0,
        },
        {
          label: 'charges with energy = meter stop − start',
          value: `${rightEnergy.length} of ${CHARGERS}`,
          met: rightEnergy.length === CHARGERS,
        },
        {
          label: 'server CPU (user + system)',
          value: `${cpuS.toFixed(1)} s in ${wallS.toFixed(1)} s (${((100 * cpuS) / wallS).toFixed(0)} %)`,
        },
        {
          label: 'server memory, RSS now / peak',
          value: `${mem.rss.toFixed(0)} / ${mem.peak.toFixed(0)} MiB`,
        },
        { label: 'load average (1, 5, 15 min)', value: load.map((l) => l.toFixed(2)).join(', ') },
      ];
    } finally {
      await server.stop();
    }
  },
};

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const ok = await runSections([ocppSection]);
  process.exitCode = ok ? 0 : 1;
}
