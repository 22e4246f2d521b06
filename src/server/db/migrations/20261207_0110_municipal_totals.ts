import { type Kysely, sql } from 'kysely';
import { columnTypes } from '../migration-kit.ts';

/**
 * Municipal energy: the monthly totals of the city, every district and every area, kept up to date in
 * the same transaction as the months they add up, so that the summaries of those levels read
 * a few hundred rows instead of every meter's months. The covering indexes they used
 * on `municipal_month` go: each one cost every import a B-tree insert per month.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const t = columnTypes(db);
  // level: 'city' (node 0, child a district, 0 for none), 'district' (child an area) or 'area'
  // (child a sub-group); within: a district the node is cut to, 0 for none (kept for cuts to
  // come). months: how many meter-months are added up. A sub-group reads its facilities' months.
  await db.schema
    .createTable('municipal_total')
    .addColumn('level', 'varchar(10)', (c) => c.notNull())
    .addColumn('within', 'bigint', (c) => c.notNull())
    .addColumn('node_id', 'bigint', (c) => c.notNull())
    .addColumn('child_id', 'bigint', (c) => c.notNull())
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('supplier', 'text', (c) => c.notNull())
    .addColumn('month', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('quantity', t.double, (c) => c.notNull())
    .addColumn('cost_eur', t.double, (c) => c.notNull())
    .addColumn('months', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('municipal_total_pk', [
      'level',
      'within',
      'node_id',
      'month',
      'child_id',
      'carrier',
      'supplier',
      'source',
    ])
    .execute();
  for (const name of ['city', 'area']) await db.schema.dropIndex(`municipal_month_${name}_idx`).execute();
  // Filled from the months already counted.
  const levels: [string, string, string, string][] = [
    ['city', '0', '0', 'district_id'],
    ['district', '0', 'district_id', 'area_id'],
    ['area', '0', 'area_id', 'group_id'],
  ];
  for (const [level, within, node, child] of levels) {
    const w = within === '0' ? '0' : `coalesce(${within}, 0)`;
    const n = node === '0' ? '0' : `coalesce(${node}, 0)`;
    const groups = [w, n, `coalesce(${child}, 0)`].filter((g) => g !== '0').join(', ');
    const where = level === 'district' || within !== '0' ? 'where district_id is not null' : '';
    await sql
      .raw(
        `insert into municipal_total (level, within, node_id, child_id, carrier, supplier, month, source, quantity, cost_eur, months)
        select '${level}', ${w}, ${n}, coalesce(${child}, 0), carrier, supplier, month, source,
          sum(quantity), coalesce(sum(cost_eur), 0), count(*)
        from municipal_month ${where}
        group by ${groups}, carrier, supplier, month, source`,
      )
      .execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('municipal_total').execute();
  const figures = ['carrier', 'supplier', 'month', 'source', 'quantity', 'cost_eur', 'max_kw'];
  const levels: [string, string[]][] = [
    ['city', ['district_id']],
    ['area', ['area_id', 'group_id']],
  ];
  for (const [name, columns] of levels)
    await db.schema
      .createIndex(`municipal_month_${name}_idx`)
      .on('municipal_month')
      .columns([...columns, ...figures])
      .execute();
}
