import { hash, verify } from '@node-rs/argon2';
import type { Algorithm } from '@node-rs/argon2';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '#common/api/auth.ts';
import { badRequest } from '../../plugins/errors.ts';

/**
 * argon2id parameters: OWASP Password Storage Cheat Sheet (2024), first recommended
 * configuration — m = 19 MiB (19456 KiB), t = 2 iterations, p = 1. A login costs about 25 ms
 * of one core.
 */
export const ARGON2_PARAMS = {
  algorithm: 2 as Algorithm, // Argon2id (a const enum, which isolated modules cannot import)
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** The numbers a PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) was made with. */
export function argon2Params(
  phc: string,
): { variant: string; memoryCost: number; timeCost: number; parallelism: number } | undefined {
  const m = /^\$(argon2(?:id|i|d))\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(phc);
  if (!m) return undefined;
  return { variant: m[1], memoryCost: Number(m[2]), timeCost: Number(m[3]), parallelism: Number(m[4]) };
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_PARAMS);
}

/** Whether a stored hash is weaker than today's parameters, so that it is redone at the next login. */
export function needsRehash(phc: string): boolean {
  const p = argon2Params(phc);
  return (
    !p ||
    p.variant !== 'argon2id' ||
    p.memoryCost < ARGON2_PARAMS.memoryCost ||
    p.timeCost < ARGON2_PARAMS.timeCost
  );
}

// A hash of a password nobody knows, verified when an e-mail is unknown so that a wrong e-mail
// takes as long as a wrong password and does not reveal who has an account.
let decoy: Promise<string> | undefined;

/** Checks a password against a stored hash (or against a decoy when there is none), in constant work. */
export async function verifyPassword(phc: string | null | undefined, password: string): Promise<boolean> {
  if (!phc) {
    decoy ??= hashPassword(`decoy-${Math.random()}`);
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(phc, password);
  } catch {
    return false;
  }
}

// Frequent passwords of 12 characters or more (from public breach lists), and the words that
// short frequent passwords are made of (refused with digits or symbols around them).
const COMMON = new Set([
  '123456789012',
  '1234567890123',
  '12345678901234',
  '123456789123',
  '123123123123',
  '111111111111',
  '000000000000',
  '987654321098',
  '1q2w3e4r5t6y',
  '1qaz2wsx3edc',
  'q1w2e3r4t5y6',
  'qwertyuiopas',
  'qwertyuiop12',
  'qwertyuiop123',
  'qwerty123456',
  'qwertyqwerty',
  'asdfghjkl123',
  'asdfghjklñ12',
  'zxcvbnm12345',
  'abcdefghijkl',
  'abc123456789',
  'abcd12345678',
  'aaaaaaaaaaaa',
  'passwordpassword',
  'password1234',
  'password12345',
  'password123!',
  'mypassword123',
  'administrator',
  'administrator1',
  'iloveyou1234',
  'welcome12345',
  'welcome123456',
  'letmein12345',
  'changeme1234',
  'changeme12345',
  'trustno1trustno1',
  'football1234',
  'baseball1234',
  'superman1234',
  'sunshine1234',
  'princess1234',
  'starwars1234',
  'whatever1234',
  'monkey123456',
  'dragon123456',
  'master123456',
  'shadow123456',
  'michael12345',
  'jennifer1234',
  'computer1234',
  'internet1234',
  'contraseña123',
  'contrasena123',
  'contrasena1234',
  'micontraseña1',
  'pasahitza123',
  'pasahitza1234',
  'barcelona1234',
  'realmadrid12',
  'athletic1234',
  'alaves123456',
  'vitoriagasteiz',
  'vitoria-gasteiz',
  'gasteiz12345',
  'euskadi12345',
  'ciop12345678',
  'ciopciopciop',
]);
const COMMON_WORDS = new Set([
  'password',
  'passw0rd',
  'qwerty',
  'qwertyuiop',
  'letmein',
  'welcome',
  'admin',
  'administrator',
  'iloveyou',
  'changeme',
  'secret',
  'contraseña',
  'contrasena',
  'pasahitza',
  'ciop',
  'gasteiz',
  'vitoria',
]);

/** A password's problems against the rules, as sentences a person can act on; empty when it is fine. */
export function passwordProblems(password: string, email?: string): string[] {
  const problems: string[] = [];
  const chars = [...password].length;
  if (chars < PASSWORD_MIN_LENGTH) problems.push(`it needs at least ${PASSWORD_MIN_LENGTH} characters`);
  if (chars > PASSWORD_MAX_LENGTH) problems.push(`it may have at most ${PASSWORD_MAX_LENGTH} characters`);
  const lower = password.toLowerCase();
  const core = lower
    .replace(/^[\d\W_]+|[\d\W_]+$/gu, '')
    .replace(/[@4]/g, 'a')
    .replace(/0/g, 'o')
    .replace(/[$5]/g, 's')
    .replace(/3/g, 'e')
    .replace(/[1!]/g, 'i');
  if (COMMON.has(lower) || COMMON_WORDS.has(core) || /^(.)\1+$/u.test(password)) {
    problems.push('it is one of the most common passwords');
  }
  if (email) {
    const e = email.trim().toLowerCase();
    const local = e.split('@')[0];
    if (lower === e || lower === local) problems.push('it may not be your e-mail address');
  }
  return problems;
}

/** Refuses a password that breaks the rules (400), naming the field. */
export function checkPassword(password: string, email: string | undefined, field: string): void {
  const problems = passwordProblems(password, email);
  if (problems.length === 0) return;
  throw badRequest(`${field}: the password is not accepted: ${problems.join('; ')}.`, {
    errors: problems.map((message) => ({ where: field, message })),
  });
}
