import type { Kysely } from 'kysely';
import type { NodeRef, Summary, SummaryQuery } from '#common/api/municipal.ts';
import { MUNICIPAL_CARRIERS, type MunicipalCarrier } from '#common/municipal/carriers.ts';
import type { Database } from '../../db/schema.ts';
import { badRequest, notFound } from '../../plugins/errors.ts';
import { addMonths, monthNumber, monthText } from './municipal-months.ts';
import * as store from './municipal.store.ts';

type Column = 'district_id' | 'area_id' | 'group_id' | 'facility_id' | 'meter_id';

/** Where a node's months are, and what its children are. */
interface Node {
  ref: NodeRef;
  trail: NodeRef[];
  where: { column: Column; id: number }[];
  child: { column: Column; level: string } | null;
  meter?: store.MeterRow;
  /** The node's totals in `municipal_total`, kept at import, when it has them. */
  total?: { level: 'city' | 'district' | 'area'; id: number; within: number };
}

const carrierInfo = (carrier: string) =>
  MUNICIPAL_CARRIERS[carrier as MunicipalCarrier] ?? { unit: '', scope: null };

/** Carriers whose quantity counts as energy used, kWh (the city's own solar production does not). */
const countsAsEnergy = (carrier: string) => carrierInfo(carrier).unit === 'kWh' && carrier !== 'solar_pv';

/**
 * The carbon factors by carrier, year and supplier ('' the location-based one). CO2 of a
 * carrier-year without a factor is null and named in `missingFactors`: never guessed from
 * another year.
 */
export class Factors {
  private readonly byKey = new Map<string, number>();
  constructor(rows: store.FactorRowDb[]) {
    for (const r of rows) this.byKey.set(`${r.carrier}|${r.year}|${r.supplier}`, r.kg_per_unit);
  }
  /** kg CO2 per unit; 0 for what counts in no scope; undefined when no factor is stored. */
  of(carrier: string, year: number, supplier: string, basis: 'location' | 'market'): number | undefined {
    if (carrierInfo(carrier).scope === null) return 0;
    if (basis === 'market' && supplier !== '') {
      const own = this.byKey.get(`${carrier}|${year}|${supplier}`);
      if (own !== undefined) return own;
    }
    return this.byKey.get(`${carrier}|${year}|`);
  }
}

export const CITY: NodeRef = { level: 'city', id: null, name: 'city' };

async function nodeOf(db: Kysely<Database>, q: SummaryQuery): Promise<Node> {
  const need = () => {
    if (q.id === undefined) throw badRequest(`id: level ${q.level} needs the id of the ${q.level}.`);
    return q.id;
  };
  const city = { ...CITY };
  const districtRef = async (id: number): Promise<NodeRef> => {
    const d = await db
      .selectFrom('district')
      .select(['id', 'name', 'city'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!d) throw notFound(`There is no district ${id}.`);
    city.name = d.city;
    return { level: 'district', id, name: d.name };
  };
  const areaRef = async (id: number) => {
    const a = await store.findArea(db, id);
    if (!a) throw notFound(`There is no area ${id}.`);
    return a;
  };
  const within = q.district !== undefined ? [{ column: 'district_id' as Column, id: q.district }] : [];
  const withinTrail = async () => (q.district !== undefined ? [await districtRef(q.district)] : []);
  switch (q.level) {
    case 'city':
      return {
        ref: city,
        trail: [],
        where: [],
        child: { column: 'district_id', level: 'district' },
        total: { level: 'city', id: 0, within: 0 },
      };
    case 'district': {
      const ref = await districtRef(need());
      return {
        ref,
        trail: [city],
        where: [{ column: 'district_id', id: ref.id as number }],
        child: { column: 'area_id', level: 'area' },
        total: { level: 'district', id: ref.id as number, within: 0 },
      };
    }
    case 'area': {
      const a = await areaRef(need());
      const trail = [city, ...(await withinTrail())];
      const ref = { level: 'area', id: Number(a.id), name: a.name };
      if (a.parent_id === null) {
        const groups = await db
          .selectFrom('municipal_area')
          .select('id')
          .where('parent_id', '=', Number(a.id))
          .limit(1)
          .execute();
        return {
          ref,
          trail,
          where: [...within, { column: 'area_id', id: Number(a.id) }],
          child:
            groups.length > 0
              ? { column: 'group_id', level: 'area' }
              : { column: 'facility_id', level: 'facility' },
          ...(groups.length > 0
            ? { total: { level: 'area' as const, id: Number(a.id), within: q.district ?? 0 } }
            : {}),
        };
      }
      const parent = await areaRef(Number(a.parent_id));
      return {
        ref,
        trail: [...trail, { level: 'area', id: Number(parent.id), name: parent.name }],
        where: [...within, { column: 'group_id', id: Number(a.id) }],
        child: { column: 'facility_id', level: 'facility' },
      };
    }
    case 'facility': {
      const f = await store.findFacility(db, need());
      if (!f) throw notFound(`There is no facility ${q.id}.`);
      const trail = [city];
      if (f.district_id !== null) trail.push(await districtRef(Number(f.district_id)));
      const group = await areaRef(Number(f.area_id));
      if (group.parent_id !== null) {
        const parent = await areaRef(Number(group.parent_id));
        trail.push({ level: 'area', id: Number(parent.id), name: parent.name });
      }
      trail.push({ level: 'area', id: Number(group.id), name: group.name });
      return {
        ref: { level: 'facility', id: Number(f.id), name: f.name },
        trail,
        where: [{ column: 'facility_id', id: Number(f.id) }],
        child: { column: 'meter_id', level: 'meter' },
      };
    }
    case 'meter': {
      const m = await store.findMeter(db, need());
      if (!m) throw notFound(`There is no meter ${q.id}.`);
      const facility = await nodeOf(db, { ...q, level: 'facility', id: Number(m.facility_id) });
      return {
        ref: { level: 'meter', id: Number(m.id), name: m.code },
        trail: [...facility.trail, facility.ref],
        where: [{ column: 'meter_id', id: Number(m.id) }],
        child: null,
        meter: m,
      };
    }
  }
}

interface Agg {
  child: number | null;
  carrier: string;
  supplier: string;
  period: number;
  source: string;
  quantity: number;
  cost: number;
  months: number;
  maxKw: number | null;
}

/**
 * The node's months from `from` to `to` (YYYYMM), summed per child, carrier, supplier, month and
 * source: the GROUP BY follows one of the covering indexes of `municipal_month`, so it streams.
 */
async function aggregate(db: Kysely<Database>, node: Node, from: number, to: number): Promise<Agg[]> {
  if (node.total) {
    const rows = await db
      .selectFrom('municipal_total')
      .select(['child_id', 'carrier', 'supplier', 'month', 'source', 'quantity', 'cost_eur', 'months'])
      .where('level', '=', node.total.level)
      .where('within', '=', node.total.within)
      .where('node_id', '=', node.total.id)
      .where('month', '>=', from)
      .where('month', '<=', to)
      .execute();
    return rows.map((r) => ({
      child: Number(r.child_id) === 0 ? null : Number(r.child_id),
      carrier: r.carrier,
      supplier: r.supplier,
      period: Number(r.month),
      source: r.source,
      quantity: Number(r.quantity),
      cost: Number(r.cost_eur),
      months: Number(r.months),
      maxKw: null,
    }));
  }
  const child = node.child?.column;
  let q = db
    .selectFrom('municipal_month')
    .select((eb) => [
      (child ? eb.ref(child) : eb.lit(null)).as('child'),
      'carrier',
      'supplier',
      'month',
      'source',
      eb.fn.sum<number>('quantity').as('quantity'),
      eb.fn.sum<number>('cost_eur').as('cost'),
      eb.fn.countAll<number>().as('months'),
      eb.fn.max('max_kw').as('maxKw'),
    ])
    .where('month', '>=', from)
    .where('month', '<=', to)
    .groupBy([...(child ? [child] : []), 'carrier', 'supplier', 'month', 'source']);
  for (const w of node.where) q = q.where(w.column, '=', w.id);
  return (await q.execute()).map((r) => ({
    child: r.child === null ? null : Number(r.child),
    carrier: r.carrier,
    supplier: r.supplier,
    period: Number(r.month),
    source: r.source,
    quantity: Number(r.quantity),
    cost: Number(r.cost ?? 0),
    months: Number(r.months),
    maxKw: r.maxKw === null ? null : Number(r.maxKw),
  }));
}

async function childRefs(
  db: Kysely<Database>,
  level: string,
  column: Column,
  ids: number[],
): Promise<Map<number, { name: string; latitude: number | null; longitude: number | null }>> {
  const out = new Map<number, { name: string; latitude: number | null; longitude: number | null }>();
  if (ids.length === 0) return out;
  if (column === 'district_id')
    for (const d of await db
      .selectFrom('district')
      .select(['id', 'name', 'latitude', 'longitude'])
      .where('id', 'in', ids)
      .execute())
      out.set(Number(d.id), { name: d.name, latitude: d.latitude, longitude: d.longitude });
  else if (column === 'area_id' || column === 'group_id')
    for (const a of await db
      .selectFrom('municipal_area')
      .select(['id', 'name'])
      .where('id', 'in', ids)
      .execute())
      out.set(Number(a.id), { name: a.name, latitude: null, longitude: null });
  else if (column === 'facility_id')
    for (const f of await db
      .selectFrom('municipal_facility')
      .select(['id', 'name', 'latitude', 'longitude'])
      .where('id', 'in', ids)
      .execute())
      out.set(Number(f.id), { name: f.name, latitude: f.latitude, longitude: f.longitude });
  else
    for (const m of await db
      .selectFrom('municipal_meter')
      .select(['id', 'code'])
      .where('id', 'in', ids)
      .execute())
      out.set(Number(m.id), { name: m.code, latitude: null, longitude: null });
  void level;
  return out;
}

/** The latest month with data, YYYYMM; the current one when there is none. */
async function latestMonth(db: Kysely<Database>, now: number): Promise<number> {
  const r = await db
    .selectFrom('municipal_month')
    .select((eb) => eb.fn.max('month').as('m'))
    .executeTakeFirst();
  if (r?.m) return Number(r.m);
  const d = new Date(now);
  return d.getUTCFullYear() * 100 + d.getUTCMonth() + 1;
}

/**
 * Consumption, cost and CO2 of one node (the city, a district, an area or sub-group — within a
 * district when one is given —, a facility or a meter) per carrier and per month or year, with
 * its children's totals and their change against the same months a year before.
 */
export async function summarise(db: Kysely<Database>, q: SummaryQuery, now: number): Promise<Summary> {
  const node = await nodeOf(db, q);
  const to = q.to ? monthNumber(q.to) : await latestMonth(db, now);
  const from = q.from ? monthNumber(q.from) : addMonths(to, -23);
  if (from > to) throw badRequest(`from: ${q.from} comes after to (${monthText(to)}).`);
  const byYear = q.by === 'year';
  const basis = q.basis ?? 'location';
  const factors = new Factors(await store.listFactors(db));
  // One read for the period and the same months a year before.
  const all = await aggregate(db, node, addMonths(from, -12), to);
  // The change of a child: its last twelve months of the period (or the whole period, when
  // shorter) against the same months a year before, when it has data in every one of them.
  const recentFrom = Math.max(from, addMonths(to, -11));
  let span = 0;
  for (let m = recentFrom; m <= to; m = addMonths(m, 1)) span++;
  const recent = new Map<number | null, number>();
  const before = new Map<number | null, { energy: number; months: Set<number> }>();
  for (const r of all) {
    if (!countsAsEnergy(r.carrier)) continue;
    if (r.period >= recentFrom) recent.set(r.child, (recent.get(r.child) ?? 0) + r.quantity);
    if (r.period >= addMonths(recentFrom, -12) && r.period <= addMonths(to, -12)) {
      const b = before.get(r.child) ?? { energy: 0, months: new Set<number>() };
      b.energy += r.quantity;
      b.months.add(r.period);
      before.set(r.child, b);
    }
  }
  const rows = all
    .filter((r) => r.period >= from)
    .map((r) => (byYear ? { ...r, period: Math.floor(r.period / 100) } : r));

  const missing = new Map<string, { carrier: string; year: number; note: string }>();
  const co2Of = (r: Agg) => {
    const year = byYear ? r.period : Math.floor(r.period / 100);
    const f = factors.of(r.carrier, year, r.supplier, basis);
    if (f === undefined) {
      missing.set(`${r.carrier}|${year}`, { carrier: r.carrier, year, note: `no factor for ${year}` });
      return null;
    }
    return r.quantity * f;
  };
  const add = (a: number | null, b: number | null) => (a === null || b === null ? null : a + b);

  const carriers = new Map<string, { quantity: number; cost: number; co2: number | null }>();
  const series = new Map<
    string,
    { period: string; carrier: string; quantity: number; cost: number; co2: number | null }
  >();
  const children = new Map<
    number | null,
    { energy: number; cost: number; energyCost: number; co2: number | null; carriers: Map<string, number> }
  >();
  const sources = new Map<string, number>();
  let maxKw: number | null = null;
  for (const r of rows) {
    const co2 = co2Of(r);
    const c = carriers.get(r.carrier) ?? { quantity: 0, cost: 0, co2: 0 };
    c.quantity += r.quantity;
    c.cost += r.cost;
    c.co2 = add(c.co2, co2);
    carriers.set(r.carrier, c);
    const period = byYear ? String(r.period) : monthText(r.period);
    const key = `${period}|${r.carrier}`;
    const s = series.get(key) ?? { period, carrier: r.carrier, quantity: 0, cost: 0, co2: 0 };
    s.quantity += r.quantity;
    s.cost += r.cost;
    s.co2 = add(s.co2, co2);
    series.set(key, s);
    const ch = children.get(r.child) ?? { energy: 0, cost: 0, energyCost: 0, co2: 0, carriers: new Map() };
    if (countsAsEnergy(r.carrier)) {
      ch.energy += r.quantity;
      ch.energyCost += r.cost;
    }
    ch.cost += r.cost;
    ch.co2 = add(ch.co2, co2);
    ch.carriers.set(r.carrier, (ch.carriers.get(r.carrier) ?? 0) + r.quantity);
    children.set(r.child, ch);
    sources.set(r.source, (sources.get(r.source) ?? 0) + r.months);
    if (r.maxKw !== null) maxKw = Math.max(maxKw ?? 0, r.maxKw);
  }

  const carrierList = [...carriers].map(([carrier, c]) => ({
    carrier,
    unit: carrierInfo(carrier).unit,
    quantity: c.quantity,
    costEur: c.cost,
    co2Kg: c.co2,
    scope: carrierInfo(carrier).scope,
  }));
  const scopeSum = (scope: 1 | 2) =>
    carrierList.filter((c) => c.scope === scope).reduce<number | null>((a, c) => add(a, c.co2Kg), 0);
  const refs = node.child
    ? await childRefs(
        db,
        node.child.level,
        node.child.column,
        [...children.keys()].filter((k): k is number => k !== null),
      )
    : new Map();

  return {
    node: node.ref,
    trail: node.trail,
    district: q.district ?? null,
    from: monthText(from),
    to: monthText(to),
    by: byYear ? 'year' : 'month',
    carriers: carrierList,
    totals: {
      costEur: carrierList.reduce((a, c) => a + c.costEur, 0),
      energyKWh: carrierList.filter((c) => countsAsEnergy(c.carrier)).reduce((a, c) => a + c.quantity, 0),
      co2Kg: carrierList.reduce<number | null>((a, c) => add(a, c.co2Kg), 0),
      co2Scope1Kg: scopeSum(1),
      co2Scope2Kg: scopeSum(2),
    },
    missingFactors: [...missing.values()].sort(
      (a, b) => a.year - b.year || a.carrier.localeCompare(b.carrier),
    ),
    series: [...series.values()]
      .sort((a, b) => a.period.localeCompare(b.period) || a.carrier.localeCompare(b.carrier))
      .map((s) => ({
        period: s.period,
        carrier: s.carrier,
        unit: carrierInfo(s.carrier).unit,
        quantity: s.quantity,
        costEur: s.cost,
        co2Kg: s.co2,
        scope: carrierInfo(s.carrier).scope,
      })),
    children: node.child
      ? [...children]
          .map(([id, c]) => {
            const ref = id === null ? undefined : refs.get(id);
            const b = before.get(id);
            const prev = b && b.months.size === span ? b.energy : null;
            const last = recent.get(id) ?? 0;
            return {
              level: node.child?.level as string,
              id,
              name: ref?.name ?? '—',
              latitude: ref?.latitude ?? null,
              longitude: ref?.longitude ?? null,
              energyKWh: c.energy,
              costEur: c.cost,
              co2Kg: c.co2,
              eurPerKWh: c.energy > 0 ? c.energyCost / c.energy : null,
              recentEnergyKWh: last,
              previousEnergyKWh: prev,
              change: prev !== null && prev > 0 ? (last - prev) / prev : null,
              carriers: [...c.carriers].map(([carrier, quantity]) => ({ carrier, quantity })),
            };
          })
          .sort((a, b) => b.energyKWh - a.energyKWh || b.costEur - a.costEur)
      : [],
    sources: [...sources].map(([source, months]) => ({ source, months })),
    ...(node.meter
      ? {
          meter: {
            code: node.meter.code,
            kind: node.meter.kind,
            tariff: node.meter.tariff,
            supplier: node.meter.supplier,
            contractedKw: JSON.parse(node.meter.contracted_kw) as Record<string, number>,
            maxKw,
          },
        }
      : {}),
  };
}

/** The carriers a map adds up: energy delivered, kWh. */
const MAP_CARRIERS = ['electricity', 'natural_gas', 'district_heating'];

/** The map of a node: its facilities sized by consumption, and the districts coloured by it. */
export async function mapOf(db: Kysely<Database>, q: SummaryQuery, now: number): Promise<MunicipalMap> {
  const node = await nodeOf(db, q);
  const to = q.to ? monthNumber(q.to) : await latestMonth(db, now);
  const from = q.from ? monthNumber(q.from) : addMonths(to, -11);
  const where = node.where.map((w) =>
    w.column === 'meter_id' && node.meter
      ? { column: 'facility_id' as Column, id: Number(node.meter.facility_id) }
      : w,
  );
  const sums = async (column: 'facility_id' | 'district_id', filters: typeof where) => {
    let s = db
      .selectFrom('municipal_month')
      .select((eb) => [
        eb.ref(column).as('id'),
        eb.fn.sum<number>('quantity').as('energy'),
        eb.fn.sum<number>('cost_eur').as('cost'),
      ])
      .where('month', '>=', from)
      .where('month', '<=', to)
      .where('carrier', 'in', MAP_CARRIERS)
      .groupBy(column);
    for (const w of filters) s = s.where(w.column, '=', w.id);
    return new Map(
      (await s.execute()).map((r) => [Number(r.id), { energy: Number(r.energy), cost: Number(r.cost ?? 0) }]),
    );
  };
  // Per district from the totals when the node has them (the city, an area); a sub-group, a
  // facility or a meter from its months.
  const districtTotals = async (filters: typeof where) => {
    const area = filters.length === 1 && filters[0].column === 'area_id' ? filters[0].id : undefined;
    if (filters.length > 0 && area === undefined) return undefined;
    let s = db
      .selectFrom('municipal_total')
      .select((eb) => [
        eb.ref(area === undefined ? 'child_id' : 'node_id').as('id'),
        eb.fn.sum<number>('quantity').as('energy'),
        eb.fn.sum<number>('cost_eur').as('cost'),
      ])
      .where('level', '=', area === undefined ? 'city' : 'district')
      .where('within', '=', 0)
      .where('month', '>=', from)
      .where('month', '<=', to)
      .where('carrier', 'in', MAP_CARRIERS);
    s =
      area === undefined
        ? s.where('node_id', '=', 0).groupBy('child_id')
        : s.where('child_id', '=', area).groupBy('node_id');
    return new Map(
      (await s.execute()).map((r) => [Number(r.id), { energy: Number(r.energy), cost: Number(r.cost ?? 0) }]),
    );
  };
  const outsideDistrict = where.filter((w) => w.column !== 'district_id');
  const [byFacility, byDistrict] = await Promise.all([
    sums('facility_id', where),
    districtTotals(outsideDistrict).then((t) => t ?? sums('district_id', outsideDistrict)),
  ]);
  let facilities = db
    .selectFrom('municipal_facility')
    .select(['id', 'name', 'code', 'latitude', 'longitude', 'area_id', 'district_id'])
    .where('latitude', 'is not', null);
  const facilityWhere = where.find((w) => w.column === 'facility_id');
  const districtWhere = where.find((w) => w.column === 'district_id');
  if (facilityWhere) facilities = facilities.where('id', '=', facilityWhere.id);
  else if (districtWhere) facilities = facilities.where('district_id', '=', districtWhere.id);
  const listed = (await facilities.execute()).filter(
    (f) =>
      byFacility.has(Number(f.id)) ||
      facilityWhere !== undefined ||
      !where.some((w) => w.column !== 'district_id'),
  );
  const districts = await db
    .selectFrom('district')
    .select(['id', 'code', 'name', 'boundary'])
    .orderBy('id')
    .execute();
  return {
    from: monthText(from),
    to: monthText(to),
    facilities: listed.map((f) => ({
      id: Number(f.id),
      code: f.code,
      name: f.name,
      latitude: f.latitude as number,
      longitude: f.longitude as number,
      energyKWh: byFacility.get(Number(f.id))?.energy ?? 0,
      costEur: byFacility.get(Number(f.id))?.cost ?? 0,
    })),
    districts: districts.map((d) => ({
      id: Number(d.id),
      code: d.code,
      name: d.name,
      boundary: d.boundary ? (JSON.parse(d.boundary) as unknown) : null,
      energyKWh: byDistrict.get(Number(d.id))?.energy ?? 0,
    })),
  };
}

/**
 * The open data: consumption, cost and CO2 per area, carrier and year, over every facility; no
 * meter, facility or person is named. CO2 uses the location-based factors, and is null for a
 * year without one.
 */
export async function openData(db: Kysely<Database>): Promise<OpenDataRow[]> {
  // The areas' monthly totals, added up by year here: a few thousand rows, not every month of
  // every meter.
  const rows = await db
    .selectFrom('municipal_total as t')
    .innerJoin('municipal_area as a', 'a.id', 't.node_id')
    .select((eb) => [
      't.month',
      'a.code',
      'a.name',
      't.carrier',
      eb.fn.sum<number>('t.quantity').as('quantity'),
      eb.fn.sum<number>('t.cost_eur').as('cost'),
    ])
    .where('t.level', '=', 'area')
    .where('t.within', '=', 0)
    .groupBy(['t.month', 'a.code', 'a.name', 't.carrier'])
    .execute();
  const byYear = new Map<
    string,
    { year: number; code: string; name: string; carrier: string; quantity: number; cost: number }
  >();
  for (const r of rows) {
    const year = Math.floor(Number(r.month) / 100);
    const key = `${year}|${r.code}|${r.carrier}`;
    let y = byYear.get(key);
    if (!y)
      byYear.set(key, (y = { year, code: r.code, name: r.name, carrier: r.carrier, quantity: 0, cost: 0 }));
    y.quantity += Number(r.quantity);
    y.cost += Number(r.cost ?? 0);
  }
  const factors = new Factors(await store.listFactors(db));
  const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...byYear.values()]
    .sort((a, b) => a.year - b.year || text(a.code, b.code) || text(a.carrier, b.carrier))
    .map((r) => {
      const f = factors.of(r.carrier, r.year, '', 'location');
      return {
        year: r.year,
        area: r.code,
        areaName: r.name,
        carrier: r.carrier,
        unit: carrierInfo(r.carrier).unit,
        quantity: r.quantity,
        costEur: r.cost,
        co2Kg: f === undefined ? null : r.quantity * f,
      };
    });
}

export interface OpenDataRow {
  year: number;
  area: string;
  areaName: string;
  carrier: string;
  unit: string;
  quantity: number;
  costEur: number;
  co2Kg: number | null;
}

export interface MunicipalMap {
  from: string;
  to: string;
  facilities: {
    id: number;
    code: string;
    name: string;
    latitude: number;
    longitude: number;
    energyKWh: number;
    costEur: number;
  }[];
  districts: { id: number; code: string; name: string; boundary: unknown; energyKWh: number }[];
}
