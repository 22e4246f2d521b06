import { stringify } from 'csv-stringify/sync';
import type { ExportFormat } from '#common/api/mobility.ts';

export type ExportCell = string | number | null;

/**
 * A table as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read accents right) or
 * as an XLSX workbook of one sheet with numbers as numbers. Instants go out as ISO 8601 UTC.
 */
export async function tableFile(
  format: ExportFormat,
  sheet: string,
  headers: readonly string[],
  rows: readonly ExportCell[][],
): Promise<{ body: Buffer; type: string }> {
  if (format === 'xlsx') {
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.Workbook();
    workbook.creator = 'CIOP';
    const ws = workbook.addWorksheet(sheet);
    ws.addRow([...headers]);
    ws.getRow(1).font = { bold: true };
    for (const row of rows) ws.addRow(row);
    ws.views = [{ state: 'frozen', ySplit: 1 }];
    return {
      body: Buffer.from(await workbook.xlsx.writeBuffer()),
      type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    };
  }
  const text = stringify([[...headers], ...rows]);
  return {
    body: Buffer.concat([Buffer.from('\uFEFF', 'utf8'), Buffer.from(text, 'utf8')]),
    type: 'text/csv; charset=utf-8',
  };
}

export const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
