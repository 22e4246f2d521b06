import type { Language } from '#common/api/auth.ts';

/** The e-mails CIOP sends, in each language it speaks; `{name}`-style fields are filled in. */
export type MailTemplate = 'password-reset' | 'invite' | 'account-request-rejected';

interface Text {
  subject: string;
  body: string;
}

export const MAIL_TEMPLATES: Record<Language, Record<MailTemplate, Text> & { reasonLabel: string }> = {
  en: {
    'password-reset': {
      subject: 'Reset your CIOP password',
      body:
        'Hello {name},\n\nSomeone, probably you, asked to reset the password of your CIOP account. ' +
        'To choose a new password, open this link within {minutes} minutes:\n\n{link}\n\n' +
        'If you did not ask for it, ignore this message: your password stays as it is.\n',
    },
    invite: {
      subject: 'Your CIOP account is ready',
      body:
        'Hello {name},\n\nAn account has been created for you on CIOP ({url}). ' +
        'To start, choose your password by opening this link within {days} days:\n\n{link}\n\n' +
        'Your user name is this e-mail address.\n',
    },
    'account-request-rejected': {
      subject: 'Your request for a CIOP account',
      body: 'Hello {name},\n\nThank you for your interest in CIOP. Your request for an account has not been approved.{reason}\n',
    },
    reasonLabel: 'Reason',
  },
  es: {
    'password-reset': {
      subject: 'Restablece tu contraseña de CIOP',
      body:
        'Hola, {name}:\n\nAlguien, probablemente tú, ha pedido restablecer la contraseña de tu cuenta de CIOP. ' +
        'Para elegir una contraseña nueva, abre este enlace antes de {minutes} minutos:\n\n{link}\n\n' +
        'Si no lo has pedido, ignora este mensaje: tu contraseña no cambia.\n',
    },
    invite: {
      subject: 'Tu cuenta de CIOP está lista',
      body:
        'Hola, {name}:\n\nSe ha creado una cuenta para ti en CIOP ({url}). ' +
        'Para empezar, elige tu contraseña abriendo este enlace antes de {days} días:\n\n{link}\n\n' +
        'Tu nombre de usuario es esta dirección de correo.\n',
    },
    'account-request-rejected': {
      subject: 'Tu solicitud de cuenta en CIOP',
      body: 'Hola, {name}:\n\nGracias por tu interés en CIOP. Tu solicitud de cuenta no ha sido aprobada.{reason}\n',
    },
    reasonLabel: 'Motivo',
  },
  eu: {
    'password-reset': {
      subject: 'Berrezarri zure CIOP pasahitza',
      body:
        'Kaixo, {name}:\n\nNorbaitek, zuk ziurrenik, zure CIOP kontuaren pasahitza berrezartzeko eskatu du. ' +
        'Pasahitz berria aukeratzeko, ireki esteka hau {minutes} minutuko epean:\n\n{link}\n\n' +
        'Zuk eskatu ez baduzu, ez egin kasurik mezu honi: zure pasahitza ez da aldatuko.\n',
    },
    invite: {
      subject: 'Zure CIOP kontua prest dago',
      body:
        'Kaixo, {name}:\n\nKontu bat sortu da zuretzat CIOPen ({url}). ' +
        'Hasteko, aukeratu zure pasahitza esteka hau irekiz {days} eguneko epean:\n\n{link}\n\n' +
        'Zure erabiltzaile-izena helbide elektroniko hau da.\n',
    },
    'account-request-rejected': {
      subject: 'CIOPen kontu bat izateko zure eskaera',
      body: 'Kaixo, {name}:\n\nEskerrik asko CIOPekiko interesagatik. Zure kontu-eskaera ez da onartu.{reason}\n',
    },
    reasonLabel: 'Arrazoia',
  },
};

/** A template in a language, with its fields filled in. */
export function renderMail(
  template: MailTemplate,
  language: Language,
  fields: Record<string, string | number>,
): Text {
  const text = MAIL_TEMPLATES[language][template];
  const fill = (s: string) =>
    s.replace(/\{(\w+)\}/g, (m, k: string) => (k in fields ? String(fields[k]) : m));
  return { subject: fill(text.subject), body: fill(text.body) };
}
