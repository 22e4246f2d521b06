import type { Insertable } from 'kysely';
import type { InputProblem, InputReport } from '#common/api/kpi.ts';
import { MAX_INVOICE_ROWS } from '#common/api/municipal.ts';
import { MAX_IMPORT_PROBLEMS } from '#common/api/registry.ts';
import { POWER_PERIODS, RECORD_SOURCES, type RecordSource, unitOf } from '#common/municipal/carriers.ts';
import { checkCups } from '#common/municipal/cups.ts';
import { dateOfDay, epochDay } from '#common/municipal/month-split.ts';
import type { MunicipalRecordTable } from '../../db/schema.ts';
import { badRequest } from '../../plugins/errors.ts';
import { type Cell, headerKey, parseDecimal, readSheet, type Sheet } from '../../spreadsheets/spreadsheet.ts';
import { type ImportProfile, lap } from './import-profile.ts';
import type { RecordPart } from './municipal-months.ts';
import type { MunicipalService } from './municipal.service.ts';
import * as store from './municipal.store.ts';

export interface ImportOptions {
  confirm: boolean;
  dryRun: boolean;
  sheet?: string;
  /** When given, the time each step took is added to it, ms by step (for the benchmark). */
  profile?: ImportProfile;
}

type Field =
  | 'cups'
  | 'meterCode'
  | 'start'
  | 'end'
  | 'quantity'
  | 'unit'
  | 'cost'
  | 'supplier'
  | 'tariff'
  | 'source'
  | 'maxKw'
  | (typeof POWER_PERIODS)[number];

/** The columns of an invoice file, by the header spellings they answer to (see `headerKey`). */
const COLUMNS: Record<Field, { name: string; headers: string[] }> = {
  cups: { name: 'cups', headers: ['cups'] },
  meterCode: { name: 'meter_code', headers: ['metercode', 'meter', 'codigo', 'code'] },
  start: { name: 'period_start', headers: ['periodstart', 'start', 'from', 'desde', 'fechainicio'] },
  end: { name: 'period_end', headers: ['periodend', 'end', 'to', 'hasta', 'fechafin'] },
  quantity: { name: 'quantity', headers: ['quantity', 'consumption', 'consumo', 'cantidad'] },
  unit: { name: 'unit', headers: ['unit', 'unidad'] },
  cost: { name: 'cost_eur', headers: ['costeur', 'cost', 'importe', 'importeeur'] },
  supplier: { name: 'supplier', headers: ['supplier', 'comercializadora'] },
  tariff: { name: 'tariff', headers: ['tariff', 'tarifa'] },
  source: { name: 'source', headers: ['source', 'origen'] },
  maxKw: { name: 'max_kw', headers: ['maxkw', 'maximeter', 'maximetro'] },
  ...(Object.fromEntries(POWER_PERIODS.map((p) => [p, { name: p, headers: [p] }])) as Record<
    (typeof POWER_PERIODS)[number],
    { name: string; headers: string[] }
  >),
};
const REQUIRED: Field[] = ['start', 'end', 'quantity', 'unit', 'cost'];

/** The longest period one record may cover, days (a bimonthly invoice, with room). */
const MAX_PERIOD_DAYS = 400;

const text = (cell: Cell | undefined) => (cell === null || cell === undefined ? '' : String(cell).trim());

/** A calendar date as invoices write it: 2025-01-31, 31/01/2025 or 31-01-2025. */
export function dateOf(cell: Cell | undefined): string | undefined {
  const t = text(cell);
  let iso: string | undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) iso = t;
  else {
    const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
    if (m) iso = `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  }
  return iso !== undefined && epochDay(iso) !== undefined ? iso : undefined;
}

/** A good row, ready to store. */
interface GoodRow {
  row: number;
  meter: store.MeterRow;
  record: Omit<Insertable<MunicipalRecordTable>, 'meter_id' | 'file' | 'created_at' | 'updated_at'>;
}

/** The bad rows of a file, each with its row, column, value and reason (the KPI tool's convention). */
class Report {
  readonly problems: InputProblem[] = [];
  private omitted = 0;
  private readonly bad = new Set<number>();

  problem(row: number, column: string, value: Cell | undefined, reason: string): void {
    this.bad.add(row);
    if (this.problems.length >= MAX_IMPORT_PROBLEMS) {
      this.omitted++;
      return;
    }
    const shown = text(value);
    this.problems.push({ row, column, ...(shown !== '' ? { value: shown.slice(0, 200) } : {}), reason });
  }

  get rejected(): number {
    return this.bad.size;
  }

  /** A file without bad rows is stored; one with bad rows only on confirmation; a dry run never. */
  stores(options: ImportOptions): boolean {
    return !options.dryRun && (this.rejected === 0 || options.confirm);
  }

  answer(
    rows: number,
    counts: { created: number; updated: number; unchanged: number },
    options: ImportOptions,
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

const sameRecord = (a: store.RecordRow, b: GoodRow['record']) =>
  a.period_end === b.period_end &&
  a.quantity === b.quantity &&
  a.cost_eur === (b.cost_eur ?? null) &&
  a.periods === (b.periods ?? '{}') &&
  a.max_kw === (b.max_kw ?? null) &&
  a.supplier === (b.supplier ?? '') &&
  a.tariff === (b.tariff ?? '');

/**
 * Invoices (and readings) from CSV or XLSX. A row names its meter by `cups` or `meter_code`, and
 * gives its period (both ends included), quantity in the meter's unit and cost. A record is
 * keyed by meter, source and first day: the same invoice sent again changes nothing, a corrected
 * one (same meter and start) replaces it. The meters' months are then built again.
 */
export async function importInvoices(
  service: MunicipalService,
  body: Buffer,
  file: string,
  options: ImportOptions,
  now: number,
): Promise<InputReport> {
  const profile = options.profile;
  let at = performance.now();
  const sheet: Sheet = await readSheet(body, { sheet: options.sheet, maxRows: MAX_INVOICE_ROWS });
  at = lap(profile, 'read the file', at);
  const layout: Partial<Record<Field, number>> = {};
  sheet.headers.forEach((header, index) => {
    const key = headerKey(header);
    const field = (Object.keys(COLUMNS) as Field[]).find((f) => COLUMNS[f].headers.includes(key));
    if (field !== undefined && layout[field] === undefined) layout[field] = index;
  });
  const missing = REQUIRED.filter((f) => layout[f] === undefined).map((f) => COLUMNS[f].name);
  if (layout.cups === undefined && layout.meterCode === undefined) missing.unshift('cups (or meter_code)');
  if (missing.length > 0)
    throw badRequest(
      `The header row has no ${missing.join(', ')} column; it has ${sheet.headers.filter(Boolean).join(', ') || 'no names'}.`,
    );

  const report = new Report();
  const cell = (cells: Cell[], f: Field) =>
    layout[f] === undefined ? undefined : cells[layout[f] as number];

  // The meters the file names, found at once.
  const codes = new Set<string>();
  const codeOf = new Map<number, { code: string; column: string; raw: Cell | undefined }>();
  for (const { row, cells } of sheet.rows) {
    const cups = text(cell(cells, 'cups'));
    const own = text(cell(cells, 'meterCode'));
    if (cups !== '') {
      const check = checkCups(cups);
      if (!check.valid) {
        report.problem(row, 'cups', cups, `not a valid CUPS: ${check.reason}`);
        continue;
      }
      codes.add(check.cups);
      codeOf.set(row, { code: check.cups, column: 'cups', raw: cups });
    } else if (own !== '') {
      codes.add(own);
      codeOf.set(row, { code: own, column: 'meter_code', raw: own });
    } else
      report.problem(row, 'cups', null, 'name the meter: its CUPS, or meter_code for a meter without one');
  }
  const meters = await store.metersByCode(service.db, [...codes]);

  const good: GoodRow[] = [];
  const seen = new Map<string, number>();
  for (const { row, cells } of sheet.rows) {
    const named = codeOf.get(row);
    if (!named) continue;
    const meter = meters.get(named.code);
    if (!meter) {
      report.problem(
        row,
        named.column,
        named.raw,
        `no meter ${named.code} is registered; add it to its facility first`,
      );
      continue;
    }
    const before = report.rejected;
    const start = dateOf(cell(cells, 'start'));
    const end = dateOf(cell(cells, 'end'));
    if (start === undefined)
      report.problem(row, 'period_start', cell(cells, 'start'), 'not a date (YYYY-MM-DD or DD/MM/YYYY)');
    if (end === undefined)
      report.problem(row, 'period_end', cell(cells, 'end'), 'not a date (YYYY-MM-DD or DD/MM/YYYY)');
    if (start !== undefined && end !== undefined) {
      const days = (epochDay(end) as number) - (epochDay(start) as number) + 1;
      if (days < 1)
        report.problem(row, 'period_end', cell(cells, 'end'), `comes before period_start ${start}`);
      else if (days > MAX_PERIOD_DAYS)
        report.problem(
          row,
          'period_end',
          cell(cells, 'end'),
          `the period is ${days} days; at most ${MAX_PERIOD_DAYS}`,
        );
      else if ((epochDay(end) as number) > Math.floor(now / 86_400_000) + 1)
        report.problem(
          row,
          'period_end',
          cell(cells, 'end'),
          `is after today (${dateOfDay(Math.floor(now / 86_400_000))})`,
        );
    }
    const quantity = parseDecimal(cell(cells, 'quantity') ?? null);
    if (quantity === null || Number.isNaN(quantity) || quantity < 0)
      report.problem(
        row,
        'quantity',
        cell(cells, 'quantity'),
        quantity === null ? 'missing' : 'not a number of 0 or more',
      );
    const unitCell = cell(cells, 'unit');
    const unit = unitOf(text(unitCell));
    if (unit !== meter.unit)
      report.problem(row, 'unit', unitCell, `meter ${meter.code} (${meter.carrier}) counts in ${meter.unit}`);
    const cost = parseDecimal(cell(cells, 'cost') ?? null);
    if (cost !== null && (Number.isNaN(cost) || !Number.isFinite(cost)))
      report.problem(row, 'cost_eur', cell(cells, 'cost'), 'not a number of euros');
    const sourceText = text(cell(cells, 'source')).toLowerCase() || 'invoice';
    if (!(RECORD_SOURCES as readonly string[]).includes(sourceText))
      report.problem(row, 'source', cell(cells, 'source'), `one of ${RECORD_SOURCES.join(', ')}`);
    else if (sourceText === 'invoice' && cost === null)
      report.problem(row, 'cost_eur', null, 'an invoice gives its cost');
    const periods: Record<string, number> = {};
    for (const p of POWER_PERIODS) {
      const v = parseDecimal(cell(cells, p) ?? null);
      if (v === null) continue;
      if (Number.isNaN(v) || v < 0) report.problem(row, p, cell(cells, p), 'not a quantity of 0 or more');
      else periods[p] = v;
    }
    if (Object.keys(periods).length > 0 && meter.carrier !== 'electricity')
      report.problem(row, 'p1', cell(cells, 'p1'), 'tariff periods P1–P6 are for electricity');
    const maxKw = parseDecimal(cell(cells, 'maxKw') ?? null);
    if (maxKw !== null && (Number.isNaN(maxKw) || maxKw < 0))
      report.problem(row, 'max_kw', cell(cells, 'maxKw'), 'not a power of 0 kW or more');
    if (report.rejected > before) continue;
    const key = `${meter.id}|${sourceText}|${start}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      report.problem(
        row,
        'period_start',
        start,
        `row ${earlier} already gives meter ${meter.code} from ${start}`,
      );
      continue;
    }
    seen.set(key, row);
    good.push({
      row,
      meter,
      record: {
        source: sourceText as RecordSource,
        period_start: start as string,
        period_end: end as string,
        quantity: quantity as number,
        cost_eur: cost,
        periods: JSON.stringify(periods),
        max_kw: maxKw,
        supplier: text(cell(cells, 'supplier')) || meter.supplier,
        tariff: text(cell(cells, 'tariff')) || meter.tariff,
      },
    });
  }

  at = lap(profile, 'check the rows', at);
  const counts = { created: 0, updated: 0, unchanged: 0 };
  const stores = report.stores(options);
  const meterIds = [...new Set(good.map((g) => Number(g.meter.id)))];
  await service.db.transaction().execute(async (trx) => {
    const existing = new Map<string, store.RecordRow>();
    for (const r of await store.recordsOfMeters(trx, meterIds))
      existing.set(`${r.meter_id}|${r.source}|${r.period_start}`, r);
    const inserts: Insertable<MunicipalRecordTable>[] = [];
    const changed = new Set<number>();
    for (const g of good) {
      const old = existing.get(`${g.meter.id}|${g.record.source}|${g.record.period_start}`);
      if (old && sameRecord(old, g.record)) {
        counts.unchanged++;
        continue;
      }
      changed.add(Number(g.meter.id));
      if (old) {
        counts.updated++;
        if (stores) await store.updateRecord(trx, Number(old.id), { ...g.record, file, updated_at: now });
      } else {
        counts.created++;
        inserts.push({ ...g.record, meter_id: Number(g.meter.id), file, created_at: now, updated_at: now });
      }
    }
    at = lap(profile, 'compare with the stored records', at);
    if (!stores) return;
    await store.insertRecords(trx, inserts);
    at = lap(profile, 'store the records', at);
    // The changed meters' records as they now stand, from what was read and what was sent: the
    // months are built from them without reading them back.
    const current = new Map<number, Map<string, RecordPart>>();
    for (const [key, r] of existing) {
      const id = Number(r.meter_id);
      if (!changed.has(id)) continue;
      let list = current.get(id);
      if (!list) current.set(id, (list = new Map()));
      list.set(key, r);
    }
    for (const g of good) {
      const id = Number(g.meter.id);
      if (!changed.has(id)) continue;
      let list = current.get(id);
      if (!list) current.set(id, (list = new Map()));
      list.set(`${id}|${g.record.source}|${g.record.period_start}`, {
        source: g.record.source,
        period_start: g.record.period_start,
        period_end: g.record.period_end,
        quantity: g.record.quantity,
        cost_eur: g.record.cost_eur ?? null,
        max_kw: g.record.max_kw ?? null,
      });
    }
    await service.rebuildMonths(
      trx,
      [...changed],
      new Map([...current].map(([id, list]) => [id, [...list.values()]])),
      profile,
    );
    at = performance.now();
  });
  lap(profile, 'commit', at);
  return report.answer(sheet.rows.length, counts, options);
}
