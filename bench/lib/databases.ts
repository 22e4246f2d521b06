import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** A fresh database: a SQLite file in a temporary folder, or a new PostgreSQL database. */
export async function freshDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const server = process.env.CIOP_BENCH_DATABASE_URL;
  if (!server) {
    const dir = mkdtempSync(path.join(tmpdir(), `ciop-bench-${name}-`));
    return {
      url: `sqlite:${path.join(dir, 'ciop.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const db = `ciop_bench_${name}_${process.pid}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${db}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.end();
    },
  };
}
