import type { Language } from '#common/api/news.ts';
import en from './en.json';

/** A message catalogue: nested keys, strings at the leaves. */
export type Tree = { [key: string]: string | Tree };

// Each application may keep its texts beside it, in apps/<app>/i18n/<language>.json; they are
// merged into the shell's catalogue, so applications add texts without touching shared files.
const english = import.meta.glob<Tree>('../apps/*/i18n/en.json', { eager: true, import: 'default' });
const others: Record<Exclude<Language, 'en'>, Record<string, () => Promise<Tree>>> = {
  es: import.meta.glob<Tree>('../apps/*/i18n/es.json', { import: 'default' }),
  eu: import.meta.glob<Tree>('../apps/*/i18n/eu.json', { import: 'default' }),
};
const shell: Record<Exclude<Language, 'en'>, () => Promise<Tree>> = {
  es: async () => (await import('./es.json')).default as Tree,
  eu: async () => (await import('./eu.json')).default as Tree,
};

/** Merges catalogues; a key defined twice is a mistake worth stopping for. */
export function mergeCatalogues(...parts: Tree[]): Tree {
  const out: Tree = {};
  const into = (target: Tree, source: Tree, path: string) => {
    for (const [key, value] of Object.entries(source)) {
      const existing = target[key];
      if (typeof value === 'string' || typeof existing === 'string') {
        if (existing !== undefined) throw new Error(`i18n: the key ${path}${key} is defined twice`);
        target[key] = value;
      } else {
        const branch = (existing as Tree | undefined) ?? {};
        target[key] = branch;
        into(branch, value, `${path}${key}.`);
      }
    }
  };
  for (const part of parts) into(out, part, '');
  return out;
}

/** English, shipped with the page: the shell's catalogue and every application's. */
export const englishMessages: typeof en = mergeCatalogues(en, ...Object.values(english)) as typeof en;

/** Every catalogue of a language, merged; the non-English ones load on demand. */
export async function loadMessages(language: Language): Promise<Tree> {
  if (language === 'en') return englishMessages;
  const parts = await Promise.all(Object.values(others[language]).map((load) => load()));
  return mergeCatalogues(await shell[language](), ...parts);
}
