import { useI18n } from 'vue-i18n';
import { type Kpi, PLATFORM_RESOURCE, type Texts } from '#common/api/kpi.ts';
import { useFormat } from '../../composables/useFormat.ts';

const HOUR = 3_600_000;

/** KPI units written with words, by their key in `kpi.unit`. */
const UNIT_WORDS: Record<string, string> = {
  'kWh/m²·year': 'perYear',
  years: 'years',
  'readings/min': 'readingsPerMin',
  score: 'score',
};

/** Names of carriers, KPIs and periods in the interface language. */
export function useKpiText() {
  const { t, te, locale } = useI18n();
  const format = useFormat();
  const lang = () => (['en', 'es', 'eu'].includes(locale.value) ? (locale.value as keyof Texts) : 'en');
  return {
    carrier: (c: string) => (te(`kpi.carrier.${c}`) ? t(`kpi.carrier.${c}`) : c),
    /** A KPI unit in the interface language (the symbols stay; words are translated). */
    unit: (symbol: string) => (UNIT_WORDS[symbol] ? t(`kpi.unit.${UNIT_WORDS[symbol]}`) : symbol),
    /** A resource: a building's code, or the platform itself (the ICT KPIs). */
    resource: (r: string) => (r === PLATFORM_RESOURCE ? t('kpi.platform') : r),
    /** A KPI's name as the catalogue gives it in the interface language. */
    name: (k: Pick<Kpi, 'name'> | undefined, code: string) => k?.name[lang()] ?? code,
    breakdown: (b: string) =>
      b === '' ? t('kpi.whole') : te(`kpi.carrier.${b}`) ? t(`kpi.carrier.${b}`) : b,
    /**
     * A period as people say it: a year, a month, a day, or from–to. Periods are cut in the city's
     * time zone, which the browser may not share: they are named by their middle (and a span by
     * its first and last noon), which falls in the same year, month or day anywhere.
     */
    period: (start: number, end: number, granularity: string) => {
      const middle = start + (end - start) / 2;
      if (granularity === 'year') return String(new Date(middle).getFullYear());
      if (granularity === 'month') return format.monthYear(middle);
      if (granularity === 'day') return format.date(middle);
      return `${format.date(start + 12 * HOUR)} – ${format.date(end - 12 * HOUR)}`;
    },
  };
}
