import { parseArgs } from 'node:util';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, SETTINGS } from './config.ts';
import { migrateToLatest, openDatabase } from './db/database.ts';
import { MqttIngest } from './plugins/mqtt.ts';
import { createLogger, openPlatform, type Platform } from './platform.ts';

const HELP = `ciop — City Information Open Platform

Usage: ciop <command> [options]

Commands:
  start            Migrate, seed the demo district on an empty database, and serve with the live simulator
  serve            Serve the platform (HTTP, MQTT ingest); starts empty
  migrate          Bring the database schema up to date
  demo             Seed the demo district (options: --days N, --no-history)
  ingest-token     Print this instance's ingest token
  config           Check the configuration and print it (secrets hidden)
  help             This text

Configuration is read from CIOP_* environment variables (see README.md).`;

/** Runs the HTTP server and MQTT ingest until SIGINT/SIGTERM. */
async function serve(
  platform: Platform,
  onReady?: (platform: Platform, mqttUrl: string) => Promise<() => Promise<void>>,
): Promise<void> {
  const app = await buildApp(platform);
  const mqttIngest = await MqttIngest.start(
    platform.config,
    platform.ingest,
    (s) => platform.verifySecret(s),
    platform.logger,
    platform.ingestToken,
  );
  await app.listen({ port: platform.config.port, host: platform.config.host });
  platform.news.start();
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
  const { values } = parseArgs({
    args: rest,
    options: { days: { type: 'string' }, 'no-history': { type: 'boolean' } },
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
  switch (command) {
    case 'serve':
      await serve(await openPlatform(config, logger));
      return;
    case 'start': {
      const platform = await openPlatform(config, logger);
      const { seedDemoIfEmpty, startSimulator } = await import('./demo/demo.ts');
      await seedDemoIfEmpty(platform);
      await serve(platform, startSimulator);
      console.log(`CIOP is running at http://localhost:${config.port}`);
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
      const { seedDemo } = await import('./demo/demo.ts');
      await seedDemo(platform, {
        days: values.days ? Number(values.days) : undefined,
        history: !values['no-history'],
      });
      await platform.close();
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
          s.key === 'ingestToken' && value
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
