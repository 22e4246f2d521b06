import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SETTINGS } from './config.ts';

const README = readFileSync(path.join(import.meta.dirname, '../../README.md'), 'utf8');

/** The problems `loadConfig` finds in `env`, none when it loads. */
function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    return (e as ConfigError).problems;
  }
  return [];
}

describe('configuration', () => {
  it('documents every setting in the README table', () => {
    const documented = new Set([...README.matchAll(/^\| `(CIOP_[A-Z0-9_]+)` /gm)].map((m) => m[1]));
    const missing = SETTINGS.map((s) => s.env).filter((env) => !documented.has(env));
    expect(missing).toEqual([]);
  });

  it('reads the window of quality incidents, in whole hours', () => {
    expect(loadConfig({}).qualityIncidentWindowH).toBe(6);
    expect(loadConfig({ CIOP_QUALITY_INCIDENT_WINDOW_H: '24' }).qualityIncidentWindowH).toBe(24);
    expect(() => loadConfig({ CIOP_QUALITY_INCIDENT_WINDOW_H: '0' })).toThrow(
      /CIOP_QUALITY_INCIDENT_WINDOW_H/,
    );
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

  it('reads the MQTT session settings and refuses a client id with spaces or wildcards', () => {
    expect(loadConfig({})).toMatchObject({ mqttClientId: undefined, mqttSessionExpiryS: 604_800 });
    expect(
      loadConfig({ CIOP_MQTT_CLIENT_ID: 'ciop-replica-1', CIOP_MQTT_SESSION_EXPIRY_S: '0' }),
    ).toMatchObject({ mqttClientId: 'ciop-replica-1', mqttSessionExpiryS: 0 });
    let error: ConfigError | undefined;
    try {
      loadConfig({ CIOP_MQTT_CLIENT_ID: 'replica #1', CIOP_MQTT_SESSION_EXPIRY_S: '-1' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.problems).toEqual([
      expect.stringMatching(/^CIOP_MQTT_CLIENT_ID: expected 1 to 128 letters.*got "replica #1"/),
      expect.stringMatching(/^CIOP_MQTT_SESSION_EXPIRY_S: expected 0…4294967295, got -1/),
    ]);
  });

  it('takes MQTT over TLS for the embedded broker only with both the certificate and its key', () => {
    expect(
      loadConfig({ CIOP_MQTT_TLS_CERT: '/etc/ciop/cert.pem', CIOP_MQTT_TLS_KEY: '/etc/ciop/key.pem' }),
    ).toMatchObject({
      mqttTlsCert: '/etc/ciop/cert.pem',
      mqttTlsKey: '/etc/ciop/key.pem',
      mqttTlsPort: 8883,
    });
    expect(problems({ CIOP_MQTT_TLS_CERT: '/etc/ciop/cert.pem' })).toEqual([
      expect.stringMatching(
        /^CIOP_MQTT_TLS_CERT and CIOP_MQTT_TLS_KEY go together.*only CIOP_MQTT_TLS_CERT is set/,
      ),
    ]);
    expect(
      problems({
        CIOP_MQTT_TLS_CERT: 'c.pem',
        CIOP_MQTT_TLS_KEY: 'k.pem',
        CIOP_MQTT_URL: 'mqtt://127.0.0.1:1883',
      }),
    ).toEqual([expect.stringMatching(/^CIOP_MQTT_TLS_CERT is for the embedded broker/)]);
  });

  it('leaves the jobs to another replica only on a shared PostgreSQL database', () => {
    expect(loadConfig({}).jobs).toBe('on');
    expect(problems({ CIOP_JOBS: 'off' })).toEqual([expect.stringMatching(/^CIOP_JOBS=off .* SQLite/)]);
    expect(problems({ CIOP_JOBS: 'off', CIOP_DATABASE_URL: 'postgres://ciop@db:5432/ciop' })).toEqual([]);
    expect(problems({ CIOP_JOBS: 'sometimes' })).toEqual([expect.stringMatching(/CIOP_JOBS.*on, off/)]);
  });

  it('has a default for every value', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: 'sqlite:./data/ciop.db',
      timezone: 'Europe/Madrid',
      mqttUrl: undefined,
      ingestMinTime: Date.UTC(2000, 0, 1),
      ingestMaxFutureS: 86400,
    });
  });

  it('bounds what an ingest batch may hold and create, and refuses limits that do not go together', () => {
    expect(loadConfig({})).toMatchObject({
      ingestMaxLineBytes: 1_048_576,
      ingestMaxFieldsPerLine: 1000,
      ingestMaxTags: 64,
      ingestMaxKeyBytes: 1024,
      ingestMaxNewSeries: 10_000,
      ingestNewSeriesPerMinute: 20_000,
    });
    expect(loadConfig({ CIOP_INGEST_NEW_SERIES_PER_MINUTE: '0' }).ingestNewSeriesPerMinute).toBe(0);
    expect(() => loadConfig({ CIOP_INGEST_MAX_TAGS: '3' })).toThrow(
      'CIOP_INGEST_MAX_TAGS: expected 4…10000, got 3',
    );
    expect(() => loadConfig({ CIOP_INGEST_MAX_KEY_BYTES: '65536' })).toThrow('CIOP_INGEST_MAX_KEY_BYTES');
    expect(() =>
      loadConfig({ CIOP_INGEST_MAX_NEW_SERIES: '5000', CIOP_INGEST_NEW_SERIES_PER_MINUTE: '1000' }),
    ).toThrow(
      'CIOP_INGEST_MAX_NEW_SERIES (5000) is above CIOP_INGEST_NEW_SERIES_PER_MINUTE (1000): a request that large could never be stored',
    );
  });

  it('lists every wrong value at once, naming the variable and what it expects', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        CIOP_PORT: 'eighty',
        CIOP_DATABASE_URL: 'mysql://x',
        CIOP_TIMEZONE: 'Mars/Olympus',
        CIOP_MQTT_URL: 'broker',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toHaveLength(4);
    expect(error!.message).toContain('CIOP_PORT: expected a whole number, got "eighty"');
    expect(error!.message).toContain('CIOP_DATABASE_URL: expected "sqlite:PATH" or "postgres://');
    expect(error!.message).toContain('CIOP_TIMEZONE: "Mars/Olympus" is not an IANA time zone');
    expect(error!.message).toContain('CIOP_MQTT_URL: expected a broker URL');
  });

  it('reads a JSON config file, which the environment overrides, and refuses unknown keys in it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ciop-config-'));
    const file = path.join(dir, 'ciop.json');
    writeFileSync(file, JSON.stringify({ CIOP_PORT: 9090, CIOP_TIMEZONE: 'Europe/Lisbon' }));
    expect(loadConfig({ CIOP_CONFIG_FILE: file, CIOP_TIMEZONE: 'Europe/Madrid' })).toMatchObject({
      port: 9090,
      timezone: 'Europe/Madrid',
    });
    writeFileSync(file, JSON.stringify({ CIOP_PROT: 9090 }));
    expect(() => loadConfig({ CIOP_CONFIG_FILE: file })).toThrow('unknown setting "CIOP_PROT"');
    rmSync(dir, { recursive: true });
  });
});
