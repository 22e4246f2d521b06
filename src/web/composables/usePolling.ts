import { onBeforeUnmount, onMounted } from 'vue';

/**
 * Calls `read` every `everyMs` while the page is open and visible and hands each answer to
 * `onAnswer`; a read overtaken by the next is cancelled and its answer dropped. `read` may answer
 * undefined to skip a turn. A read that fails keeps what was shown: the next one tries again (the
 * page's own load reports errors).
 */
export function usePolling<T>(
  read: (signal: AbortSignal) => Promise<T | undefined>,
  onAnswer: (answer: T) => void,
  everyMs: number,
): void {
  let timer: ReturnType<typeof setInterval> | undefined;
  let controller: AbortController | undefined;

  async function refresh(): Promise<void> {
    controller?.abort();
    const current = new AbortController();
    controller = current;
    try {
      const answer = await read(current.signal);
      if (controller === current && answer !== undefined) onAnswer(answer);
    } catch {
      // Kept as it was; the next refresh tries again.
    }
  }

  onMounted(() => {
    timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, everyMs);
  });
  onBeforeUnmount(() => {
    if (timer) clearInterval(timer);
    controller?.abort();
  });
}
