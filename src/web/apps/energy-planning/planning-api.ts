import type {
  FitResult,
  Forecast,
  ForecastSettings,
  PlanningColumn,
  PlanningFields,
  PlanningRow,
  PlanningTable,
  Results,
  Run,
} from '#common/api/forecast.ts';
import { api, apiFile, apiForm, query, saveFile } from '../../api/http.ts';

export const getTable = (signal?: AbortSignal) => api<PlanningTable>('/forecast/buildings', { signal });
export const getLatest = (signal?: AbortSignal) =>
  api<{ run: Run | null; results: Results | null }>('/forecast/results', { signal });
export const prefill = () => api<{ added: number }>('/forecast/buildings/prefill', { method: 'POST' });
export const addRow = (row: Partial<PlanningFields> & { code: string }) =>
  api<PlanningRow>('/forecast/buildings', { method: 'POST', body: row });
export const patchRow = (id: number, patch: Partial<PlanningFields>) =>
  api<PlanningRow>(`/forecast/buildings/${id}`, { method: 'PATCH', body: patch });
export const deleteRow = (id: number) => api<void>(`/forecast/buildings/${id}`, { method: 'DELETE' });
export const addColumn = (column: PlanningColumn) =>
  api<PlanningColumn[]>('/forecast/columns', { method: 'POST', body: column });
export const deleteColumn = (key: string) => api<void>(`/forecast/columns/${key}`, { method: 'DELETE' });
export const patchSettings = (patch: Partial<Omit<ForecastSettings, 'publicRead'>>) =>
  api<ForecastSettings>('/forecast/settings', { method: 'PATCH', body: patch });
export const setPublic = (publicRead: boolean) =>
  api<ForecastSettings>('/forecast/settings/public', { method: 'PUT', body: { publicRead } });
export const getPublicLatest = (signal?: AbortSignal) =>
  api<{ run: Run | null; results: Results | null }>('/public/forecast/results', { signal });
export const getPublicForecast = (days: number, signal?: AbortSignal) =>
  api<Forecast>(`/public/forecast/forecast${query({ days })}`, { signal });
export const startRun = () => api<Run>('/forecast/runs', { method: 'POST' });
export const getForecast = (
  days: number,
  source: 'service' | 'synthetic' | undefined,
  signal?: AbortSignal,
) => api<Forecast>(`/forecast/forecast${query({ days, source })}`, { signal });
export const fit = (days: unknown[]) => api<FitResult>('/forecast/fit', { method: 'POST', body: { days } });

const form = (file: File) => {
  const f = new FormData();
  f.append('file', file, file.name);
  return f;
};
export const uploadForecast = (file: File) => apiForm<Forecast>('/forecast/forecast/upload', form(file));
export const importTable = (file: File, dryRun: boolean) =>
  apiForm<{
    created: number;
    updated: number;
    rejected: { row: number; column: string; value: string; reason: string }[];
    dryRun: boolean;
  }>(`/forecast/buildings/import${query({ dryRun })}`, form(file));

/** Downloads the planning table as the server exports it. */
export async function exportTable(format: 'csv' | 'xlsx'): Promise<void> {
  const { blob, name } = await apiFile(`/forecast/buildings/export${query({ format })}`);
  download(blob, name);
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  saveFile(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads what a table or chart shows as CSV (UTF-8 with a byte-order mark, for spreadsheet programs). */
export function downloadCsv(
  name: string,
  rows: readonly (readonly (string | number | boolean | null | undefined)[])[],
): void {
  const cell = (v: string | number | boolean | null | undefined) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n;]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const text = rows.map((r) => r.map(cell).join(',')).join('\n');
  download(new Blob(['\uFEFF', text, '\n'], { type: 'text/csv;charset=utf-8' }), name);
}

/** Colours of the clusters: the Okabe–Ito palette, told apart with colour-blind eyes too. */
export const CLUSTER_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000'];
export const clusterColour = (cluster: number) => CLUSTER_COLOURS[cluster % CLUSTER_COLOURS.length];
