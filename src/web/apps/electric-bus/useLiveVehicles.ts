import { shallowRef } from 'vue';
import type { Vehicle } from '#common/api/mobility.ts';
import { usePolling } from '../../composables/usePolling.ts';
import { listVehicles } from './bus-api.ts';

/** How often the buses are read again while a map shows them, ms (GTFS-Realtime feeds move every few seconds). */
export const LIVE_MS = 5_000;

/**
 * The buses as the API has them now (state, last position), read again every `LIVE_MS` while the
 * page is open and visible; undefined until the first refresh.
 */
export function useLiveVehicles() {
  const vehicles = shallowRef<Vehicle[]>();
  usePolling(listVehicles, (answer) => (vehicles.value = answer), LIVE_MS);
  return vehicles;
}
