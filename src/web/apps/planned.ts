import type { Role } from '#common/api/access.ts';
import type { IconName } from '../components/icons.ts';
import type { IllustrationName } from '../components/illustrations.ts';
import { type AppTag, type AppText, appText } from './app.ts';

/** A card of the catalogue; `entry` null = the application is still to come. */
export interface CatalogueEntry {
  id: string;
  roles: readonly Role[];
  icon: IconName;
  picture: IllustrationName;
  tags: readonly AppTag[];
  text: AppText;
  entry: string | null;
}

/** Applications the platform will offer, shown in the catalogue as "coming" until they exist. */
const PLANNED: readonly Omit<CatalogueEntry, 'entry' | 'text'>[] = [
  {
    id: 'comfort-dashboards',
    roles: ['esco', 'admin'],
    icon: 'thermometer',
    picture: 'comfort',
    tags: ['comfort', 'energy'],
  },
  {
    id: 'municipal-energy',
    roles: ['municipal', 'admin'],
    icon: 'bolt',
    picture: 'municipal',
    tags: ['energy', 'maps'],
  },
  {
    id: 'electric-bus',
    roles: ['transport', 'admin'],
    icon: 'bus',
    picture: 'bus',
    tags: ['mobility', 'maps'],
  },
  {
    id: 'energy-planning',
    roles: ['planner', 'admin'],
    icon: 'chart',
    picture: 'planning',
    tags: ['planning', 'energy'],
  },
  { id: 'city-3d', roles: [], icon: 'cube', picture: 'city3d', tags: ['public', 'maps'] },
];

/** Applications the platform will offer, with their texts under `apps.<id>.`. */
export const PLANNED_APPS: readonly Omit<CatalogueEntry, 'entry'>[] = PLANNED.map((p) => ({
  ...p,
  text: appText(p.id),
}));
