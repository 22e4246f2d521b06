import { stringify } from 'csv-stringify/sync';
import { DateTime } from 'luxon';
import type { DefinitionRow, MeasureRow } from './kpi.store.ts';

/** The columns of an export: those of the manual import first, so that a file can go back in. */
const HEADERS = [
  'KPI',
  'Name',
  'Pillar',
  'Unit',
  'Resource',
  'Breakdown',
  'PeriodStart',
  'PeriodEnd',
  'Granularity',
  'Value',
  'Source',
  'Calculator',
  'InputsVersion',
  'File',
  'By',
  'ComputedAt',
  'Inputs',
];

type Language = 'en' | 'es' | 'eu';

/**
 * A period as people write it: whole local days as dates, the end being the last day included
 * (as the manual import reads them); any other span as ISO instants, the end exclusive.
 */
function periodCells(start: number, end: number, zone: string): [string, string] {
  const s = DateTime.fromMillis(start, { zone });
  const e = DateTime.fromMillis(end, { zone });
  if (+s.startOf('day') === start && +e.startOf('day') === end)
    return [s.toISODate() ?? '', e.minus({ days: 1 }).toISODate() ?? ''];
  return [new Date(start).toISOString(), new Date(end).toISOString()];
}

function rowsOf(rows: MeasureRow[], defs: Map<number, DefinitionRow>, lang: Language, zone: string) {
  return rows.map((r) => {
    const def = defs.get(r.kpi_id);
    const [start, end] = periodCells(r.period_start, r.period_end, zone);
    return [
      def?.code ?? '',
      def ? def[`name_${lang}`] : '',
      def?.pillar ?? '',
      def?.unit ?? '',
      r.resource,
      r.breakdown,
      start,
      end,
      r.granularity,
      r.value,
      r.source,
      r.calculator ?? '',
      r.inputs_version ?? '',
      r.source_file ?? '',
      r.source_by ?? '',
      new Date(r.computed_at).toISOString(),
      r.inputs,
    ];
  });
}

/** Measures as CSV (UTF-8 with a byte-order mark, so that spreadsheet programs read accents right). */
export function measuresCsv(
  rows: MeasureRow[],
  defs: Map<number, DefinitionRow>,
  lang: Language,
  zone: string,
): Buffer {
  const text = stringify([HEADERS, ...rowsOf(rows, defs, lang, zone)]);
  return Buffer.concat([Buffer.from('\uFEFF', 'utf8'), Buffer.from(text, 'utf8')]);
}

/** Measures as an XLSX workbook with one sheet, values as numbers. */
export async function measuresXlsx(
  rows: MeasureRow[],
  defs: Map<number, DefinitionRow>,
  lang: Language,
  zone: string,
): Promise<Buffer> {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'CIOP';
  const sheet = workbook.addWorksheet('KPI');
  sheet.addRow(HEADERS);
  sheet.getRow(1).font = { bold: true };
  for (const row of rowsOf(rows, defs, lang, zone)) sheet.addRow(row);
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
