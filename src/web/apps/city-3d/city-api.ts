import type { CityBuilding, CitySearch, IndicatorList, KpiValues } from '#common/api/city3d.ts';
import type { PublicKpiList } from '#common/api/kpi.ts';
import { api, query } from '../../api/http.ts';

/** Where MapLibre fetches the city's tiles (an absolute URL: the worker has no page to resolve against). */
export const tilesUrl = () => `${window.location.origin}/api/v1/city3d/tiles/{z}/{x}/{y}.pbf`;

export const getIndicators = (signal?: AbortSignal) => api<IndicatorList>('/city3d/attributes', { signal });

export const getCityBuilding = (reference: string, signal?: AbortSignal) =>
  api<CityBuilding>(`/city3d/buildings/${encodeURIComponent(reference)}`, { signal });

export const searchCity = (text: string, signal?: AbortSignal) =>
  api<CitySearch>(`/city3d/search${query({ q: text })}`, { signal });

/** The district-level figures everyone may read (the portal's open KPIs). */
export const getPublicKpis = (signal?: AbortSignal) =>
  api<PublicKpiList>('/public/kpis', { signal, auth: false });

/** The latest value of a building KPI per monitored building (planners, municipal, KPI, admin). */
export const getKpiValues = (kpi: string, signal?: AbortSignal) =>
  api<KpiValues>(`/city3d/kpi-values${query({ kpi })}`, { signal });
