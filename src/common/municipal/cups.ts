/**
 * CUPS (Código Universal del Punto de Suministro), the code of a supply point of Spain's
 * electricity and gas grids: `ES`, 16 digits (distributor and supply), two check letters and an
 * optional two-character boundary point (a digit and one of F, P, R, C, X, Y, Z).
 *
 * The check letters: the 16 digits as a number modulo 529; its quotient and remainder by 23
 * each index the letters `TRWAGMYFPDXBNJZSQVHLCKE` (those of the Spanish DNI).
 */

const LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/** Which check a code failed, in words a person can act on. */
export type CupsCheck =
  | { valid: true; cups: string }
  | { valid: false; check: 'country' | 'length' | 'digits' | 'check-letters' | 'suffix'; reason: string };

/** The two check letters of 16 digits (the number can pass 2^53, so it is reduced digit by digit). */
export function cupsCheckLetters(digits: string): string {
  let r = 0;
  for (const d of digits) r = (r * 10 + Number(d)) % 529;
  return LETTERS[Math.floor(r / 23)] + LETTERS[r % 23];
}

/**
 * Checks a CUPS as written on an invoice (blanks and lower case are tolerated and removed) and
 * answers it in its normal form, or says which check failed.
 */
export function checkCups(input: string): CupsCheck {
  const code = input.replace(/[\s-]/g, '').toUpperCase();
  if (!code.startsWith('ES')) return { valid: false, check: 'country', reason: 'a CUPS starts with ES' };
  if (code.length !== 20 && code.length !== 22)
    return {
      valid: false,
      check: 'length',
      reason: `a CUPS has 20 characters (22 with its boundary point); this one has ${code.length}`,
    };
  const digits = code.slice(2, 18);
  if (!/^\d{16}$/.test(digits))
    return { valid: false, check: 'digits', reason: 'ES must be followed by 16 digits' };
  const letters = code.slice(18, 20);
  const expected = cupsCheckLetters(digits);
  if (letters !== expected)
    return {
      valid: false,
      check: 'check-letters',
      reason: `the check letters are ${letters}, but those 16 digits give ${expected}`,
    };
  if (code.length === 22 && !/^\d[FPRCXYZ]$/.test(code.slice(20)))
    return {
      valid: false,
      check: 'suffix',
      reason: 'the boundary point is a digit and one of F, P, R, C, X, Y, Z',
    };
  return { valid: true, cups: code };
}
