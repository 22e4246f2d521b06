import type {
  BeforeAfter,
  Hourly,
  MonthRow,
  MunicipalMapAnswer,
  Summary,
  SummaryQuery,
} from '#common/api/municipal.ts';
import type { PageOf } from '#common/api/pagination.ts';
import { api, apiFile, query, saveFile } from '../../api/http.ts';

/** What a view asks for: the node, the months and how they are cut. */
export type View = Partial<SummaryQuery>;

export const getSummary = (view: View, signal?: AbortSignal) =>
  api<Summary>(`/municipal/summary${query(view)}`, { signal });

export const getMap = (view: View, signal?: AbortSignal) =>
  api<MunicipalMapAnswer>(`/municipal/map${query({ ...view, by: undefined })}`, { signal });

/** A meter's months as counted, with their source. */
export const getMonths = (meter: number, from: string, to: string, signal?: AbortSignal) =>
  api<PageOf<MonthRow>>(`/municipal/consumption${query({ meter, from, to, limit: 500 })}`, { signal });

async function download(path: string): Promise<void> {
  const { blob, name } = await apiFile(path);
  const url = URL.createObjectURL(blob);
  saveFile(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads what a view shows: its summary, or a meter's months. */
export function exportView(view: View, format: 'csv' | 'xlsx'): Promise<void> {
  if (view.level === 'meter')
    return download(
      `/municipal/consumption/export${query({ meter: view.id, from: view.from, to: view.to, format })}`,
    );
  return download(`/municipal/summary/export${query({ ...view, format })}`);
}

/** A facility's heating energy per degree day before and after a refurbishment. */
export const getBeforeAfter = (facility: number, date: string, months: number, signal?: AbortSignal) =>
  api<BeforeAfter>(`/municipal/facilities/${facility}/before-after${query({ date, months })}`, { signal });

/** A meter's hours as Datadis gives them (none for a meter Datadis does not read). */
export const getHourly = (meter: number, signal?: AbortSignal) =>
  api<Hourly>(`/municipal/meters/${meter}/hourly`, { signal });
