import { defineConfig } from 'vitest/config';

// Three tiers. `unit` needs nothing but Node (SQLite, the embedded broker). `services` needs the
// machine's PostgreSQL and Mosquitto: it re-runs every `*.db.test.ts` against PostgreSQL and
// runs the `*.services.test.ts` suites. `e2e` drives the built app in Chromium.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['src/**/*.services.test.ts', 'node_modules/**'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'services',
          include: ['src/**/*.db.test.ts', 'src/**/*.services.test.ts'],
          env: {
            CIOP_TEST_DATABASE: 'postgres',
            CIOP_TEST_POSTGRES_URL:
              process.env.CIOP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
            CIOP_TEST_MQTT_URL: process.env.CIOP_TEST_MQTT_URL ?? 'mqtt://127.0.0.1:1883',
          },
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
