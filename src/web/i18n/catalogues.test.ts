import { describe, expect, it } from 'vitest';
import { ROLES } from '#common/api/access.ts';
import { APP_TAGS } from '../apps/app.ts';
import { APPS, catalogue } from '../apps/registry.ts';
import { loadMessages, type Tree } from './catalogues.ts';

// Every catalogue as the shell loads it: its own and every application's, merged.
const CATALOGUES: Record<string, Tree> = {
  en: await loadMessages('en'),
  es: await loadMessages('es'),
  eu: await loadMessages('eu'),
};

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(prefix + key, value);
    else for (const [k, v] of flatten(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const flat = Object.fromEntries(Object.entries(CATALOGUES).map(([lang, tree]) => [lang, flatten(tree)]));
const placeholders = (message: string) => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the i18n catalogues', () => {
  it('hold the same keys in English, Spanish and Basque', () => {
    const keys = [...flat.en.keys()].sort();
    expect(keys.length).toBeGreaterThan(100);
    expect([...flat.es.keys()].sort()).toEqual(keys);
    expect([...flat.eu.keys()].sort()).toEqual(keys);
  });

  it('have no empty message', () => {
    for (const [lang, messages] of Object.entries(flat))
      for (const [key, message] of messages) expect(message.trim(), `${lang}: ${key}`).not.toBe('');
  });

  it('use the same placeholders in every language, and nothing vue-i18n would read as syntax', () => {
    for (const [key, message] of flat.en) {
      for (const lang of ['es', 'eu']) {
        const translated = flat[lang].get(key) as string;
        expect(placeholders(translated), `${lang}: ${key}`).toEqual(placeholders(message));
      }
    }
    for (const [lang, messages] of Object.entries(flat)) {
      for (const [key, message] of messages) {
        // `@` starts a linked message, `|` separates plural forms, and braces only wrap placeholders.
        expect(message.replace(/\{\w+\}/g, ''), `${lang}: ${key}`).not.toMatch(/[@|{}]/);
      }
    }
  });

  it('differ from English: the translations are real', () => {
    let same = 0;
    for (const [key, message] of flat.en)
      if (flat.es.get(key) === message || flat.eu.get(key) === message) same++;
    // Only language-neutral messages (such as "{n} / {total}") may be equal.
    expect(same).toBeLessThan(5);
  });

  it('name every application of the catalogue, every topic and every role', () => {
    for (const entry of catalogue())
      for (const key of Object.values(entry.text)) expect(flat.en.has(key), key).toBe(true);
    for (const app of APPS)
      if (app.menu) expect(flat.en.has(app.menu.labelKey), app.menu.labelKey).toBe(true);
    for (const tag of APP_TAGS) expect(flat.en.has(`tags.${tag}`), tag).toBe(true);
    for (const role of ROLES) expect(flat.en.has(`roles.${role}`), role).toBe(true);
  });

  it('hold every key the web sources name', () => {
    const sources = import.meta.glob<string>(['../**/*.vue', '../**/*.ts', '!../**/*.test.ts'], {
      query: '?raw',
      import: 'default',
      eager: true,
    });
    const used = new Set<string>();
    for (const source of Object.values(sources)) {
      for (const m of source.matchAll(/\bt\(\s*'([a-zA-Z][\w.-]*\.[\w.-]+)'/g)) used.add(m[1]);
      for (const m of source.matchAll(/(?:titleKey|labelKey):\s*'([\w.-]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(100);
    for (const key of used) expect(flat.en.has(key), key).toBe(true);
  });
});

describe('merging the catalogues of the applications', () => {
  it('joins branches and refuses a key defined twice', async () => {
    const { mergeCatalogues } = await import('./catalogues.ts');
    expect(mergeCatalogues({ apps: { a: { name: 'A' } } }, { apps: { b: { name: 'B' } } })).toEqual({
      apps: { a: { name: 'A' }, b: { name: 'B' } },
    });
    expect(() => mergeCatalogues({ apps: { a: { name: 'A' } } }, { apps: { a: { name: 'again' } } })).toThrow(
      'apps.a.name is defined twice',
    );
  });
});
