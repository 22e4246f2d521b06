import { type Kysely, sql } from 'kysely';

/**
 * Municipal energy: the totals of every area within each district (`level` 'area', `within` the
 * district), so that an area seen from a district reads a few hundred rows like the other levels
 * instead of its meters' months. Filled from the months already counted.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    insert into municipal_total (level, within, node_id, child_id, carrier, supplier, month, source, quantity, cost_eur, months)
    select 'area', district_id, area_id, group_id, carrier, supplier, month, source,
      sum(quantity), coalesce(sum(cost_eur), 0), count(*)
    from municipal_month
    where district_id is not null
    group by district_id, area_id, group_id, carrier, supplier, month, source`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('municipal_total').where('level', '=', 'area').where('within', '<>', 0).execute();
}
