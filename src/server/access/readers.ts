import type { Access } from '../plugins/access.ts';

/**
 * Who reads readings (readings, home views, downloads); the services narrow residents and ESCOs
 * to their own through the visibility policy.
 */
export const READ_READINGS: Access = {
  roles: ['admin', 'installer', 'esco', 'municipal', 'kpi', 'planner', 'resident'],
  scopes: ['read', 'admin'],
};
