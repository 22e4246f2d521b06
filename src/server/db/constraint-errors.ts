/**
 * Which integrity constraint a failed statement broke, whichever database said so: a unique
 * key (SQLite `SQLITE_CONSTRAINT_UNIQUE`/`PRIMARYKEY`, PostgreSQL 23505) or a foreign key
 * (SQLite `SQLITE_CONSTRAINT_FOREIGNKEY`, PostgreSQL 23503). Undefined for any other error.
 */
export function brokenConstraint(error: unknown): 'unique' | 'foreign_key' | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
    return 'unique';
  if (code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign_key';
  return undefined;
}
