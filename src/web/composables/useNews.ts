import { onBeforeUnmount, onMounted, ref, shallowRef, watch } from 'vue';
import { useI18n } from 'vue-i18n';
import type { Language, NewsItem } from '#common/api/news.ts';
import { getNews } from '../api/news.ts';
import { afterPaint } from './afterPaint.ts';

/**
 * The newest headlines in the interface language, refreshed every `refreshMs`. A failed refresh
 * keeps the headlines already shown: viewers never see a feed's troubles.
 */
export function useNews(limit: number, refreshMs = 5 * 60_000, language?: () => Language | undefined) {
  const { locale } = useI18n();
  const items = shallowRef<NewsItem[]>([]);
  const feeds = ref(0);
  const loaded = ref(false);
  const failed = ref(false);
  let timer: ReturnType<typeof setInterval> | undefined;
  let controller: AbortController | undefined;

  async function load(): Promise<void> {
    controller?.abort();
    controller = new AbortController();
    try {
      const lang = language?.() ?? (locale.value as Language);
      const answer = await getNews(limit, lang, controller.signal);
      items.value = answer.items;
      feeds.value = answer.feeds;
      failed.value = false;
    } catch (error) {
      if ((error as Error).name === 'AbortError') return;
      failed.value = true;
    } finally {
      loaded.value = true;
    }
  }

  onMounted(() => {
    afterPaint(() => void load());
    timer = setInterval(() => void load(), refreshMs);
  });
  watch(locale, () => void load());
  onBeforeUnmount(() => {
    clearInterval(timer);
    controller?.abort();
  });

  return { items, feeds, loaded, failed, reload: load };
}
