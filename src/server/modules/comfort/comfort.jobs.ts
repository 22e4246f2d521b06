import type { Job } from '../../plugins/scheduler.ts';
import { COMFORT_JOB, type ComfortService } from './comfort.service.ts';

/**
 * The comfort job: every `everyMs`, pairs new sensors into comfort points, computes the whole
 * history of new points, and recomputes the hours the change feed reports (new, late and
 * overwritten readings). Once across replicas on PostgreSQL (the scheduler's lock).
 */
export function comfortJob(comfort: ComfortService, everyMs: number): Job {
  return { name: COMFORT_JOB, everyMs, run: async (now) => void (await comfort.runJob(now)) };
}
