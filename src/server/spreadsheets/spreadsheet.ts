import { parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';
import { HttpProblem, badRequest } from '../plugins/errors.ts';

/** A cell as read: text, a number (XLSX numeric cells), a boolean, or nothing. */
export type Cell = string | number | boolean | null;

/** A table read from a spreadsheet: its header and its non-blank data rows. */
export interface Sheet {
  headers: string[];
  /** `row` is the row number a person sees in the spreadsheet (the header is usually row 1). */
  rows: { row: number; cells: Cell[] }[];
}

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0];
const startsWith = (b: Buffer, magic: number[]) => magic.every((m, i) => b[i] === m);

/**
 * Reads an uploaded CSV or XLSX file into a sheet. XLSX is told by its content (a zip file),
 * whatever the name or content type says; anything else is read as CSV. The header row is the
 * first row with any text; blank rows are skipped. More than `maxRows` data rows is refused.
 */
export async function readSheet(body: Buffer, options: { sheet?: string; maxRows: number }): Promise<Sheet> {
  if (body.length === 0) throw badRequest('The file is empty.');
  if (startsWith(body, OLE2))
    throw new HttpProblem(
      415,
      'This is an Excel 97–2003 (.xls) file; save it as .xlsx or .csv and send it again.',
    );
  const table = startsWith(body, ZIP) ? await readXlsx(body, options.sheet) : readCsv(body);
  const nonBlank = table.filter((r) => r.cells.some((c) => c !== null && c !== ''));
  if (nonBlank.length === 0) throw badRequest('The file holds no rows.');
  const [header, ...rows] = nonBlank;
  if (rows.length > options.maxRows)
    throw badRequest(
      `The file has ${rows.length} data rows; at most ${options.maxRows} are read at once. Split it.`,
    );
  return { headers: header.cells.map((c) => (c === null ? '' : String(c).trim())), rows };
}

/** UTF-8 (with or without BOM), or Windows-1252 as older Excel versions save CSV. */
function decodeText(body: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return new TextDecoder('windows-1252').decode(body);
  }
}

/** `;` when the header uses it (Spanish Excel, whose decimal separator is the comma), tab, or `,`. */
function delimiterOf(text: string): string {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const count = (c: string) => firstLine.split(c).length - 1;
  const candidates = [',', ';', '\t'].map((c) => [c, count(c)] as const).sort((a, b) => b[1] - a[1]);
  return candidates[0][1] > 0 ? candidates[0][0] : ',';
}

function readCsv(body: Buffer): { row: number; cells: Cell[] }[] {
  const text = decodeText(body).replace(/^\uFEFF/, '');
  let records: string[][];
  try {
    records = parse(text, {
      delimiter: delimiterOf(text),
      relax_column_count: true,
      skip_empty_lines: false,
    }) as string[][];
  } catch (error) {
    throw badRequest(`The CSV cannot be read: ${(error as Error).message}`);
  }
  return records.map((cells, i) => ({ row: i + 1, cells: cells.map((c) => c.trim()) }));
}

/** The plain value of an exceljs cell: formulas give their result, rich text its text. */
function cellValue(value: ExcelJS.CellValue): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value)
      return value.richText
        .map((r) => r.text)
        .join('')
        .trim();
    if ('result' in value) return cellValue((value.result ?? null) as ExcelJS.CellValue);
    if ('formula' in value || 'sharedFormula' in value) return null;
    if ('text' in value && typeof value.text === 'string') return value.text.trim();
    if ('error' in value) return String(value.error);
  }
  return String(value);
}

async function readXlsx(body: Buffer, sheetName?: string): Promise<{ row: number; cells: Cell[] }[]> {
  const { default: excel } = await import('exceljs');
  const workbook = new excel.Workbook();
  try {
    await workbook.xlsx.load(body as unknown as ArrayBuffer);
  } catch (error) {
    throw badRequest(`The XLSX file cannot be read: ${(error as Error).message}`);
  }
  const sheet = sheetName ? workbook.getWorksheet(sheetName) : workbook.worksheets[0];
  if (!sheet)
    throw badRequest(
      sheetName
        ? `sheet: the workbook has no worksheet ${sheetName}; it has ${workbook.worksheets.map((w) => w.name).join(', ')}.`
        : 'The workbook has no worksheet.',
    );
  const rows: { row: number; cells: Cell[] }[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, number) => {
    const cells: Cell[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(cellValue(row.getCell(c).value));
    rows.push({ row: number, cells });
  });
  return rows;
}

/**
 * A number from a cell as cities write them: `1234.5`, Spanish `1234,5` and `1.234,5`, or
 * English `1,234.5`. A lone comma is a decimal comma; a lone point a decimal point (so `1.234`
 * is one and a quarter, not a thousand). Blanks inside (`1 234,5`) are allowed. Returns null
 * for an empty cell and NaN for anything else that is not a number.
 */
export function parseDecimal(cell: Cell): number | null {
  if (cell === null) return null;
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'boolean') return Number.NaN;
  const text = cell.replace(/[\s\u00a0\u202f]/g, '');
  if (text === '') return null;
  let normal: string;
  if (/^[+-]?\d+([.,]\d+)?$/.test(text)) normal = text.replace(',', '.');
  else if (/^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$/.test(text)) normal = text.replace(/\./g, '').replace(',', '.');
  else if (/^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$/.test(text)) normal = text.replace(/,/g, '');
  else return Number.NaN;
  return Number(normal);
}

/** A header in the form it is matched by: lower case, without accents, blanks, `_`, `-` or `.`. */
export function headerKey(header: string): string {
  return header
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[\s_.-]+/g, '');
}
