import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  type InputProblem,
  type InputReport,
  MAX_THERMAL_RECORDS,
  type ThermalListQuery,
  type ThermalMeasurement,
  type ThermalRecord,
} from '#common/api/kpi.ts';
import type { PageOf } from '#common/api/pagination.ts';
import { DATE_MS_LIMIT } from '#common/api/time.ts';
import { carrierOf, MAX_IMPORT_PROBLEMS, MAX_IMPORT_ROWS } from '#common/api/registry.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest } from '../../plugins/errors.ts';
import { decodeCursor, pageLimit, pageOf } from '../../pagination/pagination.ts';
import { type Cell, headerKey, parseDecimal, readSheet, type Sheet } from '../../spreadsheets/spreadsheet.ts';
import type { KpiCalculators } from './kpi-calculators.ts';
import { monthKey, namedSpan, type Period, yearOf } from './kpi-periods.ts';
import type { KpiService } from './kpi.service.ts';
import * as store from './kpi.store.ts';
import type { NewMeasure } from './kpi.store.ts';

export interface InputOptions {
  confirm: boolean;
  dryRun: boolean;
  sheet?: string;
}

export interface InputLimits {
  /** Earliest accepted time, epoch ms. */
  minTime: number;
  /** How far into the future a record may be, s. */
  maxFutureS: number;
}

/** The columns of a file, by the header spellings they answer to. */
type Columns<K extends string> = Record<K, { name: string; headers: string[]; required: boolean }>;

const THERMAL_COLUMNS: Columns<'id' | 'timestamp' | 'value' | 'resource' | 'carrier'> = {
  id: {
    name: 'thermal_measurement_id',
    headers: ['thermalmeasurementid', 'measurementid', 'id'],
    required: true,
  },
  timestamp: { name: 'timestamp', headers: ['timestamp', 'time'], required: true },
  value: { name: 'value', headers: ['value', 'kwh', 'valuekwh'], required: true },
  resource: {
    name: 'resource_id',
    headers: ['resourceid', 'resource', 'buildingid', 'building'],
    required: true,
  },
  carrier: { name: 'carrier', headers: ['carrier'], required: true },
};

const MANUAL_COLUMNS: Columns<'kpi' | 'resource' | 'start' | 'end' | 'value' | 'breakdown'> = {
  kpi: { name: 'KPI', headers: ['kpi', 'kpicode', 'code', 'indicator'], required: true },
  resource: {
    name: 'Resource',
    headers: ['resource', 'resourceid', 'building', 'buildingid', 'plate'],
    required: true,
  },
  start: { name: 'PeriodStart', headers: ['periodstart', 'start', 'from', 'period'], required: true },
  end: { name: 'PeriodEnd', headers: ['periodend', 'end', 'to'], required: false },
  value: { name: 'Value', headers: ['value'], required: true },
  breakdown: { name: 'Breakdown', headers: ['breakdown', 'part'], required: false },
};

/** Which column of the sheet each field is in; a file without a required column is refused. */
function layoutOf<K extends string>(sheet: Sheet, columns: Columns<K>): Partial<Record<K, number>> {
  const layout: Partial<Record<K, number>> = {};
  sheet.headers.forEach((header, index) => {
    const key = headerKey(header);
    const field = (Object.keys(columns) as K[]).find((f) => columns[f].headers.includes(key));
    if (field !== undefined && layout[field] === undefined) layout[field] = index;
  });
  const missing = (Object.keys(columns) as K[]).filter((f) => columns[f].required && layout[f] === undefined);
  if (missing.length > 0)
    throw badRequest(
      `The header row has no ${missing.map((f) => columns[f].name).join(', ')} column; it has ${sheet.headers.filter(Boolean).join(', ') || 'no names'}.`,
    );
  return layout;
}

const text = (cell: Cell | undefined) => (cell === null || cell === undefined ? '' : String(cell).trim());

/** Collects the problems of the rows and says what was stored. */
class Report {
  readonly problems: InputProblem[] = [];
  private omitted = 0;
  private readonly badRows = new Set<number>();

  problem(row: number, column: string, value: Cell | undefined, reason: string): void {
    this.badRows.add(row);
    if (this.problems.length >= MAX_IMPORT_PROBLEMS) {
      this.omitted++;
      return;
    }
    const shown = text(value);
    this.problems.push({ row, column, ...(shown !== '' ? { value: shown.slice(0, 200) } : {}), reason });
  }

  isBad(row: number): boolean {
    return this.badRows.has(row);
  }

  get rejected(): number {
    return this.badRows.size;
  }

  /** Whether the good rows are stored: a file without bad rows always, one with bad rows only on confirmation. */
  stores(options: InputOptions): boolean {
    return !options.dryRun && (this.rejected === 0 || options.confirm);
  }

  answer(
    rows: number,
    counts: { created: number; updated: number; unchanged: number },
    options: InputOptions,
  ): InputReport {
    const stored = this.stores(options);
    const good = rows - this.rejected;
    let note: string;
    if (options.dryRun)
      note = `Dry run: nothing was stored. ${good} good row(s), ${this.rejected} bad row(s).`;
    else if (stored && this.rejected === 0) note = `All ${rows} row(s) were stored.`;
    else if (stored)
      note = `The ${good} good row(s) were stored; the ${this.rejected} bad row(s) listed were not.`;
    else
      note = `${this.rejected} bad row(s): nothing was stored. Fix them and send the file again, or send it with confirm=true to store the ${good} good row(s) only.`;
    return {
      rows,
      stored,
      ...counts,
      rejected: this.rejected,
      problems: this.problems,
      problemsOmitted: this.omitted,
      note,
    };
  }
}

/**
 * A timestamp in Unix seconds, as a cell or a JSON number, in epoch ms; undefined when it is not
 * a number, null when it is one that no date can hold.
 */
function unixSeconds(cell: Cell | number): number | null | undefined {
  const n =
    typeof cell === 'number' ? cell : /^\s*-?\d+(\.\d+)?\s*$/.test(String(cell ?? '')) ? Number(cell) : NaN;
  if (Number.isNaN(n)) return undefined;
  const ms = Math.round(n * 1000);
  return Math.abs(ms) <= DATE_MS_LIMIT ? ms : null;
}

const sha = (body: Buffer) => createHash('sha256').update(body).digest('hex').slice(0, 16);

/**
 * The inputs of the KPI tool: thermal energy records (JSON or CSV/XLSX, stored idempotently by
 * their `thermal_measurement_id`), KPI values entered by hand in a spreadsheet (one row per KPI,
 * resource and period), and — through the registry's own importer — the building
 * characterisation.
 *
 * Bad rows: every one is reported (row, column, value, reason). A file without bad rows is
 * stored; a file with some stores nothing unless the caller confirms (`confirm=true`), and then
 * stores its good rows only. So a mistake never half-loads a file by surprise, and a person who
 * has seen the report can still keep the good part.
 */
export class KpiInputsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kpi: KpiService,
    private readonly calculators: KpiCalculators,
    private readonly zone: string,
    private readonly limits: InputLimits,
    private readonly clock: () => number = Date.now,
  ) {}

  // --- Thermal energy records ---------------------------------------------------------------------

  async thermalJson(
    records: ThermalRecord[],
    options: InputOptions,
    principal: Principal,
  ): Promise<InputReport> {
    const rows = records.map((r, i) => ({
      row: i + 1,
      id: r.thermal_measurement_id,
      timestamp: r.timestamp as Cell,
      value: r.value as Cell,
      resource: r.resource_id,
      carrier: r.carrier,
    }));
    return this.storeThermal(rows, 'JSON request', options, principal);
  }

  async thermalFile(
    body: Buffer,
    name: string,
    options: InputOptions,
    principal: Principal,
  ): Promise<InputReport> {
    const sheet = await readSheet(body, { sheet: options.sheet, maxRows: MAX_THERMAL_RECORDS });
    const at = layoutOf(sheet, THERMAL_COLUMNS);
    const cell = (cells: Cell[], i: number | undefined) => (i === undefined ? null : (cells[i] ?? null));
    const rows = sheet.rows.map(({ row, cells }) => ({
      row,
      id: text(cell(cells, at.id)),
      timestamp: cell(cells, at.timestamp),
      value: cell(cells, at.value),
      resource: text(cell(cells, at.resource)),
      carrier: text(cell(cells, at.carrier)),
    }));
    return this.storeThermal(rows, `${name} (sha256 ${sha(body)})`, options, principal);
  }

  private async storeThermal(
    rows: { row: number; id: string; timestamp: Cell; value: Cell; resource: string; carrier: string }[],
    source: string,
    options: InputOptions,
    principal: Principal,
  ): Promise<InputReport> {
    const report = new Report();
    const now = this.clock();
    const buildings = await store.findBuildingIdsByCodes(this.db, [
      ...new Set(rows.map((r) => r.resource).filter(Boolean)),
    ]);
    const firstRow = new Map<string, number>();
    const good: store.ThermalRow[] = [];
    for (const r of rows) {
      const c = THERMAL_COLUMNS;
      if (r.id === '') report.problem(r.row, c.id.name, r.id, 'empty: every record needs its id');
      else if (r.id.length > 128) report.problem(r.row, c.id.name, r.id, 'longer than 128 characters');
      else if (firstRow.has(r.id))
        report.problem(r.row, c.id.name, r.id, `the same id is already on row ${firstRow.get(r.id)}`);
      else firstRow.set(r.id, r.row);
      const t = unixSeconds(r.timestamp);
      if (t === undefined)
        report.problem(
          r.row,
          c.timestamp.name,
          r.timestamp,
          'not a time: give Unix seconds (e.g. 1735689600)',
        );
      else if (t === null)
        report.problem(
          r.row,
          c.timestamp.name,
          r.timestamp,
          'out of range: no date is that far from 1970 (is it in seconds?)',
        );
      else if (t < this.limits.minTime || t > now + this.limits.maxFutureS * 1000)
        report.problem(
          r.row,
          c.timestamp.name,
          r.timestamp,
          `out of range: ${new Date(t).toISOString()} is before ${new Date(this.limits.minTime).toISOString()} or in the future (is it in seconds?)`,
        );
      const value = typeof r.value === 'number' ? r.value : parseDecimal(r.value);
      if (value === null) report.problem(r.row, c.value.name, r.value, 'empty: give the energy in kWh');
      else if (!Number.isFinite(value)) report.problem(r.row, c.value.name, r.value, 'not a number (kWh)');
      else if (value < 0)
        report.problem(r.row, c.value.name, r.value, 'negative: energy delivered is 0 or more kWh');
      const buildingId = buildings.get(r.resource);
      if (r.resource === '')
        report.problem(r.row, c.resource.name, r.resource, 'empty: give the building’s cadastral code');
      else if (buildingId === undefined)
        report.problem(
          r.row,
          c.resource.name,
          r.resource,
          'no building has this code: import the building characterisation first',
        );
      const carrier = r.carrier === '' ? undefined : carrierOf(r.carrier);
      if (!carrier)
        report.problem(
          r.row,
          c.carrier.name,
          r.carrier,
          'not a known carrier: natural_gas, electricity, district_heating, heating_oil, lpg, biomass, pellets, solar_thermal or other',
        );
      if (
        report.isBad(r.row) ||
        t === undefined ||
        t === null ||
        value === null ||
        buildingId === undefined ||
        !carrier
      )
        continue;
      good.push({
        measurement_id: r.id,
        building_id: buildingId,
        carrier,
        t,
        month: monthKey(t, this.zone),
        value,
        source,
        received_by: principal.name,
        received_at: now,
      });
    }

    const existing = await store.findThermal(
      this.db,
      good.map((g) => g.measurement_id),
    );
    const created = good.filter((g) => !existing.has(g.measurement_id));
    const changed = good.filter((g) => {
      const e = existing.get(g.measurement_id);
      return (
        e &&
        (e.building_id !== g.building_id || e.carrier !== g.carrier || e.t !== g.t || e.value !== g.value)
      );
    });
    const counts = {
      created: created.length,
      updated: changed.length,
      unchanged: good.length - created.length - changed.length,
    };
    const answer = report.answer(rows.length, counts, options);
    if (!answer.stored || created.length + changed.length === 0) return answer;

    await this.db.transaction().execute(async (trx) => {
      await store.insertThermal(trx, created);
      for (const row of changed) await store.updateThermal(trx, row);
    });
    // The years these records fall in (and, for corrected records, fell in) are computed again.
    const work = new Map<number, Set<number>>();
    const touch = (buildingId: number, t: number) => {
      const year = yearOf(t, this.zone);
      work.set(year, (work.get(year) ?? new Set()).add(buildingId));
    };
    for (const g of [...created, ...changed]) touch(g.building_id, g.t);
    for (const g of changed) {
      const before = existing.get(g.measurement_id) as store.ThermalRow;
      touch(before.building_id, before.t);
    }
    let measures = 0;
    const touched = new Set<number>();
    for (const [year, ids] of [...work].sort((a, b) => a[0] - b[0])) {
      measures += (await this.calculators.energy([year], [...ids])).measures;
      for (const id of ids) touched.add(id);
    }
    return { ...answer, recomputed: { buildings: touched.size, years: [...work.keys()].sort(), measures } };
  }

  async listThermal(query: ThermalListQuery): Promise<PageOf<ThermalMeasurement>> {
    let buildingId: number | undefined;
    if (query.building !== undefined) {
      buildingId = (await store.findBuildingIdsByCodes(this.db, [query.building])).get(query.building);
      if (buildingId === undefined) throw badRequest(`building: no building has the code ${query.building}.`);
    }
    const limit = pageLimit(query.limit);
    const rows = await store.listThermal(this.db, {
      buildingId,
      carrier: query.carrier,
      from: query.from,
      to: query.to,
      after: decodeCursor<string>(query.cursor, 'string'),
      limit: limit + 1,
    });
    return pageOf(
      rows,
      limit,
      (r) => r.measurement_id,
      (r) => ({
        id: r.measurement_id,
        building: r.code,
        carrier: r.carrier,
        time: r.t,
        value: r.value,
        source: r.source,
        receivedBy: r.received_by,
        receivedAt: r.received_at,
      }),
    );
  }

  // --- KPI values by hand ----------------------------------------------------------------------------

  /** A period cell: a year (2024), a month (2024-03) or a day (2024-03-31), as the span it names. */
  private span(cell: Cell): Period | undefined {
    return namedSpan(
      typeof cell === 'number' && Number.isInteger(cell) ? String(cell) : text(cell),
      this.zone,
    );
  }

  async manualFile(
    body: Buffer,
    name: string,
    options: InputOptions,
    principal: Principal,
  ): Promise<InputReport> {
    const sheet = await readSheet(body, { sheet: options.sheet, maxRows: MAX_IMPORT_ROWS });
    const at = layoutOf(sheet, MANUAL_COLUMNS);
    const c = MANUAL_COLUMNS;
    const report = new Report();
    const fileSha = sha(body);
    const cell = (cells: Cell[], i: number | undefined) => (i === undefined ? null : (cells[i] ?? null));
    const parsed: {
      row: number;
      kpi: string;
      resource: string;
      breakdown: string;
      start: number;
      end: number;
      value: number;
    }[] = [];
    for (const { row, cells } of sheet.rows) {
      const kpi = text(cell(cells, at.kpi)).toUpperCase();
      const resource = text(cell(cells, at.resource));
      const breakdown = text(cell(cells, at.breakdown));
      if (kpi === '')
        report.problem(row, c.kpi.name, null, 'empty: give the KPI code (GET /api/v1/kpis lists them)');
      if (resource === '')
        report.problem(
          row,
          c.resource.name,
          null,
          'empty: give what the value is about (a building code, a plate…)',
        );
      else if (resource.length > 64)
        report.problem(row, c.resource.name, resource, 'longer than 64 characters');
      if (breakdown.length > 64)
        report.problem(row, c.breakdown.name, breakdown, 'longer than 64 characters');
      const startCell = cell(cells, at.start);
      const endCell = cell(cells, at.end);
      const from = this.span(startCell);
      const until = text(endCell) === '' ? from : this.span(endCell);
      if (!from)
        report.problem(
          row,
          c.start.name,
          startCell,
          'not a period: give a year (2024), a month (2024-03) or a day (2024-03-01)',
        );
      if (text(endCell) !== '' && !until)
        report.problem(
          row,
          c.end.name,
          endCell,
          'not a period: give the last year, month or day the value covers',
        );
      else if (from && until && until.end <= from.start)
        report.problem(row, c.end.name, endCell, 'the period ends before it starts');
      const valueCell = cell(cells, at.value);
      const value = parseDecimal(valueCell);
      if (value === null)
        report.problem(row, c.value.name, valueCell, 'empty: give the value in the KPI’s unit');
      else if (!Number.isFinite(value)) report.problem(row, c.value.name, valueCell, 'not a number');
      if (report.isBad(row) || !from || !until || value === null) continue;
      parsed.push({ row, kpi, resource, breakdown, start: from.start, end: until.end, value });
    }
    for (const p of await this.kpi.checkInputs(parsed)) {
      const r = parsed[p.index];
      const column = { kpi: c.kpi.name, resource: c.resource.name, period: c.end.name, value: c.value.name }[
        p.field
      ];
      const shown = { kpi: r.kpi, resource: r.resource, period: '', value: String(r.value) }[p.field];
      report.problem(r.row, column, shown, p.reason);
    }
    const firstRow = new Map<string, number>();
    for (const r of parsed) {
      if (report.isBad(r.row)) continue;
      const key = JSON.stringify([r.kpi, r.resource, r.breakdown, r.start, r.end]);
      const first = firstRow.get(key);
      if (first !== undefined)
        report.problem(r.row, c.kpi.name, r.kpi, `the same KPI, resource and period as row ${first}`);
      else firstRow.set(key, r.row);
    }
    const good = parsed.filter((r) => !report.isBad(r.row));
    const now = this.clock();
    const rows: NewMeasure[] = good.map((r) =>
      this.kpi.inputRow(
        r,
        {
          source: 'import',
          calculator: null,
          inputs_version: fileSha,
          source_file: `${name}, row ${r.row}`,
          source_by: principal.name,
          inputs: JSON.stringify({ file: name, sha256: fileSha, row: r.row }),
        },
        now,
      ),
    );
    const existing = await store.existingMeasureValues(this.db, rows);
    const fresh = rows.filter((r) => existing.get(store.measureKey(r)) !== r.value);
    const counts = {
      created: rows.filter((r) => !existing.has(store.measureKey(r))).length,
      updated: fresh.filter((r) => existing.has(store.measureKey(r))).length,
      unchanged: rows.length - fresh.length,
    };
    const answer = report.answer(sheet.rows.length, counts, options);
    if (answer.stored && fresh.length > 0) await this.kpi.upsert(fresh);
    return answer;
  }
}
