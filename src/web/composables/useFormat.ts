import { computed } from 'vue';
import { useI18n } from 'vue-i18n';

const UNITS: Record<string, string> = { 'kg CO2': 'kg CO₂', 't CO2': 't CO₂', count: '' };

// Making an Intl formatter costs far more than using one (a page of figures made thousands):
// each is made once per language and options.
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => T,
): T {
  let f = formatters.get(key) as T | undefined;
  if (!f) formatters.set(key, (f = make()));
  return f;
}

/** Numbers, quantities, dates and relative times in the interface language. */
export function useFormat() {
  const { locale } = useI18n();
  const lang = computed(() => locale.value);

  const number = (value: number, digits = 0) =>
    cached(
      `n|${lang.value}|${digits}`,
      () => new Intl.NumberFormat(lang.value, { maximumFractionDigits: digits, minimumFractionDigits: 0 }),
    ).format(value);

  /** A quantity with its unit; large energies and masses are shown in MWh and tonnes. */
  function quantity(value: number, unit: string): string {
    if (unit === 'kWh' && Math.abs(value) >= 100_000) return `${number(value / 1000, 0)} MWh`;
    if (unit === 'kg CO2' && Math.abs(value) >= 100_000) return `${number(value / 1000, 0)} t CO₂`;
    const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
    const shown = UNITS[unit] ?? unit;
    return shown ? `${number(value, digits)} ${shown}` : number(value, digits);
  }

  const dates = (name: string, options: Intl.DateTimeFormatOptions) =>
    cached(`d|${lang.value}|${name}`, () => new Intl.DateTimeFormat(lang.value, options));
  const date = (ms: number) => dates('date', { dateStyle: 'medium' }).format(ms);
  const dateTime = (ms: number) => dates('dateTime', { dateStyle: 'medium', timeStyle: 'short' }).format(ms);
  const time = (ms: number) => dates('time', { timeStyle: 'short' }).format(ms);
  const longDate = (ms: number) =>
    dates('longDate', { weekday: 'long', day: 'numeric', month: 'long' }).format(ms);

  /** "3 hours ago", "yesterday"… */
  function relative(ms: number, now = Date.now()): string {
    const seconds = Math.round((ms - now) / 1000);
    const format = cached(
      `r|${lang.value}`,
      () => new Intl.RelativeTimeFormat(lang.value, { numeric: 'auto' }),
    );
    const abs = Math.abs(seconds);
    if (abs < 60) return format.format(0, 'minute');
    if (abs < 3600) return format.format(Math.round(seconds / 60), 'minute');
    if (abs < 86_400) return format.format(Math.round(seconds / 3600), 'hour');
    return format.format(Math.round(seconds / 86_400), 'day');
  }

  return { number, quantity, date, dateTime, time, longDate, relative };
}
