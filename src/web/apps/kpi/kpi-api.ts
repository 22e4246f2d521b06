import type {
  InputReport,
  Kpi,
  KpiSummary,
  Measure,
  MeasureFilterQuery,
  MeasureTotals,
  MeasureTotalsQuery,
  Pillar,
} from '#common/api/kpi.ts';
import type { PageOf } from '#common/api/pagination.ts';
import type { ImportReport } from '#common/api/registry.ts';
import { api, apiFile, apiForm, query, saveFile } from '../../api/http.ts';

export const getSummary = (year: number | undefined, signal?: AbortSignal) =>
  api<KpiSummary>(`/kpi/summary${query({ year })}`, { signal });

export const getTotals = (filter: MeasureTotalsQuery, signal?: AbortSignal) =>
  api<MeasureTotals>(`/measures/totals${query(filter)}`, { signal });

/** Every KPI definition of a pillar (or all). */
export async function listKpis(pillar: Pillar | undefined, signal?: AbortSignal): Promise<Kpi[]> {
  return (await api<PageOf<Kpi>>(`/kpis${query({ pillar, limit: 500 })}`, { signal })).items;
}

/** Measures of a filter, following the pages up to `max`. */
export async function listMeasures(
  filter: MeasureFilterQuery,
  max = 5000,
  signal?: AbortSignal,
): Promise<Measure[]> {
  const out: Measure[] = [];
  let cursor: string | undefined;
  do {
    const page = await api<PageOf<Measure>>(`/measures${query({ ...filter, limit: 500, cursor })}`, {
      signal,
    });
    out.push(...page.items);
    cursor = page.next;
  } while (cursor && out.length < max);
  return out;
}

/** Downloads the measures of a filter as CSV or XLSX (the server's export, as every view uses it). */
export async function exportMeasures(
  filter: MeasureFilterQuery,
  format: 'csv' | 'xlsx',
  lang: string,
): Promise<void> {
  const { blob, name } = await apiFile(`/measures/export${query({ ...filter, format, lang })}`);
  const url = URL.createObjectURL(blob);
  saveFile(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const upload = (file: File) => {
  const form = new FormData();
  form.append('file', file, file.name);
  return form;
};

export type InputKind = 'buildings' | 'thermal' | 'values';

/** Sends an input file; `confirm` stores the good rows of a file with bad ones. */
export async function sendInput(
  kind: InputKind,
  file: File,
  options: { dryRun: boolean; confirm: boolean },
): Promise<InputReport | ImportReport> {
  const path =
    kind === 'buildings'
      ? `/kpi/buildings/import${query({ dryRun: options.dryRun })}`
      : kind === 'thermal'
        ? `/kpi/thermal-measurements/import${query(options)}`
        : `/measures/import${query(options)}`;
  return apiForm<InputReport | ImportReport>(path, upload(file));
}
