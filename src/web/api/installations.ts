import type { PageOf } from '#common/api/pagination.ts';
import type { QualityFlags } from '#common/api/quality.ts';
import type {
  AlarmSettings,
  AlarmSettingsUpdate,
  Assignees,
  DwellingStatus,
  ExportLink,
  ExportQuery,
  GatewayPreview,
  Incident,
  IncidentDetail,
  IncidentStatus,
  Installation,
  InstallationCoverage,
  InstallationCreate,
  StatusPage,
} from '#common/api/installations.ts';
import type { IngestResult, RawReadings } from '#common/api/readings.ts';
import type { VendorRefill } from '#common/api/vendor.ts';
import type { Building, Dwelling, DwellingPatch, Medium } from '#common/api/registry.ts';
import { api, query } from './http.ts';

/** Every item of a paginated registry list. */
async function all<T>(path: string, params: object = {}, signal?: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await api<PageOf<T>>(`${path}${query({ ...params, limit: 500, cursor })}`, { signal });
    items.push(...page.items);
    cursor = page.next;
  } while (cursor);
  return items;
}

export const listBuildings = (signal?: AbortSignal) => all<Building>('/buildings', {}, signal);
export const listDwellings = (building: number, signal?: AbortSignal) =>
  all<Dwelling>('/dwellings', { building }, signal);
export const listMedia = (signal?: AbortSignal) => all<Medium>('/media', {}, signal);
/** Changes a dwelling's fields (those not named stay as they are). */
export const updateDwelling = (id: number, body: DwellingPatch) =>
  api<Dwelling>(`/dwellings/${id}`, { method: 'PATCH', body });

export const previewGateway = (sn: string, signal?: AbortSignal) =>
  api<GatewayPreview>(`/installations/gateway-preview${query({ sn })}`, { signal });
export const registerInstallation = (body: InstallationCreate) =>
  api<Installation>('/installations', { method: 'POST', body });

export const getStatus = (
  params: { building?: number; status?: DwellingStatus; limit?: number; cursor?: string },
  signal?: AbortSignal,
) => api<StatusPage>(`/installations/status${query(params)}`, { signal });

export const getCoverage = (
  params: { dwelling?: number; building?: number; from: string; to: string },
  signal?: AbortSignal,
) => api<InstallationCoverage>(`/installations/coverage${query(params)}`, { signal });

export const getRawDay = (sensor: number, from: number, to: number, signal?: AbortSignal) =>
  api<RawReadings>(`/readings${query({ sensor, from, to, limit: 10_000 })}`, { signal });

/** The runs of a sensor's readings within [from, to] (epoch ms) that failed a quality check. */
export const getQualityFlags = (sensor: number, from: number, to: number, signal?: AbortSignal) =>
  api<QualityFlags>(`/quality/flags${query({ sensor, from, to })}`, { signal });

/** Asks the gateway manufacturer's platform for a gateway's readings over [from, to] (epoch ms). */
export const refillFromVendor = (gatewayId: number, from: number, to: number) =>
  api<VendorRefill>(`/installations/gateways/${gatewayId}/refill${query({ from, to })}`, { method: 'POST' });

/** A single-use link that downloads the export straight to a file. */
export const exportLink = (body: ExportQuery) => api<ExportLink>('/exports/links', { method: 'POST', body });

/** Back-fills readings from a CSV file with the columns of the export. */
export const importCsv = (file: Blob) =>
  api<IngestResult>('/ingest/csv', {
    method: 'POST',
    body: file.type ? file : new Blob([file], { type: 'text/csv' }),
  });

export const getAlarmSettings = (signal?: AbortSignal) => api<AlarmSettings>('/alarm-settings', { signal });
export const saveAlarmSettings = (body: AlarmSettingsUpdate) =>
  api<AlarmSettings>('/alarm-settings', { method: 'PUT', body });

export const listIncidents = (
  params: { status?: IncidentStatus; building?: number; cursor?: string; limit?: number },
  signal?: AbortSignal,
) => api<PageOf<Incident>>(`/incidents${query(params)}`, { signal });
export const getIncident = (id: number, signal?: AbortSignal) =>
  api<IncidentDetail>(`/incidents/${id}`, { signal });
export const assignIncident = (id: number, assigneeId: number | null) =>
  api<IncidentDetail>(`/incidents/${id}`, { method: 'PATCH', body: { assigneeId } });
export const commentIncident = (id: number, text: string) =>
  api<IncidentDetail>(`/incidents/${id}/comments`, { method: 'POST', body: { text } });
export const closeIncident = (id: number, comment?: string) =>
  api<IncidentDetail>(`/incidents/${id}/close`, { method: 'POST', body: comment ? { comment } : {} });
export const listAssignees = (signal?: AbortSignal) => api<Assignees>('/installations/assignees', { signal });
