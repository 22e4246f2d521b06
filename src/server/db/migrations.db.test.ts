import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../testing/databases.ts';
import { type DatabaseHandle, migrateToLatest, openDatabase } from './database.ts';

/** A migration that creates one table, written without imports so it loads from any folder. */
const creating = (table: string) =>
  `export async function up(db) {\n  await db.schema.createTable('${table}').addColumn('id', 'integer').execute();\n}\n`;

describe('migration discovery', () => {
  let folder: string;
  let handle: DatabaseHandle;
  let drop: () => Promise<void>;
  beforeEach(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'ciop-migrations-'));
    writeFileSync(path.join(folder, '20990101_0000_first.ts'), creating('probe_first'));
    writeFileSync(path.join(folder, '20990101_0100_second.ts'), creating('probe_second'));
    const database = await createTestDatabase();
    handle = openDatabase(database.url);
    drop = database.drop;
  });
  afterEach(async () => {
    await handle.close();
    await drop();
    rmSync(folder, { recursive: true, force: true });
  });

  const tables = async () =>
    (await handle.db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name).sort();

  it('applies the well-named files in order, leaving aside source maps and hidden files', async () => {
    writeFileSync(path.join(folder, '20990101_0000_first.js.map'), '{}');
    writeFileSync(path.join(folder, '.DS_Store'), '');
    expect(await migrateToLatest(handle, folder)).toEqual(['20990101_0000_first', '20990101_0100_second']);
    expect(await tables()).toEqual(
      expect.arrayContaining(['kysely_migration', 'kysely_migration_lock', 'probe_first', 'probe_second']),
    );
  });

  it.each([
    '2099-01-02_third.ts',
    '20990102_third.ts',
    '20990102_0000_Third.ts',
    '20990102_0000_third.sql',
    'third.ts',
  ])('stops, naming the file and the pattern, before touching the database: %s', async (file) => {
    writeFileSync(path.join(folder, file), creating('probe_third'));
    const refused = migrateToLatest(handle, folder);
    await expect(refused).rejects.toThrow(file);
    await expect(refused).rejects.toThrow('YYYYMMDD_HHMM_name.ts');
    expect(await tables()).toEqual([]);
  });
});
