import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type DatabaseHandle, migrateToLatest, openDatabase } from '../db/database.ts';

/**
 * The database a `*.db.test.ts` runs against: SQLite in the unit tier, the machine's
 * PostgreSQL in the services tier (CIOP_TEST_DATABASE=postgres).
 */
export const testDialect: 'sqlite' | 'postgres' =
  process.env.CIOP_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDatabase {
  url: string;
  /** Removes the database and everything in it. */
  drop(): Promise<void>;
}

/** Creates an empty database of the tier's dialect, with a unique name. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDialect === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'ciop-test-'));
    return {
      url: `sqlite:${path.join(dir, 'ciop.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const admin = process.env.CIOP_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `ciop_test_${process.pid}_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** An empty, migrated database of the tier's dialect, opened. */
export async function openTestDatabase(): Promise<{
  handle: DatabaseHandle;
  url: string;
  drop(): Promise<void>;
}> {
  const created = await createTestDatabase();
  const handle = openDatabase(created.url);
  await migrateToLatest(handle);
  return {
    handle,
    url: created.url,
    drop: async () => {
      await handle.close();
      await created.drop();
    },
  };
}
