/** What a person may be in CIOP; a user may hold several roles. */
export const ROLES = [
  'admin',
  'resident',
  'installer',
  'esco',
  'municipal',
  'transport',
  'kpi',
  'planner',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * What a machine token may do. `kpi:write`: write KPI measures and their inputs (an external
 * calculator), nothing else. `metrics`: scrape `/metrics`, nothing else. `ocpp`: a charger's password
 * on the OCPP endpoint (`/ocpp/{chargePointId}`), nothing else.
 */
export const MACHINE_SCOPES = ['ingest:write', 'read', 'admin', 'kpi:write', 'metrics', 'ocpp'] as const;
export type MachineScope = (typeof MACHINE_SCOPES)[number];

/**
 * RFC 9457 `type` of the 403 that refuses a mean over a building or district covering fewer
 * dwellings than `CIOP_PRIVACY_MIN_DWELLINGS`; the problem also carries `dwellings` (how many
 * it covers) and `minDwellings`.
 */
export const TOO_FEW_DWELLINGS = 'urn:ciop:problem:too-few-dwellings';
