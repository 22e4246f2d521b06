/**
 * Municipal energy at a city's size: ten years of monthly invoices for 2,000 meters (240,000
 * records) imported from one CSV file, then the summary of every level for one year and for ten.
 *
 *   npm run bench:municipal                 # SQLite in a temporary folder
 *   CIOP_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:municipal
 *
 * Goals (the issue's): import ≥ 20,000 rows/s; each level's summary ≤ 100 ms on SQLite.
 * The import is the whole path behind `POST /api/v1/municipal/invoices/import` after the upload:
 * reading the CSV, checking every row and CUPS, storing the records and building the months.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import pino from 'pino';
import type { SummaryQuery } from '#common/api/municipal.ts';
import { cupsCheckLetters } from '#common/municipal/cups.ts';
import { loadConfig } from '../src/server/config.ts';
import type { ImportProfile } from '../src/server/modules/municipal/import-profile.ts';
import { importInvoices } from '../src/server/modules/municipal/municipal-import.ts';
import { summarise } from '../src/server/modules/municipal/municipal-summary.ts';
import * as store from '../src/server/modules/municipal/municipal.store.ts';
import { openPlatform } from '../src/server/platform.ts';

const METERS = Number(process.env.CIOP_BENCH_METERS ?? 2000);
const YEARS = 10;
const RUNS = Number(process.env.CIOP_BENCH_RUNS ?? 7);
const FIRST_YEAR = 2016;

async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.CIOP_BENCH_DATABASE_URL;
  if (!server) {
    const dir = mkdtempSync(path.join(tmpdir(), 'ciop-bench-municipal-'));
    return {
      url: `sqlite:${path.join(dir, 'ciop.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `ciop_bench_municipal_${process.pid}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const database = await freshDatabase();
  const config = loadConfig(
    {},
    { databaseUrl: database.url, logLevel: 'silent', sqliteSync: 'normal', mqttPort: 0 },
  );
  const platform = await openPlatform(config, pino({ level: 'silent' }));
  try {
    const db = platform.database.db;
    const now = Date.UTC(FIRST_YEAR + YEARS, 0, 15);
    // 10 districts; 4 areas of 3 sub-groups; 4 meters a facility (500 facilities).
    const districts: number[] = [];
    for (let d = 0; d < 10; d++)
      districts.push(
        Number(
          (
            await db
              .insertInto('district')
              .values({
                code: `B-${d}`,
                name: `District ${d}`,
                city: 'Bench',
                latitude: 42.85,
                longitude: -2.67,
                created_at: now,
              })
              .returning('id')
              .executeTakeFirstOrThrow()
          ).id,
        ),
      );
    const areas: number[] = [];
    const groups: number[] = [];
    for (let a = 0; a < 4; a++) {
      const id = await store.insertArea(db, {
        code: `A${a}`,
        name: `Area ${a}`,
        parent_id: null,
        created_at: now,
      });
      areas.push(id);
      for (let g = 0; g < 3; g++)
        groups.push(
          await store.insertArea(db, {
            code: `A${a}G${g}`,
            name: `Group ${a}.${g}`,
            parent_id: id,
            created_at: now,
          }),
        );
    }
    const facilities: number[] = [];
    const codes: string[] = [];
    const carriers = ['electricity', 'natural_gas', 'water', 'electricity'] as const;
    for (let m = 0; m < METERS; m++) {
      if (m % 4 === 0) {
        const f = facilities.length;
        facilities.push(
          await store.insertFacility(db, {
            code: `F${f}`,
            name: `Facility ${f}`,
            address: '',
            area_id: groups[f % groups.length],
            district_id: districts[f % districts.length],
            building_id: null,
            latitude: 42.85,
            longitude: -2.67,
            area_m2: 1000,
            created_at: now,
            updated_at: now,
          }),
        );
      }
      const carrier = carriers[m % 4];
      const digits = `0021${String(m).padStart(12, '0')}`;
      const code = carrier === 'water' ? `W-${m}` : `ES${digits}${cupsCheckLetters(digits)}`;
      codes.push(code);
      await store.insertMeter(db, {
        facility_id: facilities[facilities.length - 1],
        code,
        kind: carrier === 'water' ? 'internal' : 'cups',
        carrier,
        unit: carrier === 'water' ? 'm3' : 'kWh',
        supplier: '',
        tariff: '',
        contracted_kw: '{}',
        created_at: now,
        updated_at: now,
      });
    }
    for (let y = FIRST_YEAR; y < FIRST_YEAR + YEARS; y++)
      await db
        .insertInto('municipal_carbon_factor')
        .values(
          [
            ['electricity', 2, 0.25 - (y - FIRST_YEAR) * 0.01],
            ['natural_gas', 1, 0.182],
          ].map(([carrier, scope, kg]) => ({
            carrier: carrier as string,
            year: y,
            scope: scope as number,
            kg_per_unit: kg as number,
            supplier: '',
            source: 'bench',
            updated_at: now,
            updated_by: 'bench',
          })),
        )
        .execute();

    // Invoices from the 15th to the 14th, so every record is split over two months.
    const lines = ['cups,meter_code,period_start,period_end,quantity,unit,cost_eur'];
    for (const [m, code] of codes.entries()) {
      const water = code.startsWith('W-');
      for (let i = 0; i < YEARS * 12; i++) {
        const y = FIRST_YEAR + Math.floor(i / 12);
        const mo = i % 12;
        const start = new Date(Date.UTC(y, mo, 15)).toISOString().slice(0, 10);
        const end = new Date(Date.UTC(y, mo + 1, 14)).toISOString().slice(0, 10);
        const q = 500 + ((m * 7 + i * 13) % 900);
        lines.push(
          `${water ? '' : code},${water ? code : ''},${start},${end},${q},${water ? 'm3' : 'kWh'},${(q * 0.18).toFixed(2)}`,
        );
      }
    }
    const csv = Buffer.from(lines.join('\n'));
    const rows = lines.length - 1;

    const profile: ImportProfile = new Map();
    const cpu = process.cpuUsage();
    const began = performance.now();
    const report = await importInvoices(
      platform.municipal,
      csv,
      'bench.csv',
      { confirm: false, dryRun: false, profile },
      now,
    );
    const importMs = performance.now() - began;
    const used = process.cpuUsage(cpu);
    // On a shared machine the wall time includes waiting for a core; the CPU time does not.
    const importCpuMs = (used.user + used.system) / 1000;
    if (!report.stored || report.created !== rows) throw new Error(`import failed: ${report.note}`);
    const again = performance.now();
    const second = await importInvoices(
      platform.municipal,
      csv,
      'bench.csv',
      { confirm: false, dryRun: false },
      now,
    );
    const againMs = performance.now() - again;
    // Where the first import's time went, to see what to work on next.
    const steps = [...profile].map(([step, ms]) => `${step} ${(ms / 1000).toFixed(2)} s`);
    if (second.unchanged !== rows) throw new Error('the second import changed something');

    const dialect = process.env.CIOP_BENCH_DATABASE_URL ? 'PostgreSQL' : 'SQLite';
    console.log(
      `municipal energy, ${dialect}: ${METERS} meters, ${YEARS} years, ${rows} invoice rows (${(csv.length / 1e6).toFixed(1)} MB CSV)`,
    );
    console.log(
      `  import            ${(importMs / 1000).toFixed(2)} s   ${Math.round(rows / (importMs / 1000)).toLocaleString('en')} rows/s   (goal ≥ 20,000 rows/s)`,
    );
    console.log(
      `    on the CPU      ${(importCpuMs / 1000).toFixed(2)} s   ${Math.round(rows / (importCpuMs / 1000)).toLocaleString('en')} rows/s of CPU time`,
    );
    console.log(`    steps: ${steps.join(', ')}`);
    console.log(
      `  same file again   ${(againMs / 1000).toFixed(2)} s   ${Math.round(rows / (againMs / 1000)).toLocaleString('en')} rows/s   (nothing changes)`,
    );

    const levels: [string, Omit<SummaryQuery, 'from' | 'to' | 'by' | 'basis'>][] = [
      ['city', { level: 'city' }],
      ['district', { level: 'district', id: districts[0] }],
      ['area', { level: 'area', id: areas[0] }],
      ['sub-group', { level: 'area', id: groups[0] }],
      ['facility', { level: 'facility', id: facilities[0] }],
    ];
    const last = FIRST_YEAR + YEARS - 1;
    console.log('  summary, median of %d (goal ≤ 100 ms per level on SQLite):', RUNS);
    console.log('    level        1 year by month   10 years by month   10 years by year');
    for (const [name, q] of levels) {
      const time = async (query: SummaryQuery) => {
        const times: number[] = [];
        for (let r = 0; r < RUNS; r++) {
          const t0 = performance.now();
          await summarise(db, query, now);
          times.push(performance.now() - t0);
        }
        return median(times);
      };
      const one = await time({ ...q, from: `${last}-01`, to: `${last}-12`, by: 'month', basis: 'location' });
      const ten = await time({
        ...q,
        from: `${FIRST_YEAR}-01`,
        to: `${last}-12`,
        by: 'month',
        basis: 'location',
      });
      const tenYears = await time({
        ...q,
        from: `${FIRST_YEAR}-01`,
        to: `${last}-12`,
        by: 'year',
        basis: 'location',
      });
      console.log(
        `    ${name.padEnd(12)} ${one.toFixed(1).padStart(10)} ms ${ten.toFixed(1).padStart(15)} ms ${tenYears.toFixed(1).padStart(15)} ms`,
      );
    }
  } finally {
    await platform.close();
    await database.drop();
  }
}

await main();
