/**
 * The pillars of the KPI tool, as plain constants (no schema library), so that the web can use
 * them without bundling the API schemas.
 */

/** The pillars a city evaluates its interventions in. */
export const PILLARS = [
  'energy',
  'comfort',
  'mobility',
  'ict',
  'social',
  'environmental',
  'economic',
] as const;
export type Pillar = (typeof PILLARS)[number];

export interface Texts {
  en: string;
  es: string;
  eu: string;
}

export const PILLAR_NAMES: Readonly<Record<Pillar, Texts>> = {
  energy: { en: 'Energy', es: 'Energía', eu: 'Energia' },
  comfort: { en: 'Comfort', es: 'Confort', eu: 'Erosotasuna' },
  mobility: { en: 'Mobility', es: 'Movilidad', eu: 'Mugikortasuna' },
  ict: { en: 'ICT', es: 'TIC', eu: 'IKT' },
  social: { en: 'Social and citizen', es: 'Social y ciudadanía', eu: 'Gizartea eta herritarrak' },
  environmental: {
    en: 'Environmental (life-cycle analysis)',
    es: 'Medioambiental (análisis de ciclo de vida)',
    eu: 'Ingurumena (bizi-zikloaren analisia)',
  },
  economic: { en: 'Economic', es: 'Económico', eu: 'Ekonomikoa' },
};
