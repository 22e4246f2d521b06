import { describe, expect, it } from 'vitest';
import { checkCups, cupsCheckLetters } from './cups.ts';

describe('CUPS', () => {
  it('accepts valid codes, with or without a boundary point, and writes them in their normal form', () => {
    expect(checkCups('ES1234123456789012JY')).toEqual({ valid: true, cups: 'ES1234123456789012JY' });
    expect(checkCups('es 1234 1234 5678 9012 jy')).toEqual({ valid: true, cups: 'ES1234123456789012JY' });
    expect(checkCups('ES1234123456789012JY1F')).toEqual({ valid: true, cups: 'ES1234123456789012JY1F' });
    expect(checkCups('ES0021000000000001ZX0P').valid).toBe(cupsCheckLetters('0021000000000001') === 'ZX');
  });

  it('computes the check letters from the 16 digits modulo 529', () => {
    // 1234123456789012 mod 529 = 305: 305 div 23 = 13 → J, 305 mod 23 = 6 → Y.
    expect(1234123456789012n % 529n).toBe(305n);
    expect(cupsCheckLetters('1234123456789012')).toBe('JY');
    expect(cupsCheckLetters('0000000000000000')).toBe('TT');
    // 528 = 22 × 23 + 22: the last letter twice.
    expect(cupsCheckLetters('0000000000000528')).toBe('EE');
  });

  it('says which check a wrong code failed', () => {
    expect(checkCups('PT1234123456789012JY')).toMatchObject({ valid: false, check: 'country' });
    expect(checkCups('ES1234123456789012J')).toMatchObject({ valid: false, check: 'length' });
    expect(checkCups('ES12341234567890A2JY')).toMatchObject({ valid: false, check: 'digits' });
    const wrong = checkCups('ES1234123456789012JZ');
    expect(wrong).toMatchObject({ valid: false, check: 'check-letters' });
    expect(wrong.valid === false && wrong.reason).toContain('give JY');
    expect(checkCups('ES1234123456789012JY1A')).toMatchObject({ valid: false, check: 'suffix' });
    expect(checkCups('ES1234123456789012JYXF')).toMatchObject({ valid: false, check: 'suffix' });
  });
});
