import { inject, type InjectionKey, type Ref } from 'vue';
import type { Building, Dwelling } from '#common/api/registry.ts';

/** The dwelling the pages of the home app are about, once the server has agreed to show it. */
export interface HomeContext {
  dwellingId: Ref<number>;
  dwelling: Ref<Dwelling>;
  building: Ref<Building>;
}

export const HOME: InjectionKey<HomeContext> = Symbol('home');

/** The dwelling of the page (provided by HomeLayout.vue). */
export function useHome(): HomeContext {
  const home = inject(HOME);
  if (!home) throw new Error('useHome: a home page must be inside HomeLayout');
  return home;
}
