import type { ModuleDeps } from '../../module.ts';
import type { DashboardServices } from './index.ts';

/** The demo ESCO's ready-made example dashboard (filled in below once the builder exists). */
export async function seedDashboardsDemo(
  _services: DashboardServices,
  _deps: ModuleDeps,
  _now: number,
): Promise<void> {}
