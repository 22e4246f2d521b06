import { type ColumnDataType, type CreateTableBuilder, type Kysely, SqliteAdapter } from 'kysely';

/**
 * The few column spellings that differ between SQLite and PostgreSQL, for migrations.
 * Kept deliberately tiny and stable: migrations are frozen in time and may rely on this alone.
 */
export function columnTypes(db: Kysely<any>): {
  sqlite: boolean;
  blob: ColumnDataType;
  double: ColumnDataType;
  /** Adds an auto-incrementing, never reused, 64-bit `id` primary key. */
  withId<T extends string>(table: CreateTableBuilder<T, never>): CreateTableBuilder<T, 'id'>;
} {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  return {
    sqlite,
    blob: sqlite ? 'blob' : 'bytea',
    double: sqlite ? 'real' : 'double precision',
    withId: (table) =>
      sqlite
        ? table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        : table.addColumn('id', 'bigserial', (c) => c.primaryKey()),
  };
}
