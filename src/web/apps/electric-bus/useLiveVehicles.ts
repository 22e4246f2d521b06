import { onBeforeUnmount, onMounted, shallowRef } from 'vue';
import type { Vehicle } from '#common/api/mobility.ts';
import { listVehicles } from './bus-api.ts';

/** How often the buses are read again while a map shows them, ms (GTFS-Realtime feeds move every few seconds). */
export const LIVE_MS = 5_000;

/**
 * The buses as the API has them now (state, last position), read again every `LIVE_MS` while the
 * page is open and visible; undefined until the first refresh. A refresh that fails keeps what
 * was shown: the page's own load reports errors.
 */
export function useLiveVehicles() {
  const vehicles = shallowRef<Vehicle[]>();
  let timer: ReturnType<typeof setInterval> | undefined;
  let controller: AbortController | undefined;

  async function refresh(): Promise<void> {
    controller?.abort();
    const current = new AbortController();
    controller = current;
    try {
      const answer = await listVehicles(current.signal);
      if (controller === current) vehicles.value = answer;
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
  return vehicles;
}
