import type { MessageCompiler, MessageContext } from 'vue-i18n';

/**
 * Turns a catalogue message into the function vue-i18n calls to show it. CIOP's messages are
 * plain text with `{name}` placeholders and nothing else (the catalogue test sees to it), so this
 * is all the compiler the web needs, and far lighter than vue-i18n's own, which parses each
 * message into a syntax tree the first time it is shown.
 */
export const compileMessage: MessageCompiler = (message, { key }) => {
  // Catalogues are JSON text; a precompiled message (an AST) has no place here: show its key.
  if (typeof message !== 'string') return () => key;
  // Even indexes are text, odd ones the names of placeholders.
  const parts = message.split(/\{(\w+)\}/);
  if (parts.length === 1) return () => message;
  return (ctx: MessageContext) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 0) out += parts[i];
      else {
        const value = ctx.named(parts[i]);
        out += value === undefined || value === null ? `{${parts[i]}}` : String(value);
      }
    }
    return out;
  };
};
