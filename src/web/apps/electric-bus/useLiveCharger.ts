import { onBeforeUnmount, onMounted } from 'vue';
import type { Charger } from '#common/api/mobility.ts';
import { getCharger } from './bus-api.ts';
import { LIVE_MS } from './useLiveVehicles.ts';

/**
 * Reads a charger again every `LIVE_MS` while the page is open and visible (its OCPP status, the
 * bus connected, today's charges) and hands each answer to `onFresh`, with `changed` true when
 * its status, bus or charges moved since what `shown` gives (the page then reads its history and
 * charges again). A refresh that fails keeps what was shown: the page's own load reports errors.
 */
export function useLiveCharger(
  id: () => number,
  shown: () => Charger | undefined,
  onFresh: (charger: Charger, changed: boolean) => void,
): void {
  let timer: ReturnType<typeof setInterval> | undefined;
  let controller: AbortController | undefined;

  async function refresh(): Promise<void> {
    const before = shown();
    // Until the page's own load is there, it has nothing to compare with.
    if (!before) return;
    controller?.abort();
    const current = new AbortController();
    controller = current;
    try {
      const answer = await getCharger(id(), current.signal);
      if (controller !== current || answer.id !== id()) return;
      onFresh(
        answer,
        before.id === answer.id &&
          (before.status !== answer.status ||
            before.statusAt !== answer.statusAt ||
            before.vehicle !== answer.vehicle ||
            before.chargesToday !== answer.chargesToday),
      );
    } catch {
      // Kept as it was; the next refresh tries again.
    }
  }

  onMounted(() => {
    timer = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, LIVE_MS);
  });
  onBeforeUnmount(() => {
    if (timer) clearInterval(timer);
    controller?.abort();
  });
}
