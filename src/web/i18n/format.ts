import type { Language } from '#common/api/news.ts';

/**
 * Every number, date, time and relative time a page shows, in one language: tables, figures and
 * chart axes alike (composables/useFormat.ts gives the interface language's; chart-options.ts
 * takes one for its axes).
 *
 * English and Spanish come from the browser's Intl. Basque does not: browsers ship without
 * Basque locale data (Chromium formats `eu` as English), so its forms are built here from parts
 * that every browser has: grouping with a point and decimals with a comma ("2.819 W", "1,5 °C"),
 * the year with its suffix and the month in the genitive ("2026ko abenduaren 6a"), relative times
 * ("duela 5 minutu"). All three use the 24-hour clock.
 */
export interface Formatter {
  readonly language: Language;
  /** A number with at most `digits` decimals (none by default), grouped by thousands. */
  number(value: number, digits?: number): string;
  /**
   * A quantity with its unit; large energies and masses in MWh and tonnes; "-0" is written "0".
   * In a column, give the column's largest magnitude as `reference`: every cell then takes the
   * same unit (one unit per column, never "108 MWh" above "56.756 kWh").
   */
  quantity(value: number, unit: string, reference?: number): string;
  /** A share, `value` in % (not 0–1): "12 %", "-3,5 %". */
  percent(value: number, digits?: number): string;
  /** A change, `value` in %, with its sign once rounded: "+12 %", "−3 %", and "0 %" (never "−0 %"). */
  change(value: number, digits?: number): string;
  /** "6 Dec 2026", "6 dic 2026", "2026ko abe. 6a". */
  date(ms: number): string;
  /** The date and the 24-hour time. */
  dateTime(ms: number): string;
  /** "14:05". */
  time(ms: number): string;
  /** "Sunday 6 December", "domingo, 6 de diciembre", "igandea, abenduaren 6a". */
  longDate(ms: number): string;
  /** A short day for an axis: "6 Dec", "6 dic", "abe. 6". */
  dayMonth(ms: number): string;
  /** A short day with its year, for axes that span years: "6 Dec 2025". */
  dayMonthYear(ms: number): string;
  /** "Dec 2026", "dic 2026", "2026ko abe.". */
  monthYear(ms: number): string;
  /** "5 minutes ago", "hace 5 minutos", "duela 5 minutu"; "yesterday"… */
  relative(ms: number, now?: number): string;
}

const UNITS: Record<string, string> = { 'kg CO2': 'kg CO₂', 't CO2': 't CO₂', count: '' };

/** Writes -0 (a negative figure that rounds to nothing) as 0. */
const noNegativeZero = (text: string) => (/^-0([.,]0+)?$/.test(text) ? text.slice(1) : text);

const EU_MONTHS = [
  'urtarrila',
  'otsaila',
  'martxoa',
  'apirila',
  'maiatza',
  'ekaina',
  'uztaila',
  'abuztua',
  'iraila',
  'urria',
  'azaroa',
  'abendua',
];
const EU_SHORT_MONTHS = [
  'urt.',
  'ots.',
  'mar.',
  'api.',
  'mai.',
  'eka.',
  'uzt.',
  'abu.',
  'ira.',
  'urr.',
  'aza.',
  'abe.',
];
const EU_WEEKDAYS = ['igandea', 'astelehena', 'asteartea', 'asteazkena', 'osteguna', 'ostirala', 'larunbata'];

/** "abenduaren": the genitive of a month name (the final -a of the name is its article). */
const euGenitive = (month: number) => `${EU_MONTHS[month].replace(/a$/, '')}aren`;

/**
 * A year and its -ko/-eko ("2026ko", "2025eko"): -eko after a number whose spoken form ends in a
 * consonant (bat, bost, hamar, hamabost, in Basque's counting by twenties).
 */
export function euYear(year: number): string {
  const rest = year % 20;
  return `${year}${[1, 5, 10, 15].includes(rest) && year % 100 !== 0 ? 'eko' : 'ko'}`;
}

// Making an Intl formatter costs far more than using one (a page of figures made thousands).
const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => T,
): T {
  let f = cache.get(key) as T | undefined;
  if (!f) cache.set(key, (f = make()));
  return f;
}

/** The calendar and clock of an instant in the browser's time zone, read from parts every browser has. */
function parts(ms: number) {
  const d = new Date(ms);
  return {
    year: d.getFullYear(),
    month: d.getMonth(),
    day: d.getDate(),
    weekday: d.getDay(),
    hh: String(d.getHours()).padStart(2, '0'),
    mm: String(d.getMinutes()).padStart(2, '0'),
  };
}

const made = new Map<Language, Formatter>();

/** The formatter of a language (made once). */
export function formatterFor(language: Language): Formatter {
  let f = made.get(language);
  if (!f) made.set(language, (f = make(language)));
  return f;
}

function make(language: Language): Formatter {
  const basque = language === 'eu';
  // Basque groups and separates as Spanish does, but with a group from 1,000 (CLDR eu): the
  // English form with the two signs swapped.
  const intlLanguage = basque ? 'en' : language;

  function number(value: number, digits = 0): string {
    const text = cached(
      `n|${intlLanguage}|${digits}`,
      () => new Intl.NumberFormat(intlLanguage, { maximumFractionDigits: digits, minimumFractionDigits: 0 }),
    ).format(value);
    const local = basque ? text.replace(/[.,]/g, (c) => (c === ',' ? '.' : ',')) : text;
    return noNegativeZero(local);
  }

  function quantity(value: number, unit: string, reference = value): string {
    const large = Math.abs(reference) >= 100_000;
    if (unit === 'kWh' && large) return `${number(value / 1000, 0)} MWh`;
    if (unit === 'kg CO2' && large) return `${number(value / 1000, 0)} t CO₂`;
    const size = Math.max(Math.abs(value), Math.abs(reference));
    const digits = size >= 100 ? 0 : size >= 10 ? 1 : 2;
    const shown = UNITS[unit] ?? unit;
    return shown ? `${number(value, digits)} ${shown}` : number(value, digits);
  }

  const percent = (value: number, digits = 0) => `${number(value, digits)} %`;
  const change = (value: number, digits = 0) => {
    const size = number(Math.abs(value), digits);
    const zero = /^0([.,]0+)?$/.test(size);
    return `${zero ? '' : value > 0 ? '+' : '−'}${size} %`;
  };

  const dates = (name: string, options: Intl.DateTimeFormatOptions) =>
    cached(
      `d|${language}|${name}`,
      () => new Intl.DateTimeFormat(language, { hourCycle: 'h23', ...options }),
    );

  const time = (ms: number) => {
    const p = parts(ms);
    return `${p.hh}:${p.mm}`;
  };

  if (basque) {
    const date = (ms: number) => {
      const p = parts(ms);
      return `${euYear(p.year)} ${EU_SHORT_MONTHS[p.month]} ${p.day}a`;
    };
    return {
      language,
      number,
      quantity,
      percent,
      change,
      date,
      dateTime: (ms) => `${date(ms)}, ${time(ms)}`,
      time,
      longDate: (ms) => {
        const p = parts(ms);
        return `${EU_WEEKDAYS[p.weekday]}, ${euGenitive(p.month)} ${p.day}a`;
      },
      dayMonth: (ms) => {
        const p = parts(ms);
        return `${EU_SHORT_MONTHS[p.month]} ${p.day}`;
      },
      dayMonthYear: (ms) => {
        const p = parts(ms);
        return `${euYear(p.year)} ${EU_SHORT_MONTHS[p.month]} ${p.day}`;
      },
      monthYear: (ms) => {
        const p = parts(ms);
        return `${euYear(p.year)} ${EU_SHORT_MONTHS[p.month]}`;
      },
      relative: (ms, now = Date.now()) => euRelative(ms, now, number),
    };
  }

  return {
    language,
    number,
    quantity,
    percent,
    change,
    date: (ms) => dates('date', { dateStyle: 'medium' }).format(ms),
    dateTime: (ms) => `${dates('date', { dateStyle: 'medium' }).format(ms)}, ${time(ms)}`,
    time,
    longDate: (ms) => dates('longDate', { weekday: 'long', day: 'numeric', month: 'long' }).format(ms),
    dayMonth: (ms) => dates('dayMonth', { day: 'numeric', month: 'short' }).format(ms),
    dayMonthYear: (ms) =>
      dates('dayMonthYear', { day: 'numeric', month: 'short', year: 'numeric' }).format(ms),
    monthYear: (ms) => dates('monthYear', { month: 'short', year: 'numeric' }).format(ms),
    relative: (ms, now = Date.now()) => {
      const format = cached(
        `r|${language}`,
        () => new Intl.RelativeTimeFormat(language, { numeric: 'auto' }),
      );
      const [amount, unit] = relativeAmount(ms, now);
      return format.format(amount, unit);
    },
  };
}

/** The amount and unit of a relative time: minutes under an hour, hours under a day, else days. */
function relativeAmount(ms: number, now: number): [number, 'minute' | 'hour' | 'day'] {
  const seconds = Math.round((ms - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 60) return [0, 'minute'];
  if (abs < 3600) return [Math.round(seconds / 60), 'minute'];
  if (abs < 86_400) return [Math.round(seconds / 3600), 'hour'];
  return [Math.round(seconds / 86_400), 'day'];
}

const EU_UNITS = { minute: 'minutu', hour: 'ordu', day: 'egun' } as const;

/** "orain", "duela 5 minutu", "atzo", "bihar", "3 egun barru". */
function euRelative(ms: number, now: number, number: (v: number) => string): string {
  const [amount, unit] = relativeAmount(ms, now);
  if (amount === 0) return unit === 'day' ? 'gaur' : 'orain';
  if (unit === 'day' && amount === -1) return 'atzo';
  if (unit === 'day' && amount === 1) return 'bihar';
  const words = `${number(Math.abs(amount))} ${EU_UNITS[unit]}`;
  return amount < 0 ? `duela ${words}` : `${words} barru`;
}
