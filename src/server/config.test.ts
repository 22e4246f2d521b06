import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SETTINGS } from './config.ts';

const README = readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');

describe('configuration', () => {
  it('documents every setting in the README table', () => {
    const documented = new Set([...README.matchAll(/^\| `(CIOP_[A-Z0-9_]+)` /gm)].map((m) => m[1]));
    const missing = SETTINGS.map((s) => s.env).filter((env) => !documented.has(env));
    expect(missing).toEqual([]);
  });

  it('reads the access settings and refuses wrong ones', () => {
    const config = loadConfig({
      CIOP_TRUST_PROXY: '10.0.0.0/8, loopback',
      CIOP_ADMIN_EMAIL: 'root@city.example',
      CIOP_SMTP_URL: 'smtp://mailer:secret@mail.city.example:587',
    });
    expect(config).toMatchObject({
      trustProxy: '10.0.0.0/8, loopback',
      adminEmail: 'root@city.example',
      accessTokenTtlS: 900,
      loginMaxFailures: 5,
    });
    expect(loadConfig({ CIOP_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ CIOP_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(() => loadConfig({ CIOP_SMTP_URL: 'mail.city.example', CIOP_ADMIN_EMAIL: 'root' })).toThrow(
      ConfigError,
    );
  });
});
