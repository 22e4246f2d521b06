import { readFileSync } from 'node:fs';
import { Cron } from 'croner';
import { type Keep, parseKeep } from './backup/retention.ts';

/** Everything `ciop` can be told at start. Every value has a default and is validated. */
export interface Config {
  /** TCP port of the HTTP server. */
  port: number;
  /** Address the HTTP server binds to. */
  host: string;
  /** `sqlite:PATH` (embedded default) or `postgres://…`. */
  databaseUrl: string;
  /** External MQTT broker (`mqtt://host:port`); undefined = embedded broker. */
  mqttUrl: string | undefined;
  /** Port of the embedded MQTT broker; 0 = do not start it. */
  mqttPort: number;
  /** PEM certificate (chain) of the embedded broker's MQTT over TLS listener; undefined = no TLS listener. */
  mqttTlsCert: string | undefined;
  /** PEM private key of that certificate. */
  mqttTlsKey: string | undefined;
  /** Port of the embedded broker's MQTT over TLS listener. */
  mqttTlsPort: number;
  /** Topic filter CIOP subscribes to. */
  mqttTopic: string;
  /** Shared-subscription group used with an external broker, so replicas split the load. */
  mqttShareGroup: string;
  /**
   * Client id of this replica's session on the external broker; undefined = `ciop-HOST-PORT`.
   * It must stay the same across restarts, and differ between replicas.
   */
  mqttClientId: string | undefined;
  /** How long the external broker keeps this replica's session (and queues its messages) while it is away, s. */
  mqttSessionExpiryS: number;
  /** Bearer token allowed to write readings, besides machine tokens. */
  ingestToken: string | undefined;
  /** IANA time zone in which days, months and years are cut. */
  timezone: string;
  /** Readings before this instant (epoch ms) are refused: a gateway whose clock reset reports 1970. */
  ingestMinTime: number;
  /** Readings later than now + this many seconds are refused. */
  ingestMaxFutureS: number;
  /** Largest accepted request body on the ingest endpoints, bytes (after decompression). */
  ingestMaxBodyBytes: number;
  /** Longest line-protocol line, UTF-8 bytes. */
  ingestMaxLineBytes: number;
  /** Most fields one line-protocol line may list. */
  ingestMaxFieldsPerLine: number;
  /** Most tags one series may have. */
  ingestMaxTags: number;
  /** Longest measurement, tag key, tag value or field key, UTF-8 bytes. */
  ingestMaxKeyBytes: number;
  /** Most series one ingest request (or MQTT message) may create. */
  ingestMaxNewSeries: number;
  /** Most series one token may create in a minute (all MQTT messages count as one); 0 = unlimited. */
  ingestNewSeriesPerMinute: number;
  /** How often the ingest log is compacted into series blocks, ms. */
  flushIntervalMs: number;
  /** Durability of acknowledged writes on SQLite: `full` survives power loss, `normal` a process crash. */
  sqliteSync: 'full' | 'normal';
  /** pino log level. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Public base URL of this instance, used in links sent by e-mail. */
  publicUrl: string;
  /** Which proxies' X-Forwarded-* headers are believed (Fastify `trustProxy`). */
  trustProxy: boolean | number | string;
  /** E-mail of the first admin, created on an empty database. */
  adminEmail: string | undefined;
  /** Folder the scheduled backup writes to; undefined = no scheduled backup. */
  backupDir: string | undefined;
  /** A second folder (another disk, a mounted remote) each scheduled backup is copied to. */
  backupCopyDir: string | undefined;
  /** When the scheduled backup runs (cron, city time zone). */
  backupCron: string;
  /** How many daily, weekly, monthly and yearly backups are kept, e.g. `7d,4w,12m,3y`. */
  backupKeep: Keep;
  /** Passphrase backups are encrypted with; undefined = not encrypted. */
  backupPassphrase: string | undefined;
  /** Password of the first admin; unset, a random one is printed once. */
  adminPassword: string | undefined;
  /** SMTP server for outgoing e-mail (`smtp://user:pass@host:587`); unset, e-mail waits in the outbox. */
  smtpUrl: string | undefined;
  /** Sender of outgoing e-mail. */
  mailFrom: string;
  /** Lifetime of an access token, s. */
  accessTokenTtlS: number;
  /** A session unused for this many days ends. */
  sessionIdleDays: number;
  /** A session ends this many days after its login, used or not. */
  sessionMaxDays: number;
  /** Lifetime of a password-reset link, s. */
  passwordResetTtlS: number;
  /** Lifetime of the link that sets the first password of a new account, days. */
  inviteTtlDays: number;
  /** Failed logins of one account within CIOP_LOGIN_LOCKOUT_S before it is locked for that long. */
  loginMaxFailures: number;
  /** Failed logins from one address within CIOP_LOGIN_LOCKOUT_S before it is locked for that long. */
  loginMaxFailuresPerAddress: number;
  /** Window and length of a login lock-out, s. */
  loginLockoutS: number;
  /** Requests per minute from one address to any endpoint; 0 = unlimited. */
  rateLimitPerMinute: number;
  /** Requests per minute from one address to login, refresh and password reset; 0 = unlimited. */
  authRatePerMinute: number;
  /** Account requests per hour from one address; 0 = unlimited. */
  accountRequestsPerHour: number;
  /** Weather forecast service in the Open-Meteo shape (`…/v1/forecast`); undefined = none. */
  forecastUrl: string | undefined;
  /** News headlines are kept this many days. */
  newsRetentionDays: number;
  /** Seconds between two fetches of the news feeds. */
  newsFetchIntervalS: number;
  /** Base URL of Datadis. */
  datadisUrl: string;
  /** Datadis user; unset, Datadis is not read. */
  datadisUsername: string | undefined;
  datadisPassword: string | undefined;
  /** Base URL of the gateway manufacturer's platform, read to fill gaps; undefined = not read. */
  vendorUrl: string | undefined;
  /** Bearer token CIOP presents to the manufacturer's platform. */
  vendorToken: string | undefined;
  /** Gaps older than this many days are not asked for again. */
  vendorHorizonDays: number;
  /** How often the quality checks read the change feed and due re-checks, s; 0 turns the checks off. */
  qualityCheckIntervalS: number;
  /** Whether this replica runs the scheduled jobs (off: it only answers and ingests). */
  jobs: 'on' | 'off';
  /** How long before a sensor's latest reading a flag keeps its quality incident open, h. */
  qualityIncidentWindowH: number;
  /** Requests a minute one anonymous caller may make to the PMV calculator (ten times that signed in). */
  comfortRateLimit: number;
  /** Summer clothing season of the comfort job, first and last local day (MM-DD), inclusive. */
  comfortSummer: { start: string; end: string };
  /** Default clothing insulation of the comfort job, clo, per season. */
  comfortWinterClo: number;
  comfortSummerClo: number;
  /** Default metabolic rate of the comfort job, met. */
  comfortMet: number;
  /** Default average room air speed of the comfort job, m/s. */
  comfortAirSpeed: number;
  /** How often the comfort job looks for new readings, s. */
  comfortIntervalS: number;
  /** A gateway or sensor silent for longer than this many days raises an alarm (default; admins override it). */
  silentAfterDays: number;
  /** Seconds between two looks for silent gateways and sensors. */
  alarmCheckIntervalS: number;
  /** Who is told of silent devices, until admins set the contacts. */
  alarmEmails: string[];
  /** Where silent-device incidents are POSTed as JSON, until admins set it. */
  alarmWebhookUrl: string | undefined;
  /** How often sensors report, s: what the missing-data heatmap expects (admins override it per medium). */
  expectedIntervalS: number;
  /**
   * Fewest distinct dwellings a mean over a building or district must cover to be shown to whom
   * does not see every dwelling of it (a resident, an ESCO, a restricted token).
   */
  privacyMinDwellings: number;
  /** Region whose conversion factors the KPIs use (e.g. ES-peninsular). */
  kpiRegion: string;
  /**
   * The district heating network's declared factors, as written in the setting: renewable and
   * non-renewable primary energy (kWh/kWh), then CO2 (kg/kWh).
   */
  kpiDistrictHeating: readonly [renewable: number, nonRenewable: number, co2: number];
  /** MapLibre style drawn under the 3D city's buildings; none by default, so the viewer works offline. */
  mapStyleUrl: string | undefined;
  /** Who runs this CIOP, as the contact page names it; undefined = not published. */
  contactName: string | undefined;
  /** The operator's e-mail address for the public. */
  contactEmail: string | undefined;
  /** The operator's telephone number, as it should be dialled and read. */
  contactPhone: string | undefined;
  /** The operator's postal address or office, with opening hours if wished. */
  contactAddress: string | undefined;
  /** Base URL of the bus operator's fleet platform (trips, chargers, charges); undefined = not polled. */
  fleetUrl: string | undefined;
  /** Bearer token for the fleet platform. */
  fleetToken: string | undefined;
  /** How often the fleet platform is polled, s (failures wait longer, doubling each time). */
  fleetPollIntervalS: number;
  /** GTFS-Realtime VehiclePositions feed polled; undefined = not polled. */
  gtfsRtVehiclesUrl: string | undefined;
  /** GTFS-Realtime TripUpdates feed polled; undefined = not polled. */
  gtfsRtTripUpdatesUrl: string | undefined;
  /** How often the GTFS-Realtime feeds are polled, s. */
  gtfsRtPollIntervalS: number;
  /** The heartbeat interval a charger is given in its BootNotification answer, s. */
  ocppHeartbeatS: number;
  /** A 12 m diesel bus's consumption, l/100 km: what an electric bus of that size is compared with. */
  busDieselStandard: number;
  /** An articulated (18 m) diesel bus's consumption, l/100 km. */
  busDieselArticulated: number;
  /** CO2 of burning a litre of diesel, kg/l. */
  dieselCo2PerLitre: number;
}

type Parser<T> = (raw: string) => T;

interface Setting<K extends keyof Config> {
  key: K;
  env: string;
  default: Config[K];
  parse: Parser<Config[K]>;
  doc: string;
  /** Printed as `(set)` by `ciop config`. */
  secret?: true;
}

class ConfigValueError extends Error {}

const integer =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^-?\d+$/.test(raw.trim())) throw new ConfigValueError(`expected a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new ConfigValueError(`expected ${min}…${max}, got ${value}`);
    return value;
  };

const text: Parser<string> = (raw) => raw;

const optionalText: Parser<string | undefined> = (raw) => (raw.trim() === '' ? undefined : raw.trim());

const oneOf =
  <T extends string>(...values: T[]): Parser<T> =>
  (raw) => {
    if (!(values as string[]).includes(raw)) {
      throw new ConfigValueError(`expected one of ${values.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  };

const databaseUrl: Parser<string> = (raw) => {
  if (raw.startsWith('sqlite:') && raw.length > 'sqlite:'.length) return raw;
  if (/^postgres(ql)?:\/\//.test(raw)) return raw;
  throw new ConfigValueError(`expected "sqlite:PATH" or "postgres://user@host:port/db", got "${raw}"`);
};

const mqttUrl: Parser<string | undefined> = (raw) => {
  if (raw.trim() === '') return undefined;
  if (!/^(mqtts?|wss?|tcp|tls):\/\/[^/]+/.test(raw)) {
    throw new ConfigValueError(`expected a broker URL such as mqtt://127.0.0.1:1883, got "${raw}"`);
  }
  return raw;
};

const mqttClientId: Parser<string | undefined> = (raw) => {
  const v = raw.trim();
  if (v === '') return undefined;
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(v))
    throw new ConfigValueError(
      `expected 1 to 128 letters, digits, dots, dashes, underscores or colons, such as ciop-a, got "${raw}"`,
    );
  return v;
};

const timezone: Parser<string> = (raw) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: raw });
  } catch {
    throw new ConfigValueError(`"${raw}" is not an IANA time zone such as Europe/Madrid`);
  }
  return raw;
};

const isoDate: Parser<number> = (raw) => {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(ms)) throw new ConfigValueError(`expected an ISO date such as 2000-01-01, got "${raw}"`);
  return ms;
};

const kpiRegion: Parser<string> = (raw) => {
  if (!/^[A-Za-z]{2}(-[A-Za-z0-9-]+)?$/.test(raw))
    throw new ConfigValueError(`expected a region such as ES or ES-peninsular, got "${raw}"`);
  return raw;
};

const districtHeatingFactors: Parser<readonly [number, number, number]> = (raw) => {
  const parts = raw.split(',').map((p) => p.trim());
  const values = parts.map(Number);
  if (
    parts.length !== 3 ||
    values.some((v) => !Number.isFinite(v) || v < 0 || v > 100) ||
    parts.some((p) => p === '')
  )
    throw new ConfigValueError(
      `expected three numbers: renewable,non-renewable,CO2 (e.g. 1.003,0.034,0.018), got "${raw}"`,
    );
  return [values[0], values[1], values[2]] as const;
};

const httpUrl: Parser<string> = (raw) => {
  if (!/^https?:\/\/[^/]+/.test(raw)) throw new ConfigValueError(`expected an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
};

const trustProxy: Parser<boolean | number | string> = (raw) => {
  const v = raw.trim();
  if (v === 'true') return true;
  if (v === 'false' || v === '') return false;
  if (/^\d+$/.test(v)) return Number(v);
  if (!/^[\w.:/, -]+$/.test(v))
    throw new ConfigValueError(
      `expected true, false, a number of hops, or addresses/CIDRs such as "loopback, 10.0.0.0/8", got "${raw}"`,
    );
  return v;
};

const email: Parser<string | undefined> = (raw) => {
  const v = raw.trim();
  if (v === '') return undefined;
  if (!/^[^@\s]+@[^@\s]+$/.test(v)) throw new ConfigValueError(`expected an e-mail address, got "${raw}"`);
  return v;
};

const smtpUrl: Parser<string | undefined> = (raw) => {
  const v = raw.trim();
  if (v === '') return undefined;
  if (!/^smtps?:\/\/[^/]+/.test(v))
    throw new ConfigValueError('expected smtp://user:password@host:587 or smtps://…:465');
  return v;
};

const decimal =
  (min: number, max: number): Parser<number> =>
  (raw) => {
    if (!/^\s*-?\d+(\.\d+)?\s*$/.test(raw)) throw new ConfigValueError(`expected a number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new ConfigValueError(`expected ${min}…${max}, got ${value}`);
    return value;
  };

const MONTH_DAY = /^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const monthDayRange: Parser<{ start: string; end: string }> = (raw) => {
  const [start, end, ...rest] = raw.split('..').map((s) => s.trim());
  if (rest.length > 0 || !MONTH_DAY.test(start ?? '') || !MONTH_DAY.test(end ?? '')) {
    throw new ConfigValueError(`expected two month-days such as 06-01..09-30, got "${raw}"`);
  }
  return { start, end };
};

const emailList: Parser<string[]> = (raw) => {
  const list = raw
    .split(/[,;\s]+/)
    .map((e) => e.trim())
    .filter(Boolean);
  const bad = list.filter((e) => !/^[^@\s]+@[^@\s]+$/.test(e));
  if (bad.length > 0)
    throw new ConfigValueError(`expected e-mail addresses separated by commas, got "${bad[0]}"`);
  return list;
};

const keep: Parser<Keep> = (raw) => {
  try {
    return parseKeep(raw);
  } catch (error) {
    throw new ConfigValueError((error as Error).message);
  }
};

const cron: Parser<string> = (raw) => {
  try {
    new Cron(raw, { paused: true }).stop();
    return raw;
  } catch (error) {
    throw new ConfigValueError(`"${raw}" is not a cron expression: ${(error as Error).message}`);
  }
};

const optionalHttpUrl: Parser<string | undefined> = (raw) =>
  raw.trim() === '' ? undefined : httpUrl(raw.trim());

function setting<K extends keyof Config>(s: Setting<K>): Setting<K> {
  return s;
}

/** The table of settings; the README documents each one (a test keeps the two in step). */
export const SETTINGS = [
  setting({ key: 'port', env: 'CIOP_PORT', default: 8080, parse: integer(0, 65535), doc: 'HTTP port.' }),
  setting({ key: 'host', env: 'CIOP_HOST', default: '0.0.0.0', parse: text, doc: 'Address to bind.' }),
  setting({
    key: 'databaseUrl',
    env: 'CIOP_DATABASE_URL',
    default: 'sqlite:./data/ciop.db',
    parse: databaseUrl,
    doc: '`sqlite:PATH` (embedded) or `postgres://user@host:port/db`.',
  }),
  setting({
    key: 'mqttUrl',
    env: 'CIOP_MQTT_URL',
    default: undefined,
    parse: mqttUrl,
    doc: 'External MQTT broker, e.g. `mqtt://127.0.0.1:1883`. Unset: CIOP runs its own broker.',
  }),
  setting({
    key: 'mqttPort',
    env: 'CIOP_MQTT_PORT',
    default: 1884,
    parse: integer(0, 65535),
    doc: 'Port of the embedded MQTT broker (1884 so that it does not clash with a system broker on 1883; 0 = no embedded broker).',
  }),
  setting({
    key: 'mqttTlsCert',
    env: 'CIOP_MQTT_TLS_CERT',
    default: undefined,
    parse: optionalText,
    doc: "PEM file of the certificate (with its chain) for the embedded broker's MQTT over TLS listener; set with CIOP_MQTT_TLS_KEY.",
  }),
  setting({
    key: 'mqttTlsKey',
    env: 'CIOP_MQTT_TLS_KEY',
    default: undefined,
    parse: optionalText,
    doc: "PEM file of that certificate's private key.",
  }),
  setting({
    key: 'mqttTlsPort',
    env: 'CIOP_MQTT_TLS_PORT',
    default: 8883,
    parse: integer(0, 65535),
    doc: "Port of the embedded broker's MQTT over TLS listener (0 picks a free port).",
  }),
  setting({
    key: 'mqttTopic',
    env: 'CIOP_MQTT_TOPIC',
    default: 'ciop/#',
    parse: text,
    doc: 'Topic filter CIOP subscribes to.',
  }),
  setting({
    key: 'mqttShareGroup',
    env: 'CIOP_MQTT_SHARE_GROUP',
    default: 'ciop',
    parse: text,
    doc: 'With an external broker, replicas subscribe to `$share/GROUP/TOPIC` and split the messages.',
  }),
  setting({
    key: 'mqttClientId',
    env: 'CIOP_MQTT_CLIENT_ID',
    default: undefined,
    parse: mqttClientId,
    doc: "This replica's client id on the external broker, the same at every restart and different for each replica; unset: `ciop-HOST-PORT` (host name and CIOP_PORT).",
  }),
  setting({
    key: 'mqttSessionExpiryS',
    env: 'CIOP_MQTT_SESSION_EXPIRY_S',
    default: 604_800,
    parse: integer(0, 4_294_967_295),
    doc: "How long the external broker keeps a stopped replica's session and queues its share of the messages, s (MQTT 5 session expiry; 4294967295 = never). 0: the replica leaves the shared subscription and empties its session when it stops, to be removed for good.",
  }),
  setting({
    key: 'ingestToken',
    env: 'CIOP_INGEST_TOKEN',
    default: undefined,
    parse: optionalText,
    doc: 'A bearer token allowed to write readings, for forwarders set up before machine tokens are issued.',
  }),
  setting({
    key: 'timezone',
    env: 'CIOP_TIMEZONE',
    default: 'Europe/Madrid',
    parse: timezone,
    doc: 'Time zone in which days, months and years are cut.',
  }),
  setting({
    key: 'ingestMinTime',
    env: 'CIOP_INGEST_MIN_TIME',
    default: Date.UTC(2000, 0, 1),
    parse: isoDate,
    doc: 'ISO date; earlier readings are refused (default 2000-01-01).',
  }),
  setting({
    key: 'ingestMaxFutureS',
    env: 'CIOP_INGEST_MAX_FUTURE_S',
    default: 86400,
    parse: integer(0, 10 * 365 * 86400),
    doc: 'Readings later than now plus this many seconds are refused.',
  }),
  setting({
    key: 'ingestMaxBodyBytes',
    env: 'CIOP_INGEST_MAX_BODY_BYTES',
    default: 25 * 1024 * 1024,
    parse: integer(1024, 1024 * 1024 * 1024),
    doc: 'Largest ingest body in bytes, after decompression (413 above).',
  }),
  setting({
    key: 'ingestMaxLineBytes',
    env: 'CIOP_INGEST_MAX_LINE_BYTES',
    default: 1024 * 1024,
    parse: integer(1024, 1024 * 1024 * 1024),
    doc: 'Longest line-protocol line in bytes (a line is read without a pause, so this bounds how long one line holds the server); a batch with a longer line is refused whole (400).',
  }),
  setting({
    key: 'ingestMaxFieldsPerLine',
    env: 'CIOP_INGEST_MAX_FIELDS_PER_LINE',
    default: 1000,
    parse: integer(1, 100_000),
    doc: 'Most fields one line-protocol line may list; a batch with a longer line is refused whole (400).',
  }),
  setting({
    key: 'ingestMaxTags',
    env: 'CIOP_INGEST_MAX_TAGS',
    default: 64,
    parse: integer(4, 10_000),
    doc: 'Most tags one series may have (forwarders send 4); a batch with more is refused whole (400).',
  }),
  setting({
    key: 'ingestMaxKeyBytes',
    env: 'CIOP_INGEST_MAX_KEY_BYTES',
    default: 1024,
    parse: integer(64, 65_535),
    doc: 'Longest measurement, tag key, tag value or field key, in UTF-8 bytes; a batch with a longer one is refused whole (400).',
  }),
  setting({
    key: 'ingestMaxNewSeries',
    env: 'CIOP_INGEST_MAX_NEW_SERIES',
    default: 10_000,
    parse: integer(1, 10_000_000),
    doc: 'Most series one request or MQTT message may create; a batch that would create more is refused whole (400).',
  }),
  setting({
    key: 'ingestNewSeriesPerMinute',
    env: 'CIOP_INGEST_NEW_SERIES_PER_MINUTE',
    default: 20_000,
    parse: integer(0, 100_000_000),
    doc: 'Most series one token may create in a minute, on each replica (MQTT messages count together); a batch beyond is refused whole (429 with Retry-After); 0 = unlimited.',
  }),
  setting({
    key: 'flushIntervalMs',
    env: 'CIOP_FLUSH_INTERVAL_MS',
    default: 1000,
    parse: integer(50, 600_000),
    doc: 'How often acknowledged readings are compacted from the ingest log into series blocks.',
  }),
  setting({
    key: 'sqliteSync',
    env: 'CIOP_SQLITE_SYNC',
    default: 'full',
    parse: oneOf('full', 'normal'),
    doc: 'SQLite durability: `full` survives power loss, `normal` survives a crash of the process.',
  }),
  setting({
    key: 'logLevel',
    env: 'CIOP_LOG_LEVEL',
    default: 'info',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    doc: 'Log level.',
  }),
  setting({
    key: 'publicUrl',
    env: 'CIOP_PUBLIC_URL',
    default: 'http://localhost:8080',
    parse: httpUrl,
    doc: 'Public base URL of this instance, used in links sent by e-mail.',
  }),
  setting({
    key: 'trustProxy',
    env: 'CIOP_TRUST_PROXY',
    default: 'loopback',
    parse: trustProxy,
    doc: 'Proxies whose X-Forwarded-For/-Proto are believed: `loopback`, addresses or CIDRs, a number of hops, `true` or `false`.',
  }),
  setting({
    key: 'adminEmail',
    env: 'CIOP_ADMIN_EMAIL',
    default: undefined,
    parse: email,
    doc: 'E-mail of the first admin, created when there are no accounts.',
  }),
  setting({
    key: 'adminPassword',
    env: 'CIOP_ADMIN_PASSWORD',
    default: undefined,
    parse: optionalText,
    doc: 'Password of the first admin; unset, a random one is printed once on the console.',
    secret: true,
  }),
  setting({
    key: 'smtpUrl',
    env: 'CIOP_SMTP_URL',
    default: undefined,
    parse: smtpUrl,
    doc: 'SMTP server for e-mail; unset, e-mail waits in the outbox (`GET /api/v1/admin/outbox`).',
    secret: true,
  }),
  setting({
    key: 'mailFrom',
    env: 'CIOP_MAIL_FROM',
    default: 'CIOP <ciop@localhost>',
    parse: text,
    doc: 'Sender of e-mail.',
  }),
  setting({
    key: 'accessTokenTtlS',
    env: 'CIOP_ACCESS_TOKEN_TTL_S',
    default: 900,
    parse: integer(60, 3600),
    doc: 'Lifetime of an access token, s.',
  }),
  setting({
    key: 'sessionIdleDays',
    env: 'CIOP_SESSION_IDLE_DAYS',
    default: 14,
    parse: integer(1, 365),
    doc: 'A login session unused for this many days ends.',
  }),
  setting({
    key: 'sessionMaxDays',
    env: 'CIOP_SESSION_MAX_DAYS',
    default: 90,
    parse: integer(1, 3650),
    doc: 'A login session ends this many days after the login, used or not.',
  }),
  setting({
    key: 'passwordResetTtlS',
    env: 'CIOP_PASSWORD_RESET_TTL_S',
    default: 3600,
    parse: integer(300, 7 * 86400),
    doc: 'Lifetime of a password-reset link, s.',
  }),
  setting({
    key: 'inviteTtlDays',
    env: 'CIOP_INVITE_TTL_DAYS',
    default: 7,
    parse: integer(1, 60),
    doc: 'Lifetime of the link that sets the first password of a new account, days.',
  }),
  setting({
    key: 'loginMaxFailures',
    env: 'CIOP_LOGIN_MAX_FAILURES',
    default: 5,
    parse: integer(1, 1000),
    doc: 'Failed logins of one account within the lock-out time before the account is locked for that time.',
  }),
  setting({
    key: 'loginMaxFailuresPerAddress',
    env: 'CIOP_LOGIN_MAX_PER_ADDRESS',
    default: 30,
    parse: integer(1, 100_000),
    doc: 'Failed logins from one address within the lock-out time before the address is locked for that time.',
  }),
  setting({
    key: 'privacyMinDwellings',
    env: 'CIOP_PRIVACY_MIN_DWELLINGS',
    default: 5,
    parse: integer(1, 1000),
    doc: 'Fewest distinct dwellings a building or district mean must cover to be shown to whom does not see all of it.',
  }),
  setting({
    key: 'loginLockoutS',
    env: 'CIOP_LOGIN_LOCKOUT_S',
    default: 900,
    parse: integer(1, 86400),
    doc: 'Window in which failed logins count, and length of a lock-out, s.',
  }),
  setting({
    key: 'rateLimitPerMinute',
    env: 'CIOP_RATE_LIMIT_PER_MINUTE',
    default: 3000,
    parse: integer(0, 10_000_000),
    doc: 'Requests per minute from one address to any endpoint (429 above); 0 = unlimited.',
  }),
  setting({
    key: 'authRatePerMinute',
    env: 'CIOP_AUTH_RATE_PER_MINUTE',
    default: 20,
    parse: integer(0, 1_000_000),
    doc: 'Requests per minute from one address to login, refresh and password reset; 0 = unlimited.',
  }),
  setting({
    key: 'accountRequestsPerHour',
    env: 'CIOP_SIGNUP_RATE_PER_HOUR',
    default: 5,
    parse: integer(0, 1_000_000),
    doc: 'Account requests per hour from one address; 0 = unlimited.',
  }),
  setting({
    key: 'forecastUrl',
    env: 'CIOP_FORECAST_URL',
    default: undefined,
    parse: optionalHttpUrl,
    doc: 'Weather forecast service in the Open-Meteo shape (e.g. `https://api.open-meteo.com/v1/forecast`) for the heat demand forecast; unset, the planner uploads a CSV (and the demo uses made-up weather).',
  }),
  setting({
    key: 'newsRetentionDays',
    env: 'CIOP_NEWS_RETENTION_DAYS',
    default: 30,
    parse: integer(1, 3650),
    doc: 'News headlines older than this many days are dropped.',
  }),
  setting({
    key: 'newsFetchIntervalS',
    env: 'CIOP_NEWS_FETCH_INTERVAL_S',
    default: 900,
    parse: integer(60, 86400),
    doc: 'Seconds between two fetches of the news feeds (each with a conditional request).',
  }),
  setting({
    key: 'comfortRateLimit',
    env: 'CIOP_COMFORT_RATE_LIMIT',
    default: 120,
    parse: integer(1, 1_000_000),
    doc: 'Requests a minute one caller without a credential may make to `POST /api/v1/comfort/pmv` (ten times that with one).',
  }),
  setting({
    key: 'comfortSummer',
    env: 'CIOP_COMFORT_SUMMER',
    default: { start: '06-01', end: '09-30' },
    parse: monthDayRange,
    doc: 'Days of summer clothing for stored comfort, `MM-DD..MM-DD` local dates inclusive; the rest of the year is winter.',
  }),
  setting({
    key: 'comfortWinterClo',
    env: 'CIOP_COMFORT_WINTER_CLO',
    default: 1.0,
    parse: decimal(0, 4),
    doc: 'Clothing insulation assumed in winter, clo (ISO 7730 Annex C: trousers, shirt, sweater).',
  }),
  setting({
    key: 'comfortSummerClo',
    env: 'CIOP_COMFORT_SUMMER_CLO',
    default: 0.5,
    parse: decimal(0, 4),
    doc: 'Clothing insulation assumed in summer, clo (light trousers, short-sleeved shirt).',
  }),
  setting({
    key: 'comfortMet',
    env: 'CIOP_COMFORT_MET',
    default: 1.2,
    parse: decimal(0.5, 6),
    doc: 'Metabolic rate assumed at home, met (ISO 7730 Annex B: sedentary activity).',
  }),
  setting({
    key: 'comfortAirSpeed',
    env: 'CIOP_COMFORT_AIR_SPEED',
    default: 0.1,
    parse: decimal(0, 5),
    doc: 'Average room air speed assumed, m/s (still air).',
  }),
  setting({
    key: 'comfortIntervalS',
    env: 'CIOP_COMFORT_INTERVAL_S',
    default: 60,
    parse: integer(1, 86_400),
    doc: 'How often the comfort job turns new hourly readings into PMV/PPD, s.',
  }),
  setting({
    key: 'silentAfterDays',
    env: 'CIOP_SILENT_AFTER_DAYS',
    default: 14,
    parse: integer(1, 3650),
    doc: 'A gateway or sensor silent for longer than this many days raises an alarm (admins override it, also per medium).',
  }),
  setting({
    key: 'alarmCheckIntervalS',
    env: 'CIOP_ALARM_CHECK_INTERVAL_S',
    default: 600,
    parse: integer(10, 86400),
    doc: 'Seconds between two looks for silent gateways and sensors (job `silent-devices`).',
  }),
  setting({
    key: 'alarmEmails',
    env: 'CIOP_ALARM_EMAILS',
    default: [],
    parse: emailList,
    doc: 'Maintenance contacts told of silent devices, separated by commas, until admins set them.',
  }),
  setting({
    key: 'alarmWebhookUrl',
    env: 'CIOP_ALARM_WEBHOOK_URL',
    default: undefined,
    parse: optionalHttpUrl,
    doc: 'URL to which incidents are POSTed as JSON, until admins set it.',
  }),
  setting({
    key: 'contactName',
    env: 'CIOP_CONTACT_NAME',
    default: undefined,
    parse: optionalText,
    doc: 'Who runs this CIOP (an office of the city council, a company), shown on the contact page.',
  }),
  setting({
    key: 'contactEmail',
    env: 'CIOP_CONTACT_EMAIL',
    default: undefined,
    parse: optionalText,
    doc: "The operator's e-mail address for the public, shown on the contact page.",
  }),
  setting({
    key: 'contactPhone',
    env: 'CIOP_CONTACT_PHONE',
    default: undefined,
    parse: optionalText,
    doc: "The operator's telephone number, shown on the contact page.",
  }),
  setting({
    key: 'contactAddress',
    env: 'CIOP_CONTACT_ADDRESS',
    default: undefined,
    parse: optionalText,
    doc: "The operator's address or office (and its hours), shown on the contact page.",
  }),
  setting({
    key: 'expectedIntervalS',
    env: 'CIOP_EXPECTED_INTERVAL_S',
    default: 600,
    parse: integer(1, 86400),
    doc: 'How often sensors report, s, for the missing-data heatmap (admins override it per medium).',
  }),
  setting({
    key: 'kpiRegion',
    env: 'CIOP_KPI_REGION',
    default: 'ES-peninsular',
    parse: kpiRegion,
    doc: 'Region whose conversion factors the KPIs use: a stored factor of this region wins, then one of its country (ES).',
  }),
  setting({
    key: 'kpiDistrictHeating',
    env: 'CIOP_KPI_DISTRICT_HEATING_FACTORS',
    default: [1.003, 0.034, 0.018] as const,
    parse: districtHeatingFactors,
    doc: 'The district heating network’s declared factors: renewable and non-renewable primary energy (kWh/kWh) and CO2 (kg/kWh), comma-separated.',
  }),
  setting({
    key: 'backupDir',
    env: 'CIOP_BACKUP_DIR',
    default: undefined,
    parse: optionalText,
    doc: 'Folder the scheduled backup writes to (files of mode 0600); unset: no scheduled backup (`ciop backup` still works).',
  }),
  setting({
    key: 'backupCopyDir',
    env: 'CIOP_BACKUP_COPY_DIR',
    default: undefined,
    parse: optionalText,
    doc: 'A second folder, on another disk or machine, each scheduled backup is copied to, pruned by the same rule.',
  }),
  setting({
    key: 'backupCron',
    env: 'CIOP_BACKUP_CRON',
    default: '15 3 * * *',
    parse: cron,
    doc: 'When the scheduled backup runs (cron, in CIOP_TIMEZONE).',
  }),
  setting({
    key: 'backupKeep',
    env: 'CIOP_BACKUP_KEEP',
    default: { daily: 7, weekly: 4, monthly: 12, yearly: 3 },
    parse: keep,
    doc: 'Backups kept, grandfather–father–son: the newest of each of the last N days, weeks, months and years, e.g. `7d,4w,12m,3y`.',
  }),
  setting({
    key: 'backupPassphrase',
    env: 'CIOP_BACKUP_PASSPHRASE',
    default: undefined,
    parse: optionalText,
    doc: 'Passphrase backups are encrypted with (AES-256-GCM); unset: not encrypted. Backups hold signing keys and token hashes: keep them safe either way.',
    secret: true,
  }),
  setting({
    key: 'datadisUrl',
    env: 'CIOP_DATADIS_URL',
    default: 'https://datadis.es',
    parse: httpUrl,
    doc: 'Base URL of Datadis, the Spanish distributors’ data platform (login and private API).',
  }),
  setting({
    key: 'datadisUsername',
    env: 'CIOP_DATADIS_USERNAME',
    default: undefined,
    parse: optionalText,
    doc: 'Datadis user (the NIF of the city); unset, Datadis is not read.',
  }),
  setting({
    key: 'datadisPassword',
    env: 'CIOP_DATADIS_PASSWORD',
    default: undefined,
    parse: optionalText,
    doc: 'Password of that Datadis user.',
    secret: true,
  }),
  setting({
    key: 'vendorUrl',
    env: 'CIOP_VENDOR_URL',
    default: undefined,
    parse: optionalHttpUrl,
    doc: 'Base URL of the gateway manufacturer’s platform, from which gaps in the readings are filled (`GET {base}/gateways/{serial}/readings`); unset, it is not asked.',
  }),
  setting({
    key: 'vendorToken',
    env: 'CIOP_VENDOR_TOKEN',
    default: undefined,
    parse: optionalText,
    doc: 'Bearer token CIOP presents to the manufacturer’s platform.',
    secret: true,
  }),
  setting({
    key: 'vendorHorizonDays',
    env: 'CIOP_VENDOR_HORIZON_DAYS',
    default: 7,
    parse: integer(1, 366),
    doc: 'The daily job asks the manufacturer for the gaps of the missing-data heatmap of this many past days; older gaps are left alone.',
  }),
  setting({
    key: 'qualityCheckIntervalS',
    env: 'CIOP_QUALITY_CHECK_INTERVAL_S',
    default: 60,
    parse: integer(0, 86_400),
    doc: 'How often, s, new readings are checked for plausibility (and readings of media whose checks changed are checked again); 0 turns the checks off.',
  }),
  setting({
    key: 'jobs',
    env: 'CIOP_JOBS',
    default: 'on',
    parse: oneOf('on', 'off'),
    doc: '`off`: this replica runs no scheduled job (derived data, alarms, fetches) and only answers and ingests, so that long job runs never delay its answers; another replica on the same PostgreSQL database, with `on`, runs them.',
  }),
  setting({
    key: 'qualityIncidentWindowH',
    env: 'CIOP_QUALITY_INCIDENT_WINDOW_H',
    default: 6,
    parse: integer(1, 720),
    doc: 'A quality incident opens while a flag of its check lies within this many hours before the sensor’s latest reading, and closes once the latest readings of this many hours pass the check.',
  }),
  setting({
    key: 'mapStyleUrl',
    env: 'CIOP_MAP_STYLE_URL',
    default: undefined,
    parse: optionalHttpUrl,
    doc: 'MapLibre style (JSON) drawn under the 3D city; its host is let through the Content Security Policy. Unset: no base map.',
  }),
  setting({
    key: 'fleetUrl',
    env: 'CIOP_FLEET_URL',
    default: undefined,
    parse: optionalHttpUrl,
    doc: 'Base URL of the bus operator’s fleet platform (its `trips`, `chargers` and `charges` lists); unset, it is not polled.',
  }),
  setting({
    key: 'fleetToken',
    env: 'CIOP_FLEET_TOKEN',
    default: undefined,
    parse: optionalText,
    doc: 'Bearer token CIOP presents to the fleet platform.',
    secret: true,
  }),
  setting({
    key: 'fleetPollIntervalS',
    env: 'CIOP_FLEET_POLL_INTERVAL_S',
    default: 300,
    parse: integer(10, 86_400),
    doc: 'Seconds between two polls of the fleet platform; after a failure the wait doubles, up to an hour.',
  }),
  setting({
    key: 'gtfsRtVehiclesUrl',
    env: 'CIOP_GTFS_RT_VEHICLES_URL',
    default: undefined,
    parse: optionalHttpUrl,
    doc: 'URL of a GTFS-Realtime VehiclePositions feed (protobuf) whose positions go to the bus map; unset, it is not polled.',
  }),
  setting({
    key: 'gtfsRtTripUpdatesUrl',
    env: 'CIOP_GTFS_RT_TRIP_UPDATES_URL',
    default: undefined,
    parse: optionalHttpUrl,
    doc: 'URL of a GTFS-Realtime TripUpdates feed (protobuf) whose delays are stored as series; unset, it is not polled.',
  }),
  setting({
    key: 'gtfsRtPollIntervalS',
    env: 'CIOP_GTFS_RT_POLL_INTERVAL_S',
    default: 10,
    parse: integer(1, 3600),
    doc: 'Seconds between two polls of the GTFS-Realtime feeds; after a failure the wait doubles, up to an hour.',
  }),
  setting({
    key: 'ocppHeartbeatS',
    env: 'CIOP_OCPP_HEARTBEAT_S',
    default: 300,
    parse: integer(10, 86_400),
    doc: 'Seconds between two Heartbeats a charger is told to send when it boots (OCPP BootNotification interval).',
  }),
  setting({
    key: 'busDieselStandard',
    env: 'CIOP_BUS_DIESEL_L_PER_100KM',
    default: 40,
    parse: decimal(1, 200),
    doc: 'Consumption of the 12 m diesel bus an electric bus is compared with for the CO2 it avoids, l/100 km.',
  }),
  setting({
    key: 'busDieselArticulated',
    env: 'CIOP_BUS_DIESEL_ARTICULATED_L_PER_100KM',
    default: 55,
    parse: decimal(1, 200),
    doc: 'Consumption of the articulated (18 m) diesel bus an articulated electric bus is compared with, l/100 km.',
  }),
  setting({
    key: 'dieselCo2PerLitre',
    env: 'CIOP_DIESEL_KG_CO2_PER_L',
    default: 2.467,
    parse: decimal(0.1, 10),
    doc: 'CO2 of a litre of diesel burnt, kg/l; the electricity’s CO2 comes from the KPI tool’s conversion factors.',
  }),
] as const;

/** Thrown with every wrong value listed, one per line, so a user can fix them all at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `CIOP cannot start, the configuration has ${problems.length} problem(s):\n  ${problems.join('\n  ')}`,
    );
  }
}

/**
 * Reads the configuration: defaults, then the optional JSON file named by `CIOP_CONFIG_FILE`
 * (keys are the environment variable names), then the environment. `overrides` (tests) win.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  let fileValues: Record<string, unknown> = {};
  const file = env.CIOP_CONFIG_FILE;
  if (file) {
    try {
      fileValues = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
      const known = new Set<string>(SETTINGS.map((s) => s.env));
      for (const name of Object.keys(fileValues)) {
        if (!known.has(name)) problems.push(`${file}: unknown setting "${name}"`);
      }
    } catch (error) {
      problems.push(`CIOP_CONFIG_FILE=${file}: ${(error as Error).message}`);
    }
  }
  const config: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const raw = env[s.env] ?? (fileValues[s.env] === undefined ? undefined : String(fileValues[s.env]));
    if (raw === undefined) {
      config[s.key] = s.default;
      continue;
    }
    try {
      config[s.key] = (s.parse as Parser<unknown>)(raw);
    } catch (error) {
      if (!(error instanceof ConfigValueError)) throw error;
      problems.push(`${s.env}: ${error.message}`);
    }
  }
  if (problems.length === 0) problems.push(...crossCheck(config as unknown as Config));
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...(config as unknown as Config), ...overrides };
}

/** Problems of values that are each valid but do not go together. */
function crossCheck(config: Config): string[] {
  const problems: string[] = [];
  if ((config.mqttTlsCert === undefined) !== (config.mqttTlsKey === undefined))
    problems.push(
      `CIOP_MQTT_TLS_CERT and CIOP_MQTT_TLS_KEY go together: set both for MQTT over TLS, or neither (only ${config.mqttTlsCert === undefined ? 'CIOP_MQTT_TLS_KEY' : 'CIOP_MQTT_TLS_CERT'} is set)`,
    );
  if (config.mqttTlsCert !== undefined && config.mqttUrl !== undefined)
    problems.push(
      'CIOP_MQTT_TLS_CERT is for the embedded broker, but CIOP_MQTT_URL names an external one: give the external broker its TLS listener instead',
    );
  if (config.jobs === 'off' && config.databaseUrl.startsWith('sqlite:'))
    problems.push(
      'CIOP_JOBS=off leaves the jobs to another replica, but CIOP_DATABASE_URL is an embedded SQLite database that only this process uses: nothing would keep derived data, alarms or KPIs; use PostgreSQL, or leave CIOP_JOBS on',
    );
  if (config.ingestNewSeriesPerMinute > 0 && config.ingestMaxNewSeries > config.ingestNewSeriesPerMinute)
    problems.push(
      `CIOP_INGEST_MAX_NEW_SERIES (${config.ingestMaxNewSeries}) is above CIOP_INGEST_NEW_SERIES_PER_MINUTE (${config.ingestNewSeriesPerMinute}): a request that large could never be stored`,
    );
  return problems;
}
