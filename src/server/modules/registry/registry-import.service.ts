import type { Kysely, Transaction } from 'kysely';
import {
  type Carrier,
  carrierOf,
  type ImportProblem,
  type ImportReport,
  MAX_CONTRACTED_POWER_W,
  MAX_IMPORT_PROBLEMS,
  MAX_IMPORT_ROWS,
} from '#common/api/registry.ts';
import { brokenConstraint } from '../../db/constraint-errors.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, conflict } from '../../plugins/errors.ts';
import * as buildingsStore from './buildings.store.ts';
import * as districtsStore from './districts.store.ts';
import * as dwellingsStore from './dwellings.store.ts';
import { type Cell, headerKey, parseDecimal, readSheet, type Sheet } from '../../spreadsheets/spreadsheet.ts';

/** Thrown to roll a dry run back, carrying its report. */
class DryRun {
  constructor(readonly report: ImportReport) {}
}

/** A column the import reads: its name in reports, and the header spellings it answers to. */
interface Column {
  name: string;
  headers: string[];
  required?: boolean;
}

const BUILDING_COLUMNS = {
  code: { name: 'BuildingID', headers: ['buildingid', 'building', 'code'], required: true },
  address: { name: 'Address', headers: ['address'] },
  latitude: { name: 'Latitude', headers: ['latitude', 'lat'] },
  longitude: { name: 'Longitude', headers: ['longitude', 'lon', 'lng', 'long'] },
  carrier1: { name: 'Carrier1', headers: ['carrier1'] },
  area1: { name: 'm2_1', headers: ['m21', 'area1'] },
  carrier2: { name: 'Carrier2', headers: ['carrier2'] },
  area2: { name: 'm2_2', headers: ['m22', 'area2'] },
  floors: { name: 'Floors', headers: ['floors'] },
  district: { name: 'District', headers: ['district'] },
} satisfies Record<string, Column>;

const DWELLING_COLUMNS = {
  building: { name: 'BuildingID', headers: ['buildingid', 'building'], required: true },
  label: { name: 'Dwelling', headers: ['dwelling', 'label', 'dwellinglabel'], required: true },
  floor: { name: 'Floor', headers: ['floor'] },
  area: { name: 'Area', headers: ['area', 'aream2', 'm2'] },
  power: {
    name: 'ContractedPowerW',
    headers: ['contractedpowerw', 'contractedpower', 'potenciacontratadaw', 'potenciacontratada'],
  },
} satisfies Record<string, Column>;

/** Which column index each known field is at, as written in the file. */
type Layout<K extends string> = { [F in K]?: { index: number; header: string } };

function layoutOf<K extends string>(
  sheet: Sheet,
  columns: Record<K, Column>,
): { layout: Layout<K>; ignored: string[] } {
  const layout: Layout<K> = {};
  const ignored: string[] = [];
  sheet.headers.forEach((header, index) => {
    if (header === '') return;
    const key = headerKey(header);
    const field = (Object.keys(columns) as K[]).find((f) => columns[f].headers.includes(key));
    if (field === undefined) return void ignored.push(header);
    const seen = layout[field];
    if (seen)
      throw badRequest(
        `The columns ${seen.header} and ${header} both give ${columns[field].name}; keep one of them.`,
      );
    layout[field] = { index, header };
  });
  const missing = (Object.keys(columns) as K[]).filter((f) => columns[f].required && !layout[f]);
  if (missing.length > 0)
    throw badRequest(
      `The header row has no ${missing.map((f) => columns[f].name).join(' or ')} column; it has ${sheet.headers.filter(Boolean).join(', ') || 'no names'}. Header names are matched without regard to case or blanks.`,
    );
  return { layout, ignored };
}

/** Reads the fields of one row and gathers what is wrong with them. */
class RowReader<K extends string> {
  readonly problems: (ImportProblem & { index: number })[] = [];
  constructor(
    private readonly row: number,
    private readonly cells: Cell[],
    private readonly layout: Layout<K>,
    private readonly columns: Record<K, Column>,
  ) {}

  /** Whether the file has the column at all (an absent column leaves stored values alone). */
  has(field: K): boolean {
    return this.layout[field] !== undefined;
  }

  private cell(field: K): Cell {
    const at = this.layout[field];
    return at ? (this.cells[at.index] ?? null) : null;
  }

  /** Whether a problem with this field is already reported. */
  hasProblem(field: K): boolean {
    const column = this.layout[field]?.header ?? this.columns[field].name;
    return this.problems.some((p) => p.column === column);
  }

  problem(field: K, reason: string): void {
    const cell = this.cell(field);
    this.problems.push({
      index: this.layout[field]?.index ?? -1,
      row: this.row,
      column: this.layout[field]?.header ?? this.columns[field].name,
      ...(cell !== null && cell !== '' ? { value: String(cell) } : {}),
      reason,
    });
  }

  text(field: K, max: number): string | null {
    const cell = this.cell(field);
    if (cell === null || cell === '') return null;
    const text = typeof cell === 'number' ? String(cell) : String(cell).trim();
    if (text.length > max) {
      this.problem(field, `longer than ${max} characters`);
      return null;
    }
    return text;
  }

  number(field: K, min: number, max: number, what: string, integer = false): number | null {
    const value = parseDecimal(this.cell(field));
    if (value === null) return null;
    if (Number.isNaN(value)) this.problem(field, `not a number (${what})`);
    else if (integer && !Number.isInteger(value)) this.problem(field, `not a whole number (${what})`);
    else if (value < min || value > max)
      this.problem(field, `out of range: ${what} goes from ${min} to ${max}`);
    else return value;
    return null;
  }

  carrier(field: K): Carrier | null {
    const text = this.text(field, 64);
    if (text === null) return null;
    const carrier = carrierOf(text);
    if (!carrier)
      this.problem(
        field,
        'not a known carrier: natural_gas, electricity, district_heating, heating_oil, lpg, biomass, pellets, solar_thermal or other',
      );
    return carrier ?? null;
  }
}

function emptyReport(dryRun: boolean, rows: number, ignoredColumns: string[]): ImportReport {
  return {
    dryRun,
    rows,
    created: 0,
    updated: 0,
    rejected: 0,
    problems: [],
    problemsOmitted: 0,
    ignoredColumns,
  };
}

/** Counts a rejected row and lists its problems, left to right as its columns are. */
function reject(report: ImportReport, found: (ImportProblem & { index: number })[]): void {
  report.rejected++;
  const problems = [...found].sort((a, b) => a.index - b.index).map(({ index: _, ...p }) => p);
  const room = MAX_IMPORT_PROBLEMS - report.problems.length;
  report.problems.push(...problems.slice(0, Math.max(0, room)));
  report.problemsOmitted += Math.max(0, problems.length - Math.max(0, room));
}

/**
 * Bulk import of buildings and dwellings from the spreadsheets cities keep. Valid rows are
 * stored (created, or updated when their BuildingID — and for dwellings their label — is
 * known); each rejected row is reported with its row number, column and reason and leaves
 * nothing behind. The whole file is one transaction, so a failure stores nothing, and a dry run
 * does all the same work and then rolls it back: its report is the one a real run would give.
 */
export class RegistryImportService {
  constructor(private readonly db: Kysely<Database>) {}

  private async run(
    dryRun: boolean,
    work: (trx: Transaction<Database>) => Promise<ImportReport>,
  ): Promise<ImportReport> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const report = await work(trx);
        if (dryRun) throw new DryRun(report);
        return report;
      });
    } catch (error) {
      if (error instanceof DryRun) return error.report;
      if (brokenConstraint(error))
        throw conflict('The registry changed while the file was being imported; send it again.');
      throw error;
    }
  }

  async importBuildings(
    body: Buffer,
    options: { dryRun: boolean; districtId?: number; sheet?: string },
    _principal: Principal,
  ): Promise<ImportReport> {
    const sheet = await readSheet(body, { sheet: options.sheet, maxRows: MAX_IMPORT_ROWS });
    const { layout, ignored } = layoutOf(sheet, BUILDING_COLUMNS);
    return this.run(options.dryRun, async (trx) => {
      if (options.districtId !== undefined && !(await districtsStore.findDistrict(trx, options.districtId)))
        throw badRequest(`district: there is no district ${options.districtId}.`);
      const districts = await districtsStore.listAllDistricts(trx, 10_000);
      const districtOf = (text: string) =>
        districts.find((d) => d.code === text) ??
        districts.find((d) => d.name.toLowerCase() === text.toLowerCase()) ??
        (/^\d+$/.test(text) ? districts.find((d) => d.id === Number(text)) : undefined);
      const report = emptyReport(options.dryRun, sheet.rows.length, ignored);
      const codes = sheet.rows
        .map((r) => (layout.code ? r.cells[layout.code.index] : null))
        .filter((c): c is string | number => c !== null && c !== '')
        .map((c) => String(c).trim());
      const existing = new Map(
        (await buildingsStore.findBuildingsByCodes(trx, [...new Set(codes)])).map((b) => [b.code, b]),
      );
      const firstRowOf = new Map<string, number>();
      const now = Date.now();

      for (const { row, cells } of sheet.rows) {
        const r = new RowReader(row, cells, layout, BUILDING_COLUMNS);
        const code = r.text('code', 64);
        if (code === null && !r.hasProblem('code'))
          r.problem('code', 'empty: every row needs the building code');
        if (code !== null) {
          const first = firstRowOf.get(code);
          if (first !== undefined) r.problem('code', `the same building is already on row ${first}`);
          else firstRowOf.set(code, row);
        }
        const current = code !== null ? existing.get(code) : undefined;
        const address = r.text('address', 300);
        const latitude = r.number('latitude', -90, 90, 'latitude in °');
        const longitude = r.number('longitude', -180, 180, 'longitude in °');
        const carrier1 = r.carrier('carrier1');
        const area1 = r.number('area1', 0, 10_000_000, 'heated area in m²');
        const carrier2 = r.carrier('carrier2');
        const area2 = r.number('area2', 0, 10_000_000, 'heated area in m²');
        const floors = r.number('floors', 0, 300, 'floors', true);
        let districtId = current?.districtId ?? options.districtId;
        const districtText = r.text('district', 200);
        if (districtText !== null) {
          const d = districtOf(districtText);
          if (d) districtId = d.id;
          else r.problem('district', 'no district has this code or name');
        }

        // A column the file has sets the value (an empty cell clears an optional one); a column
        // it lacks leaves the stored value, and a new building needs the required ones.
        const required = [
          ['address', address],
          ['latitude', latitude],
          ['longitude', longitude],
        ] as const;
        for (const [field, value] of required) {
          if (value !== null || r.hasProblem(field)) continue;
          if (r.has(field))
            r.problem(field, current ? 'empty: a building needs it' : 'empty: a new building needs it');
          else if (!current) r.problem(field, 'the file has no such column, and a new building needs it');
        }
        if (!current && districtId === undefined && districtText === null)
          r.problem(
            'district',
            'a new building needs its district: add a District column or the district parameter',
          );

        const merged = {
          carrier1: r.has('carrier1') ? carrier1 : (current?.carrier1 ?? null),
          area1: r.has('area1') ? area1 : (current?.area1M2 ?? null),
          carrier2: r.has('carrier2') ? carrier2 : (current?.carrier2 ?? null),
          area2: r.has('area2') ? area2 : (current?.area2M2 ?? null),
        };
        if (merged.area1 !== null && merged.carrier1 === null && !r.hasProblem('carrier1'))
          r.problem('carrier1', 'empty while m2_1 is given: say which carrier heats that area');
        if (merged.area2 !== null && merged.carrier2 === null && !r.hasProblem('carrier2'))
          r.problem('carrier2', 'empty while m2_2 is given: say which carrier heats that area');
        if (merged.carrier2 !== null && merged.carrier1 === null && !r.hasProblem('carrier1'))
          r.problem('carrier1', 'empty while Carrier2 is given: the main carrier comes first');
        if (merged.carrier2 !== null && merged.carrier2 === merged.carrier1)
          r.problem('carrier2', 'the same as Carrier1: put the whole area under Carrier1');

        if (r.problems.length > 0 || code === null) {
          reject(report, r.problems);
          continue;
        }
        if (current) {
          await buildingsStore.updateBuilding(trx, current.id, {
            ...(districtId !== current.districtId ? { district_id: districtId } : {}),
            ...(address !== null ? { address } : {}),
            ...(latitude !== null ? { latitude } : {}),
            ...(longitude !== null ? { longitude } : {}),
            carrier1: merged.carrier1,
            area1_m2: merged.area1,
            carrier2: merged.carrier2,
            area2_m2: merged.area2,
            ...(r.has('floors') ? { floors } : {}),
            updated_at: now,
          });
          report.updated++;
        } else {
          await buildingsStore.insertBuilding(
            trx,
            {
              district_id: districtId as number,
              code,
              address: address as string,
              latitude: latitude as number,
              longitude: longitude as number,
              carrier1: merged.carrier1,
              area1_m2: merged.area1,
              carrier2: merged.carrier2,
              area2_m2: merged.area2,
              floors,
              features: {},
            },
            now,
          );
          report.created++;
        }
      }
      return report;
    });
  }

  async importDwellings(
    body: Buffer,
    options: { dryRun: boolean; sheet?: string },
    _principal: Principal,
  ): Promise<ImportReport> {
    const sheet = await readSheet(body, { sheet: options.sheet, maxRows: MAX_IMPORT_ROWS });
    const { layout, ignored } = layoutOf(sheet, DWELLING_COLUMNS);
    return this.run(options.dryRun, async (trx) => {
      const report = emptyReport(options.dryRun, sheet.rows.length, ignored);
      const codes = sheet.rows
        .map((r) => (layout.building ? r.cells[layout.building.index] : null))
        .filter((c): c is string | number => c !== null && c !== '')
        .map((c) => String(c).trim());
      const buildings = new Map(
        (await buildingsStore.findBuildingsByCodes(trx, [...new Set(codes)])).map((b) => [b.code, b]),
      );
      const firstRowOf = new Map<string, number>();
      const now = Date.now();

      for (const { row, cells } of sheet.rows) {
        const r = new RowReader(row, cells, layout, DWELLING_COLUMNS);
        const code = r.text('building', 64);
        const label = r.text('label', 64);
        const floor = r.number('floor', -10, 300, 'floor, 0 = ground floor', true);
        const area = r.number('area', 0, 1_000_000, 'floor area in m²');
        const power = r.number('power', 1, MAX_CONTRACTED_POWER_W, 'contracted power in W', true);
        if (code === null && !r.hasProblem('building'))
          r.problem('building', 'empty: every row needs the building code');
        if (label === null && !r.hasProblem('label'))
          r.problem('label', 'empty: every row needs the dwelling label (as on the door, e.g. 4 Izq.)');
        const building = code !== null ? buildings.get(code) : undefined;
        if (code !== null && !building)
          r.problem('building', 'no building has this code: import the buildings first');
        if (code !== null && label !== null) {
          const key = JSON.stringify([code, label]);
          const first = firstRowOf.get(key);
          if (first !== undefined) r.problem('label', `the same dwelling is already on row ${first}`);
          else firstRowOf.set(key, row);
        }
        if (r.problems.length > 0 || !building || label === null) {
          reject(report, r.problems);
          continue;
        }
        const current = await dwellingsStore.findDwellingByLabel(trx, building.id, label);
        if (current) {
          await dwellingsStore.updateDwelling(trx, current.id, {
            ...(r.has('floor') ? { floor } : {}),
            ...(r.has('area') ? { area_m2: area } : {}),
            ...(r.has('power') ? { contracted_power_w: power } : {}),
            updated_at: now,
          });
          report.updated++;
        } else {
          await dwellingsStore.insertDwelling(
            trx,
            { building_id: building.id, label, floor, area_m2: area, contracted_power_w: power },
            now,
          );
          report.created++;
        }
      }
      return report;
    });
  }
}
