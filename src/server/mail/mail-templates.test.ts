import { describe, expect, it } from 'vitest';
import { LANGUAGES } from '#common/api/auth.ts';
import { MAIL_TEMPLATES, renderMail } from './mail-templates.ts';

const fields = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('e-mail templates', () => {
  it('exist in every language with the same keys and the same fields', () => {
    const en = MAIL_TEMPLATES.en;
    for (const language of LANGUAGES) {
      const catalogue = MAIL_TEMPLATES[language];
      expect(Object.keys(catalogue).sort()).toEqual(Object.keys(en).sort());
      for (const key of Object.keys(en) as (keyof typeof en)[]) {
        const mine = catalogue[key];
        const theirs = en[key];
        if (typeof mine === 'string' || typeof theirs === 'string') continue;
        expect(fields(mine.subject + mine.body), `${language} ${key}`).toEqual(
          fields(theirs.subject + theirs.body),
        );
      }
    }
  });

  it('fills in the fields', () => {
    const mail = renderMail('password-reset', 'es', {
      name: 'Ane',
      link: 'https://ciop.example/set-password?token=abc',
      minutes: 60,
    });
    expect(mail.body).toContain('Hola, Ane:');
    expect(mail.body).toContain('https://ciop.example/set-password?token=abc');
    expect(mail.body).toContain('60 minutos');
    expect(mail.body).not.toMatch(/\{\w+\}/);
  });
});
