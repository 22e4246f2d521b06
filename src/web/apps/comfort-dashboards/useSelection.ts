import { computed, onBeforeUnmount, ref, watch } from 'vue';
import { useRoute, useRouter } from 'vue-router';
import { useAsync } from '../../composables/useAsync.ts';
import { listBuildings } from './api.ts';
import { dateInput, RANGE_PRESETS, type RangePreset, rangeOf } from './range.ts';

/**
 * What the ready-made dashboards show: a building (and dwelling) of the organisation and a time
 * range, kept in the address so that a link (an anomaly's) opens the chart it names; and the
 * auto-refresh that reloads what is shown every minute.
 */
export function useSelection(onRefresh: () => void) {
  const route = useRoute();
  const router = useRouter();
  const buildings = useAsync((signal) => listBuildings(signal));
  const q = (name: string) =>
    typeof route.query[name] === 'string' ? (route.query[name] as string) : undefined;

  const buildingId = computed<number | undefined>(() => {
    const given = Number(q('building'));
    if (given) return given;
    return buildings.data.value?.[0]?.id;
  });
  const dwellingId = computed<number | undefined>(() => Number(q('dwelling')) || undefined);
  const preset = computed<RangePreset>(() => {
    const p = q('range') as RangePreset | undefined;
    if (q('from') && q('to')) return 'custom';
    return p && RANGE_PRESETS.includes(p) ? p : '7d';
  });
  const now = ref(Date.now());
  const range = computed(() => {
    if (q('from') && q('to')) return { from: Number(q('from')), to: Number(q('to')) };
    return rangeOf(preset.value, now.value, customDates.value);
  });
  const customDates = ref<{ from: string; to: string }>({
    from: dateInput(Date.now() - 7 * 86_400_000),
    to: dateInput(Date.now()),
  });

  const set = (patch: Record<string, string | number | undefined>) =>
    router.replace({ query: { ...route.query, ...patch } });
  const setBuilding = (id: number) => set({ building: id, dwelling: undefined });
  const setDwelling = (id: number | undefined) => set({ dwelling: id });
  const setPreset = (p: RangePreset) => {
    if (p === 'custom') {
      const r = rangeOf('custom', Date.now(), customDates.value);
      set({ range: 'custom', from: r.from, to: r.to });
    } else set({ range: p, from: undefined, to: undefined });
  };
  const setCustom = (from: string, to: string) => {
    customDates.value = { from, to };
    const r = rangeOf('custom', Date.now(), customDates.value);
    set({ range: 'custom', from: r.from, to: r.to });
  };

  const autoRefresh = ref(false);
  let timer: ReturnType<typeof setInterval> | undefined;
  watch(autoRefresh, (on) => {
    if (timer) clearInterval(timer);
    timer = on
      ? setInterval(() => {
          now.value = Date.now();
          onRefresh();
        }, 60_000)
      : undefined;
  });
  onBeforeUnmount(() => timer && clearInterval(timer));

  return {
    buildings,
    buildingId,
    dwellingId,
    preset,
    range,
    customDates,
    autoRefresh,
    setBuilding,
    setDwelling,
    setPreset,
    setCustom,
  };
}
