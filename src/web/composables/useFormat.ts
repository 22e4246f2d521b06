import { computed } from 'vue';
import { useI18n } from 'vue-i18n';
import type { Language } from '#common/api/news.ts';
import { type Formatter, formatterFor } from '../i18n/format.ts';

/**
 * Numbers, quantities, dates and relative times in the interface language (i18n/format.ts: one
 * formatter per language, Basque included, 24-hour clock). Each function reads the language when
 * called, so a template that uses them follows a change of language.
 */
export function useFormat(): Formatter & { readonly current: Formatter } {
  const { locale } = useI18n();
  const current = computed(() => formatterFor(locale.value as Language));
  return {
    get language() {
      return current.value.language;
    },
    get current() {
      return current.value;
    },
    number: (value, digits) => current.value.number(value, digits),
    quantity: (value, unit, reference) => current.value.quantity(value, unit, reference),
    percent: (value, digits) => current.value.percent(value, digits),
    change: (value, digits) => current.value.change(value, digits),
    date: (ms) => current.value.date(ms),
    dateTime: (ms) => current.value.dateTime(ms),
    time: (ms) => current.value.time(ms),
    longDate: (ms) => current.value.longDate(ms),
    dayMonth: (ms) => current.value.dayMonth(ms),
    dayMonthYear: (ms) => current.value.dayMonthYear(ms),
    monthYear: (ms) => current.value.monthYear(ms),
    relative: (ms, now) => current.value.relative(ms, now),
  };
}
