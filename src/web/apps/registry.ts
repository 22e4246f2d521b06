import type { Role } from '#common/api/access.ts';
import type { AppDefinition } from './app.ts';
import { PLANNED_APPS, type CatalogueEntry } from './planned.ts';

// Every application folder with an index.ts registers itself: adding a folder adds the app.
const modules = import.meta.glob<{ app: AppDefinition }>('./*/index.ts', { eager: true });

/** The applications of this build, by menu order then id. */
export const APPS: readonly AppDefinition[] = Object.entries(modules)
  .map(([file, module]) => {
    const folder = file.split('/')[1];
    if (module.app?.id !== folder) throw new Error(`${file} must export \`app\` with id "${folder}"`);
    return module.app;
  })
  .sort((a, b) => (a.menu?.order ?? 999) - (b.menu?.order ?? 999) || a.id.localeCompare(b.id));

/**
 * Where a person lands after logging in without a page to return to: the entry of the first app
 * (in menu order) that lands one of their roles (a resident their home, an installer the
 * installations, an evaluator the KPIs); else the portal.
 */
export function landingFor(user: { roles: readonly Role[] }): string {
  const app = APPS.find((a) => {
    const landing = a.landing ?? a.roles.slice(0, 1);
    return landing.some((r) => user.roles.includes(r));
  });
  return app?.entry ?? '/';
}

export function findApp(id: string): AppDefinition | undefined {
  return APPS.find((a) => a.id === id);
}

/**
 * The portal's catalogue: the applications of this build, then those still to come (an entry
 * disappears from the planned list as soon as an app with its id exists).
 */
export function catalogue(): CatalogueEntry[] {
  const available: CatalogueEntry[] = APPS.filter((a) => a.catalogue !== false).map((a) => ({
    id: a.id,
    roles: a.roles,
    icon: a.icon,
    picture: a.picture,
    tags: a.tags,
    text: a.text,
    entry: a.entry,
  }));
  const ids = new Set(APPS.map((a) => a.id));
  return [...available, ...PLANNED_APPS.filter((p) => !ids.has(p.id)).map((p) => ({ ...p, entry: null }))];
}
