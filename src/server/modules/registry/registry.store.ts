import { type Kysely, sql, type SqlBool, type Transaction, type Updateable } from 'kysely';
import type {
  BuildingTable,
  Database,
  DistrictTable,
  DwellingTable,
  FeatureDefinitionTable,
  MediumTable,
  WeatherStationTable,
} from '../../db/schema.ts';
import { seenWhere, type Visibility } from '../../access/visibility.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewDistrict {
  code: string;
  name: string;
  city: string;
  latitude: number | null;
  longitude: number | null;
}

export async function insertDistrict(db: Db, d: NewDistrict, now: number): Promise<number> {
  const row = await db
    .insertInto('district')
    .values({ ...d, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface NewBuilding {
  district_id: number;
  code: string;
  address: string;
  latitude: number;
  longitude: number;
  carrier1: string | null;
  area1_m2: number | null;
  carrier2: string | null;
  area2_m2: number | null;
  floors: number | null;
  /** Typed features, by feature_definition key. */
  features: Record<string, string | number | boolean>;
}

export async function insertBuilding(db: Db, b: NewBuilding, now: number): Promise<number> {
  const row = await db
    .insertInto('building')
    .values({ ...b, features: JSON.stringify(b.features), created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface NewDwelling {
  building_id: number;
  label: string;
  floor: number | null;
  area_m2: number | null;
}

export async function insertDwelling(db: Db, d: NewDwelling, now: number): Promise<number> {
  const row = await db
    .insertInto('dwelling')
    .values({ ...d, created_at: now, updated_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * Registers a gateway to a dwelling from `validFrom` on (epoch ms; the first registration of a
 * gateway takes its whole earlier history along), closing its previous assignment. With a null
 * dwelling it unregisters the gateway from `validFrom` on: readings from then on belong to no
 * dwelling, and the gateway counts as unregistered unless it carries a weather station.
 */
export async function assignGateway(
  db: Db,
  gatewayId: number,
  dwellingId: number | null,
  validFrom: number,
  now: number,
): Promise<void> {
  await db
    .updateTable('gateway_assignment')
    .set({ valid_to: validFrom })
    .where('gateway_id', '=', gatewayId)
    .where('valid_to', 'is', null)
    .execute();
  if (dwellingId === null) {
    const station = await db
      .selectFrom('weather_station')
      .select('id')
      .where('gateway_id', '=', gatewayId)
      .executeTakeFirst();
    await db
      .updateTable('gateway')
      .set({ dwelling_id: null, updated_at: now, ...(station ? {} : { registered_at: null }) })
      .where('id', '=', gatewayId)
      .execute();
    return;
  }
  await db
    .insertInto('gateway_assignment')
    .values({ gateway_id: gatewayId, dwelling_id: dwellingId, valid_from: validFrom, valid_to: null })
    .execute();
  await db
    .updateTable('gateway')
    .set((eb) => ({
      dwelling_id: dwellingId,
      registered_at: eb.fn.coalesce('registered_at', eb.val(now)),
      updated_at: now,
    }))
    .where('id', '=', gatewayId)
    .execute();
}

/** Marks a gateway registered (it carries a weather station), keeping an earlier date. */
export async function markGatewayRegistered(db: Db, gatewayId: number, now: number): Promise<void> {
  await db
    .updateTable('gateway')
    .set((eb) => ({ registered_at: eb.fn.coalesce('registered_at', eb.val(now)), updated_at: now }))
    .where('id', '=', gatewayId)
    .execute();
}

/** A gateway that no longer carries a weather station and serves no dwelling is unregistered. */
export async function releaseGateway(db: Db, gatewayId: number, now: number): Promise<void> {
  await db
    .updateTable('gateway')
    .set({ registered_at: null, updated_at: now })
    .where('id', '=', gatewayId)
    .where('dwelling_id', 'is', null)
    .where((eb) =>
      eb.not(eb.exists(eb.selectFrom('weather_station').select('id').where('gateway_id', '=', gatewayId))),
    )
    .execute();
}

export async function insertWeatherStation(
  db: Db,
  s: {
    district_id: number;
    code: string;
    name: string;
    latitude: number | null;
    longitude: number | null;
    gateway_id: number | null;
  },
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('weather_station')
    .values({ ...s, created_at: now })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (s.gateway_id !== null) await markGatewayRegistered(db, s.gateway_id, now);
  return row.id;
}

/** `text` made safe inside a LIKE pattern whose escape character is a backslash. */
function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Where a list resumes: after the item whose sort key is `after`, at most `limit` items. */
export interface PageRequest<K = number> {
  after?: K;
  limit: number;
}

// --- Districts --------------------------------------------------------------------------------

function selectDistricts(db: Db) {
  return db
    .selectFrom('district')
    .select(['id', 'code', 'name', 'city', 'latitude', 'longitude', 'created_at as createdAt']);
}

export type DistrictRow = Awaited<ReturnType<ReturnType<typeof selectDistricts>['executeTakeFirstOrThrow']>>;

export async function listDistricts(db: Db, page: PageRequest): Promise<DistrictRow[]> {
  let q = selectDistricts(db);
  if (page.after !== undefined) q = q.where('id', '>', page.after);
  return q.orderBy('id').limit(page.limit).execute();
}

export async function findDistrict(db: Db, id: number): Promise<DistrictRow | undefined> {
  return selectDistricts(db).where('id', '=', id).executeTakeFirst();
}

export async function findDistrictByCode(db: Db, code: string): Promise<DistrictRow | undefined> {
  return selectDistricts(db).where('code', '=', code).executeTakeFirst();
}

/** Every district, for matching a spreadsheet's District column (cities have a handful). */
export async function listAllDistricts(db: Db, max: number): Promise<DistrictRow[]> {
  return selectDistricts(db).orderBy('id').limit(max).execute();
}

export async function updateDistrict(db: Db, id: number, values: Updateable<DistrictTable>): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await db.updateTable('district').set(values).where('id', '=', id).execute();
}

export async function countDistrictChildren(
  db: Db,
  id: number,
): Promise<{ buildings: number; weatherStations: number }> {
  const b = await db
    .selectFrom('building')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('district_id', '=', id)
    .executeTakeFirstOrThrow();
  const w = await db
    .selectFrom('weather_station')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('district_id', '=', id)
    .executeTakeFirstOrThrow();
  return { buildings: Number(b.n), weatherStations: Number(w.n) };
}

export async function deleteDistrict(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom('district').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// --- Buildings --------------------------------------------------------------------------------

function selectBuildings(db: Db) {
  return db
    .selectFrom('building')
    .select([
      'building.id',
      'building.district_id as districtId',
      'building.code',
      'building.address',
      'building.latitude',
      'building.longitude',
      'building.carrier1',
      'building.area1_m2 as area1M2',
      'building.carrier2',
      'building.area2_m2 as area2M2',
      'building.floors',
      'building.features',
      'building.created_at as createdAt',
      'building.updated_at as updatedAt',
    ]);
}

export type BuildingRow = Awaited<ReturnType<ReturnType<typeof selectBuildings>['executeTakeFirstOrThrow']>>;

export interface BuildingFilter {
  districtId?: number;
  codePrefix?: string;
  carrier?: string;
  /** Text anywhere in the address, case-insensitive. */
  addressText?: string;
}

export async function listBuildings(
  db: Db,
  filter: BuildingFilter,
  visibility: Visibility,
  page: PageRequest,
): Promise<BuildingRow[]> {
  let q = selectBuildings(db);
  q = q.where(seenWhere(visibility, { building: 'building.id' }));
  if (filter.districtId !== undefined) q = q.where('building.district_id', '=', filter.districtId);
  if (filter.codePrefix !== undefined) {
    // substr, not LIKE: the same case-sensitive meaning on SQLite and PostgreSQL.
    const prefix = filter.codePrefix;
    q = q.where(sql<SqlBool>`substr(building.code, 1, ${prefix.length}) = ${prefix}`);
  }
  if (filter.carrier !== undefined) {
    const carrier = filter.carrier;
    q = q.where((eb) =>
      eb.or([eb('building.carrier1', '=', carrier), eb('building.carrier2', '=', carrier)]),
    );
  }
  if (filter.addressText !== undefined) {
    const pattern = `%${likeEscaped(filter.addressText.toLowerCase())}%`;
    q = q.where(sql<SqlBool>`lower(building.address) like ${pattern} escape '\\'`);
  }
  if (page.after !== undefined) q = q.where('building.id', '>', page.after);
  return q.orderBy('building.id').limit(page.limit).execute();
}

export async function findBuilding(
  db: Db,
  id: number,
  visibility: Visibility = 'all',
): Promise<BuildingRow | undefined> {
  let q = selectBuildings(db).where('building.id', '=', id);
  q = q.where(seenWhere(visibility, { building: 'building.id' }));
  return q.executeTakeFirst();
}

export async function findBuildingByCode(db: Db, code: string): Promise<BuildingRow | undefined> {
  return selectBuildings(db).where('building.code', '=', code).executeTakeFirst();
}

export async function findBuildingsByCodes(db: Db, codes: readonly string[]): Promise<BuildingRow[]> {
  const out: BuildingRow[] = [];
  for (let i = 0; i < codes.length; i += 500)
    out.push(
      ...(await selectBuildings(db)
        .where('building.code', 'in', codes.slice(i, i + 500))
        .execute()),
    );
  return out;
}

export async function updateBuilding(db: Db, id: number, values: Updateable<BuildingTable>): Promise<void> {
  await db.updateTable('building').set(values).where('id', '=', id).execute();
}

export async function countDwellingsOfBuilding(db: Db, buildingId: number): Promise<number> {
  const r = await db
    .selectFrom('dwelling')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('building_id', '=', buildingId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function deleteBuilding(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom('building').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Buildings whose features name `key`: how many, and the code of one. */
export async function buildingsWithFeature(
  db: Db,
  key: string,
): Promise<{ count: number; example?: string }> {
  // Features are JSON text written by JSON.stringify: a key appears as `"key":` right after
  // `{` or `,`, which inside a JSON string value can only appear escaped (`\"`).
  const k = likeEscaped(key);
  const first = `{"${k}":%`;
  const later = `%,"${k}":%`;
  const where = sql<SqlBool>`(building.features like ${first} escape '\\' or building.features like ${later} escape '\\')`;
  const r = await db
    .selectFrom('building')
    .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('building.code').as('example')])
    .where(where)
    .executeTakeFirstOrThrow();
  return { count: Number(r.n), ...(r.example ? { example: r.example } : {}) };
}

// --- Dwellings --------------------------------------------------------------------------------

function selectDwellings(db: Db) {
  return db
    .selectFrom('dwelling')
    .select([
      'dwelling.id',
      'dwelling.building_id as buildingId',
      'dwelling.label',
      'dwelling.floor',
      'dwelling.area_m2 as areaM2',
      'dwelling.created_at as createdAt',
      'dwelling.updated_at as updatedAt',
    ]);
}

export type DwellingRow = Awaited<ReturnType<ReturnType<typeof selectDwellings>['executeTakeFirstOrThrow']>>;

export async function listDwellings(
  db: Db,
  filter: { buildingId?: number; districtId?: number },
  visibility: Visibility,
  page: PageRequest,
): Promise<DwellingRow[]> {
  let q = selectDwellings(db);
  q = q.where(seenWhere(visibility, { dwelling: 'dwelling.id', building: 'dwelling.building_id' }));
  if (filter.buildingId !== undefined) q = q.where('dwelling.building_id', '=', filter.buildingId);
  if (filter.districtId !== undefined)
    q = q.where(
      'dwelling.building_id',
      'in',
      db.selectFrom('building').select('building.id').where('building.district_id', '=', filter.districtId),
    );
  if (page.after !== undefined) q = q.where('dwelling.id', '>', page.after);
  return q.orderBy('dwelling.id').limit(page.limit).execute();
}

export async function findDwelling(
  db: Db,
  id: number,
  visibility: Visibility = 'all',
): Promise<DwellingRow | undefined> {
  let q = selectDwellings(db).where('dwelling.id', '=', id);
  q = q.where(seenWhere(visibility, { dwelling: 'dwelling.id', building: 'dwelling.building_id' }));
  return q.executeTakeFirst();
}

export async function findDwellingByLabel(
  db: Db,
  buildingId: number,
  label: string,
): Promise<DwellingRow | undefined> {
  return selectDwellings(db)
    .where('dwelling.building_id', '=', buildingId)
    .where('dwelling.label', '=', label)
    .executeTakeFirst();
}

export async function updateDwelling(db: Db, id: number, values: Updateable<DwellingTable>): Promise<void> {
  await db.updateTable('dwelling').set(values).where('id', '=', id).execute();
}

/** Serial numbers of the gateways serving a dwelling now (at most `max`). */
export async function gatewaysServing(db: Db, dwellingId: number, max: number): Promise<string[]> {
  const rows = await db
    .selectFrom('gateway')
    .select('sn')
    .where('dwelling_id', '=', dwellingId)
    .orderBy('sn')
    .limit(max)
    .execute();
  return rows.map((r) => r.sn);
}

/** Serial numbers of gateways whose stored readings belong to a dwelling for some span of time. */
export async function gatewaysWithReadingsIn(db: Db, dwellingId: number, max: number): Promise<string[]> {
  const rows = await db
    .selectFrom('gateway_assignment as a')
    .innerJoin('gateway', 'gateway.id', 'a.gateway_id')
    .select('gateway.sn')
    .distinct()
    .where('a.dwelling_id', '=', dwellingId)
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('sensor')
          .innerJoin('series', 'series.sensor_id', 'sensor.id')
          .select('sensor.id')
          .whereRef('sensor.gateway_id', '=', 'a.gateway_id'),
      ),
    )
    .orderBy('gateway.sn')
    .limit(max)
    .execute();
  return rows.map((r) => r.sn);
}

export async function deleteDwelling(db: Db, id: number): Promise<boolean> {
  // Assignments of gateways that never sent a reading go with it (they hold no history).
  await db.deleteFrom('gateway_assignment').where('dwelling_id', '=', id).execute();
  const r = await db.deleteFrom('dwelling').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// --- Gateways ---------------------------------------------------------------------------------

function selectGateways(db: Db) {
  return db
    .selectFrom('gateway')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .select([
      'gateway.id',
      'gateway.sn',
      'gateway.dwelling_id as dwellingId',
      'dwelling.building_id as buildingId',
      'gateway.registered_at as registeredAt',
      'gateway.first_seen_at as firstSeenAt',
      'gateway.notes',
      'gateway.created_at as createdAt',
      'gateway.updated_at as updatedAt',
    ]);
}

const gatewaySeen = (visibility: Visibility) =>
  seenWhere(visibility, {
    gateway: 'gateway.id',
    dwelling: 'gateway.dwelling_id',
    building: 'dwelling.building_id',
  });

export type GatewayRow = Awaited<ReturnType<ReturnType<typeof selectGateways>['executeTakeFirstOrThrow']>>;

export interface GatewayFilter {
  registered?: boolean;
  dwellingId?: number;
  buildingId?: number;
  snPrefix?: string;
}

export async function listGateways(
  db: Db,
  filter: GatewayFilter,
  visibility: Visibility,
  page: PageRequest,
): Promise<GatewayRow[]> {
  let q = selectGateways(db);
  q = q.where(gatewaySeen(visibility));
  if (filter.registered === true) q = q.where('gateway.registered_at', 'is not', null);
  if (filter.registered === false) q = q.where('gateway.registered_at', 'is', null);
  if (filter.dwellingId !== undefined) q = q.where('gateway.dwelling_id', '=', filter.dwellingId);
  if (filter.buildingId !== undefined) q = q.where('dwelling.building_id', '=', filter.buildingId);
  if (filter.snPrefix !== undefined) {
    const prefix = filter.snPrefix.toUpperCase();
    q = q.where(sql<SqlBool>`substr(gateway.sn, 1, ${prefix.length}) = ${prefix}`);
  }
  if (page.after !== undefined) q = q.where('gateway.id', '>', page.after);
  return q.orderBy('gateway.id').limit(page.limit).execute();
}

export async function findGateway(
  db: Db,
  id: number,
  visibility: Visibility = 'all',
): Promise<GatewayRow | undefined> {
  let q = selectGateways(db).where('gateway.id', '=', id);
  q = q.where(gatewaySeen(visibility));
  return q.executeTakeFirst();
}

export async function findGatewayBySn(db: Db, sn: string): Promise<GatewayRow | undefined> {
  return selectGateways(db).where('gateway.sn', '=', sn.toUpperCase()).executeTakeFirst();
}

/** A gateway created by hand, before it reports: unregistered, never seen. */
export async function insertGateway(db: Db, g: { sn: string; notes: string }, now: number): Promise<number> {
  const row = await db
    .insertInto('gateway')
    .values({
      sn: g.sn.toUpperCase(),
      dwelling_id: null,
      registered_at: null,
      first_seen_at: null,
      notes: g.notes,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateGatewayNotes(db: Db, id: number, notes: string, now: number): Promise<void> {
  await db.updateTable('gateway').set({ notes, updated_at: now }).where('id', '=', id).execute();
}

/** Which dwelling a gateway served when, oldest first. */
export async function listGatewayAssignments(db: Db, gatewayId: number, max: number) {
  return db
    .selectFrom('gateway_assignment as a')
    .innerJoin('dwelling', 'dwelling.id', 'a.dwelling_id')
    .select([
      'a.dwelling_id as dwellingId',
      'dwelling.building_id as buildingId',
      'a.valid_from as validFrom',
      'a.valid_to as validTo',
    ])
    .where('a.gateway_id', '=', gatewayId)
    .orderBy('a.valid_from')
    .orderBy('a.id')
    .limit(max)
    .execute();
}

/** The latest assignment of a gateway (open or closed), if it ever had one. */
export async function latestGatewayAssignment(
  db: Db,
  gatewayId: number,
): Promise<{ validFrom: number; validTo: number | null } | undefined> {
  return db
    .selectFrom('gateway_assignment')
    .select(['valid_from as validFrom', 'valid_to as validTo'])
    .where('gateway_id', '=', gatewayId)
    .orderBy('valid_from', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function countSensorsOfGateway(db: Db, gatewayId: number): Promise<number> {
  const r = await db
    .selectFrom('sensor')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('gateway_id', '=', gatewayId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function findWeatherStationOfGateway(
  db: Db,
  gatewayId: number,
): Promise<{ id: number; code: string } | undefined> {
  return db
    .selectFrom('weather_station')
    .select(['id', 'code'])
    .where('gateway_id', '=', gatewayId)
    .executeTakeFirst();
}

export async function deleteGateway(db: Db, id: number): Promise<boolean> {
  await db.deleteFrom('gateway_assignment').where('gateway_id', '=', id).execute();
  const r = await db.deleteFrom('gateway').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// --- Sensors ----------------------------------------------------------------------------------

function selectSensors(db: Db) {
  return db
    .selectFrom('sensor')
    .innerJoin('gateway', 'gateway.id', 'sensor.gateway_id')
    .leftJoin('dwelling', 'dwelling.id', 'gateway.dwelling_id')
    .leftJoin('series', 'series.sensor_id', 'sensor.id')
    .select([
      'sensor.id',
      'sensor.gateway_id as gatewayId',
      'gateway.sn',
      'sensor.channel',
      'sensor.device',
      'sensor.medium',
      'sensor.unit',
      'sensor.label',
      'gateway.dwelling_id as dwellingId',
      'dwelling.building_id as buildingId',
      'series.id as seriesId',
      'sensor.created_at as createdAt',
    ]);
}

const sensorSeen = (visibility: Visibility) =>
  seenWhere(visibility, {
    gateway: 'sensor.gateway_id',
    dwelling: 'gateway.dwelling_id',
    building: 'dwelling.building_id',
  });

export type SensorRow = Awaited<ReturnType<ReturnType<typeof selectSensors>['executeTakeFirstOrThrow']>>;

export interface SensorFilter {
  gatewayId?: number;
  medium?: string;
  dwellingId?: number;
  buildingId?: number;
}

export async function listSensors(
  db: Db,
  filter: SensorFilter,
  visibility: Visibility,
  page: PageRequest,
): Promise<SensorRow[]> {
  let q = selectSensors(db);
  q = q.where(sensorSeen(visibility));
  if (filter.gatewayId !== undefined) q = q.where('sensor.gateway_id', '=', filter.gatewayId);
  if (filter.medium !== undefined) q = q.where('sensor.medium', '=', filter.medium);
  if (filter.dwellingId !== undefined) q = q.where('gateway.dwelling_id', '=', filter.dwellingId);
  if (filter.buildingId !== undefined) q = q.where('dwelling.building_id', '=', filter.buildingId);
  if (page.after !== undefined) q = q.where('sensor.id', '>', page.after);
  return q.orderBy('sensor.id').limit(page.limit).execute();
}

export async function findSensor(
  db: Db,
  id: number,
  visibility: Visibility = 'all',
): Promise<SensorRow | undefined> {
  let q = selectSensors(db).where('sensor.id', '=', id);
  q = q.where(sensorSeen(visibility));
  return q.executeTakeFirst();
}

export async function findSensorByIdentity(
  db: Db,
  gatewayId: number,
  identity: { channel: string; device: string; medium: string },
): Promise<SensorRow | undefined> {
  return selectSensors(db)
    .where('sensor.gateway_id', '=', gatewayId)
    .where('sensor.channel', '=', identity.channel)
    .where('sensor.device', '=', identity.device)
    .where('sensor.medium', '=', identity.medium)
    .executeTakeFirst();
}

export async function insertSensor(
  db: Db,
  s: { gatewayId: number; channel: string; device: string; medium: string; unit: string; label: string },
  now: number,
): Promise<number> {
  const row = await db
    .insertInto('sensor')
    .values({
      gateway_id: s.gatewayId,
      channel: s.channel,
      device: s.device,
      medium: s.medium,
      unit: s.unit,
      label: s.label,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function updateSensor(
  db: Db,
  id: number,
  values: { unit?: string; label?: string },
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await db.updateTable('sensor').set(values).where('id', '=', id).execute();
}

export async function deleteSensor(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom('sensor').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// --- Weather stations -------------------------------------------------------------------------

function selectWeatherStations(db: Db) {
  return db
    .selectFrom('weather_station')
    .select([
      'id',
      'district_id as districtId',
      'code',
      'name',
      'latitude',
      'longitude',
      'gateway_id as gatewayId',
      'created_at as createdAt',
    ]);
}

export type WeatherStationRow = Awaited<
  ReturnType<ReturnType<typeof selectWeatherStations>['executeTakeFirstOrThrow']>
>;

export async function listWeatherStations(
  db: Db,
  filter: { districtId?: number },
  page: PageRequest,
): Promise<WeatherStationRow[]> {
  let q = selectWeatherStations(db);
  if (filter.districtId !== undefined) q = q.where('district_id', '=', filter.districtId);
  if (page.after !== undefined) q = q.where('id', '>', page.after);
  return q.orderBy('id').limit(page.limit).execute();
}

export async function findWeatherStation(db: Db, id: number): Promise<WeatherStationRow | undefined> {
  return selectWeatherStations(db).where('id', '=', id).executeTakeFirst();
}

export async function findWeatherStationByCode(db: Db, code: string): Promise<WeatherStationRow | undefined> {
  return selectWeatherStations(db).where('code', '=', code).executeTakeFirst();
}

export async function updateWeatherStation(
  db: Db,
  id: number,
  values: Updateable<WeatherStationTable>,
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await db.updateTable('weather_station').set(values).where('id', '=', id).execute();
}

export async function deleteWeatherStation(db: Db, id: number): Promise<boolean> {
  const r = await db.deleteFrom('weather_station').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// --- Media ------------------------------------------------------------------------------------

export async function listMedia(db: Db, page: PageRequest<string>): Promise<MediumTable[]> {
  let q = db.selectFrom('medium').selectAll();
  if (page.after !== undefined) q = q.where('name', '>', page.after);
  return q.orderBy('name').limit(page.limit).execute();
}

export async function findMedium(db: Db, name: string): Promise<MediumTable | undefined> {
  return db.selectFrom('medium').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function insertMedium(db: Db, m: MediumTable): Promise<void> {
  await db.insertInto('medium').values(m).execute();
}

/**
 * Changes a medium. A new unit reaches the sensors that had the old one (their readings were
 * in the medium's unit); a sensor given its own unit keeps it.
 */
export async function updateMedium(
  db: Db,
  name: string,
  values: Updateable<MediumTable>,
  previousUnit: string,
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await db.updateTable('medium').set(values).where('name', '=', name).execute();
  if (values.unit !== undefined && values.unit !== previousUnit)
    await db
      .updateTable('sensor')
      .set({ unit: values.unit })
      .where('medium', '=', name)
      .where('unit', '=', previousUnit)
      .execute();
}

/** Sensors of a medium, and how many of them have stored readings. */
export async function countSensorsOfMedium(
  db: Db,
  name: string,
): Promise<{ sensors: number; withReadings: number }> {
  const r = await db
    .selectFrom('sensor')
    .leftJoin('series', 'series.sensor_id', 'sensor.id')
    .select((eb) => [
      eb.fn.countAll<number>().as('sensors'),
      eb.fn.count<number>('series.id').as('withReadings'),
    ])
    .where('sensor.medium', '=', name)
    .executeTakeFirstOrThrow();
  return { sensors: Number(r.sensors), withReadings: Number(r.withReadings) };
}

export async function deleteMedium(db: Db, name: string): Promise<boolean> {
  const r = await db.deleteFrom('medium').where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// --- Feature definitions ----------------------------------------------------------------------

export async function listFeatureDefinitions(
  db: Db,
  page: PageRequest<string>,
): Promise<FeatureDefinitionTable[]> {
  let q = db.selectFrom('feature_definition').selectAll();
  if (page.after !== undefined) q = q.where('key', '>', page.after);
  return q.orderBy('key').limit(page.limit).execute();
}

/** Definitions of the given keys, for validating a building's features. */
export async function findFeatureDefinitions(
  db: Db,
  keys: readonly string[],
): Promise<FeatureDefinitionTable[]> {
  if (keys.length === 0) return [];
  return db.selectFrom('feature_definition').selectAll().where('key', 'in', keys).execute();
}

export async function insertFeatureDefinition(db: Db, f: FeatureDefinitionTable): Promise<void> {
  await db.insertInto('feature_definition').values(f).execute();
}

export async function updateFeatureDefinition(
  db: Db,
  key: string,
  values: Updateable<FeatureDefinitionTable>,
): Promise<void> {
  if (Object.keys(values).length === 0) return;
  await db.updateTable('feature_definition').set(values).where('key', '=', key).execute();
}

export async function deleteFeatureDefinition(db: Db, key: string): Promise<boolean> {
  const r = await db.deleteFrom('feature_definition').where('key', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
