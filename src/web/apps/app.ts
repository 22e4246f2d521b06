import type { RouteRecordRaw } from 'vue-router';
import type { Role } from '#common/api/access.ts';
import type { IconName } from '../components/icons.ts';
import type { IllustrationName } from '../components/illustrations.ts';

/** Tags the catalogue filters by; each has a label `tags.<tag>` in the catalogues. */
export const APP_TAGS = [
  'public',
  'residents',
  'energy',
  'comfort',
  'mobility',
  'maps',
  'indicators',
  'planning',
  'news',
  'operations',
  'administration',
] as const;
export type AppTag = (typeof APP_TAGS)[number];

/** The i18n keys of an application's texts. */
export interface AppText {
  /** Its name. */
  name: string;
  /** One line, on its catalogue card. */
  summary: string;
  /** What it does. */
  description: string;
  /** For whom. */
  audience: string;
  /** Text alternative of its picture. */
  picture: string;
}

/** The conventional keys of an application's texts: `apps.<id>.name`, `.summary`, and so on. */
export const appText = (id: string): AppText => ({
  name: `apps.${id}.name`,
  summary: `apps.${id}.summary`,
  description: `apps.${id}.description`,
  audience: `apps.${id}.audience`,
  picture: `apps.${id}.picture`,
});

/**
 * What an application tells the shell about itself. Each `apps/<id>/index.ts` exports one as
 * `app` (made with `defineApp`); the shell finds them all (apps/registry.ts), builds the router
 * from their routes, shows each user the menu entries they may open, and lists them in the
 * portal's catalogue.
 */
export interface AppDefinition {
  /** The folder name; also its catalogue page, `/apps/<id>`. */
  id: string;
  /** Roles that may open it; empty = everyone, without an account. */
  roles: readonly Role[];
  /** Where "open" leads. */
  entry: string;
  /** Its pages. Load components lazily (`() => import('./Page.vue')`) so each app is its own chunk. */
  routes: RouteRecordRaw[];
  /** Its entry in the header menu (`labelKey`, position), or null for none. */
  menu: { labelKey: string; order: number } | null;
  icon: IconName;
  picture: IllustrationName;
  tags: readonly AppTag[];
  /** i18n keys of its name, summary, description, audience and picture text (default `appText(id)`). */
  text: AppText;
  /** Full screen, without the shell's header and footer (kiosk pages such as the TV). */
  fullScreen?: boolean;
  /** Listed in the portal's catalogue (default true). */
  catalogue?: boolean;
  /**
   * Roles taken to this app after logging in without a page to return to (default: its first
   * role). The first app in menu order that lands one of a person's roles wins (registry.ts).
   */
  landing?: readonly Role[];
}

/** Declares an application; its texts default to the keys under `apps.<id>.`. */
export const defineApp = (app: Omit<AppDefinition, 'text'> & { text?: AppText }): AppDefinition => ({
  ...app,
  text: app.text ?? appText(app.id),
});
