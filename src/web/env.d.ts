/// <reference types="vite/client" />
import 'vue-router';
import type { Role } from '#common/api/access.ts';

declare module 'vue-router' {
  interface RouteMeta {
    /** Roles that may open the route; empty or absent = everyone. */
    roles?: readonly Role[];
    /** The application the route belongs to. */
    app?: string;
    /** i18n key of the page title. */
    titleKey?: string;
    /** Full screen, without the shell's header and footer (kiosk pages). */
    fullScreen?: boolean;
  }
}
