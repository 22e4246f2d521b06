import { createI18n } from 'vue-i18n';
import type { Language } from '#common/api/news.ts';
import { englishMessages as en, loadMessages } from './catalogues.ts';
import { compileMessage } from './compile.ts';

/** The languages CIOP speaks, each named in itself (as language pickers do). */
export const LANGUAGES: readonly { code: Language; name: string }[] = [
  { code: 'en', name: 'English' },
  { code: 'es', name: 'Español' },
  { code: 'eu', name: 'Euskara' },
];

const STORAGE_KEY = 'ciop.language';

export const i18n = createI18n({
  legacy: false,
  locale: 'en' as Language,
  fallbackLocale: 'en',
  // Typed as holding every language; es and eu are filled in as they load (setLanguage).
  messages: { en } as Record<Language, typeof en>,
  missingWarn: false,
  fallbackWarn: false,
  messageCompiler: compileMessage,
});

export const isLanguage = (value: unknown): value is Language =>
  typeof value === 'string' && LANGUAGES.some((l) => l.code === value);

/** The visitor's remembered choice, else the first of the browser's languages CIOP speaks. */
export function preferredLanguage(): Language {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (isLanguage(stored)) return stored;
  } catch {
    // Storage may be disabled; the browser's languages still answer.
  }
  for (const tag of navigator.languages ?? [navigator.language]) {
    const primary = tag.toLowerCase().split('-')[0];
    if (isLanguage(primary)) return primary;
  }
  return 'en';
}

/** Whether the visitor has chosen a language themselves. */
export function hasChosenLanguage(): boolean {
  try {
    return isLanguage(localStorage.getItem(STORAGE_KEY));
  } catch {
    return false;
  }
}

/** Switches the interface language, loading its catalogue when needed; `remember` keeps the choice. */
export async function setLanguage(language: Language, remember = true): Promise<void> {
  if (!i18n.global.availableLocales.includes(language)) {
    // English ships with the page; the other catalogues load when first chosen.
    i18n.global.setLocaleMessage(language, (await loadMessages(language)) as typeof en);
  }
  i18n.global.locale.value = language;
  document.documentElement.lang = language;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, language);
    } catch {
      // Not remembered across visits, but applied now.
    }
  }
}

export function currentLanguage(): Language {
  return i18n.global.locale.value as Language;
}
