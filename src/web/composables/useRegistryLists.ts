import { onMounted, shallowRef, watch } from 'vue';
import type { Building, Dwelling, Medium } from '#common/api/registry.ts';
import { listBuildings, listDwellings, listMedia } from '../api/installations.ts';

/**
 * The registry lists an installer's form picks from: every building and medium, read once the
 * page is there, and the dwellings of the building chosen, read again when it changes.
 */
export function useRegistryLists(building: () => number | undefined) {
  const buildings = shallowRef<Building[]>([]);
  const media = shallowRef<Medium[]>([]);
  const dwellings = shallowRef<Dwelling[]>([]);

  async function reloadDwellings(): Promise<void> {
    const id = building();
    dwellings.value = id ? await listDwellings(id) : [];
  }

  onMounted(async () => {
    [buildings.value, media.value] = await Promise.all([listBuildings(), listMedia()]);
  });
  watch(building, () => {
    dwellings.value = [];
    void reloadDwellings();
  });
  return { buildings, media, dwellings, reloadDwellings };
}
