import { inject, type InjectionKey, type Ref } from 'vue';
import type { Building, Dwelling } from '#common/api/registry.ts';

/** The dwelling of the pages and its building, as the server agreed to show them. */
export interface Place {
  dwelling: Dwelling;
  building: Building;
}

/**
 * The dwelling the pages of the home app are about. The pages draw at once; everything they
 * load about the dwelling waits for `place()`, the server's answer about the dwelling itself, so
 * nothing is asked about a dwelling the server refuses to show.
 */
export interface HomeContext {
  dwellingId: Ref<number>;
  /** Resolves once the server has shown the dwelling; rejects when it refuses. */
  place(): Promise<Place>;
}

export const HOME: InjectionKey<HomeContext> = Symbol('home');

/** The dwelling of the page (provided by HomeLayout.vue). */
export function useHome(): HomeContext {
  const home = inject(HOME);
  if (!home) throw new Error('useHome: a home page must be inside HomeLayout');
  return home;
}
