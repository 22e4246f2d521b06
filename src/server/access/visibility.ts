import { type Expression, expressionBuilder, type Kysely, sql, type SqlBool, type Transaction } from 'kysely';
import { type Role, TOO_FEW_DWELLINGS } from '#common/api/access.ts';
import type { Database } from '../db/schema.ts';
import type { Principal } from '../plugins/access.ts';
import { forbidden, HttpProblem } from '../plugins/errors.ts';

/**
 * The one visibility policy: which dwellings, buildings, gateways and sensors a caller sees,
 * as a condition that stores put in their queries (never a filter of what a query returned),
 * and what a caller may read of a building or district it does not wholly see.
 *
 * - People holding a role of {@link SEES_EVERYTHING}, unrestricted machine tokens and CIOP
 *   itself ({@link systemPrincipal}) see everything.
 * - A resident sees the dwellings linked to them, their gateways and sensors, and the buildings
 *   those dwellings are in (the building's record, not its other dwellings).
 * - An ESCO sees the buildings of its organisation and everything in them.
 * - A machine token restricted to buildings or gateways sees what lies within them (both, when
 *   restricted to both).
 * - Anyone else (a transport operator) sees no dwelling.
 *
 * Districts and weather stations are city-wide registry that every reader of the registry sees;
 * what is inside a district is seen dwelling by dwelling. Individual readings (one sensor, one
 * dwelling, one gateway, per-sensor lists) are for whom sees the dwelling. A mean over a building
 * or district is for whom sees every dwelling of it, or, covering at least
 * `CIOP_PRIVACY_MIN_DWELLINGS` dwellings, for whom has a dwelling or building in it
 * ({@link areaReach}, {@link checkMeanCoverage}).
 */

type Db = Kysely<Database> | Transaction<Database>;

/** Roles that see every place of the city; residents and ESCOs see their own part of it. */
export const SEES_EVERYTHING: ReadonlySet<Role> = new Set<Role>([
  'admin',
  'installer',
  'municipal',
  'kpi',
  'planner',
]);

/**
 * CIOP itself reading for its own work (the KPI calculators, the home views reading the district's
 * weather station): sees everything, and is no one's credential.
 */
export function systemPrincipal(name: string): Principal {
  return {
    kind: 'system',
    id: 0,
    name,
    roles: [],
    scopes: [],
    dwellingIds: [],
    buildingIds: [],
    gatewayIds: [],
  };
}

/**
 * What a caller sees: everything, or what any one clause admits. A clause admits what lies
 * within all of its lists (a machine token restricted to some buildings and some gateways); an
 * absent list does not restrict; no clause admits nothing.
 */
export type Visibility = 'all' | readonly VisibilityClause[];
export interface VisibilityClause {
  buildingIds?: readonly number[];
  dwellingIds?: readonly number[];
  gatewayIds?: readonly number[];
}

export function visibilityOf(principal: Principal): Visibility {
  if (principal.kind === 'system') return 'all';
  if (principal.kind === 'machine') {
    const clause: VisibilityClause = {
      ...(principal.buildingIds.length > 0 ? { buildingIds: principal.buildingIds } : {}),
      ...(principal.gatewayIds.length > 0 ? { gatewayIds: principal.gatewayIds } : {}),
    };
    return Object.keys(clause).length > 0 ? [clause] : 'all';
  }
  if (principal.roles.some((r) => SEES_EVERYTHING.has(r))) return 'all';
  const clauses: VisibilityClause[] = [];
  if (principal.roles.includes('esco') && principal.buildingIds.length > 0)
    clauses.push({ buildingIds: principal.buildingIds });
  if (principal.roles.includes('resident') && principal.dwellingIds.length > 0)
    clauses.push({ dwellingIds: principal.dwellingIds });
  return clauses;
}

/**
 * The columns of a query's rows that say where each row is (`'d.id'`, `'a.gateway_id'`…); give
 * every one the query has. A row is seen when its dwelling is seen; a restriction the row has
 * no column for is followed through the registry (a building list reaches a row's dwelling
 * through `dwelling.building_id`, and a row without a dwelling through its gateway's dwelling).
 */
export interface PlaceColumns {
  dwelling?: string;
  building?: string;
  gateway?: string;
}

const eb = expressionBuilder<Database, keyof Database>();

const ref = (column: string) => sql.ref<number>(column);

function dwellingsOfBuildings(ids: readonly number[]) {
  return eb.selectFrom('dwelling').select('dwelling.id').where('dwelling.building_id', 'in', ids);
}

function gatewaysOfDwellings(ids: readonly number[]) {
  return eb.selectFrom('gateway').select('gateway.id').where('gateway.dwelling_id', 'in', ids);
}

/** Rows within `ids` of one kind of place, through the columns the row has. */
function within(kind: keyof VisibilityClause, ids: readonly number[], at: PlaceColumns): Expression<SqlBool> {
  if (ids.length === 0) return eb.lit(false);
  switch (kind) {
    case 'buildingIds':
      if (at.building) return eb(ref(at.building), 'in', ids);
      if (at.dwelling) return eb(ref(at.dwelling), 'in', dwellingsOfBuildings(ids));
      if (at.gateway)
        return eb(
          ref(at.gateway),
          'in',
          eb
            .selectFrom('gateway')
            .innerJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
            .select('gateway.id')
            .where('dwelling.building_id', 'in', ids),
        );
      break;
    case 'dwellingIds':
      if (at.dwelling) return eb(ref(at.dwelling), 'in', ids);
      // A resident sees the record of the building they live in, not its other dwellings.
      if (at.building)
        return eb(
          ref(at.building),
          'in',
          eb.selectFrom('dwelling').select('dwelling.building_id').where('dwelling.id', 'in', ids),
        );
      if (at.gateway) return eb(ref(at.gateway), 'in', gatewaysOfDwellings(ids));
      break;
    case 'gatewayIds':
      if (at.gateway) return eb(ref(at.gateway), 'in', ids);
      if (at.dwelling)
        return eb(
          ref(at.dwelling),
          'in',
          eb.selectFrom('gateway').select('gateway.dwelling_id').where('gateway.id', 'in', ids),
        );
      if (at.building)
        return eb(
          ref(at.building),
          'in',
          eb
            .selectFrom('gateway')
            .innerJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
            .select('dwelling.building_id')
            .where('gateway.id', 'in', ids),
        );
      break;
  }
  throw new Error('seenWhere: name at least one column of the rows');
}

/**
 * The condition that a row is seen: put it in the query's where clause
 * (`q.where(seenWhere(visibility, { dwelling: 'a.dwelling_id', gateway: 'a.gateway_id' }))`).
 */
export function seenWhere(visibility: Visibility, at: PlaceColumns): Expression<SqlBool> {
  if (visibility === 'all') return eb.lit(true);
  if (visibility.length === 0) return eb.lit(false);
  return eb.or(
    visibility.map((clause) =>
      eb.and(
        (Object.keys(clause) as (keyof VisibilityClause)[]).map((kind) =>
          within(kind, clause[kind] ?? [], at),
        ),
      ),
    ),
  );
}

/** The places one id may name, with the columns that place a row of each. */
const PLACES = {
  dwelling: { table: 'dwelling', at: { dwelling: 'dwelling.id', building: 'dwelling.building_id' } },
  building: { table: 'building', at: { building: 'building.id' } },
  gateway: { table: 'gateway', at: { gateway: 'gateway.id', dwelling: 'gateway.dwelling_id' } },
} as const;

/** Whether one dwelling, building or gateway exists, and whether the caller sees it. */
export async function placeVisibility(
  db: Db,
  visibility: Visibility,
  kind: keyof typeof PLACES,
  id: number,
): Promise<'missing' | 'hidden' | 'visible'> {
  const place = PLACES[kind];
  const row = await db
    .selectFrom(place.table)
    .select((e) => [e.case().when(seenWhere(visibility, place.at)).then(1).else(0).end().as('visible')])
    .where(`${place.table}.id`, '=', id)
    .executeTakeFirst();
  if (!row) return 'missing';
  return Number(row.visible) === 1 ? 'visible' : 'hidden';
}

/** A building or a district: what a mean is taken over. */
export type Area = { buildingId: number } | { districtId: number };

export const areaName = (area: Area) =>
  'buildingId' in area ? `building ${area.buildingId}` : `district ${area.districtId}`;

/**
 * How much of a building or district a caller sees: `whole` (every dwelling of it), `part`
 * (a dwelling or a building in it, not all), `none`, or `missing` (there is no such place).
 */
export async function areaReach(
  db: Db,
  visibility: Visibility,
  area: Area,
): Promise<'missing' | 'whole' | 'part' | 'none'> {
  const exists =
    'buildingId' in area
      ? await db.selectFrom('building').select('id').where('id', '=', area.buildingId).executeTakeFirst()
      : await db.selectFrom('district').select('id').where('id', '=', area.districtId).executeTakeFirst();
  if (!exists) return 'missing';
  if (visibility === 'all') return 'whole';
  const buildings = db.selectFrom('building').select('building.id');
  const scoped =
    'buildingId' in area
      ? buildings.where('building.id', '=', area.buildingId)
      : buildings.where('building.district_id', '=', area.districtId);
  const row = await db
    .selectFrom('dwelling')
    .select((e) => [
      e.fn.countAll<number>().as('dwellings'),
      e.fn
        .sum<number>(
          e
            .case()
            .when(seenWhere(visibility, { dwelling: 'dwelling.id', building: 'dwelling.building_id' }))
            .then(1)
            .else(0)
            .end(),
        )
        .as('seen'),
    ])
    .where('dwelling.building_id', 'in', scoped)
    .executeTakeFirstOrThrow();
  const seenBuilding = await scoped
    .where(seenWhere(visibility, { building: 'building.id' }))
    .executeTakeFirst();
  if (!seenBuilding) return 'none';
  return Number(row.seen ?? 0) === Number(row.dwellings) ? 'whole' : 'part';
}

/**
 * Refuses a mean over a building or district that the caller may not read: 403 when they have
 * nothing in it; when they see only part of it, 403 unless the mean covers at least
 * `minDwellings` distinct dwellings (so that no one home's readings can be told from it).
 */
export function checkMeanCoverage(
  reach: 'whole' | 'part' | 'none',
  area: Area,
  coveredDwellings: number,
  minDwellings: number,
): void {
  if (reach === 'whole') return;
  if (reach === 'none')
    throw forbidden(
      `You may not read the mean of ${areaName(area)}: you have no dwelling or building in it.`,
    );
  if (coveredDwellings >= minDwellings) return;
  throw new HttpProblem(
    403,
    `The mean of ${areaName(area)} covers ${coveredDwellings} dwelling(s); to keep each home's readings private, a mean over a building or district you do not wholly see must cover at least ${minDwellings} (CIOP_PRIVACY_MIN_DWELLINGS).`,
    { type: TOO_FEW_DWELLINGS, dwellings: coveredDwellings, minDwellings },
  );
}
