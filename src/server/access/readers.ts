import type { Access } from '../plugins/access.ts';

/**
 * Who reads readings (readings, home views, downloads); the services narrow residents and ESCOs
 * to their own through the visibility policy.
 */
export const READ_READINGS: Access = {
  roles: ['admin', 'installer', 'esco', 'municipal', 'kpi', 'planner', 'resident'],
  scopes: ['read', 'admin'],
};

/**
 * Who reads the buses and chargers (the mobility API, and its vehicles and chargers as NGSI-LD
 * entities): the transport operator, admins, and unrestricted machine tokens that read.
 */
export const READ_MOBILITY: Access = {
  roles: ['admin', 'transport'],
  scopes: ['read', 'admin'],
  unrestrictedMachinesOnly: true,
};
