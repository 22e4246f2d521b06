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
 * calculator), nothing else.
 */
export const MACHINE_SCOPES = ['ingest:write', 'read', 'admin', 'kpi:write'] as const;
export type MachineScope = (typeof MACHINE_SCOPES)[number];
