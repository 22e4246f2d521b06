import { computed, ref, shallowRef } from 'vue';
import type { PageOf } from '#common/api/pagination.ts';
import type { AdminPage } from '../api/admin.ts';
import { type AsyncSource, useAsync } from './useAsync.ts';

/** The cursor of the next page, in either way the API pages a list (null or absent at the end). */
const nextOf = (page: AdminPage<unknown> | PageOf<unknown>) =>
  ('nextCursor' in page ? page.nextCursor : page.next) ?? null;

/**
 * A list read page by page: the first page loads with the page (and on `reload`, e.g. when a
 * filter changes), `more()` appends the next one (components/ShowMore.vue is its button).
 */
export function usePagedList<T>(
  load: (cursor: string | undefined, signal?: AbortSignal) => Promise<AdminPage<T> | PageOf<T>>,
) {
  const extra = shallowRef<T[]>([]);
  const next = ref<string | null>(null);
  const loadingMore = ref(false);
  const moreError = ref<Error>();
  const first = useAsync(async (signal) => {
    extra.value = [];
    moreError.value = undefined;
    const page = await load(undefined, signal);
    next.value = nextOf(page);
    return page.items;
  });

  async function more(): Promise<void> {
    if (!next.value || loadingMore.value) return;
    loadingMore.value = true;
    moreError.value = undefined;
    try {
      const page = await load(next.value);
      extra.value = [...extra.value, ...page.items];
      next.value = nextOf(page);
    } catch (e) {
      moreError.value = e as Error;
    } finally {
      loadingMore.value = false;
    }
  }

  const items = computed(() =>
    first.data.value === undefined ? undefined : [...first.data.value, ...extra.value],
  );
  // What AsyncState shows: the pages read so far.
  const source: AsyncSource<T[]> = {
    data: items,
    error: first.error,
    loading: first.loading,
    reload: first.reload,
  };
  return { source, items, next, more, loadingMore, moreError, reload: first.reload };
}

/** What the "show more" button of a paged list needs. */
export type PagedList = Pick<
  ReturnType<typeof usePagedList<unknown>>,
  'next' | 'more' | 'loadingMore' | 'moreError'
>;
