import type { Language } from '#common/api/news.ts';
import type { TipId } from '#common/api/home.ts';

/**
 * The tips in plain words, in each language CIOP speaks. `{name}` marks a figure, filled in
 * already formatted for the language (numbers, percentages, temperatures, times of day).
 */
export const TIP_TEXTS: Record<Language, Record<TipId, { title: string; text: string }>> = {
  en: {
    ventilate: {
      title: 'Let fresh air in',
      text: 'For {hours} hours in the last {days} days the air in your home held more than {limit} ppm of CO₂ (at most {max} ppm), most often around {hour}. Stale air makes you tired and you sleep worse: open the windows wide for 5 to 10 minutes several times a day, and before going to bed.',
    },
    'air-ok': {
      title: 'The air is fresh',
      text: 'In the last {days} days the CO₂ in your home stayed below {limit} ppm (at most {max} ppm). Keep airing the rooms as you do.',
    },
    mould: {
      title: 'Risk of mould',
      text: 'For {hours} hours in the last {days} days ({share} of the time) the humidity in your home was above {limit}. Damp air lets mould grow on cold walls and behind furniture: air the bathroom and the kitchen after showers and cooking, dry clothes outdoors or by an open window, and leave a gap between furniture and outside walls.',
    },
    'humidity-ok': {
      title: 'Humidity is fine',
      text: 'In the last {days} days the humidity in your home stayed at or below {limit} (at most {max}). That keeps mould away.',
    },
    'heating-cost': {
      title: 'Each degree costs',
      text: 'On the cold days of the last {days} days your home was at {temperature} on average in the daytime, {excess} above the {comfortable} that is enough for comfort. Each degree more takes about {perDegree} more heating energy: at {comfortable} you would use about {saving} less for heating.',
    },
    'heating-ok': {
      title: 'Heating well set',
      text: 'On the cold days of the last {days} days your home was at {temperature} on average in the daytime: no warmer than it needs to be. Each degree more would take about {perDegree} more heating energy.',
    },
    'no-data': {
      title: 'Not enough data yet',
      text: 'The sensors in your home have not sent enough readings in the last {days} days to draw advice from them.',
    },
  },
  es: {
    ventilate: {
      title: 'Ventila tu casa',
      text: 'Durante {hours} horas de los últimos {days} días el aire de tu casa superó las {limit} ppm de CO₂ (como máximo {max} ppm), sobre todo hacia las {hour}. El aire cargado cansa y se duerme peor: abre bien las ventanas de 5 a 10 minutos varias veces al día, y antes de acostarse.',
    },
    'air-ok': {
      title: 'El aire está limpio',
      text: 'En los últimos {days} días el CO₂ de tu casa se mantuvo por debajo de {limit} ppm (como máximo {max} ppm). Sigue ventilando como hasta ahora.',
    },
    mould: {
      title: 'Riesgo de moho',
      text: 'Durante {hours} horas de los últimos {days} días ({share} del tiempo) la humedad de tu casa superó el {limit}. El aire húmedo hace que crezca moho en las paredes frías y detrás de los muebles: ventila el baño y la cocina después de ducharte y de cocinar, tiende la ropa fuera o junto a una ventana abierta y separa un poco los muebles de las paredes exteriores.',
    },
    'humidity-ok': {
      title: 'La humedad es adecuada',
      text: 'En los últimos {days} días la humedad de tu casa no pasó del {limit} (como máximo {max}). Así se evita el moho.',
    },
    'heating-cost': {
      title: 'Cada grado cuesta',
      text: 'En los días fríos de los últimos {days} días tu casa estuvo de media a {temperature} durante el día, {excess} por encima de los {comfortable} que bastan para estar a gusto. Cada grado de más supone alrededor de un {perDegree} más de energía de calefacción: a {comfortable} gastarías en torno a un {saving} menos en calefacción.',
    },
    'heating-ok': {
      title: 'Calefacción bien ajustada',
      text: 'En los días fríos de los últimos {days} días tu casa estuvo de media a {temperature} durante el día: no más de lo necesario. Cada grado de más supondría alrededor de un {perDegree} más de energía de calefacción.',
    },
    'no-data': {
      title: 'Aún no hay datos suficientes',
      text: 'Los sensores de tu casa no han enviado lecturas suficientes en los últimos {days} días para darte consejos.',
    },
  },
  eu: {
    ventilate: {
      title: 'Aireztatu etxea',
      text: 'Azken {days} egunetan {hours} orduz zure etxeko aireak {limit} ppm CO₂ baino gehiago izan zituen (gehienez {max} ppm), gehienetan {hour} aldera. Aire kargatuak nekea dakar eta okerrago lo egiten da: ireki leihoak zabal-zabalik 5 eta 10 minutu artean egunean hainbat aldiz, baita oheratu aurretik ere.',
    },
    'air-ok': {
      title: 'Airea garbi dago',
      text: 'Azken {days} egunetan zure etxeko CO₂a {limit} ppm-tik behera egon da (gehienez {max} ppm). Jarraitu orain arte bezala aireztatzen.',
    },
    mould: {
      title: 'Lizun arriskua',
      text: 'Azken {days} egunetan {hours} orduz (denboraren {share}) zure etxeko hezetasuna {limit} baino handiagoa izan zen. Aire hezeak lizuna hazten du horma hotzetan eta altzarien atzean: aireztatu bainugela eta sukaldea dutxatu eta sukaldatu ondoren, lehortu arropa kanpoan edo leiho ireki baten ondoan, eta utzi tarte bat altzarien eta kanpoko hormen artean.',
    },
    'humidity-ok': {
      title: 'Hezetasuna egokia da',
      text: 'Azken {days} egunetan zure etxeko hezetasuna ez da {limit} baino handiagoa izan (gehienez {max}). Horrela lizuna saihesten da.',
    },
    'heating-cost': {
      title: 'Gradu bakoitzak balio du',
      text: 'Azken {days} egunetako egun hotzetan zure etxea batez beste {temperature} zegoen egunez, erosotasunerako nahikoa diren {comfortable} baino {excess} gehiago. Gradu bakoitzeko {perDegree} inguru energia gehiago behar da berotzeko: {comfortable} izanda, {saving} inguru gutxiago kontsumituko zenuke berogailuan.',
    },
    'heating-ok': {
      title: 'Berogailua ondo doituta',
      text: 'Azken {days} egunetako egun hotzetan zure etxea batez beste {temperature} zegoen egunez: behar baino beroago ez. Gradu bakoitzeko {perDegree} inguru energia gehiago beharko litzateke berotzeko.',
    },
    'no-data': {
      title: 'Oraindik ez dago datu nahikorik',
      text: 'Zure etxeko sentsoreek ez dute irakurketa nahikorik bidali azken {days} egunetan aholkuak emateko.',
    },
  },
};
