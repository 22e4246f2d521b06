import { defineModule } from '../../module.ts';
import { QUALITY_JOB, QUALITY_RECHECK_JOB, QualityService } from './quality.service.ts';
import { qualityRoutes } from './quality.routes.ts';

declare module '../../module.ts' {
  interface Services {
    /** Checks of readings per medium and the flags of those that fail (jobs `quality-checks`, `quality-recheck`). */
    quality: QualityService;
  }
}

/** Data quality: plausibility, steps, stuck sensors and drifting clocks, flagged, never deleted. */
export const qualityModule = defineModule({
  id: 'quality',
  open: ({ db, engine, logger, readings, comfort, groupRollups }) => {
    const quality = new QualityService(db, engine, readings, logger, (changes, now) =>
      comfort.recompute(changes, now),
    );
    // Group hours leave flagged readings out: those whose flags change are computed again.
    quality.whenFlagsChange((changes) => groupRollups.recomputeFlagged(changes));
    return { quality };
  },
  routes: [{ plugin: qualityRoutes }],
  jobs: ({ quality }, { config }) =>
    config.qualityCheckIntervalS === 0
      ? []
      : [
          {
            // The hours that compactions changed: new, late and overwritten readings.
            name: QUALITY_JOB,
            everyMs: config.qualityCheckIntervalS * 1000,
            onChanges: async (changes, now) => void (await quality.onChanges(changes, now)),
          },
          {
            // Media whose rules changed, and power series whose contracted-power bounds changed.
            name: QUALITY_RECHECK_JOB,
            everyMs: config.qualityCheckIntervalS * 1000,
            run: async (now) => void (await quality.recheckDue(now)),
          },
        ],
});
