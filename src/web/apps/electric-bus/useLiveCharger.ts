import type { Charger } from '#common/api/mobility.ts';
import { usePolling } from '../../composables/usePolling.ts';
import { getCharger } from './bus-api.ts';
import { LIVE_MS } from './useLiveVehicles.ts';

/**
 * Reads a charger again every `LIVE_MS` while the page is open and visible (its OCPP status, the
 * bus connected, today's charges) and hands each answer to `onFresh`, with `changed` true when
 * its status, bus or charges moved since what `shown` gives (the page then reads its history and
 * charges again).
 */
export function useLiveCharger(
  id: () => number,
  shown: () => Charger | undefined,
  onFresh: (charger: Charger, changed: boolean) => void,
): void {
  usePolling(
    async (signal) => {
      const before = shown();
      // Until the page's own load is there, it has nothing to compare with.
      if (!before) return undefined;
      const answer = await getCharger(id(), signal);
      return answer.id === id() ? { before, answer } : undefined;
    },
    ({ before, answer }) =>
      onFresh(
        answer,
        before.id === answer.id &&
          (before.status !== answer.status ||
            before.statusAt !== answer.statusAt ||
            before.vehicle !== answer.vehicle ||
            before.chargesToday !== answer.chargesToday),
      ),
    LIVE_MS,
  );
}
