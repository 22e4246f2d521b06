import { onBeforeUnmount, ref } from 'vue';
import type { Results, Run } from '#common/api/forecast.ts';
import { getLatest, startRun } from './planning-api.ts';

/** How often a running fit is asked how far it got, ms. */
const POLL_MS = 1000;

/**
 * The latest fitting run and results, and "process new data": starts a run and follows its
 * progress until it ends, then holds the new results.
 */
export function useRunProgress() {
  const run = ref<Run | null>(null);
  const results = ref<Results | null>(null);
  const error = ref<Error>();
  const loading = ref(true);
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function refresh(): Promise<void> {
    try {
      const latest = await getLatest();
      run.value = latest.run;
      results.value = latest.results;
      error.value = undefined;
    } catch (e) {
      error.value = e as Error;
    } finally {
      loading.value = false;
    }
    if (run.value?.status === 'running') timer = setTimeout(() => void refresh(), POLL_MS);
  }

  async function processNewData(): Promise<void> {
    clearTimeout(timer);
    run.value = await startRun();
    timer = setTimeout(() => void refresh(), POLL_MS / 4);
  }

  onBeforeUnmount(() => clearTimeout(timer));
  void refresh();
  return { run, results, error, loading, refresh, processNewData };
}
