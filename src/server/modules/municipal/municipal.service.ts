import type { Insertable, Kysely } from 'kysely';
import type {
  Area,
  AreaCreate,
  CarbonFactor,
  CarbonFactorCreate,
  CarbonFactorPatch,
  ConsumptionQuery,
  Facility,
  FacilityCreate,
  FacilityListQuery,
  FacilityPatch,
  Meter,
  MeterCreate,
  MeterListQuery,
  MonthRow,
} from '#common/api/municipal.ts';
import type { PageOf } from '#common/api/pagination.ts';
import { MUNICIPAL_CARRIERS, type MunicipalCarrier } from '#common/municipal/carriers.ts';
import { checkCups } from '#common/municipal/cups.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { By } from '../../audit/by.ts';
import type { Database, MunicipalMonthTable } from '../../db/schema.ts';
import { decodeCursor, pageLimit, pageOf } from '../../pagination/pagination.ts';
import { badRequest, conflict, notFound } from '../../plugins/errors.ts';
import { monthNumber, monthsOf, monthText, type RecordPart } from './municipal-months.ts';
import { type ImportProfile, lap } from './import-profile.ts';
import * as store from './municipal.store.ts';

const json = (text: string): Record<string, number> => {
  try {
    return JSON.parse(text) as Record<string, number>;
  } catch {
    return {};
  }
};

export const toFacility = (r: store.FacilityRow & { meters?: number }): Facility => ({
  id: Number(r.id),
  code: r.code,
  name: r.name,
  address: r.address,
  areaId: Number(r.area_id),
  districtId: r.district_id === null ? null : Number(r.district_id),
  buildingId: r.building_id === null ? null : Number(r.building_id),
  latitude: r.latitude,
  longitude: r.longitude,
  areaM2: r.area_m2,
  meters: r.meters ?? 0,
});

export const toMeter = (r: store.MeterRow): Meter => ({
  id: Number(r.id),
  facilityId: Number(r.facility_id),
  code: r.code,
  kind: r.kind,
  carrier: r.carrier,
  unit: r.unit,
  supplier: r.supplier,
  tariff: r.tariff,
  contractedKw: json(r.contracted_kw),
});

export const toFactor = (r: store.FactorRowDb): CarbonFactor => ({
  id: Number(r.id),
  carrier: r.carrier,
  year: r.year,
  scope: r.scope,
  kgPerUnit: r.kg_per_unit,
  supplier: r.supplier,
  source: r.source,
  updatedAt: Number(r.updated_at),
  updatedBy: r.updated_by,
});

/** A unique constraint a database refused, on either dialect. */
const isUniqueViolation = (error: unknown) => {
  const e = error as { code?: string; message?: string };
  return e.code === '23505' || /UNIQUE constraint failed/.test(e.message ?? '');
};

/**
 * Municipal energy: the areas and sub-groups, the facilities and their meters, the months each
 * meter consumed (rebuilt from its records whenever they change), and the carbon factors.
 */
export class MunicipalService {
  constructor(
    readonly db: Kysely<Database>,
    private readonly audit: AuditService,
    private readonly clock: () => number = Date.now,
  ) {}

  // --- Areas -------------------------------------------------------------------------------------

  async areas(): Promise<{ items: Area[] }> {
    return {
      items: (await store.listAreas(this.db)).map((a) => ({
        id: Number(a.id),
        code: a.code,
        name: a.name,
        parentId: a.parent_id === null ? null : Number(a.parent_id),
        facilities: a.facilities,
      })),
    };
  }

  async createArea(body: AreaCreate): Promise<Area> {
    if (body.parentId !== undefined) {
      const parent = await store.findArea(this.db, body.parentId);
      if (!parent) throw badRequest(`parentId: there is no area ${body.parentId}.`);
      if (parent.parent_id !== null)
        throw badRequest(`parentId: ${parent.name} is a sub-group; a sub-group belongs to an area.`);
    }
    try {
      const id = await store.insertArea(this.db, {
        code: body.code,
        name: body.name,
        parent_id: body.parentId ?? null,
        created_at: this.clock(),
      });
      return { id, code: body.code, name: body.name, parentId: body.parentId ?? null, facilities: 0 };
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`code: there is already an area ${body.code}.`);
      throw error;
    }
  }

  async renameArea(id: number, name: string | undefined): Promise<Area> {
    const area = await store.findArea(this.db, id);
    if (!area) throw notFound(`There is no area ${id}.`);
    if (name !== undefined)
      await this.db.updateTable('municipal_area').set({ name }).where('id', '=', id).execute();
    return (await this.areas()).items.find((a) => a.id === id) as Area;
  }

  /** An area's own id and those of its sub-groups. */
  async areaAndGroups(id: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('municipal_area')
      .select('id')
      .where((eb) => eb.or([eb('id', '=', id), eb('parent_id', '=', id)]))
      .execute();
    return rows.map((r) => Number(r.id));
  }

  // --- Facilities --------------------------------------------------------------------------------

  async facilities(query: FacilityListQuery): Promise<PageOf<Facility>> {
    const limit = pageLimit(query.limit);
    const rows = await store.listFacilities(this.db, {
      areaIds: query.area !== undefined ? await this.areaAndGroups(query.area) : undefined,
      districtId: query.district,
      q: query.q,
      afterId: decodeCursor<number>(query.cursor, 'number'),
      limit: limit + 1,
    });
    return pageOf(rows, limit, (r) => Number(r.id), toFacility);
  }

  async facility(id: number): Promise<Facility> {
    const rows = await store.listFacilities(this.db, { afterId: id - 1, limit: 1 });
    if (rows.length === 0 || Number(rows[0].id) !== id) throw notFound(`There is no facility ${id}.`);
    return toFacility(rows[0]);
  }

  /** The area and sub-group a facility's months are counted in: `areaId` may be either. */
  private async placesOf(areaId: number): Promise<{ area_id: number; group_id: number }> {
    const area = await store.findArea(this.db, areaId);
    if (!area) throw badRequest(`areaId: there is no area or sub-group ${areaId}.`);
    return { area_id: Number(area.parent_id ?? area.id), group_id: Number(area.id) };
  }

  private async checkPlaces(body: FacilityPatch): Promise<void> {
    if (body.districtId != null) {
      const d = await this.db
        .selectFrom('district')
        .select('id')
        .where('id', '=', body.districtId)
        .executeTakeFirst();
      if (!d) throw badRequest(`districtId: there is no district ${body.districtId}.`);
    }
    if (body.buildingId != null) {
      const b = await this.db
        .selectFrom('building')
        .select('id')
        .where('id', '=', body.buildingId)
        .executeTakeFirst();
      if (!b) throw badRequest(`buildingId: there is no building ${body.buildingId}.`);
    }
    if (body.areaId !== undefined) await this.placesOf(body.areaId);
  }

  async createFacility(body: FacilityCreate): Promise<Facility> {
    await this.checkPlaces(body);
    const now = this.clock();
    try {
      const id = await store.insertFacility(this.db, {
        code: body.code,
        name: body.name,
        address: body.address ?? '',
        area_id: body.areaId,
        district_id: body.districtId ?? null,
        building_id: body.buildingId ?? null,
        latitude: body.latitude ?? null,
        longitude: body.longitude ?? null,
        area_m2: body.areaM2 ?? null,
        created_at: now,
        updated_at: now,
      });
      return this.facility(id);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`code: there is already a facility ${body.code}.`);
      throw error;
    }
  }

  async updateFacility(id: number, patch: FacilityPatch): Promise<Facility> {
    const before = await store.findFacility(this.db, id);
    if (!before) throw notFound(`There is no facility ${id}.`);
    await this.checkPlaces(patch);
    const moves = patch.areaId !== undefined || patch.districtId !== undefined;
    // Read before the transaction: on SQLite it holds the one connection until it ends.
    const places = moves ? await this.placesOf(patch.areaId ?? Number(before.area_id)) : undefined;
    await this.db.transaction().execute(async (trx) => {
      await store.updateFacility(trx, id, {
        ...(patch.code !== undefined ? { code: patch.code } : {}),
        ...(patch.name !== undefined ? { name: patch.name } : {}),
        ...(patch.address !== undefined ? { address: patch.address } : {}),
        ...(patch.areaId !== undefined ? { area_id: patch.areaId } : {}),
        ...(patch.districtId !== undefined ? { district_id: patch.districtId } : {}),
        ...(patch.buildingId !== undefined ? { building_id: patch.buildingId } : {}),
        ...(patch.latitude !== undefined ? { latitude: patch.latitude } : {}),
        ...(patch.longitude !== undefined ? { longitude: patch.longitude } : {}),
        ...(patch.areaM2 !== undefined ? { area_m2: patch.areaM2 } : {}),
        updated_at: this.clock(),
      });
      if (places) {
        const district = patch.districtId !== undefined ? patch.districtId : before.district_id;
        await store.relocateMonths(trx, id, {
          ...places,
          district_id: district === null ? null : Number(district),
        });
      }
    });
    return this.facility(id);
  }

  // --- Meters ------------------------------------------------------------------------------------

  async meters(query: MeterListQuery): Promise<PageOf<Meter>> {
    const limit = pageLimit(query.limit);
    const rows = await store.listMeters(this.db, {
      facilityId: query.facility,
      carrier: query.carrier,
      q: query.q,
      afterId: decodeCursor<number>(query.cursor, 'number'),
      limit: limit + 1,
    });
    return pageOf(rows, limit, (r) => Number(r.id), toMeter);
  }

  async meter(id: number): Promise<Meter> {
    const row = await store.findMeter(this.db, id);
    if (!row) throw notFound(`There is no meter ${id}.`);
    return toMeter(row);
  }

  async createMeter(body: MeterCreate): Promise<Meter> {
    if ((body.cups === undefined) === (body.code === undefined))
      throw badRequest(
        'Give a meter either its cups (a grid supply) or its code (the city’s own), not both.',
      );
    let code: string;
    if (body.cups !== undefined) {
      const check = checkCups(body.cups);
      if (!check.valid) throw badRequest(`cups: ${body.cups} is not a valid CUPS: ${check.reason}.`);
      code = check.cups;
    } else code = (body.code as string).trim();
    if (!(await store.findFacility(this.db, body.facilityId)))
      throw badRequest(`facilityId: there is no facility ${body.facilityId}.`);
    const now = this.clock();
    try {
      const id = await store.insertMeter(this.db, {
        facility_id: body.facilityId,
        code,
        kind: body.cups !== undefined ? 'cups' : 'internal',
        carrier: body.carrier,
        unit: MUNICIPAL_CARRIERS[body.carrier as MunicipalCarrier].unit,
        supplier: body.supplier ?? '',
        tariff: body.tariff ?? '',
        contracted_kw: JSON.stringify(body.contractedKw ?? {}),
        created_at: now,
        updated_at: now,
      });
      return this.meter(id);
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`There is already a meter ${code}.`);
      throw error;
    }
  }

  // --- Months ------------------------------------------------------------------------------------

  /**
   * Builds again every month of some meters from their records, in `db` (the transaction that
   * changed the records). A meter's months are replaced whole, so a corrected record that no
   * longer covers a month leaves nothing behind in it.
   */
  async rebuildMonths(
    db: Kysely<Database>,
    meterIds: number[],
    /** Every record of those meters, when the caller holds them already (an import does). */
    known?: Map<number, RecordPart[]>,
    profile?: ImportProfile,
  ): Promise<void> {
    if (meterIds.length === 0) return;
    const started = performance.now();
    const meters = new Map<number, store.MeterRow>();
    for (let i = 0; i < meterIds.length; i += 500) {
      const rows = await db
        .selectFrom('municipal_meter')
        .selectAll()
        .where('id', 'in', meterIds.slice(i, i + 500))
        .execute();
      for (const m of rows) meters.set(Number(m.id), m);
    }
    const facilities = new Map(
      (await db.selectFrom('municipal_facility').select(['id', 'area_id', 'district_id']).execute()).map(
        (f) => [Number(f.id), f],
      ),
    );
    const parents = new Map(
      (await db.selectFrom('municipal_area').select(['id', 'parent_id']).execute()).map((a) => [
        Number(a.id),
        a.parent_id === null ? Number(a.id) : Number(a.parent_id),
      ]),
    );
    const records = new Map<number, RecordPart[]>(known ?? []);
    if (!known)
      for (const r of await store.recordsOfMeters(db, meterIds)) {
        const list = records.get(Number(r.meter_id));
        if (list) list.push(r);
        else records.set(Number(r.meter_id), [r]);
      }
    const rows: Insertable<MunicipalMonthTable>[] = [];
    for (const id of meterIds) {
      const meter = meters.get(id);
      if (!meter) continue;
      const facility = facilities.get(Number(meter.facility_id));
      if (!facility) continue;
      const group = Number(facility.area_id);
      for (const m of monthsOf(records.get(id) ?? []))
        rows.push({
          meter_id: id,
          month: m.month,
          year: Math.floor(m.month / 100),
          source: m.source,
          quantity: m.quantity,
          cost_eur: m.costEur,
          max_kw: m.maxKw,
          carrier: meter.carrier,
          supplier: meter.supplier,
          facility_id: Number(facility.id),
          area_id: parents.get(group) ?? group,
          group_id: group,
          district_id: facility.district_id === null ? null : Number(facility.district_id),
        });
    }
    lap(profile, 'split into months', started);
    await store.replaceMonths(db, meterIds, rows, profile);
  }

  /** The months as counted, filtered and paged (ordered by meter, then month). */
  async consumption(query: ConsumptionQuery): Promise<PageOf<MonthRow>> {
    const limit = pageLimit(query.limit);
    const after = decodeCursor<string>(query.cursor, 'string');
    const rows = await this.monthRows(query, limit + 1, after);
    return pageOf(rows, limit, (r) => `${r.meter_id}:${r.month}`, toMonthRow);
  }

  /** The months of a filter, for an export (at most `limit`). */
  async consumptionRows(query: ConsumptionQuery, limit: number): Promise<MonthRow[]> {
    return (await this.monthRows(query, limit)).map(toMonthRow);
  }

  private async monthRows(query: ConsumptionQuery, limit: number, after?: string) {
    let q = this.db
      .selectFrom('municipal_month as mm')
      .innerJoin('municipal_meter as m', 'm.id', 'mm.meter_id')
      .selectAll('mm')
      .select(['m.code', 'm.unit'])
      .orderBy('mm.meter_id')
      .orderBy('mm.month')
      .limit(limit);
    if (query.meter !== undefined) q = q.where('mm.meter_id', '=', query.meter);
    if (query.facility !== undefined) q = q.where('mm.facility_id', '=', query.facility);
    if (query.area !== undefined) {
      const area = query.area;
      q = q.where((eb) => eb.or([eb('mm.area_id', '=', area), eb('mm.group_id', '=', area)]));
    }
    if (query.district !== undefined) q = q.where('mm.district_id', '=', query.district);
    if (query.carrier) q = q.where('mm.carrier', '=', query.carrier);
    if (query.source) q = q.where('mm.source', '=', query.source);
    if (query.from) q = q.where('mm.month', '>=', monthNumber(query.from));
    if (query.to) q = q.where('mm.month', '<=', monthNumber(query.to));
    if (after !== undefined) {
      const [meter, month] = after.split(':').map(Number);
      if (!Number.isInteger(meter) || !Number.isInteger(month))
        throw badRequest('cursor: not a cursor this list gave out; start again without it.');
      q = q.where((eb) =>
        eb.or([
          eb('mm.meter_id', '>', meter),
          eb.and([eb('mm.meter_id', '=', meter), eb('mm.month', '>', month)]),
        ]),
      );
    }
    return q.execute();
  }

  // --- Carbon factors ----------------------------------------------------------------------------

  async factors(): Promise<{ items: CarbonFactor[] }> {
    return { items: (await store.listFactors(this.db)).map(toFactor) };
  }

  async createFactor(body: CarbonFactorCreate, by: By): Promise<CarbonFactor> {
    const scope = MUNICIPAL_CARRIERS[body.carrier as MunicipalCarrier].scope;
    if (scope === null)
      throw badRequest(
        `carrier: ${body.carrier} emits nothing counted in scope 1 or 2; it takes no carbon factor.`,
      );
    const row = {
      carrier: body.carrier,
      year: body.year,
      scope,
      kg_per_unit: body.kgPerUnit,
      supplier: body.supplier?.trim() ?? '',
      source: body.source,
      updated_at: this.clock(),
      updated_by: by.actor.name,
    };
    return this.db.transaction().execute(async (trx) => {
      let id: number;
      try {
        id = Number(
          (
            await trx
              .insertInto('municipal_carbon_factor')
              .values(row)
              .returning('id')
              .executeTakeFirstOrThrow()
          ).id,
        );
      } catch (error) {
        if (isUniqueViolation(error))
          throw conflict(
            `There is already a factor for ${body.carrier} in ${body.year}${row.supplier ? ` from ${row.supplier}` : ''}; change that one.`,
          );
        throw error;
      }
      const factor = toFactor({ id, ...row });
      await this.audit.record(
        {
          action: 'municipal.factor_created',
          actor: by.actor,
          ip: by.ip,
          target: { type: 'municipal_carbon_factor', id },
          detail: { after: factor },
        },
        trx,
      );
      return factor;
    });
  }

  async updateFactor(id: number, patch: CarbonFactorPatch, by: By): Promise<CarbonFactor> {
    return this.db.transaction().execute(async (trx) => {
      const before = await store.findFactor(trx, id);
      if (!before) throw notFound(`There is no carbon factor ${id}.`);
      const after = {
        ...before,
        kg_per_unit: patch.kgPerUnit ?? before.kg_per_unit,
        source: patch.source ?? before.source,
        updated_at: this.clock(),
        updated_by: by.actor.name,
      };
      await trx
        .updateTable('municipal_carbon_factor')
        .set({
          kg_per_unit: after.kg_per_unit,
          source: after.source,
          updated_at: after.updated_at,
          updated_by: after.updated_by,
        })
        .where('id', '=', id)
        .execute();
      await this.audit.record(
        {
          action: 'municipal.factor_changed',
          actor: by.actor,
          ip: by.ip,
          target: { type: 'municipal_carbon_factor', id },
          detail: { before: toFactor(before), after: toFactor(after) },
        },
        trx,
      );
      return toFactor(after);
    });
  }
}

function toMonthRow(r: MonthRowDb): MonthRow {
  return {
    meterId: Number(r.meter_id),
    meterCode: r.code,
    facilityId: Number(r.facility_id),
    month: monthText(r.month),
    carrier: r.carrier,
    unit: r.unit,
    quantity: r.quantity,
    costEur: r.cost_eur,
    eurPerUnit: r.cost_eur !== null && r.quantity > 0 ? r.cost_eur / r.quantity : null,
    maxKw: r.max_kw,
    source: r.source,
  };
}

type MonthRowDb = store.MonthRowDb & { code: string; unit: string };
