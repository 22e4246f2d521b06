import { onBeforeUnmount, ref, shallowRef, type Ref, type ShallowRef } from 'vue';
import { ApiError } from '../api/http.ts';
import { afterPaint } from './afterPaint.ts';

export interface AsyncState<T> {
  data: ShallowRef<T | undefined>;
  error: Ref<ApiError | Error | undefined>;
  loading: Ref<boolean>;
  /** Loads again; a load still running is cancelled. */
  reload(): Promise<void>;
}

/** What AsyncState.vue shows: an AsyncState, or anything read the same way. */
export interface AsyncSource<T> {
  readonly data: Readonly<Ref<T | undefined>>;
  readonly error: Readonly<Ref<ApiError | Error | undefined>>;
  readonly loading: Readonly<Ref<boolean>>;
  reload(): Promise<void>;
}

/**
 * Loads something for a component and tracks loading / error / data, the three states every
 * page shows (components/AsyncState.vue). The first load starts once the page has painted
 * (unless `immediate: false`); a request still running is cancelled when the component goes away.
 */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  options: { immediate?: boolean } = {},
) {
  const data = shallowRef<T>();
  const error = ref<ApiError | Error>();
  const loading = ref(false);
  let controller: AbortController | undefined;

  async function reload(): Promise<void> {
    controller?.abort();
    const current = new AbortController();
    controller = current;
    loading.value = true;
    error.value = undefined;
    try {
      const answer = await load(current.signal);
      // A load overtaken by a newer one keeps its answer to itself.
      if (controller === current) data.value = answer;
    } catch (e) {
      if ((e as Error).name !== 'AbortError' && controller === current) error.value = e as Error;
    } finally {
      if (controller === current) loading.value = false;
    }
  }

  let gone = false;
  onBeforeUnmount(() => {
    gone = true;
    controller?.abort();
  });
  if (options.immediate !== false) {
    // Shown as loading from the start; asked for once the page has painted.
    loading.value = true;
    afterPaint(() => {
      if (!gone && !controller) void reload();
    });
  }
  const state: AsyncState<T> = { data, error, loading, reload };
  return state;
}
