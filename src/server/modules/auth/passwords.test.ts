import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import {
  argon2Params,
  ARGON2_PARAMS,
  hashPassword,
  needsRehash,
  passwordProblems,
  verifyPassword,
} from './passwords.ts';

/** OWASP Password Storage Cheat Sheet: argon2id with at least m = 19 MiB, t = 2, p = 1. */
const OWASP_MINIMUM = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

describe('password hashing', () => {
  it('uses argon2id at or above OWASP minimum, as the stored hash itself says', async () => {
    const stored = await hashPassword('a password to hash here');
    const p = argon2Params(stored)!;
    expect(p.variant).toBe('argon2id');
    expect(p.memoryCost).toBeGreaterThanOrEqual(OWASP_MINIMUM.memoryCost);
    expect(p.timeCost).toBeGreaterThanOrEqual(OWASP_MINIMUM.timeCost);
    expect(p.parallelism).toBeGreaterThanOrEqual(OWASP_MINIMUM.parallelism);
    expect(ARGON2_PARAMS.memoryCost).toBeGreaterThanOrEqual(OWASP_MINIMUM.memoryCost);
    expect(stored).not.toContain('a password to hash here');
  });

  it('salts every hash, and verifies only the right password', async () => {
    const one = await hashPassword('same password twice');
    const two = await hashPassword('same password twice');
    expect(one).not.toBe(two);
    expect(await verifyPassword(one, 'same password twice')).toBe(true);
    expect(await verifyPassword(one, 'same password twice ')).toBe(false);
    expect(await verifyPassword(null, 'anything')).toBe(false);
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });

  it('asks to redo hashes made with weaker parameters', async () => {
    expect(needsRehash(await hashPassword('current parameters'))).toBe(false);
    const weak = await hash('old parameters', { memoryCost: 4096, timeCost: 1, parallelism: 1 });
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  });
});

describe('password rules', () => {
  it('needs at least 12 characters, counted as people count them', () => {
    expect(passwordProblems('elevenchars')).toEqual(['it needs at least 12 characters']);
    expect(passwordProblems('twelve chars')).toEqual([]);
    expect(passwordProblems('ñandú ñandú')).toHaveLength(1); // 11 characters, more bytes
  });

  it('refuses the most common passwords and their usual decorations', () => {
    for (const p of [
      'password1234',
      'Password1234',
      '123456789012',
      'qwertyuiop123',
      'P@ssword!2026',
      'contraseña2024',
      'aaaaaaaaaaaaaaa',
    ])
      expect(passwordProblems(p), p).toContain('it is one of the most common passwords');
    expect(passwordProblems('passwords are long words')).toEqual([]);
  });

  it('refuses the e-mail address as password', () => {
    expect(passwordProblems('Ane.Lopez@Example.org', 'ane.lopez@example.org')).toContain(
      'it may not be your e-mail address',
    );
    expect(passwordProblems('ane.lopez.2026', 'ane.lopez.2026@example.org')).toContain(
      'it may not be your e-mail address',
    );
  });
});
