import type { IconName } from '../../components/icons.ts';

/** The media the home app shows, with their unit and how many decimals a figure gets. */
export const HOME_MEDIA = ['power', 'temperature', 'humidity', 'co2'] as const;
export type HomeMedium = (typeof HOME_MEDIA)[number];

export interface MediumInfo {
  unit: string;
  digits: number;
  icon: IconName;
}

export const MEDIA: Record<HomeMedium, MediumInfo> = {
  power: { unit: 'W', digits: 0, icon: 'bolt' },
  temperature: { unit: '°C', digits: 1, icon: 'thermometer' },
  humidity: { unit: '%', digits: 0, icon: 'droplet' },
  co2: { unit: 'ppm', digits: 0, icon: 'wind' },
};

/**
 * The three lines of a comparison: the dwelling, its building and the district. Each has its own
 * dash pattern as well as its colour, so they can be told apart without colour.
 */
export const SCOPE_STYLE = {
  dwelling: { color: '#0b5394', type: 'solid', width: 3 },
  building: { color: '#a34700', type: 'dashed', width: 2 },
  district: { color: '#4d4d4d', type: 'dotted', width: 2 },
} as const;
export type CompareScope = keyof typeof SCOPE_STYLE;

/** The CSS of a scope's legend swatch (a short line): its colour and dashes, as on the chart. */
export const swatchStyle = (scope: CompareScope) => ({
  color: SCOPE_STYLE[scope].color,
  borderTopStyle: SCOPE_STYLE[scope].type,
});
