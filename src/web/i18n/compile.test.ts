import { describe, expect, it } from 'vitest';
import { createI18n } from 'vue-i18n';
import { compileMessage } from './compile.ts';

const i18n = createI18n({
  legacy: false,
  locale: 'en',
  messageCompiler: compileMessage,
  messages: {
    en: {
      plain: 'Comfort',
      greeting: 'Hello {name}, you have {n} tips',
      edges: '{a}{b} and {missing}',
      symbols: 'PMV −0.5 to +0.5 (ISO 7730): 5 % at best',
    },
  },
  missingWarn: false,
  fallbackWarn: false,
});
const { t } = i18n.global;

describe('the message compiler of the web', () => {
  it('shows plain text as it is', () => {
    expect(t('plain')).toBe('Comfort');
    expect(t('symbols')).toBe('PMV −0.5 to +0.5 (ISO 7730): 5 % at best');
  });

  it('fills in named placeholders, and leaves one without a value visible', () => {
    expect(t('greeting', { name: 'Ane', n: 3 })).toBe('Hello Ane, you have 3 tips');
    expect(t('edges', { a: 'x', b: 0 })).toBe('x0 and {missing}');
  });
});
