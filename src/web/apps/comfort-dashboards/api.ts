import type { BuildingDwellingsComfort, GroupComfort } from '#common/api/comfort.ts';
import type {
  AnomalyList,
  AnomalyThresholds,
  Dashboard,
  DashboardBody,
  DashboardSummary,
  PanelQueryAnswer,
  PanelQueryBatch,
} from '#common/api/dashboards.ts';
import type { PageOf } from '#common/api/pagination.ts';
import { api, query } from '../../api/http.ts';

/** A building the caller sees (the registry narrows the list to the organisation's). */
export interface BuildingItem {
  id: number;
  code: string;
  address: string;
  latitude: number;
  longitude: number;
  districtId: number;
}

export async function listBuildings(signal?: AbortSignal): Promise<BuildingItem[]> {
  return (await api<PageOf<BuildingItem>>(`/buildings${query({ limit: 500 })}`, { signal })).items;
}

export interface Range {
  from: number;
  to: number;
}

export const getHeatStrip = (id: number, r: Range, interval: 'hour' | 'day', signal?: AbortSignal) =>
  api<BuildingDwellingsComfort>(`/comfort/buildings/${id}/dwellings${query({ ...r, interval })}`, { signal });

export const getBuildingComfort = (id: number, r: Range, interval: 'hour' | 'day', signal?: AbortSignal) =>
  api<GroupComfort>(`/comfort/buildings/${id}${query({ ...r, interval, limit: 10_000 })}`, { signal });

export interface BuildingContext {
  buildingId: number;
  code: string;
  address: string;
  districtId: number;
  retrofitDate: string | null;
  dwellings: { id: number; label: string; floor: number | null; areaM2: number | null }[];
  outdoor: { station: string; points: [number, number | null][] } | null;
  incidents: {
    id: number;
    kind: string;
    dwellingId: number | null;
    medium: string | null;
    from: number;
    to: number | null;
  }[];
}

export const getContext = (id: number, r: Range, interval: 'hour' | 'day', signal?: AbortSignal) =>
  api<BuildingContext>(`/dashboards/buildings/${id}/context${query({ ...r, interval })}`, { signal });

export interface BuildingEnergy {
  buildingId: number;
  interval: 'day' | 'month';
  hddBaseC: number;
  retrofitDate: string | null;
  areaM2: number;
  starts: number[];
  building: { kWh: number | null; kWhPerM2: number | null; hdd: number | null; kWhPerHdd: number | null }[];
  dwellings: {
    dwellingId: number;
    label: string;
    areaM2: number | null;
    kWh: (number | null)[];
    kWhPerM2: (number | null)[];
  }[];
  beforeAfter: null | Record<
    'before' | 'after',
    { intervals: number; kWh: number; hdd: number; kWhPerHdd: number | null; kWhPerM2: number | null }
  >;
}

export const getEnergy = (id: number, r: Range, interval: 'day' | 'month', signal?: AbortSignal) =>
  api<BuildingEnergy>(`/dashboards/buildings/${id}/energy${query({ ...r, interval })}`, { signal });

export const getAnomalies = (id: number, signal?: AbortSignal) =>
  api<AnomalyList>(`/dashboards/buildings/${id}/anomalies`, { signal });

export const getThresholds = (signal?: AbortSignal) =>
  api<{ organisationId: number; thresholds: AnomalyThresholds }>('/dashboards/anomaly-thresholds', {
    signal,
  });
export const putThresholds = (body: AnomalyThresholds) =>
  api<{ organisationId: number; thresholds: AnomalyThresholds }>('/dashboards/anomaly-thresholds', {
    method: 'PUT',
    body,
  });

export const runQueries = (batch: PanelQueryBatch, signal?: AbortSignal) =>
  api<PanelQueryAnswer>('/dashboards/query', { method: 'POST', body: batch, signal });

export const listDashboards = (signal?: AbortSignal) => api<DashboardSummary[]>('/dashboards', { signal });
export const getDashboard = (id: number, signal?: AbortSignal) =>
  api<Dashboard>(`/dashboards/${id}`, { signal });
export const createDashboard = (body: DashboardBody) =>
  api<Dashboard>('/dashboards', { method: 'POST', body });
export const saveDashboard = (id: number, body: DashboardBody & { baseVersion: number }) =>
  api<Dashboard>(`/dashboards/${id}`, { method: 'PUT', body });
export const deleteDashboard = (id: number) => api<void>(`/dashboards/${id}`, { method: 'DELETE' });
export const cloneDashboard = (id: number) => api<Dashboard>(`/dashboards/${id}/clone`, { method: 'POST' });
export const listVersions = (id: number, signal?: AbortSignal) =>
  api<{ version: number; name: string; savedBy: string; savedAt: number; panels: number }[]>(
    `/dashboards/${id}/versions`,
    { signal },
  );
export const restoreVersion = (id: number, version: number, baseVersion: number) =>
  api<Dashboard>(`/dashboards/${id}/versions/${version}/restore`, { method: 'POST', body: { baseVersion } });
