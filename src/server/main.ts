import { parseArgs } from 'node:util';
import { ROLES, type Role } from '#common/api/access.ts';
import { LANGUAGES, type Language } from '#common/api/auth.ts';
import { randomPassword } from './modules/auth/accounts.service.ts';
import { BY_SYSTEM } from './audit/by.ts';
import { generateSecret } from './modules/auth/ingest-token.ts';
import { revokeAllSessions } from './modules/auth/sessions.store.ts';
import { setSetting } from './settings/instance-settings.store.ts';
import { HttpProblem } from './plugins/errors.ts';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, SETTINGS } from './config.ts';
import { migrateToLatest, openDatabase } from './db/database.ts';
import { MqttIngest } from './plugins/mqtt.ts';
import { createLogger, openPlatform, type Platform } from './platform.ts';
import { restoreBackup, takeBackup, verifyBackup } from './backup/backup.ts';
import { CIOP_VERSION } from './backup/scheduled.ts';

const HELP = `ciop — City Information Open Platform

Usage: ciop <command> [options]

Commands:
  start            Migrate, seed the demo district on an empty database (or finish a seed cut short), and serve with the live simulator
  serve            Serve the platform (HTTP, MQTT ingest); starts empty
  migrate          Bring the database schema up to date
  demo             Seed the demo district, or finish a seed cut short (options: --days N, --no-history, --no-kpi)
  ingest-token     Print this instance's ingest token
  user add         Create an account: --email E --name N --roles a,b [--dwelling ID]… [--language en|es|eu] [--password P]
                   (without --password, a random one is printed)
  user password E  Set a new password for the account with e-mail E and print it (or --password P)
  rotate-secrets   New signing key for access tokens (every access token stops working);
                   --sessions also ends every login session, --ingest-token replaces a generated ingest token
  backup [--to DIR]
                   Take a backup of the database while CIOP runs, into DIR (default CIOP_BACKUP_DIR, else .)
  backup verify F  Check a backup's checksums, restore it into a temporary database and compare its counts
  restore F [--force]
                   Restore backup F into CIOP_DATABASE_URL, with CIOP stopped; --force replaces a database holding data
                   (encrypted backups take CIOP_BACKUP_PASSPHRASE)
  config           Check the configuration and print it (secrets hidden)
  help             This text

Configuration is read from CIOP_* environment variables (see README.md).`;

/**
 * On a database without accounts, creates the first admin; a generated password is printed
 * once, on the console only (never in the log).
 */
async function ensureFirstAdmin(platform: Platform): Promise<void> {
  const { adminEmail, adminPassword } = platform.config;
  const created = await platform.auth.accounts.ensureFirstAdmin({ adminEmail, adminPassword });
  if (!created) return;
  if (created.password) {
    console.log(
      `\nCIOP created the first admin account. Its password is shown only this once:\n` +
        `  e-mail:   ${created.email}\n  password: ${created.password}\n` +
        `Log in and change it (or set CIOP_ADMIN_EMAIL and CIOP_ADMIN_PASSWORD before the first start).\n`,
    );
  } else platform.logger.info({ email: created.email }, 'created the first admin from CIOP_ADMIN_EMAIL');
}

/** Runs the HTTP server and MQTT ingest until SIGINT/SIGTERM. */
async function serve(
  platform: Platform,
  onReady?: (platform: Platform, mqttUrl: string) => Promise<() => Promise<void>>,
): Promise<void> {
  await ensureFirstAdmin(platform);
  const app = await buildApp(platform);
  const { metrics } = platform;
  const mqttIngest = await MqttIngest.start(
    platform.config,
    {
      writeMqtt: async (topic, payload) => {
        const stored = await platform.ingest.writeMqtt(topic, payload);
        metrics.ingested('mqtt', stored);
        return stored;
      },
    },
    (s) => platform.verifySecret(s),
    platform.logger,
    platform.ingestToken,
    { onRevoked: (listener) => platform.auth.machineTokens.onRevoked(listener) },
  );
  platform.readiness.add({ name: 'broker', check: () => mqttIngest.connected });
  metrics.gauge('ciop_mqtt_connected', 'Whether the MQTT subscriber is connected (1) or not (0)', () =>
    Number(mqttIngest.connected),
  );
  metrics.gauge('ciop_mqtt_device_connections', 'Devices connected to the embedded broker', () =>
    platform.config.mqttUrl ? undefined : mqttIngest.deviceConnections,
  );
  await app.listen({ port: platform.config.port, host: platform.config.host });
  platform.news.live = true;
  if (platform.config.jobs === 'on') {
    platform.scheduler.start();
    // Headlines for the first visitors, without waiting a whole fetch interval.
    setTimeout(() => void platform.scheduler.run('news-fetch').catch(() => undefined), 3000).unref();
  } else platform.logger.info('CIOP_JOBS=off: the scheduled jobs run on another replica');
  const stopExtra = onReady
    ? await onReady(platform, platform.config.mqttUrl ?? `mqtt://127.0.0.1:${mqttIngest.brokerPort}`)
    : undefined;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    platform.logger.info({ signal }, 'stopping');
    await stopExtra?.();
    await app.close();
    await mqttIngest.stop();
    await platform.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

export async function main(argv: string[]): Promise<void> {
  const [command = 'help', ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      days: { type: 'string' },
      'no-history': { type: 'boolean' },
      'no-kpi': { type: 'boolean' },
      email: { type: 'string' },
      name: { type: 'string' },
      roles: { type: 'string' },
      dwelling: { type: 'string', multiple: true },
      language: { type: 'string' },
      password: { type: 'string' },
      sessions: { type: 'boolean' },
      'ingest-token': { type: 'boolean' },
      to: { type: 'string' },
      force: { type: 'boolean' },
    },
    allowPositionals: true,
    strict: false,
  });
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config);
  try {
    await run(command, positionals, values, config, logger);
  } catch (error) {
    if (error instanceof HttpProblem) {
      console.error(`ciop ${command}: ${error.detail}`);
      process.exit(1);
    }
    // Backups and restores fail for reasons a person fixes (a damaged file, a missing tool, a
    // database that holds data): the reason, without a stack.
    if (command === 'backup' || command === 'restore') {
      console.error(`ciop ${command}: ${(error as Error).message}`);
      process.exit(1);
    }
    throw error;
  }
}

type Values = ReturnType<typeof parseArgs>['values'];

function text(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

function usage(message: string): never {
  console.error(`ciop: ${message}\n\n${HELP}`);
  process.exit(2);
}

async function userCommand(platform: Platform, positionals: string[], values: Values): Promise<void> {
  const [sub, arg] = positionals;
  const { accounts } = platform.auth;
  if (sub === 'add') {
    const email = text(values, 'email');
    const name = text(values, 'name');
    const roles = (text(values, 'roles') ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean);
    if (!email || !name || roles.length === 0) usage('user add needs --email, --name and --roles');
    const unknown = roles.filter((r) => !(ROLES as readonly string[]).includes(r));
    if (unknown.length > 0) usage(`unknown role(s) ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
    const language = text(values, 'language') ?? 'en';
    if (!(LANGUAGES as readonly string[]).includes(language))
      usage(`--language is one of ${LANGUAGES.join(', ')}`);
    const dwellings = ((values.dwelling as string[] | undefined) ?? []).map(Number);
    if (dwellings.some((d) => !Number.isSafeInteger(d) || d < 1)) usage('--dwelling takes a dwelling id');
    const password = text(values, 'password') ?? randomPassword();
    const user = await accounts.create(
      {
        email,
        name,
        roles: roles as Role[],
        language: language as Language,
        dwellingIds: dwellings,
        password,
      },
      BY_SYSTEM,
    );
    console.log(`created user ${user.id} <${user.email}> with roles ${user.roles.join(', ')}`);
    if (!text(values, 'password')) console.log(`password: ${password}`);
    return;
  }
  if (sub === 'password') {
    if (!arg) usage('user password needs the e-mail of the account');
    const password = await accounts.setPassword(arg, text(values, 'password'));
    if (!text(values, 'password')) console.log(password);
    else console.log(`password of ${arg} set; its sessions ended`);
    return;
  }
  usage('user takes add or password');
}

async function rotateSecrets(platform: Platform, values: Values): Promise<void> {
  const kid = await platform.auth.accessTokens.rotate();
  await platform.audit.record({
    ...BY_SYSTEM,
    action: 'secrets.rotated',
    detail: { kid, sessions: !!values.sessions },
  });
  console.log('new signing key for access tokens: every access token issued before stops working');
  if (values.sessions) {
    const n = await revokeAllSessions(platform.database.db, 'secrets rotated', Date.now());
    console.log(`ended ${n} login session(s)`);
  }
  if (values['ingest-token']) {
    if (platform.config.ingestToken) {
      console.log('the ingest token comes from CIOP_INGEST_TOKEN: change it there');
    } else {
      const token = generateSecret();
      await setSetting(platform.database.db, 'ingest_token', token);
      console.log(`new ingest token (restart CIOP for it to take effect): ${token}`);
    }
  }
}

async function run(
  command: string,
  positionals: string[],
  values: Values,
  config: ReturnType<typeof loadConfig>,
  logger: ReturnType<typeof createLogger>,
): Promise<void> {
  switch (command) {
    case 'serve':
      await serve(await openPlatform(config, logger));
      return;
    case 'start': {
      const platform = await openPlatform(config, logger);
      await ensureFirstAdmin(platform);
      const { seedDemoIfNeeded, startSimulator } = await import('./demo/demo.ts');
      await seedDemoIfNeeded(platform);
      await serve(platform, startSimulator);
      console.log(`CIOP is running at http://localhost:${config.port}`);
      return;
    }
    case 'backup': {
      const [sub, file] = positionals;
      if (sub === 'verify') {
        if (!file) usage('backup verify needs the backup file');
        const postgresUrl = config.databaseUrl.startsWith('postgres') ? config.databaseUrl : undefined;
        const result = await verifyBackup(file, { passphrase: config.backupPassphrase, postgresUrl });
        const { counts } = result;
        console.log(
          `${file}: ${result.manifest.dialect}, schema ${result.manifest.schemaVersion}, taken ${result.manifest.createdAt}\n` +
            `restored: ${counts.readings} readings, ${counts.series} series, ${counts.accounts} accounts, ${counts.kpiMeasures} KPI measures`,
        );
        if (!result.ok) {
          console.error(
            `the backup does not restore what its manifest says:\n  ${result.differences.join('\n  ')}`,
          );
          process.exit(1);
        }
        console.log('the backup is sound');
        return;
      }
      if (sub !== undefined) usage('backup takes --to DIR, or verify FILE');
      const directory = text(values, 'to') ?? config.backupDir ?? '.';
      const began = Date.now();
      const taken = await takeBackup(config.databaseUrl, {
        directory,
        passphrase: config.backupPassphrase,
        ciopVersion: CIOP_VERSION,
      });
      console.log(
        `${taken.file}: ${taken.bytes} bytes, ${taken.manifest.counts.readings} readings, in ${Date.now() - began} ms` +
          (config.backupPassphrase ? ' (encrypted)' : ''),
      );
      return;
    }
    case 'restore': {
      const [file] = positionals;
      if (!file) usage('restore needs the backup file');
      const manifest = await restoreBackup(file, config.databaseUrl, {
        force: !!values.force,
        passphrase: config.backupPassphrase,
      });
      console.log(
        `restored ${file} (taken ${manifest.createdAt}, schema ${manifest.schemaVersion}): ${manifest.counts.readings} readings, ${manifest.counts.accounts} accounts; start CIOP to migrate and serve it`,
      );
      return;
    }
    case 'migrate': {
      const handle = openDatabase(config.databaseUrl);
      const applied = await migrateToLatest(handle);
      console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'the schema is up to date');
      await handle.close();
      return;
    }
    case 'demo': {
      const platform = await openPlatform(config, logger);
      const { resumeDemoSeed, seedDemo } = await import('./demo/demo.ts');
      if (!(await resumeDemoSeed(platform)))
        await seedDemo(platform, {
          days: values.days ? Number(values.days) : undefined,
          history: !values['no-history'],
          kpi: !values['no-kpi'],
        });
      await platform.close();
      return;
    }
    case 'user': {
      const platform = await openPlatform(config, logger);
      try {
        await userCommand(platform, positionals, values);
      } finally {
        await platform.close();
      }
      return;
    }
    case 'rotate-secrets': {
      const platform = await openPlatform(config, logger);
      try {
        await rotateSecrets(platform, values);
      } finally {
        await platform.close();
      }
      return;
    }
    case 'ingest-token': {
      const platform = await openPlatform(config, logger);
      console.log(platform.ingestToken);
      await platform.close();
      return;
    }
    case 'config':
      for (const s of SETTINGS) {
        const value = config[s.key];
        const shown =
          (s.key === 'ingestToken' || ('secret' in s && s.secret)) && value
            ? '(set)'
            : s.key === 'ingestMinTime'
              ? new Date(value as number).toISOString()
              : value;
        console.log(`${s.env}=${shown ?? ''}`);
      }
      return;
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return;
    default:
      console.error(`ciop: unknown command "${command}"\n\n${HELP}`);
      process.exit(2);
  }
}
