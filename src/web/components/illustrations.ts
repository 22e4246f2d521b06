import accounts from '../assets/illustrations/accounts.svg';
import bus from '../assets/illustrations/bus.svg';
import city from '../assets/illustrations/city.svg';
import city3d from '../assets/illustrations/city3d.svg';
import comfort from '../assets/illustrations/comfort.svg';
import home from '../assets/illustrations/home.svg';
import installations from '../assets/illustrations/installations.svg';
import kpi from '../assets/illustrations/kpi.svg';
import municipal from '../assets/illustrations/municipal.svg';
import newsroom from '../assets/illustrations/newsroom.svg';
import planning from '../assets/illustrations/planning.svg';
import tv from '../assets/illustrations/tv.svg';

/** Pictures of the applications, drawn for CIOP (SVG, 320×180). */
export const ILLUSTRATIONS = {
  accounts,
  bus,
  city,
  city3d,
  comfort,
  home,
  installations,
  kpi,
  municipal,
  newsroom,
  planning,
  tv,
} as const;

export type IllustrationName = keyof typeof ILLUSTRATIONS;
