import type {
  Charge,
  Charger,
  ChargerDay,
  ExportFormat,
  FleetStatus,
  LineDetail,
  Line,
  MobilityKpis,
  MobilitySummary,
  StatusChange,
  Stop,
  Trip,
  Vehicle,
  VehicleDetail,
} from '#common/api/mobility.ts';
import type { PageOf } from '#common/api/pagination.ts';
import { api, apiFile, query, saveFile } from '../../api/http.ts';

/** The electric bus line's API, under /api/v1/mobility. */
const get = <T>(path: string, params: object = {}, signal?: AbortSignal) =>
  api<T>(`/mobility${path}${query(params)}`, { signal });

export const getSummary = (signal?: AbortSignal) => get<MobilitySummary>('/summary', {}, signal);

/** Every item of a paged list, following its pages (lines, stops, vehicles and chargers are few). */
async function all<T>(path: string, params: object, signal?: AbortSignal): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await get<PageOf<T>>(path, { ...params, limit: 500, cursor }, signal);
    out.push(...page.items);
    cursor = page.next;
  } while (cursor && out.length < 10_000);
  return out;
}

export const listLines = (signal?: AbortSignal) => all<Line>('/lines', {}, signal);
export const getLine = (id: number, signal?: AbortSignal) => get<LineDetail>(`/lines/${id}`, {}, signal);
export const listStops = (line: number, signal?: AbortSignal) => all<Stop>('/stops', { line }, signal);
export const listVehicles = (signal?: AbortSignal) => all<Vehicle>('/vehicles', {}, signal);
export const listChargers = (signal?: AbortSignal) => all<Charger>('/chargers', {}, signal);

export const getVehicle = (id: number, period: { from: number; to: number }, signal?: AbortSignal) =>
  get<VehicleDetail>(`/vehicles/${id}`, period, signal);
export const getCharger = (id: number, signal?: AbortSignal) => get<Charger>(`/chargers/${id}`, {}, signal);

export const listTrips = (
  filter: { vehicle?: number; from?: number; to?: number },
  cursor?: string,
  signal?: AbortSignal,
) => get<PageOf<Trip>>('/trips', { ...filter, cursor, limit: 50 }, signal);

export const listCharges = (
  filter: { vehicle?: number; charger?: number; from?: number; to?: number },
  cursor?: string,
  signal?: AbortSignal,
) => get<PageOf<Charge>>('/charges', { ...filter, cursor, limit: 50 }, signal);

export const listStatusHistory = (id: number, cursor?: string, signal?: AbortSignal) =>
  get<PageOf<StatusChange>>(`/chargers/${id}/status-history`, { cursor, limit: 50 }, signal);

export const getChargerDays = (id: number, period: { from: number; to: number }, signal?: AbortSignal) =>
  get<{ items: ChargerDay[] }>(`/chargers/${id}/days`, period, signal);

/** The mobility KPIs of a year: every KPI over all (without `kpi`), or one per bus, charger or line. */
export const getKpis = (year: number, granularity: 'month' | 'year', kpi?: string, signal?: AbortSignal) =>
  get<MobilityKpis>('/kpis', { year, granularity, kpi }, signal);

/** Downloads an export of the API (trips, charges, KPIs) as CSV or XLSX. */
export async function download(path: string, params: object, format: ExportFormat): Promise<void> {
  const { blob, name } = await apiFile(`/mobility${path}${query({ ...params, format })}`);
  const url = URL.createObjectURL(blob);
  saveFile(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The fleet platform adapter: each list's cursor and back-off, and the records kept out (admins). */
export const getFleetStatus = (signal?: AbortSignal) => get<FleetStatus>('/fleet', {}, signal);
