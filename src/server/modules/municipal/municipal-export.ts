import { stringify } from 'csv-stringify/sync';
import type { FastifyReply } from 'fastify';

export type TableCell = string | number | null;

/** A table as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read accents right). */
export function tableCsv(headers: string[], rows: TableCell[][]): Buffer {
  const text = stringify([headers, ...rows.map((r) => r.map((c) => (c === null ? '' : c)))]);
  return Buffer.concat([Buffer.from('\uFEFF', 'utf8'), Buffer.from(text, 'utf8')]);
}

/** A table as an XLSX workbook with one sheet, numbers as numbers. */
export async function tableXlsx(sheetName: string, headers: string[], rows: TableCell[][]): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'CIOP';
  const sheet = workbook.addWorksheet(sheetName);
  sheet.addRow(headers);
  sheet.getRow(1).font = { bold: true };
  for (const row of rows) sheet.addRow(row);
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Sends a table as a download named `name.csv` or `name.xlsx`. */
export async function sendTable(
  reply: FastifyReply,
  format: 'csv' | 'xlsx',
  name: string,
  headers: string[],
  rows: TableCell[][],
): Promise<FastifyReply> {
  reply.header('content-disposition', `attachment; filename="${name}.${format}"`);
  if (format === 'xlsx')
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .send(await tableXlsx(name.slice(0, 31), headers, rows));
  return reply.type('text/csv; charset=utf-8').send(tableCsv(headers, rows));
}
