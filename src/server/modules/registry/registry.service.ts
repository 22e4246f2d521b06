import type { Kysely, Transaction } from 'kysely';
import type { PageOf } from '#common/api/pagination.ts';
import type {
  Building,
  BuildingCreate,
  BuildingListQuery,
  BuildingPatch,
  District,
  DistrictCreate,
  DistrictPatch,
  Dwelling,
  DwellingCreate,
  DwellingListQuery,
  DwellingPatch,
  FeatureDefinition,
  FeatureDefinitionCreate,
  FeatureDefinitionPatch,
  FeatureValue,
  Gateway,
  GatewayAssignment,
  GatewayCreate,
  GatewayListQuery,
  GatewayPatch,
  Medium,
  MediumCreate,
  MediumPatch,
  Sensor,
  SensorCreate,
  SensorListQuery,
  SensorPatch,
  WeatherStation,
  WeatherStationCreate,
  WeatherStationListQuery,
  WeatherStationPatch,
} from '#common/api/registry.ts';
import { visibilityOf } from '../../access/visibility.ts';
import { brokenConstraint } from '../../db/constraint-errors.ts';
import type { Database, FeatureDefinitionTable, MediumTable } from '../../db/schema.ts';
import { MIN_TIME } from '../../timeseries/timeseries-io.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, conflict, HttpProblem, notFound } from '../../plugins/errors.ts';
import { decodeCursor, pageLimit, pageOf } from '../../pagination/pagination.ts';
import * as buildingsStore from './buildings.store.ts';
import * as districtsStore from './districts.store.ts';
import * as dwellingsStore from './dwellings.store.ts';
import * as featureDefinitionsStore from './feature-definitions.store.ts';
import * as gatewaysStore from './gateways.store.ts';
import * as mediaStore from './media.store.ts';
import * as sensorsStore from './sensors.store.ts';
import * as weatherStationsStore from './weather-stations.store.ts';

type Trx = Transaction<Database>;

/** How many names a conflict message lists before it says "…". */
const NAMED = 5;

const listed = (names: string[], total: number) =>
  names.join(', ') + (total > names.length ? ` and ${total - names.length} more` : '');

/** Runs `work`, answering 409 when a concurrent change broke a unique key meanwhile. */
async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof HttpProblem) throw error;
    const broken = brokenConstraint(error);
    if (broken === 'unique')
      throw conflict(`${what}: another record already holds that code or name; reload and try again.`);
    if (broken === 'foreign_key')
      throw conflict(
        `${what}: something it refers to was removed, or something was added to it meanwhile; reload and try again.`,
      );
    throw error;
  }
}

function toBuilding(row: buildingsStore.BuildingRow): Building {
  return {
    ...row,
    carrier1: row.carrier1 as Building['carrier1'],
    carrier2: row.carrier2 as Building['carrier2'],
    features: JSON.parse(row.features) as Record<string, FeatureValue>,
  };
}

function toGateway(row: gatewaysStore.GatewayRow): Gateway {
  return { ...row, status: row.registeredAt === null ? 'unregistered' : 'registered' };
}

function toSensor(row: sensorsStore.SensorRow): Sensor {
  const { seriesId, ...rest } = row;
  return { ...rest, hasReadings: seriesId !== null };
}

const toMedium = (m: MediumTable): Medium => ({ ...m, cumulative: m.cumulative === 1 });

const isDate = (s: string) =>
  /^\d{4}-\d{2}-\d{2}$/.test(s) &&
  !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) &&
  new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

/**
 * Checks a building's features against their definitions: each key must be defined and each
 * value of its type (a null removes the feature). Throws 400 naming every bad feature.
 */
export async function checkFeatures(
  db: Kysely<Database> | Trx,
  features: Record<string, FeatureValue | null>,
): Promise<void> {
  const keys = Object.keys(features);
  if (keys.length === 0) return;
  const definitions = new Map(
    (await featureDefinitionsStore.findFeatureDefinitions(db, keys)).map((d) => [d.key, d]),
  );
  const errors: { where: string; message: string }[] = [];
  for (const key of keys) {
    const value = features[key];
    const definition = definitions.get(key);
    if (!definition) {
      errors.push({
        where: `features.${key}`,
        message: 'no such feature is defined; an admin defines features under /api/v1/feature-definitions',
      });
      continue;
    }
    if (value === null) continue;
    const ok =
      definition.type === 'number'
        ? typeof value === 'number' && Number.isFinite(value)
        : definition.type === 'boolean'
          ? typeof value === 'boolean'
          : definition.type === 'date'
            ? typeof value === 'string' && isDate(value)
            : typeof value === 'string' && value.length <= 500;
    if (!ok)
      errors.push({
        where: `features.${key}`,
        message:
          definition.type === 'date'
            ? 'must be a date written YYYY-MM-DD'
            : `must be ${definition.type === 'number' ? 'a number' : definition.type === 'boolean' ? 'true or false' : 'text of at most 500 characters'}${definition.unit ? ` (${definition.unit})` : ''}`,
      });
  }
  if (errors.length > 0)
    throw badRequest(errors.map((e) => `${e.where}: ${e.message}`).join('; '), { errors });
}

/** Carriers must name the area they heat, and the two carriers must differ. */
function checkCarriers(b: {
  carrier1: string | null;
  area1M2: number | null;
  carrier2: string | null;
  area2M2: number | null;
}): void {
  const errors: { where: string; message: string }[] = [];
  if (b.area1M2 !== null && b.carrier1 === null)
    errors.push({ where: 'area1M2', message: 'is given but carrier1 is not: say which carrier heats it' });
  if (b.area2M2 !== null && b.carrier2 === null)
    errors.push({ where: 'area2M2', message: 'is given but carrier2 is not: say which carrier heats it' });
  if (b.carrier2 !== null && b.carrier2 === b.carrier1)
    errors.push({ where: 'carrier2', message: 'is the same as carrier1: put the whole area under carrier1' });
  if (b.carrier2 !== null && b.carrier1 === null)
    errors.push({
      where: 'carrier1',
      message: 'is empty while carrier2 is given: the main carrier comes first',
    });
  if (errors.length > 0)
    throw badRequest(errors.map((e) => `${e.where}: ${e.message}`).join('; '), { errors });
}

/** Districts, buildings, dwellings, gateways, sensors, weather stations, media and features. */
export class RegistryService {
  constructor(private readonly db: Kysely<Database>) {}

  // --- Districts ------------------------------------------------------------------------------

  async listDistricts(q: { cursor?: string; limit?: number }): Promise<PageOf<District>> {
    const limit = pageLimit(q.limit);
    const rows = await districtsStore.listDistricts(this.db, {
      after: decodeCursor<number>(q.cursor, 'number'),
      limit: limit + 1,
    });
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => r,
    );
  }

  async getDistrict(id: number): Promise<District> {
    const row = await districtsStore.findDistrict(this.db, id);
    if (!row) throw notFound(`There is no district ${id}.`);
    return row;
  }

  async createDistrict(body: DistrictCreate, _principal: Principal): Promise<District> {
    const id = await guarded('district', () =>
      this.db.transaction().execute(async (trx) => {
        const same = await districtsStore.findDistrictByCode(trx, body.code);
        if (same) throw conflict(`code: district ${same.id} already has the code ${body.code}.`);
        return districtsStore.insertDistrict(
          trx,
          {
            code: body.code,
            name: body.name,
            city: body.city ?? '',
            latitude: body.latitude ?? null,
            longitude: body.longitude ?? null,
          },
          Date.now(),
        );
      }),
    );
    return this.getDistrict(id);
  }

  async updateDistrict(id: number, body: DistrictPatch, _principal: Principal): Promise<District> {
    await guarded(`district ${id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const current = await districtsStore.findDistrict(trx, id);
        if (!current) throw notFound(`There is no district ${id}.`);
        if (body.code !== undefined && body.code !== current.code) {
          const same = await districtsStore.findDistrictByCode(trx, body.code);
          if (same) throw conflict(`code: district ${same.id} already has the code ${body.code}.`);
        }
        await districtsStore.updateDistrict(trx, id, body);
      }),
    );
    return this.getDistrict(id);
  }

  async deleteDistrict(id: number, _principal: Principal): Promise<void> {
    await guarded(`district ${id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const current = await districtsStore.findDistrict(trx, id);
        if (!current) throw notFound(`There is no district ${id}.`);
        const children = await districtsStore.countDistrictChildren(trx, id);
        if (children.buildings > 0 || children.weatherStations > 0) {
          const what = [
            children.buildings > 0 &&
              `${children.buildings} building(s) (GET /api/v1/buildings?district=${id})`,
            children.weatherStations > 0 &&
              `${children.weatherStations} weather station(s) (GET /api/v1/weather-stations?district=${id})`,
          ].filter(Boolean);
          throw conflict(
            `District ${current.code} still has ${what.join(' and ')}; delete or move them first.`,
          );
        }
        await districtsStore.deleteDistrict(trx, id);
      }),
    );
  }

  // --- Buildings ------------------------------------------------------------------------------

  async listBuildings(q: BuildingListQuery, principal: Principal): Promise<PageOf<Building>> {
    const limit = pageLimit(q.limit);
    const rows = await buildingsStore.listBuildings(
      this.db,
      { districtId: q.district, codePrefix: q.codePrefix, carrier: q.carrier, addressText: q.q },
      visibilityOf(principal),
      { after: decodeCursor<number>(q.cursor, 'number'), limit: limit + 1 },
    );
    return pageOf(rows, limit, (r) => r.id, toBuilding);
  }

  async getBuilding(id: number, principal: Principal): Promise<Building> {
    const row = await buildingsStore.findBuilding(this.db, id, visibilityOf(principal));
    if (!row) throw notFound(`There is no building ${id} that you may see.`);
    return toBuilding(row);
  }

  async createBuilding(body: BuildingCreate, principal: Principal): Promise<Building> {
    const values = {
      carrier1: body.carrier1 ?? null,
      area1M2: body.area1M2 ?? null,
      carrier2: body.carrier2 ?? null,
      area2M2: body.area2M2 ?? null,
    };
    checkCarriers(values);
    const features = body.features ?? {};
    const id = await guarded('building', () =>
      this.db.transaction().execute(async (trx) => {
        if (!(await districtsStore.findDistrict(trx, body.districtId)))
          throw badRequest(`districtId: there is no district ${body.districtId}.`);
        const same = await buildingsStore.findBuildingByCode(trx, body.code);
        if (same) throw conflict(`code: building ${same.id} already has the code ${body.code}.`);
        await checkFeatures(trx, features);
        return buildingsStore.insertBuilding(
          trx,
          {
            district_id: body.districtId,
            code: body.code,
            address: body.address,
            latitude: body.latitude,
            longitude: body.longitude,
            carrier1: values.carrier1,
            area1_m2: values.area1M2,
            carrier2: values.carrier2,
            area2_m2: values.area2M2,
            floors: body.floors ?? null,
            features,
          },
          Date.now(),
        );
      }),
    );
    return this.getBuilding(id, principal);
  }

  async updateBuilding(id: number, body: BuildingPatch, principal: Principal): Promise<Building> {
    await guarded(`building ${id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const current = await buildingsStore.findBuilding(trx, id);
        if (!current) throw notFound(`There is no building ${id}.`);
        if (body.districtId !== undefined && !(await districtsStore.findDistrict(trx, body.districtId)))
          throw badRequest(`districtId: there is no district ${body.districtId}.`);
        if (body.code !== undefined && body.code !== current.code) {
          const same = await buildingsStore.findBuildingByCode(trx, body.code);
          if (same) throw conflict(`code: building ${same.id} already has the code ${body.code}.`);
        }
        const merged = {
          carrier1: body.carrier1 !== undefined ? body.carrier1 : current.carrier1,
          area1M2: body.area1M2 !== undefined ? body.area1M2 : current.area1M2,
          carrier2: body.carrier2 !== undefined ? body.carrier2 : current.carrier2,
          area2M2: body.area2M2 !== undefined ? body.area2M2 : current.area2M2,
        };
        checkCarriers(merged);
        let features: string | undefined;
        if (body.features !== undefined) {
          await checkFeatures(trx, body.features);
          const next: Record<string, FeatureValue> = JSON.parse(current.features);
          for (const [key, value] of Object.entries(body.features)) {
            if (value === null) delete next[key];
            else next[key] = value;
          }
          features = JSON.stringify(next);
        }
        await buildingsStore.updateBuilding(trx, id, {
          ...(body.districtId !== undefined ? { district_id: body.districtId } : {}),
          ...(body.code !== undefined ? { code: body.code } : {}),
          ...(body.address !== undefined ? { address: body.address } : {}),
          ...(body.latitude !== undefined ? { latitude: body.latitude } : {}),
          ...(body.longitude !== undefined ? { longitude: body.longitude } : {}),
          carrier1: merged.carrier1,
          area1_m2: merged.area1M2,
          carrier2: merged.carrier2,
          area2_m2: merged.area2M2,
          ...(body.floors !== undefined ? { floors: body.floors } : {}),
          ...(features !== undefined ? { features } : {}),
          updated_at: Date.now(),
        });
      }),
    );
    return this.getBuilding(id, principal);
  }

  async deleteBuilding(id: number, _principal: Principal): Promise<void> {
    await guarded(`building ${id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const current = await buildingsStore.findBuilding(trx, id);
        if (!current) throw notFound(`There is no building ${id}.`);
        const dwellings = await buildingsStore.countDwellingsOfBuilding(trx, id);
        if (dwellings > 0)
          throw conflict(
            `Building ${current.code} still has ${dwellings} dwelling(s); delete them first (GET /api/v1/dwellings?building=${id}).`,
          );
        await buildingsStore.deleteBuilding(trx, id);
      }),
    );
  }

  // --- Dwellings ------------------------------------------------------------------------------

  async listDwellings(q: DwellingListQuery, principal: Principal): Promise<PageOf<Dwelling>> {
    const limit = pageLimit(q.limit);
    const rows = await dwellingsStore.listDwellings(
      this.db,
      { buildingId: q.building, districtId: q.district },
      visibilityOf(principal),
      { after: decodeCursor<number>(q.cursor, 'number'), limit: limit + 1 },
    );
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => r,
    );
  }

  async getDwelling(id: number, principal: Principal): Promise<Dwelling> {
    const row = await dwellingsStore.findDwelling(this.db, id, visibilityOf(principal));
    if (!row) throw notFound(`There is no dwelling ${id} that you may see.`);
    return row;
  }

  async createDwelling(body: DwellingCreate, principal: Principal): Promise<Dwelling> {
    const id = await guarded('dwelling', () =>
      this.db.transaction().execute((trx) => this.createDwellingIn(trx, body)),
    );
    return this.getDwelling(id, principal);
  }

  /** Creates a dwelling within the caller's transaction; returns its id. */
  /**
   * Rows of the registry for another module's own checks, inside its transaction when it has one
   * (installations registers a gateway, its dwelling and sensors at once); no narrowing: the
   * caller decides who may.
   */
  findBuildingIn(trx: Trx | Kysely<Database>, id: number) {
    return buildingsStore.findBuilding(trx, id);
  }

  findDwellingIn(trx: Trx | Kysely<Database>, id: number) {
    return dwellingsStore.findDwelling(trx, id);
  }

  findGatewayBySnIn(trx: Trx, sn: string) {
    return gatewaysStore.findGatewayBySn(trx, sn);
  }

  findSensorByIdentityIn(
    trx: Trx,
    gatewayId: number,
    identity: { channel: string; device: string; medium: string },
  ) {
    return sensorsStore.findSensorByIdentity(trx, gatewayId, identity);
  }

  updateSensorIn(trx: Trx, id: number, values: { unit?: string; label?: string }) {
    return sensorsStore.updateSensor(trx, id, values);
  }

  async createDwellingIn(trx: Trx, body: DwellingCreate): Promise<number> {
    const building = await buildingsStore.findBuilding(trx, body.buildingId);
    if (!building) throw badRequest(`buildingId: there is no building ${body.buildingId}.`);
    const same = await dwellingsStore.findDwellingByLabel(trx, body.buildingId, body.label);
    if (same)
      throw conflict(
        `label: building ${building.code} already has a dwelling labelled ${body.label} (${same.id}).`,
      );
    return dwellingsStore.insertDwelling(
      trx,
      {
        building_id: body.buildingId,
        label: body.label,
        floor: body.floor ?? null,
        area_m2: body.areaM2 ?? null,
        contracted_power_w: body.contractedPowerW ?? null,
      },
      Date.now(),
    );
  }

  async updateDwelling(id: number, body: DwellingPatch, principal: Principal): Promise<Dwelling> {
    await guarded(`dwelling ${id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const current = await dwellingsStore.findDwelling(trx, id);
        if (!current) throw notFound(`There is no dwelling ${id}.`);
        const buildingId = body.buildingId ?? current.buildingId;
        const label = body.label ?? current.label;
        const building = await buildingsStore.findBuilding(trx, buildingId);
        if (!building) throw badRequest(`buildingId: there is no building ${buildingId}.`);
        if (buildingId !== current.buildingId || label !== current.label) {
          const same = await dwellingsStore.findDwellingByLabel(trx, buildingId, label);
          if (same)
            throw conflict(
              `label: building ${building.code} already has a dwelling labelled ${label} (${same.id}).`,
            );
        }
        await dwellingsStore.updateDwelling(trx, id, {
          building_id: buildingId,
          label,
          ...(body.floor !== undefined ? { floor: body.floor } : {}),
          ...(body.areaM2 !== undefined ? { area_m2: body.areaM2 } : {}),
          ...(body.contractedPowerW !== undefined ? { contracted_power_w: body.contractedPowerW } : {}),
          updated_at: Date.now(),
        });
      }),
    );
    return this.getDwelling(id, principal);
  }

  async deleteDwelling(id: number, _principal: Principal): Promise<void> {
    await guarded(`dwelling ${id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const current = await dwellingsStore.findDwelling(trx, id);
        if (!current) throw notFound(`There is no dwelling ${id}.`);
        const serving = await dwellingsStore.gatewaysServing(trx, id, NAMED + 1);
        if (serving.length > 0)
          throw conflict(
            `Dwelling ${current.label} is served by gateway(s) ${listed(serving.slice(0, NAMED), serving.length)}; unregister or move them first (PATCH /api/v1/gateways/{id} with dwellingId).`,
          );
        const history = await dwellingsStore.gatewaysWithReadingsIn(trx, id, NAMED + 1);
        if (history.length > 0)
          throw conflict(
            `Dwelling ${current.label} holds the stored readings of gateway(s) ${listed(history.slice(0, NAMED), history.length)} from when they served it; readings are kept, so the dwelling cannot be deleted.`,
          );
        await dwellingsStore.deleteDwelling(trx, id);
      }),
    );
  }

  // --- Gateways -------------------------------------------------------------------------------

  async listGateways(q: GatewayListQuery, principal: Principal): Promise<PageOf<Gateway>> {
    const limit = pageLimit(q.limit);
    const rows = await gatewaysStore.listGateways(
      this.db,
      {
        ...(q.status ? { registered: q.status === 'registered' } : {}),
        dwellingId: q.dwelling,
        buildingId: q.building,
        snPrefix: q.sn,
      },
      visibilityOf(principal),
      { after: decodeCursor<number>(q.cursor, 'number'), limit: limit + 1 },
    );
    return pageOf(rows, limit, (r) => r.id, toGateway);
  }

  async getGateway(id: number, principal: Principal): Promise<Gateway> {
    const row = await gatewaysStore.findGateway(this.db, id, visibilityOf(principal));
    if (!row) throw notFound(`There is no gateway ${id} that you may see.`);
    return toGateway(row);
  }

  async gatewayAssignments(id: number, principal: Principal): Promise<{ items: GatewayAssignment[] }> {
    await this.getGateway(id, principal);
    const rows = await gatewaysStore.listGatewayAssignments(this.db, id, 1000);
    return {
      items: rows.map((r) => ({ ...r, validFrom: r.validFrom === MIN_TIME ? null : r.validFrom })),
    };
  }

  async createGateway(body: GatewayCreate, principal: Principal): Promise<Gateway> {
    const id = await guarded('gateway', () =>
      this.db.transaction().execute((trx) => this.createGatewayIn(trx, body)),
    );
    return this.getGateway(id, principal);
  }

  /** Creates a gateway (registered when `dwellingId` is given) within the caller's transaction. */
  async createGatewayIn(trx: Trx, body: GatewayCreate): Promise<number> {
    const sn = body.sn.toUpperCase();
    const same = await gatewaysStore.findGatewayBySn(trx, sn);
    if (same)
      throw conflict(
        `sn: gateway ${sn} already exists (id ${same.id}, ${toGateway(same).status}); to register it, PATCH /api/v1/gateways/${same.id} with dwellingId.`,
      );
    const now = Date.now();
    const gatewayId = await gatewaysStore.insertGateway(trx, { sn, notes: body.notes ?? '' }, now);
    if (body.dwellingId != null) {
      if (!(await dwellingsStore.findDwelling(trx, body.dwellingId)))
        throw badRequest(`dwellingId: there is no dwelling ${body.dwellingId}.`);
      await gatewaysStore.assignGateway(trx, gatewayId, body.dwellingId, MIN_TIME, now);
    }
    return gatewayId;
  }

  /**
   * Registers, moves or unregisters a gateway (and edits its notes). A first registration takes
   * every earlier reading along; a later move or unregistration takes effect at `since` (default
   * now), so readings before it stay with the dwelling of their time.
   */
  async updateGateway(id: number, body: GatewayPatch, principal: Principal): Promise<Gateway> {
    await guarded(`gateway ${id}`, () =>
      this.db.transaction().execute((trx) => this.updateGatewayIn(trx, id, body)),
    );
    return this.getGateway(id, principal);
  }

  /**
   * Registers, moves or unregisters a gateway (and edits its notes) within the caller's
   * transaction, by the rules of `updateGateway`.
   */
  async updateGatewayIn(trx: Trx, id: number, body: GatewayPatch): Promise<void> {
    if (body.since !== undefined && body.dwellingId === undefined)
      throw badRequest(
        'since: only means something with dwellingId (a registration, move or unregistration).',
      );
    const current = await gatewaysStore.findGateway(trx, id);
    if (!current) throw notFound(`There is no gateway ${id}.`);
    const now = Date.now();
    const target = body.dwellingId;
    if (target !== undefined && target !== current.dwellingId) {
      if (target !== null) {
        if (!(await dwellingsStore.findDwelling(trx, target)))
          throw badRequest(`dwellingId: there is no dwelling ${target}.`);
        const station = await gatewaysStore.findWeatherStationOfGateway(trx, id);
        if (station)
          throw conflict(
            `Gateway ${current.sn} carries weather station ${station.code}; point the station at another gateway first (PATCH /api/v1/weather-stations/${station.id}).`,
          );
      }
      if (body.since !== undefined && body.since > now) throw badRequest('since: cannot be in the future.');
      const latest = await gatewaysStore.latestGatewayAssignment(trx, id);
      let validFrom: number;
      if (!latest) {
        validFrom = body.since ?? MIN_TIME;
      } else {
        validFrom = body.since ?? now;
        // Assignments follow one another without overlapping.
        if (latest.validTo === null ? validFrom <= latest.validFrom : validFrom < latest.validTo)
          throw badRequest(
            latest.validTo === null
              ? `since: must be after ${new Date(latest.validFrom).toISOString()}, when the gateway's current assignment began.`
              : `since: must not be before ${new Date(latest.validTo).toISOString()}, when the gateway was unregistered.`,
          );
      }
      await gatewaysStore.assignGateway(trx, id, target, validFrom, now);
    }
    if (body.notes !== undefined) await gatewaysStore.updateGatewayNotes(trx, id, body.notes, now);
  }

  async deleteGateway(id: number, _principal: Principal): Promise<void> {
    await guarded(`gateway ${id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const current = await gatewaysStore.findGateway(trx, id);
        if (!current) throw notFound(`There is no gateway ${id}.`);
        const station = await gatewaysStore.findWeatherStationOfGateway(trx, id);
        if (station)
          throw conflict(
            `Gateway ${current.sn} carries weather station ${station.code}; delete the station or point it at another gateway first.`,
          );
        const sensors = await sensorsStore.listSensors(trx, { gatewayId: id }, 'all', { limit: 1000 });
        const withReadings = sensors.filter((s) => s.seriesId !== null).length;
        if (withReadings > 0)
          throw conflict(
            `Gateway ${current.sn} has stored readings from ${withReadings} sensor(s); readings are kept, so the gateway cannot be deleted. Unregister it instead (PATCH with dwellingId null).`,
          );
        if (sensors.length > 0)
          throw conflict(
            `Gateway ${current.sn} still has ${sensors.length} sensor(s); delete them first (GET /api/v1/sensors?gateway=${id}).`,
          );
        await gatewaysStore.deleteGateway(trx, id);
      }),
    );
  }

  // --- Sensors --------------------------------------------------------------------------------

  async listSensors(q: SensorListQuery, principal: Principal): Promise<PageOf<Sensor>> {
    const limit = pageLimit(q.limit);
    const rows = await sensorsStore.listSensors(
      this.db,
      { gatewayId: q.gateway, medium: q.medium, dwellingId: q.dwelling, buildingId: q.building },
      visibilityOf(principal),
      { after: decodeCursor<number>(q.cursor, 'number'), limit: limit + 1 },
    );
    return pageOf(rows, limit, (r) => r.id, toSensor);
  }

  async getSensor(id: number, principal: Principal): Promise<Sensor> {
    const row = await sensorsStore.findSensor(this.db, id, visibilityOf(principal));
    if (!row) throw notFound(`There is no sensor ${id} that you may see.`);
    return toSensor(row);
  }

  async createSensor(body: SensorCreate, principal: Principal): Promise<Sensor> {
    const id = await guarded('sensor', () =>
      this.db.transaction().execute((trx) => this.createSensorIn(trx, body)),
    );
    return this.getSensor(id, principal);
  }

  /** Creates a sensor within the caller's transaction; returns its id. */
  async createSensorIn(trx: Trx, body: SensorCreate): Promise<number> {
    const gateway = await gatewaysStore.findGateway(trx, body.gatewayId);
    if (!gateway) throw badRequest(`gatewayId: there is no gateway ${body.gatewayId}.`);
    const medium = await mediaStore.findMedium(trx, body.medium);
    if (!medium)
      throw badRequest(`medium: there is no medium ${body.medium}; an admin adds media under /api/v1/media.`);
    const same = await sensorsStore.findSensorByIdentity(trx, body.gatewayId, body);
    if (same)
      throw conflict(
        `Gateway ${gateway.sn} already has sensor ${same.id} on channel ${body.channel}, device ${body.device}, medium ${body.medium}.`,
      );
    return sensorsStore.insertSensor(
      trx,
      { ...body, unit: body.unit ?? medium.unit, label: body.label ?? '' },
      Date.now(),
    );
  }

  async updateSensor(id: number, body: SensorPatch, principal: Principal): Promise<Sensor> {
    const current = await sensorsStore.findSensor(this.db, id);
    if (!current) throw notFound(`There is no sensor ${id}.`);
    await sensorsStore.updateSensor(this.db, id, body);
    return this.getSensor(id, principal);
  }

  async deleteSensor(id: number, _principal: Principal): Promise<void> {
    await guarded(`sensor ${id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const current = await sensorsStore.findSensor(trx, id);
        if (!current) throw notFound(`There is no sensor ${id}.`);
        if (current.seriesId !== null)
          throw conflict(
            `Sensor ${id} (${current.sn} channel ${current.channel}, device ${current.device}, ${current.medium}) has stored readings; readings are kept, so the sensor cannot be deleted.`,
          );
        await sensorsStore.deleteSensor(trx, id);
      }),
    );
  }

  // --- Weather stations -----------------------------------------------------------------------

  async listWeatherStations(q: WeatherStationListQuery): Promise<PageOf<WeatherStation>> {
    const limit = pageLimit(q.limit);
    const rows = await weatherStationsStore.listWeatherStations(
      this.db,
      { districtId: q.district },
      { after: decodeCursor<number>(q.cursor, 'number'), limit: limit + 1 },
    );
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => r,
    );
  }

  async getWeatherStation(id: number): Promise<WeatherStation> {
    const row = await weatherStationsStore.findWeatherStation(this.db, id);
    if (!row) throw notFound(`There is no weather station ${id}.`);
    return row;
  }

  /** A gateway may carry a station when it exists, serves no dwelling and carries no other. */
  private async checkStationGateway(trx: Trx, gatewayId: number, stationId?: number): Promise<void> {
    const gateway = await gatewaysStore.findGateway(trx, gatewayId);
    if (!gateway) throw badRequest(`gatewayId: there is no gateway ${gatewayId}.`);
    if (gateway.dwellingId !== null)
      throw conflict(
        `gatewayId: gateway ${gateway.sn} serves dwelling ${gateway.dwellingId}; unregister it first (PATCH /api/v1/gateways/${gatewayId} with dwellingId null).`,
      );
    const other = await gatewaysStore.findWeatherStationOfGateway(trx, gatewayId);
    if (other && other.id !== stationId)
      throw conflict(`gatewayId: gateway ${gateway.sn} already carries weather station ${other.code}.`);
  }

  async createWeatherStation(body: WeatherStationCreate, _principal: Principal): Promise<WeatherStation> {
    const id = await guarded('weather station', () =>
      this.db.transaction().execute(async (trx) => {
        if (!(await districtsStore.findDistrict(trx, body.districtId)))
          throw badRequest(`districtId: there is no district ${body.districtId}.`);
        const same = await weatherStationsStore.findWeatherStationByCode(trx, body.code);
        if (same) throw conflict(`code: weather station ${same.id} already has the code ${body.code}.`);
        if (body.gatewayId != null) await this.checkStationGateway(trx, body.gatewayId);
        return weatherStationsStore.insertWeatherStation(
          trx,
          {
            district_id: body.districtId,
            code: body.code,
            name: body.name,
            latitude: body.latitude ?? null,
            longitude: body.longitude ?? null,
            gateway_id: body.gatewayId ?? null,
          },
          Date.now(),
        );
      }),
    );
    return this.getWeatherStation(id);
  }

  async updateWeatherStation(
    id: number,
    body: WeatherStationPatch,
    _principal: Principal,
  ): Promise<WeatherStation> {
    await guarded(`weather station ${id}`, () =>
      this.db.transaction().execute(async (trx) => {
        const current = await weatherStationsStore.findWeatherStation(trx, id);
        if (!current) throw notFound(`There is no weather station ${id}.`);
        if (body.districtId !== undefined && !(await districtsStore.findDistrict(trx, body.districtId)))
          throw badRequest(`districtId: there is no district ${body.districtId}.`);
        if (body.code !== undefined && body.code !== current.code) {
          const same = await weatherStationsStore.findWeatherStationByCode(trx, body.code);
          if (same) throw conflict(`code: weather station ${same.id} already has the code ${body.code}.`);
        }
        const now = Date.now();
        const gatewayChanges = body.gatewayId !== undefined && body.gatewayId !== current.gatewayId;
        if (gatewayChanges && body.gatewayId != null) await this.checkStationGateway(trx, body.gatewayId, id);
        await weatherStationsStore.updateWeatherStation(trx, id, {
          ...(body.districtId !== undefined ? { district_id: body.districtId } : {}),
          ...(body.code !== undefined ? { code: body.code } : {}),
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.latitude !== undefined ? { latitude: body.latitude } : {}),
          ...(body.longitude !== undefined ? { longitude: body.longitude } : {}),
          ...(gatewayChanges ? { gateway_id: body.gatewayId } : {}),
        });
        if (gatewayChanges) {
          if (current.gatewayId !== null) await gatewaysStore.releaseGateway(trx, current.gatewayId, now);
          if (body.gatewayId != null) await gatewaysStore.markGatewayRegistered(trx, body.gatewayId, now);
        }
      }),
    );
    return this.getWeatherStation(id);
  }

  async deleteWeatherStation(id: number, _principal: Principal): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const current = await weatherStationsStore.findWeatherStation(trx, id);
      if (!current) throw notFound(`There is no weather station ${id}.`);
      await weatherStationsStore.deleteWeatherStation(trx, id);
      if (current.gatewayId !== null) await gatewaysStore.releaseGateway(trx, current.gatewayId, Date.now());
    });
  }

  // --- Media ----------------------------------------------------------------------------------

  async listMedia(q: { cursor?: string; limit?: number }): Promise<PageOf<Medium>> {
    const limit = pageLimit(q.limit);
    const rows = await mediaStore.listMedia(this.db, {
      after: decodeCursor<string>(q.cursor, 'string'),
      limit: limit + 1,
    });
    return pageOf(rows, limit, (r) => r.name, toMedium);
  }

  async getMedium(name: string): Promise<Medium> {
    const row = await mediaStore.findMedium(this.db, name);
    if (!row) throw notFound(`There is no medium ${name}.`);
    return toMedium(row);
  }

  async createMedium(body: MediumCreate, _principal: Principal): Promise<Medium> {
    await guarded('medium', () =>
      this.db.transaction().execute(async (trx) => {
        if (await mediaStore.findMedium(trx, body.name))
          throw conflict(`name: the medium ${body.name} already exists.`);
        await mediaStore.insertMedium(trx, {
          name: body.name,
          unit: body.unit,
          cumulative: body.cumulative ? 1 : 0,
          description: body.description ?? '',
        });
      }),
    );
    return this.getMedium(body.name);
  }

  /**
   * Edits a medium. Whether it is cumulative is fixed once readings of it are stored: the
   * hourly rollups of those readings were computed one way or the other.
   */
  async updateMedium(name: string, body: MediumPatch, _principal: Principal): Promise<Medium> {
    await this.db.transaction().execute(async (trx) => {
      const current = await mediaStore.findMedium(trx, name);
      if (!current) throw notFound(`There is no medium ${name}.`);
      if (body.cumulative !== undefined && body.cumulative !== (current.cumulative === 1)) {
        const used = await mediaStore.countSensorsOfMedium(trx, name);
        if (used.withReadings > 0)
          throw conflict(
            `cumulative: ${used.withReadings} sensor(s) of ${name} have stored readings, whose rollups were computed as ${current.cumulative === 1 ? 'cumulative' : 'not cumulative'}; it can only change before readings arrive.`,
          );
      }
      const values: Partial<MediumTable> = {
        ...(body.unit !== undefined ? { unit: body.unit } : {}),
        ...(body.cumulative !== undefined ? { cumulative: body.cumulative ? 1 : 0 } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
      };
      await mediaStore.updateMedium(trx, name, values, current.unit);
    });
    return this.getMedium(name);
  }

  async deleteMedium(name: string, _principal: Principal): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (!(await mediaStore.findMedium(trx, name))) throw notFound(`There is no medium ${name}.`);
      const used = await mediaStore.countSensorsOfMedium(trx, name);
      if (used.sensors > 0)
        throw conflict(
          `Medium ${name} is measured by ${used.sensors} sensor(s)${used.withReadings > 0 ? `, ${used.withReadings} with stored readings` : ''}; delete those sensors first (GET /api/v1/sensors?medium=${name}).`,
        );
      await mediaStore.deleteMedium(trx, name);
    });
  }

  // --- Feature definitions --------------------------------------------------------------------

  async listFeatureDefinitions(q: { cursor?: string; limit?: number }): Promise<PageOf<FeatureDefinition>> {
    const limit = pageLimit(q.limit);
    const rows = await featureDefinitionsStore.listFeatureDefinitions(this.db, {
      after: decodeCursor<string>(q.cursor, 'string'),
      limit: limit + 1,
    });
    return pageOf(
      rows,
      limit,
      (r) => r.key,
      (r) => r,
    );
  }

  async getFeatureDefinition(key: string): Promise<FeatureDefinition> {
    const [row] = await featureDefinitionsStore.findFeatureDefinitions(this.db, [key]);
    if (!row) throw notFound(`There is no feature definition ${key}.`);
    return row;
  }

  async createFeatureDefinition(
    body: FeatureDefinitionCreate,
    _principal: Principal,
  ): Promise<FeatureDefinition> {
    await guarded('feature definition', () =>
      this.db.transaction().execute(async (trx) => {
        if ((await featureDefinitionsStore.findFeatureDefinitions(trx, [body.key])).length > 0)
          throw conflict(`key: the feature ${body.key} is already defined.`);
        await featureDefinitionsStore.insertFeatureDefinition(trx, {
          key: body.key,
          type: body.type,
          unit: body.unit ?? null,
          description: body.description ?? '',
        });
      }),
    );
    return this.getFeatureDefinition(body.key);
  }

  async updateFeatureDefinition(
    key: string,
    body: FeatureDefinitionPatch,
    _principal: Principal,
  ): Promise<FeatureDefinition> {
    await this.db.transaction().execute(async (trx) => {
      const [current] = await featureDefinitionsStore.findFeatureDefinitions(trx, [key]);
      if (!current) throw notFound(`There is no feature definition ${key}.`);
      if (body.type !== undefined && body.type !== current.type) {
        const used = await buildingsStore.buildingsWithFeature(trx, key);
        if (used.count > 0)
          throw conflict(
            `type: ${used.count} building(s) (such as ${used.example}) hold ${key} as ${current.type}; remove it from them first (PATCH features with ${key}: null).`,
          );
      }
      const values: Partial<FeatureDefinitionTable> = {
        ...(body.type !== undefined ? { type: body.type } : {}),
        ...(body.unit !== undefined ? { unit: body.unit } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
      };
      await featureDefinitionsStore.updateFeatureDefinition(trx, key, values);
    });
    return this.getFeatureDefinition(key);
  }

  async deleteFeatureDefinition(key: string, _principal: Principal): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const [current] = await featureDefinitionsStore.findFeatureDefinitions(trx, [key]);
      if (!current) throw notFound(`There is no feature definition ${key}.`);
      const used = await buildingsStore.buildingsWithFeature(trx, key);
      if (used.count > 0)
        throw conflict(
          `The feature ${key} is set on ${used.count} building(s) (such as ${used.example}); remove it from them first (PATCH features with ${key}: null).`,
        );
      await featureDefinitionsStore.deleteFeatureDefinition(trx, key);
    });
  }
}
