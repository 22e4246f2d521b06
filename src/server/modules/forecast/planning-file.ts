import { stringify } from 'csv-stringify/sync';
import {
  ORIENTATIONS,
  type Orientation,
  type PlanningColumn,
  type PlanningFields,
  type PlanningRow,
  RETROFIT_STATES,
  type RetrofitState,
} from '#common/api/forecast.ts';
import { type Cell, headerKey, parseDecimal, readSheet } from '../../spreadsheets/spreadsheet.ts';

/**
 * The planning table as a spreadsheet: the export's columns are the import's, so a file can be
 * exported, edited and imported again.
 */

/** Most rows one import takes. */
const MAX_ROWS = 20_000;

type Kind =
  'text' | 'number' | 'integer' | 'boolean' | 'orientation' | 'retrofit' | 'share' | 'latitude' | 'longitude';
const FIELDS: { header: string; field: keyof PlanningFields; kind: Kind }[] = [
  { header: 'Code', field: 'code', kind: 'text' },
  { header: 'Address', field: 'address', kind: 'text' },
  { header: 'Latitude', field: 'latitude', kind: 'latitude' },
  { header: 'Longitude', field: 'longitude', kind: 'longitude' },
  { header: 'DistrictHeating', field: 'districtHeating', kind: 'boolean' },
  { header: 'Floors', field: 'floors', kind: 'number' },
  { header: 'HeatedAreaM2', field: 'heatedAreaM2', kind: 'number' },
  { header: 'Carrier', field: 'carrier', kind: 'text' },
  { header: 'Orientation', field: 'orientation', kind: 'orientation' },
  { header: 'AdjacentBlocks', field: 'adjacentBlocks', kind: 'integer' },
  { header: 'ShadowedFacades', field: 'shadowedFacades', kind: 'integer' },
  { header: 'Retrofit', field: 'retrofit', kind: 'retrofit' },
  { header: 'WindowSharePct', field: 'windowShare', kind: 'share' },
  { header: 'NewWindowSharePct', field: 'newWindowShare', kind: 'share' },
  { header: 'DoubleGlazingSharePct', field: 'doubleGlazingShare', kind: 'share' },
];

function cellsOf(
  rows: readonly PlanningRow[],
  columns: readonly PlanningColumn[],
): (string | number | boolean | null)[][] {
  return [
    ['BuildingId', ...FIELDS.map((f) => f.header), ...columns.map((c) => c.key)],
    ...rows.map((r) => [
      r.buildingId,
      ...FIELDS.map((f) => {
        const v = r[f.field];
        return typeof v === 'object' ? null : v;
      }),
      ...columns.map((c) => r.extra[c.key] ?? null),
    ]),
  ];
}

/** The table as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read accents right). */
export function planningCsv(rows: readonly PlanningRow[], columns: readonly PlanningColumn[]): Buffer {
  const text = stringify(cellsOf(rows, columns).map((r) => r.map((c) => (c === null ? '' : c))));
  return Buffer.concat([Buffer.from('\uFEFF', 'utf8'), Buffer.from(text, 'utf8')]);
}

/** The table as an XLSX workbook, numbers as numbers. */
export async function planningXlsx(
  rows: readonly PlanningRow[],
  columns: readonly PlanningColumn[],
): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'CIOP';
  const sheet = workbook.addWorksheet('Planning');
  for (const r of cellsOf(rows, columns)) sheet.addRow(r);
  sheet.getRow(1).font = { bold: true };
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export interface Rejection {
  row: number;
  column: string;
  value: string;
  reason: string;
}

function readCell(cell: Cell, kind: Kind): { value: unknown } | { reason: string } {
  if (cell === null || cell === '')
    return { value: kind === 'boolean' ? false : kind === 'text' ? '' : null };
  const text = String(cell).trim();
  switch (kind) {
    case 'text':
      return { value: text };
    case 'boolean': {
      const k = text.toLowerCase();
      if (['1', 'true', 'yes', 'sí', 'si', 'bai', 'x'].includes(k)) return { value: true };
      if (['0', 'false', 'no', 'ez'].includes(k)) return { value: false };
      return { reason: 'must be yes or no (1 or 0)' };
    }
    case 'orientation':
      return (ORIENTATIONS as readonly string[]).includes(text.toUpperCase())
        ? { value: text.toUpperCase() as Orientation }
        : { reason: `must be one of ${ORIENTATIONS.join(', ')}` };
    case 'retrofit':
      return (RETROFIT_STATES as readonly string[]).includes(text.toLowerCase())
        ? { value: text.toLowerCase() as RetrofitState }
        : { reason: `must be one of ${RETROFIT_STATES.join(', ')}` };
    default: {
      const n = parseDecimal(cell);
      if (n === null || Number.isNaN(n)) return { reason: 'must be a number' };
      if (kind === 'integer' && !Number.isInteger(n)) return { reason: 'must be a whole number' };
      if (kind === 'share' && (n < 0 || n > 100)) return { reason: 'must be a share from 0 to 100 %' };
      if (kind === 'latitude')
        return Math.abs(n) <= 90 ? { value: n } : { reason: 'must be a latitude, −90 to 90' };
      if (kind === 'longitude')
        return Math.abs(n) <= 180 ? { value: n } : { reason: 'must be a longitude, −180 to 180' };
      if (n < 0) return { reason: 'must not be negative' };
      return { value: n };
    }
  }
}

/** Rows of an uploaded planning file, and every bad cell with its row, column, value and reason. */
export async function readPlanningFile(
  bytes: Buffer,
  columns: readonly PlanningColumn[],
): Promise<{
  rows: (Partial<PlanningFields> & { code: string; extra: PlanningFields['extra'] })[];
  rejected: Rejection[];
}> {
  const sheet = await readSheet(bytes, { maxRows: MAX_ROWS });
  const keys = sheet.headers.map(headerKey);
  const at = (header: string) => keys.indexOf(headerKey(header));
  const rejected: Rejection[] = [];
  if (at('Code') < 0) {
    rejected.push({ row: 1, column: 'Code', value: '', reason: 'the file needs a Code column' });
    return { rows: [], rejected };
  }
  const rows = [];
  const seen = new Set<string>();
  for (const { row, cells } of sheet.rows) {
    const fields: Record<string, unknown> = { extra: {} };
    for (const f of FIELDS) {
      const i = at(f.header);
      if (i < 0) continue;
      const got = readCell(cells[i] ?? null, f.kind);
      if ('reason' in got)
        rejected.push({ row, column: f.header, value: String(cells[i]), reason: got.reason });
      else fields[f.field] = got.value;
    }
    for (const c of columns) {
      const i = keys.indexOf(headerKey(c.key));
      if (i < 0) continue;
      const got = readCell(cells[i] ?? null, c.type === 'number' ? 'number' : 'text');
      if ('reason' in got) rejected.push({ row, column: c.key, value: String(cells[i]), reason: got.reason });
      else (fields.extra as Record<string, unknown>)[c.key] = got.value === '' ? null : got.value;
    }
    const code = fields.code as string | undefined;
    if (!code) {
      rejected.push({ row, column: 'Code', value: '', reason: 'every row needs a code' });
      continue;
    }
    if (seen.has(code)) {
      rejected.push({ row, column: 'Code', value: code, reason: 'this code is on an earlier row too' });
      continue;
    }
    seen.add(code);
    rows.push(fields as Partial<PlanningFields> & { code: string; extra: PlanningFields['extra'] });
  }
  return { rows, rejected };
}
