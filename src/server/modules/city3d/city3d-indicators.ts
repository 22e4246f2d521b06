import type { IndicatorGroup } from '#common/api/city3d.ts';

type Texts = { en: string; es: string; eu: string };

/** An indicator of the city's buildings: a cadastre field or an imported attribute. */
export interface IndicatorDefinition {
  id: string;
  group: IndicatorGroup;
  kind: 'number' | 'category';
  unit: string;
  name: Texts;
  help: Texts;
  /** Imported from a CSV file (attributes), rather than read from the cadastre. */
  imported?: boolean;
  /** Names of known categories. */
  categories?: Record<string, Texts>;
}

/** INSPIRE CurrentUseValue, as the DG Catastro writes it (`1_residential`…) and bare. */
const USES: Record<string, Texts> = {
  '1_residential': { en: 'Residential', es: 'Residencial', eu: 'Bizitegia' },
  '2_agriculture': { en: 'Agriculture', es: 'Agrario', eu: 'Nekazaritza' },
  '3_industrial': { en: 'Industrial', es: 'Industrial', eu: 'Industria' },
  '4_1_office': { en: 'Offices', es: 'Oficinas', eu: 'Bulegoak' },
  '4_2_retail': { en: 'Retail', es: 'Comercial', eu: 'Merkataritza' },
  '4_3_publicServices': { en: 'Public services', es: 'Servicios públicos', eu: 'Zerbitzu publikoak' },
  residential: { en: 'Residential', es: 'Residencial', eu: 'Bizitegia' },
  agriculture: { en: 'Agriculture', es: 'Agrario', eu: 'Nekazaritza' },
  industrial: { en: 'Industrial', es: 'Industrial', eu: 'Industria' },
  commerceAndServices: {
    en: 'Commerce and services',
    es: 'Comercio y servicios',
    eu: 'Merkataritza eta zerbitzuak',
  },
  office: { en: 'Offices', es: 'Oficinas', eu: 'Bulegoak' },
  retail: { en: 'Retail', es: 'Comercial', eu: 'Merkataritza' },
  publicServices: { en: 'Public services', es: 'Servicios públicos', eu: 'Zerbitzu publikoak' },
};

/** INSPIRE ConditionOfConstructionValue. */
const CONDITIONS: Record<string, Texts> = {
  functional: { en: 'In use', es: 'En uso', eu: 'Erabilgarri' },
  declined: { en: 'Declined', es: 'Deteriorado', eu: 'Hondatua' },
  ruin: { en: 'Ruin', es: 'En ruina', eu: 'Aurri-egoeran' },
  projected: { en: 'Projected', es: 'Proyectado', eu: 'Proiektatua' },
  underConstruction: { en: 'Under construction', es: 'En construcción', eu: 'Eraikitzen' },
};

const RATINGS: Record<string, Texts> = Object.fromEntries(
  ['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((r) => [r, { en: r, es: r, eu: r }]),
);

const CADASTRE = {
  en: 'From the cadastre.',
  es: 'Del catastro.',
  eu: 'Katastrotik.',
};
const from = (t: Texts): Texts => ({
  en: `${t.en} ${CADASTRE.en}`,
  es: `${t.es} ${CADASTRE.es}`,
  eu: `${t.eu} ${CADASTRE.eu}`,
});

/** What can colour the city, in the picker's order. The `id` is the tiles' property. */
export const INDICATORS: readonly IndicatorDefinition[] = [
  {
    id: 'use',
    group: 'building',
    kind: 'category',
    unit: '',
    name: { en: 'Current use', es: 'Uso actual', eu: 'Egungo erabilera' },
    help: from({
      en: 'What the building is mainly used for (INSPIRE currentUse).',
      es: 'Para qué se usa principalmente el edificio (currentUse de INSPIRE).',
      eu: 'Eraikina nagusiki zertarako erabiltzen den (INSPIREren currentUse).',
    }),
    categories: USES,
  },
  {
    id: 'year',
    group: 'building',
    kind: 'number',
    unit: '',
    name: { en: 'Year built', es: 'Año de construcción', eu: 'Eraikuntza-urtea' },
    help: from({
      en: 'The year its construction ended (INSPIRE dateOfConstruction).',
      es: 'El año en que terminó su construcción (dateOfConstruction de INSPIRE).',
      eu: 'Eraikuntza amaitu zen urtea (INSPIREren dateOfConstruction).',
    }),
  },
  {
    id: 'floors',
    group: 'building',
    kind: 'number',
    unit: '',
    name: { en: 'Floors above ground', es: 'Plantas sobre rasante', eu: 'Sestra gaineko solairuak' },
    help: from({
      en: 'Number of floors above ground (INSPIRE numberOfFloorsAboveGround).',
      es: 'Número de plantas sobre rasante (numberOfFloorsAboveGround de INSPIRE).',
      eu: 'Sestra gaineko solairu kopurua (INSPIREren numberOfFloorsAboveGround).',
    }),
  },
  {
    id: 'height',
    group: 'building',
    kind: 'number',
    unit: 'm',
    name: { en: 'Height', es: 'Altura', eu: 'Altuera' },
    help: {
      en: 'Height above ground: the cadastre’s heightAboveGround where it gives one, otherwise floors above ground × 3 m; the building’s record says which.',
      es: 'Altura sobre el terreno: el heightAboveGround del catastro cuando lo da; si no, plantas sobre rasante × 3 m. La ficha del edificio dice cuál.',
      eu: 'Lurretik gorako altuera: katastroaren heightAboveGround, ematen duenean; bestela, sestra gaineko solairuak × 3 m. Eraikinaren fitxak dio zein den.',
    },
  },
  {
    id: 'dwellings',
    group: 'building',
    kind: 'number',
    unit: '',
    name: { en: 'Dwellings', es: 'Viviendas', eu: 'Etxebizitzak' },
    help: from({
      en: 'Number of dwellings in the building (numberOfDwellings).',
      es: 'Número de viviendas del edificio (numberOfDwellings).',
      eu: 'Eraikineko etxebizitza kopurua (numberOfDwellings).',
    }),
  },
  {
    id: 'area',
    group: 'building',
    kind: 'number',
    unit: 'm²',
    name: { en: 'Official area', es: 'Superficie oficial', eu: 'Azalera ofiziala' },
    help: from({
      en: 'Gross floor area the cadastre records (officialArea).',
      es: 'Superficie construida que registra el catastro (officialArea).',
      eu: 'Katastroak erregistratzen duen azalera eraikia (officialArea).',
    }),
  },
  {
    id: 'condition',
    group: 'building',
    kind: 'category',
    unit: '',
    name: { en: 'Condition', es: 'Estado', eu: 'Egoera' },
    help: from({
      en: 'State of the construction (conditionOfConstruction).',
      es: 'Estado de la construcción (conditionOfConstruction).',
      eu: 'Eraikuntzaren egoera (conditionOfConstruction).',
    }),
    categories: CONDITIONS,
  },
  {
    id: 'energy_rating',
    group: 'energy',
    kind: 'category',
    unit: '',
    imported: true,
    name: { en: 'Energy rating', es: 'Calificación energética', eu: 'Energia-kalifikazioa' },
    help: {
      en: 'Energy performance certificate rating, A (best) to G, imported from a CSV file of the certificate register.',
      es: 'Letra del certificado de eficiencia energética, de A (mejor) a G, importada de un CSV del registro de certificados.',
      eu: 'Energia-eraginkortasunaren ziurtagiriaren letra, A (onena) eta G artean, ziurtagirien erregistroko CSV batetik inportatua.',
    },
    categories: RATINGS,
  },
  {
    id: 'heat_demand',
    group: 'energy',
    kind: 'number',
    unit: 'kWh/m²·year',
    imported: true,
    name: { en: 'Heating demand', es: 'Demanda de calefacción', eu: 'Berokuntza-eskaria' },
    help: {
      en: 'Yearly heating demand per m² of floor area, from the energy certificate (imported from CSV).',
      es: 'Demanda anual de calefacción por m² de superficie, del certificado energético (importada de CSV).',
      eu: 'Urteko berokuntza-eskaria azalera m² bakoitzeko, energia-ziurtagiritik (CSVtik inportatua).',
    },
  },
  {
    id: 'solar_roof_area',
    group: 'solar',
    kind: 'number',
    unit: 'm²',
    imported: true,
    name: {
      en: 'Useful roof area',
      es: 'Superficie útil de cubierta',
      eu: 'Estalkiaren azalera erabilgarria',
    },
    help: {
      en: 'Roof area fit for solar panels (orientation, slope and shade), from a solar study imported from CSV.',
      es: 'Superficie de cubierta apta para paneles solares (orientación, pendiente y sombras), de un estudio solar importado de CSV.',
      eu: 'Eguzki-plakak jartzeko moduko estalki-azalera (orientazioa, malda eta itzalak), CSVtik inportatutako eguzki-azterketa batetik.',
    },
  },
  {
    id: 'solar_potential',
    group: 'solar',
    kind: 'number',
    unit: 'kWh/year',
    imported: true,
    name: { en: 'Solar potential', es: 'Potencial solar', eu: 'Eguzki-potentziala' },
    help: {
      en: 'Electricity the useful roof area could produce in a year with photovoltaic panels, from a solar study imported from CSV.',
      es: 'Electricidad que podría producir en un año la cubierta útil con paneles fotovoltaicos, de un estudio solar importado de CSV.',
      eu: 'Estalki erabilgarriak urtean plaka fotovoltaikoekin ekoitz lezakeen elektrizitatea, CSVtik inportatutako eguzki-azterketa batetik.',
    },
  },
];

export const IMPORTED_INDICATORS = INDICATORS.filter((i) => i.imported);

/** The tiles' property of a building's stored field. */
export const CADASTRE_PROPERTIES = [
  'use',
  'year',
  'floors',
  'height',
  'dwellings',
  'area',
  'condition',
] as const;
