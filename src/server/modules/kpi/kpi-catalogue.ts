import type {
  Aggregation,
  Calculator,
  KpiMethod,
  KpiPeriod,
  KpiScope,
  KpiUnit,
  Pillar,
  Texts,
} from '#common/api/kpi.ts';

/** A KPI definition as CIOP ships it. */
export interface KpiSeed {
  code: string;
  pillar: Pillar;
  unit: KpiUnit;
  scope: KpiScope;
  lowerIsBetter: boolean;
  method: KpiMethod;
  calculator: Calculator | null;
  formula: string;
  period: KpiPeriod;
  aggregation: Aggregation;
  breakdown: string;
  public: boolean;
  name: Texts;
  description: Texts;
}

const energy = (
  code: string,
  unit: KpiUnit,
  aggregation: Aggregation,
  formula: string,
  name: Texts,
  description: Texts,
  isPublic = false,
): KpiSeed => ({
  code,
  pillar: 'energy',
  unit,
  scope: 'building',
  lowerIsBetter: code !== 'EN_CARRIER_SHARE',
  method: 'calculated',
  calculator: 'energy',
  formula,
  period: 'year',
  aggregation,
  breakdown: 'carrier',
  public: isPublic,
  name,
  description,
});

const comfort = (
  code: string,
  unit: KpiUnit,
  lowerIsBetter: boolean,
  breakdown: string,
  name: Texts,
  description: Texts,
  isPublic = false,
): KpiSeed => ({
  code,
  pillar: 'comfort',
  unit,
  scope: 'building',
  lowerIsBetter,
  method: 'calculated',
  calculator: 'comfort',
  formula: '',
  period: 'year',
  aggregation: 'mean',
  breakdown,
  public: isPublic,
  name,
  description,
});

const ict = (
  code: string,
  unit: KpiUnit,
  lowerIsBetter: boolean,
  formula: string,
  name: Texts,
  description: Texts,
): KpiSeed => ({
  code,
  pillar: 'ict',
  unit,
  scope: 'platform',
  lowerIsBetter,
  method: 'calculated',
  calculator: 'ict',
  formula,
  period: 'day',
  aggregation: 'mean',
  breakdown: '',
  public: code === 'ICT_AVAILABILITY',
  name,
  description,
});

const input = (
  code: string,
  pillar: Pillar,
  scope: KpiScope,
  unit: KpiUnit,
  lowerIsBetter: boolean,
  period: KpiPeriod,
  aggregation: Aggregation,
  name: Texts,
  description: Texts,
  isPublic = false,
): KpiSeed => ({
  code,
  pillar,
  unit,
  scope,
  lowerIsBetter,
  method: 'input',
  calculator: null,
  formula: '',
  period,
  aggregation,
  breakdown: '',
  public: isPublic,
  name,
  description,
});

const CARRIER_NOTE = {
  en: 'Per building and year (and month), for each carrier and in all.',
  es: 'Por edificio y año (y mes), para cada vector energético y en total.',
  eu: 'Eraikin eta urte bakoitzeko (baita hilabete bakoitzeko ere), energia-eramaile bakoitzeko eta guztira.',
};
const withNote = (t: Texts): Texts => ({
  en: `${t.en} ${CARRIER_NOTE.en}`,
  es: `${t.es} ${CARRIER_NOTE.es}`,
  eu: `${t.eu} ${CARRIER_NOTE.eu}`,
});

/**
 * The KPI definitions CIOP ships: those its calculators compute (energy, primary energy, CO2,
 * carrier shares, comfort, ICT) and a few that arrive from outside (mobility, life-cycle
 * analysis, social, economic). Added at start when missing; admins add more.
 */
export const KPI_CATALOGUE: readonly KpiSeed[] = [
  energy(
    'EN_FINAL',
    'kWh',
    'sum',
    'E_c = Σ records of carrier c (electricity: dwelling energy meters when the building has no electricity records); whole: Σ_c E_c',
    { en: 'Final energy use', es: 'Consumo de energía final', eu: 'Azken energia-kontsumoa' },
    withNote({
      en: 'Energy delivered to the building, from its thermal energy records and its dwellings’ electricity meters.',
      es: 'Energía entregada al edificio, según sus registros de energía térmica y los contadores eléctricos de sus viviendas.',
      eu: 'Eraikinari emandako energia, bere energia termikoaren erregistroen eta etxebizitzetako kontagailu elektrikoen arabera.',
    }),
    true,
  ),
  energy(
    'EN_FINAL_M2',
    'kWh/m²',
    'mean',
    'E_c / A_c, A_c the heated area served by carrier c (metered dwellings’ area for metered electricity); whole: Σ_c E_c / A, A the largest carrier area',
    {
      en: 'Final energy use per heated area',
      es: 'Consumo de energía final por superficie calefactada',
      eu: 'Azken energia-kontsumoa berokitutako azaleraren arabera',
    },
    withNote({
      en: 'Final energy divided by the heated area the carrier serves, as the building characterisation gives it.',
      es: 'Energía final dividida por la superficie calefactada a la que sirve el vector, según la caracterización del edificio.',
      eu: 'Azken energia, eramaileak zerbitzatzen duen berokitutako azaleraz zatituta, eraikinaren karakterizazioaren arabera.',
    }),
  ),
  energy(
    'EN_PRIMARY',
    'kWh',
    'sum',
    'Σ_c E_c · f_tot,c (f_tot: total primary energy factor of carrier c)',
    { en: 'Primary energy', es: 'Energía primaria', eu: 'Lehen mailako energia' },
    withNote({
      en: 'Total primary energy (renewable and non-renewable) behind the final energy, with the conversion factors in force.',
      es: 'Energía primaria total (renovable y no renovable) detrás de la energía final, con los factores de paso vigentes.',
      eu: 'Azken energiaren atzean dagoen lehen mailako energia osoa (berriztagarria eta ez-berriztagarria), indarrean dauden bihurketa-faktoreekin.',
    }),
    true,
  ),
  energy(
    'EN_PRIMARY_NREN',
    'kWh',
    'sum',
    'Σ_c E_c · f_nren,c (f_nren: non-renewable primary energy factor)',
    {
      en: 'Non-renewable primary energy',
      es: 'Energía primaria no renovable',
      eu: 'Lehen mailako energia ez-berriztagarria',
    },
    withNote({
      en: 'The non-renewable part of the primary energy.',
      es: 'La parte no renovable de la energía primaria.',
      eu: 'Lehen mailako energiaren zati ez-berriztagarria.',
    }),
  ),
  energy(
    'EN_PRIMARY_M2',
    'kWh/m²',
    'mean',
    'E_c · f_tot,c / A_c; whole: Σ_c E_c · f_tot,c / A',
    {
      en: 'Primary energy per heated area',
      es: 'Energía primaria por superficie calefactada',
      eu: 'Lehen mailako energia berokitutako azaleraren arabera',
    },
    withNote({
      en: 'Total primary energy divided by the heated area.',
      es: 'Energía primaria total dividida por la superficie calefactada.',
      eu: 'Lehen mailako energia osoa berokitutako azaleraz zatituta.',
    }),
    true,
  ),
  energy(
    'EN_PRIMARY_NREN_M2',
    'kWh/m²',
    'mean',
    'E_c · f_nren,c / A_c; whole: Σ_c E_c · f_nren,c / A',
    {
      en: 'Non-renewable primary energy per heated area',
      es: 'Energía primaria no renovable por superficie calefactada',
      eu: 'Lehen mailako energia ez-berriztagarria berokitutako azaleraren arabera',
    },
    withNote({
      en: 'Non-renewable primary energy divided by the heated area.',
      es: 'Energía primaria no renovable dividida por la superficie calefactada.',
      eu: 'Lehen mailako energia ez-berriztagarria berokitutako azaleraz zatituta.',
    }),
  ),
  energy(
    'EN_CO2',
    'kg CO2',
    'sum',
    'Σ_c E_c · k_c (k: kg CO2 per kWh of carrier c)',
    { en: 'CO2 emissions', es: 'Emisiones de CO2', eu: 'CO2 isurketak' },
    withNote({
      en: 'CO2 emitted to deliver the final energy, with the emission factors in force.',
      es: 'CO2 emitido para entregar la energía final, con los factores de emisión vigentes.',
      eu: 'Azken energia emateko isuritako CO2a, indarrean dauden isurpen-faktoreekin.',
    }),
    true,
  ),
  energy(
    'EN_CO2_M2',
    'kg CO2/m²',
    'mean',
    'E_c · k_c / A_c; whole: Σ_c E_c · k_c / A',
    {
      en: 'CO2 emissions per heated area',
      es: 'Emisiones de CO2 por superficie calefactada',
      eu: 'CO2 isurketak berokitutako azaleraren arabera',
    },
    withNote({
      en: 'CO2 emissions divided by the heated area.',
      es: 'Emisiones de CO2 divididas por la superficie calefactada.',
      eu: 'CO2 isurketak berokitutako azaleraz zatituta.',
    }),
  ),
  energy(
    'EN_CARRIER_SHARE',
    '%',
    'mean',
    '100 · E_c / Σ_c E_c',
    {
      en: 'Share of each carrier',
      es: 'Cuota de cada vector energético',
      eu: 'Energia-eramaile bakoitzaren kuota',
    },
    {
      en: 'Share of the building’s final energy delivered by each carrier, per year.',
      es: 'Parte de la energía final del edificio que aporta cada vector energético, por año.',
      eu: 'Eraikinaren azken energiaren zein zati ematen duen energia-eramaile bakoitzak, urteko.',
    },
  ),
  comfort(
    'CF_PMV',
    'PMV',
    false,
    '',
    { en: 'Mean PMV', es: 'PMV medio', eu: 'Batez besteko PMV' },
    {
      en: 'Mean predicted mean vote (ISO 7730) over the occupied hours of the building’s comfort points; 0 is neutral, closest to 0 is best.',
      es: 'Voto medio previsto (ISO 7730) medio en las horas ocupadas de los puntos de confort del edificio; 0 es neutro, lo más cercano a 0 es lo mejor.',
      eu: 'Aurreikusitako batez besteko botoa (ISO 7730) eraikineko erosotasun-puntuen ordu okupatuetan; 0 neutroa da, eta 0tik zenbat eta hurbilago, hobe.',
    },
  ),
  comfort(
    'CF_PPD',
    '%',
    true,
    '',
    { en: 'Mean PPD', es: 'PPD medio', eu: 'Batez besteko PPD' },
    {
      en: 'Mean predicted percentage of dissatisfied (ISO 7730) over the occupied hours of the building’s comfort points.',
      es: 'Porcentaje previsto de insatisfechos (ISO 7730) medio en las horas ocupadas de los puntos de confort del edificio.',
      eu: 'Gustura ez daudenen aurreikusitako ehunekoa (ISO 7730), eraikineko erosotasun-puntuen ordu okupatuetan.',
    },
    true,
  ),
  comfort(
    'CF_CATEGORY_SHARE',
    '%',
    false,
    'ISO 7730 category',
    {
      en: 'Occupied hours in each ISO 7730 category',
      es: 'Horas ocupadas en cada categoría ISO 7730',
      eu: 'ISO 7730 kategoria bakoitzeko ordu okupatuak',
    },
    {
      en: 'Share of the occupied hours in category I, II, III of ISO 7730, and outside them.',
      es: 'Parte de las horas ocupadas en las categorías I, II y III de la ISO 7730, y fuera de ellas.',
      eu: 'ISO 7730ren I, II eta III kategorietako ordu okupatuen zatia, eta haietatik kanpokoena.',
    },
  ),
  ict(
    'ICT_API_P50',
    'ms',
    true,
    'median of the API response times of the day',
    {
      en: 'API response time (median)',
      es: 'Tiempo de respuesta de la API (mediana)',
      eu: 'APIaren erantzun-denbora (mediana)',
    },
    {
      en: 'Half of the API requests of the day were answered within this time.',
      es: 'La mitad de las peticiones a la API del día se respondieron en este tiempo.',
      eu: 'Eguneko API eskaeren erdiei denbora honetan erantzun zitzaien.',
    },
  ),
  ict(
    'ICT_API_P95',
    'ms',
    true,
    '95th percentile of the API response times of the day',
    {
      en: 'API response time (95th percentile)',
      es: 'Tiempo de respuesta de la API (percentil 95)',
      eu: 'APIaren erantzun-denbora (95. pertzentila)',
    },
    {
      en: '95 % of the API requests of the day were answered within this time.',
      es: 'El 95 % de las peticiones a la API del día se respondieron en este tiempo.',
      eu: 'Eguneko API eskaeren % 95i denbora honetan erantzun zitzaien.',
    },
  ),
  ict(
    'ICT_AVAILABILITY',
    '%',
    false,
    '100 · five-minute slots the platform ran / slots of the day so far',
    { en: 'Availability', es: 'Disponibilidad', eu: 'Erabilgarritasuna' },
    {
      en: 'Share of the day during which the platform was running.',
      es: 'Parte del día durante la que la plataforma estuvo en marcha.',
      eu: 'Plataforma martxan egon zen egunaren zatia.',
    },
  ),
  ict(
    'ICT_SERVICES',
    'count',
    false,
    'distinct first path segments of the API routes',
    { en: 'Services', es: 'Servicios', eu: 'Zerbitzuak' },
    {
      en: 'Number of services the platform offers through its API (readings, buildings, KPIs…).',
      es: 'Número de servicios que la plataforma ofrece en su API (lecturas, edificios, KPI…).',
      eu: 'Plataformak bere APIaren bidez eskaintzen dituen zerbitzuen kopurua (irakurketak, eraikinak, KPIak…).',
    },
  ),
  ict(
    'ICT_APIS',
    'count',
    false,
    'API routes (method and path)',
    { en: 'API endpoints', es: 'Puntos de acceso de la API', eu: 'APIaren sarbide-puntuak' },
    {
      en: 'Number of API endpoints the platform answers.',
      es: 'Número de puntos de acceso de la API que la plataforma atiende.',
      eu: 'Plataformak erantzuten dituen APIaren sarbide-puntuen kopurua.',
    },
  ),
  ict(
    'ICT_MEASUREMENT_TYPES',
    'count',
    false,
    'media in the registry',
    { en: 'Measurement types', es: 'Tipos de medida', eu: 'Neurketa motak' },
    {
      en: 'Number of kinds of measurement the platform stores (temperature, humidity, CO2, power, energy…).',
      es: 'Número de tipos de medida que guarda la plataforma (temperatura, humedad, CO2, potencia, energía…).',
      eu: 'Plataformak gordetzen dituen neurketa moten kopurua (tenperatura, hezetasuna, CO2a, potentzia, energia…).',
    },
  ),
  ict(
    'ICT_DATA_VOLUME',
    'MB',
    false,
    'bytes the time-series store takes on disk / 10⁶',
    { en: 'Stored data volume', es: 'Volumen de datos guardado', eu: 'Gordetako datuen bolumena' },
    {
      en: 'Space the stored measurements take on disk at the end of the day.',
      es: 'Espacio que ocupan en disco las medidas guardadas al final del día.',
      eu: 'Gordetako neurketek egunaren amaieran diskoan hartzen duten lekua.',
    },
  ),
  ict(
    'ICT_INGEST_RATE',
    'readings/min',
    false,
    'readings stored for the day / minutes of the day so far',
    { en: 'Ingest rate', es: 'Ritmo de ingesta', eu: 'Datu-sarreraren erritmoa' },
    {
      en: 'Readings stored per minute, on average over the day.',
      es: 'Lecturas guardadas por minuto, de media en el día.',
      eu: 'Minutuko gordetako irakurketak, egunaren batez bestekoa.',
    },
  ),
  input(
    'MO_CO2_AVOIDED',
    'mobility',
    'vehicle',
    'kg CO2',
    false,
    'year',
    'sum',
    {
      en: 'CO2 avoided by electric vehicles',
      es: 'CO2 evitado por vehículos eléctricos',
      eu: 'Ibilgailu elektrikoek saihestutako CO2a',
    },
    {
      en: 'CO2 a vehicle avoided by running on electricity instead of diesel or petrol.',
      es: 'CO2 que un vehículo evitó al funcionar con electricidad en lugar de gasóleo o gasolina.',
      eu: 'Ibilgailu batek saihestutako CO2a, gasolioaren edo gasolinaren ordez elektrizitatearekin ibiltzeagatik.',
    },
    true,
  ),
  input(
    'MO_DISTANCE',
    'mobility',
    'vehicle',
    'km',
    false,
    'year',
    'sum',
    { en: 'Distance travelled', es: 'Distancia recorrida', eu: 'Egindako distantzia' },
    {
      en: 'Distance a vehicle travelled in the period.',
      es: 'Distancia que recorrió un vehículo en el periodo.',
      eu: 'Ibilgailu batek aldian egindako distantzia.',
    },
  ),
  input(
    'MO_ENERGY_PER_KM',
    'mobility',
    'vehicle',
    'kWh/km',
    true,
    'year',
    'mean',
    { en: 'Energy per kilometre', es: 'Energía por kilómetro', eu: 'Kilometroko energia' },
    {
      en: 'Electricity a vehicle used per kilometre travelled.',
      es: 'Electricidad que usó un vehículo por kilómetro recorrido.',
      eu: 'Ibilgailu batek egindako kilometro bakoitzeko erabilitako elektrizitatea.',
    },
  ),
  input(
    'LCA_GWP',
    'environmental',
    'building',
    'kg CO2-eq/m²',
    true,
    'campaign',
    'mean',
    {
      en: 'Global warming potential (life cycle)',
      es: 'Potencial de calentamiento global (ciclo de vida)',
      eu: 'Berotze globalerako potentziala (bizi-zikloa)',
    },
    {
      en: 'Greenhouse gases over the building’s life cycle per floor area, before (baseline) and after (final) the intervention.',
      es: 'Gases de efecto invernadero en el ciclo de vida del edificio por superficie, antes (línea base) y después (final) de la intervención.',
      eu: 'Eraikinaren bizi-zikloko berotegi-efektuko gasak azaleraren arabera, esku-hartzearen aurretik (oinarri-lerroa) eta ondoren (azkena).',
    },
  ),
  input(
    'LCA_PRIMARY_ENERGY',
    'environmental',
    'building',
    'kWh/m²·year',
    true,
    'campaign',
    'mean',
    {
      en: 'Life-cycle primary energy',
      es: 'Energía primaria del ciclo de vida',
      eu: 'Bizi-zikloko lehen mailako energia',
    },
    {
      en: 'Primary energy over the building’s life cycle per floor area and year, before and after the intervention.',
      es: 'Energía primaria del ciclo de vida del edificio por superficie y año, antes y después de la intervención.',
      eu: 'Eraikinaren bizi-zikloko lehen mailako energia azalera eta urte bakoitzeko, esku-hartzearen aurretik eta ondoren.',
    },
  ),
  input(
    'SO_SATISFACTION',
    'social',
    'district',
    '%',
    false,
    'campaign',
    'mean',
    { en: 'Residents satisfied', es: 'Residentes satisfechos', eu: 'Bizilagun gogobeteak' },
    {
      en: 'Share of the surveyed residents satisfied with the intervention.',
      es: 'Parte de los residentes encuestados satisfechos con la intervención.',
      eu: 'Esku-hartzearekin gogobeteta dauden inkestatutako bizilagunen zatia.',
    },
  ),
  input(
    'SO_PARTICIPATION',
    'social',
    'district',
    '%',
    false,
    'campaign',
    'mean',
    { en: 'Households taking part', es: 'Hogares participantes', eu: 'Parte hartzen duten etxeak' },
    {
      en: 'Share of the district’s households taking part in the project.',
      es: 'Parte de los hogares del barrio que participan en el proyecto.',
      eu: 'Proiektuan parte hartzen duten auzoko etxeen zatia.',
    },
  ),
  input(
    'EC_INVESTMENT',
    'economic',
    'building',
    '€',
    false,
    'campaign',
    'sum',
    { en: 'Investment', es: 'Inversión', eu: 'Inbertsioa' },
    {
      en: 'Money invested in the building’s intervention.',
      es: 'Dinero invertido en la intervención del edificio.',
      eu: 'Eraikinaren esku-hartzean inbertitutako dirua.',
    },
  ),
  input(
    'EC_PAYBACK',
    'economic',
    'building',
    'years',
    true,
    'campaign',
    'mean',
    { en: 'Payback period', es: 'Periodo de retorno', eu: 'Itzulketa-epea' },
    {
      en: 'Years the energy savings take to repay the investment.',
      es: 'Años que tardan los ahorros de energía en devolver la inversión.',
      eu: 'Energia-aurrezkiek inbertsioa itzultzeko behar dituzten urteak.',
    },
  ),
];
