import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Charger, Vehicle } from '#common/api/mobility.ts';
import type { PageOf } from '#common/api/pagination.ts';
import { READ_MOBILITY } from '../../access/readers.ts';
import { type Visibility, visibilityOf } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import { isAllowed, type Principal } from '../../plugins/access.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { type ActiveContext, CIOP_TERMS, ciopTerm, compactTerm, expandTerm } from './context.ts';
import {
  type Attribute,
  buildingEntity,
  chargerEntity,
  deviceEntity,
  dwellingEntity,
  type Entity,
  ENTITY_TYPES,
  type EntityType,
  indoorEntity,
  type Latest,
  measurementEntity,
  parseEntityId,
  TYPE_ATTRIBUTES,
  valuesOf,
  vehicleEntity,
  weatherEntity,
} from './entities.ts';
import { ngsiLdError } from './ngsild-errors.ts';
import {
  type GeoQuery,
  matchesGeo,
  matchesQ,
  parseGeoQuery,
  parseQ,
  type QExpr,
  renameAttributes,
} from './query.ts';
import * as store from './ngsild.store.ts';
import { RawJson } from './ngsild.http.ts';
import { DAY_MS, HOUR_MS } from '#common/time.ts';
import { aggregate, pointsOf, type TemporalQuery } from './temporal.ts';

/** The buses and chargers, as the mobility module hands them out. */
export interface FleetSource {
  vehicles(query: { cursor?: string; limit?: number }): Promise<PageOf<Vehicle>>;
  chargers(query: { cursor?: string; limit?: number }): Promise<PageOf<Charger>>;
}

/** Entities an answer holds at most (`limit`), and by default. */
export const MAX_LIMIT = 1000;
export const DEFAULT_LIMIT = 20;

/** The parameters of a query of entities, as the client wrote them (§6.4.3.2). */
export interface EntityQueryParams {
  id?: string;
  type?: string;
  idPattern?: string;
  attrs?: string;
  q?: string;
  georel?: string;
  geometry?: string;
  coordinates?: string;
  geoproperty?: string;
  limit?: string;
  offset?: string;
  count?: string;
  options?: string;
  format?: string;
}

/** A query read and checked, in CIOP's terms. */
export interface EntitySelection {
  types?: Set<EntityType>;
  ids?: Set<string>;
  idPattern?: RegExp;
  attrs?: Set<string>;
  q?: QExpr;
  geo?: GeoQuery;
}

export interface RenderOptions {
  attrs?: Set<string>;
  keyValues: boolean;
  sysAttrs?: boolean;
}

const list = (text: string | undefined) =>
  text
    ?.split(/[,|]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Reads an integer parameter; BadRequestData naming it otherwise. */
export function integerParam(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw ngsiLdError('BadRequestData', `${name}: "${text}" is not an integer of at least ${min}.`);
  return n;
}

export function renderOptions(
  params: { options?: string; format?: string },
  attrs?: Set<string>,
): RenderOptions {
  const options = new Set(list(params.options) ?? []);
  const keyValues =
    options.has('keyValues') ||
    options.has('simplified') ||
    params.format === 'keyValues' ||
    params.format === 'simplified';
  return { attrs, keyValues, sysAttrs: options.has('sysAttrs') };
}

const iso = (t: number) => new Date(t).toISOString();
const jsonNumber = (v: number) => (Number.isFinite(v) ? String(v) : 'null');

const dayPrefixes = new Map<number, string>();
/** ISO 8601 of a time; whole hours (aggregation periods) without fraction, from a cache of day prefixes. */
function hourIso(t: number): string {
  if (t % HOUR_MS !== 0) return iso(t);
  const day = Math.floor(t / DAY_MS) * DAY_MS;
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    if (dayPrefixes.size > 10_000) dayPrefixes.clear();
    dayPrefixes.set(day, (prefix = iso(day).slice(0, 11)));
  }
  return `${prefix}${String((t - day) / HOUR_MS).padStart(2, '0')}:00:00Z`;
}

/** An entity as NGSI-LD writes it (normalized, or keyValues), its names compacted for the client. */
export function renderEntity(
  entity: Entity,
  context: ActiveContext,
  options: RenderOptions,
): Record<string, unknown> {
  const out: Record<string, unknown> = { id: entity.id, type: compactTerm(entity.type, context) };
  for (const [name, instances] of Object.entries(entity.attrs)) {
    if (options.attrs && !options.attrs.has(name)) continue;
    const key = name === 'location' ? name : compactTerm(name, context);
    const one = (a: Attribute) => {
      if (options.keyValues) return a.type === 'Relationship' ? a.object : a.value;
      return {
        type: a.type,
        ...(a.type === 'Relationship' ? { object: a.object } : { value: a.value }),
        ...(a.observedAt !== undefined ? { observedAt: iso(a.observedAt) } : {}),
        ...(a.unitCode ? { unitCode: a.unitCode } : {}),
        ...(a.datasetId ? { datasetId: a.datasetId } : {}),
      };
    };
    out[key] = instances.length === 1 ? one(instances[0]) : instances.map(one);
  }
  if (options.sysAttrs && entity.modifiedAt !== undefined && !options.keyValues)
    out.modifiedAt = iso(entity.modifiedAt);
  return out;
}

/**
 * The NGSI-LD context information API over CIOP's registry, readings and fleet: entities of FIWARE
 * Smart Data Models, each read narrowed by the caller's visibility (a resident: their dwelling, its
 * devices and measurements, and their building's record; weather stations are city-wide; buses and
 * chargers for whom reads the fleet).
 */
export class NgsiLdService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
    private readonly fleet: FleetSource,
    /** The city's time zone, where aggregation days are cut. */
    private readonly zone: string,
  ) {}

  /**
   * An entity's measured attributes over time, as the temporal query asks (§4.5.9, §4.5.18,
   * §4.5.19): each reading an instance, or `values` pairs, or aggregated periods read from the
   * hourly rollups. `attrs` keeps those attributes.
   */
  async temporal(
    entity: Entity,
    query: TemporalQuery,
    context: ActiveContext,
    attrs?: Set<string>,
  ): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = { id: entity.id, type: compactTerm(entity.type, context) };
    for (const [name, sources] of Object.entries(entity.series)) {
      if (attrs && !attrs.has(name)) continue;
      const rendered: Record<string, unknown>[] = [];
      for (const source of sources) {
        const tags = {
          ...(source.unitCode ? { unitCode: source.unitCode } : {}),
          ...(source.datasetId ? { datasetId: source.datasetId } : {}),
        };
        if (query.format === 'aggregatedValues') {
          const hours = await this.engine.readHours(source.seriesId, query.from, query.to);
          const periods = aggregate(hours, query.period, query, this.zone, source.scale, source.cumulative);
          const attribute: Record<string, unknown> = { type: 'Property', ...tags };
          // A year of hours is 8760 periods a method: their JSON is written here, each period's
          // times once for all methods.
          const starts = periods.map((p) => hourIso(p.start));
          const tails = periods.map(
            (p, i) =>
              `,"${starts[i]}","${i + 1 < periods.length && periods[i + 1].start === p.end ? starts[i + 1] : hourIso(p.end)}"]`,
          );
          for (const m of query.methods) {
            let text = '[';
            for (let i = 0; i < periods.length; i++)
              text += `${i > 0 ? ',' : ''}[${jsonNumber(periods[i].values[m])}${tails[i]}`;
            attribute[m] = new RawJson(`${text}]`);
          }
          rendered.push(attribute);
          continue;
        }
        const points = pointsOf(
          await this.engine.readPoints(source.seriesId, query.from, query.to),
          source.scale,
          query.lastN,
        );
        if (query.format === 'temporalValues')
          rendered.push({ type: 'Property', ...tags, values: points.map(([v, t]) => [v, iso(t)]) });
        else
          for (const [v, t] of points)
            rendered.push({ type: 'Property', value: v, observedAt: iso(t), ...tags });
      }
      const key = compactTerm(name, context);
      if (query.format === 'normalized') out[key] = rendered;
      else out[key] = rendered.length === 1 ? rendered[0] : rendered;
    }
    return out;
  }

  /** Reads and checks a query's parameters into CIOP's terms. */
  selection(params: EntityQueryParams, context: ActiveContext): EntitySelection {
    const selection: EntitySelection = {};
    const typeNames = list(params.type);
    if (typeNames) {
      selection.types = new Set();
      for (const t of typeNames) {
        const term = ciopTerm(t, context);
        if (term && (ENTITY_TYPES as readonly string[]).includes(term))
          selection.types.add(term as EntityType);
      }
    }
    const ids = list(params.id);
    if (ids) selection.ids = new Set(ids);
    if (params.idPattern !== undefined) {
      try {
        selection.idPattern = new RegExp(params.idPattern);
      } catch {
        throw ngsiLdError('BadRequestData', `idPattern: "${params.idPattern}" is not a regular expression.`);
      }
    }
    const attrs = list(params.attrs);
    if (attrs) selection.attrs = new Set(attrs.map((a) => ciopTerm(a, context) ?? `?${a}`));
    if (params.q !== undefined)
      selection.q = renameAttributes(parseQ(params.q), (a) =>
        a === 'id' || a === 'type' ? a : (ciopTerm(a, context) ?? `?${a}`),
      );
    if (params.geoproperty !== undefined && params.geoproperty !== 'location')
      throw ngsiLdError('BadRequestData', 'geoproperty: CIOP’s entities have one, location.');
    selection.geo = parseGeoQuery(params.georel, params.geometry, params.coordinates);
    if (!typeNames && !ids && !selection.idPattern && !attrs && !selection.q && !selection.geo)
      throw ngsiLdError(
        'BadRequestData',
        'Name what to query: at least one of type, id, idPattern, attrs, q or a geo-query (georel, geometry, coordinates).',
      );
    return selection;
  }

  /** The entities a caller sees that meet a selection, in a stable order (type, then CIOP id). */
  async select(principal: Principal, selection: EntitySelection): Promise<Entity[]> {
    const byType = new Map<EntityType, number[] | undefined>();
    const types = selection.types ?? new Set(ENTITY_TYPES);
    if (selection.ids) {
      for (const id of selection.ids) {
        const parsed = parseEntityId(id);
        if (!parsed || !types.has(parsed.type)) continue;
        byType.set(parsed.type, [...(byType.get(parsed.type) ?? []), parsed.n]);
      }
    } else for (const t of types) byType.set(t, undefined);
    const found: Entity[] = [];
    for (const type of ENTITY_TYPES) {
      if (!byType.has(type)) continue;
      for (const e of await this.load(principal, type, byType.get(type)))
        if (this.matches(e, selection)) found.push(e);
    }
    return found;
  }

  private matches(e: Entity, s: EntitySelection): boolean {
    if (s.idPattern && !s.idPattern.test(e.id)) return false;
    if (s.attrs && ![...s.attrs].some((a) => a in e.attrs)) return false;
    if (s.q && !matchesQ(s.q, (a) => valuesOf(e, a))) return false;
    if (s.geo && !(e.location && matchesGeo(s.geo, e.location))) return false;
    return true;
  }

  /** One entity by id; ResourceNotFound when there is none or the caller does not see it. */
  async entity(principal: Principal, id: string): Promise<Entity> {
    if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(id)) throw ngsiLdError('BadRequestData', `${id} is not a URI.`);
    const parsed = parseEntityId(id);
    const [entity] = parsed ? await this.load(principal, parsed.type, [parsed.n]) : [];
    if (!entity) throw ngsiLdError('ResourceNotFound', `There is no entity ${id} that you may see.`);
    return entity;
  }

  /** Whether a caller reads the buses and chargers. */
  private seesFleet(principal: Principal): boolean {
    return principal.kind === 'system' || isAllowed(READ_MOBILITY, principal);
  }

  private async latestOf(sensors: store.SensorRow[]): Promise<Latest> {
    return sensors.length > 0 ? this.engine.latest(sensors.map((s) => s.series_id)) : new Map();
  }

  /** The entities of one type a caller sees, all or those of the CIOP ids `ns`. */
  async load(principal: Principal, type: EntityType, ns?: number[]): Promise<Entity[]> {
    const visibility: Visibility = visibilityOf(principal);
    const db = this.db;
    switch (type) {
      case 'Building':
        return (await store.listBuildings(db, visibility, ns)).map(buildingEntity);
      case 'Dwelling':
        return (await store.listDwellings(db, visibility, ns)).map(dwellingEntity);
      case 'Device': {
        const gateways = await store.listGateways(db, visibility, ns);
        const sensors = await store.listSensors(db, visibility, { gatewayIds: gateways.map((g) => g.id) });
        const latest = await this.latestOf(sensors);
        return gateways.map((g) =>
          deviceEntity(
            g,
            sensors.filter((s) => s.gateway_id === g.id),
            latest,
          ),
        );
      }
      case 'DeviceMeasurement': {
        const sensors = await store.listSensors(db, visibility, ns ? { sensorIds: ns } : undefined);
        const latest = await this.latestOf(sensors);
        return sensors.map((s) => measurementEntity(s, latest));
      }
      case 'IndoorEnvironmentObserved': {
        const dwellings = await store.listDwellings(db, visibility, ns);
        const sensors = await store.listSensors(db, visibility, { dwellingIds: dwellings.map((d) => d.id) });
        const latest = await this.latestOf(sensors);
        const of = new Map<number, store.SensorRow[]>();
        for (const s of sensors)
          if (s.dwelling_id !== null) of.set(s.dwelling_id, [...(of.get(s.dwelling_id) ?? []), s]);
        return dwellings.map((d) => indoorEntity(d, of.get(d.id) ?? [], latest));
      }
      case 'WeatherObserved': {
        const stations = await store.listWeatherStations(db, ns);
        const gateways = stations.flatMap((w) => (w.gateway_id !== null ? [w.gateway_id] : []));
        const sensors = await store.listSensors(db, 'weather', { gatewayIds: gateways });
        const latest = await this.latestOf(sensors);
        return stations.map((w) =>
          weatherEntity(
            w,
            sensors.filter((s) => s.gateway_id === w.gateway_id),
            latest,
          ),
        );
      }
      case 'Vehicle':
      case 'EVChargingStation': {
        if (!this.seesFleet(principal)) return [];
        const wanted = ns ? new Set(ns) : undefined;
        const out: Entity[] = [];
        let cursor: string | undefined;
        do {
          const page =
            type === 'Vehicle'
              ? await this.fleet.vehicles({ cursor, limit: 500 })
              : await this.fleet.chargers({ cursor, limit: 500 });
          for (const item of page.items as (Vehicle | Charger)[])
            if (!wanted || wanted.has(item.id))
              out.push(type === 'Vehicle' ? vehicleEntity(item as Vehicle) : chargerEntity(item as Charger));
          cursor = page.next;
        } while (cursor);
        return out.sort((a, b) => Number(a.id.split(':').pop()) - Number(b.id.split(':').pop()));
      }
    }
  }

  /** The entity types a caller sees at least one entity of. */
  async typesSeen(principal: Principal): Promise<Map<EntityType, Entity[]>> {
    const seen = new Map<EntityType, Entity[]>();
    for (const type of ENTITY_TYPES) {
      const entities = await this.load(principal, type);
      if (entities.length > 0) seen.set(type, entities);
    }
    return seen;
  }

  /** GET /types: the list, or with `details` each type and its attributes (§5.7.5, §5.7.6). */
  async types(principal: Principal, context: ActiveContext, details: boolean): Promise<unknown> {
    const seen = await this.typesSeen(principal);
    const names = [...seen.keys()];
    if (!details)
      return {
        id: `urn:ngsi-ld:EntityTypeList:${randomUUID()}`,
        type: 'EntityTypeList',
        typeList: names.map((t) => compactTerm(t, context)),
      };
    return names.map((t) => ({
      id: CIOP_TERMS[t],
      type: 'EntityType',
      typeName: compactTerm(t, context),
      attributeNames: attributesIn(seen.get(t)!).map((a) => compactAttr(a, context)),
    }));
  }

  /** GET /types/{type}: one type, how many entities of it the caller sees, its attributes (§5.7.7). */
  async typeInfo(principal: Principal, context: ActiveContext, name: string): Promise<unknown> {
    const term = ciopTerm(name, context);
    const type = (ENTITY_TYPES as readonly string[]).includes(term ?? '') ? (term as EntityType) : undefined;
    const entities = type ? await this.load(principal, type) : [];
    if (!type || entities.length === 0)
      throw ngsiLdError('ResourceNotFound', `There is no entity of type ${name} that you may see.`);
    return {
      id: CIOP_TERMS[type],
      type: 'EntityTypeInfo',
      typeName: compactTerm(type, context),
      entityCount: entities.length,
      attributeDetails: attributesIn(entities).map((a) => ({
        id: attributeIri(a),
        type: 'Attribute',
        attributeName: compactAttr(a, context),
        attributeTypes: kindsOf(entities, a),
      })),
    };
  }

  /** GET /attributes: the list, or with `details` each attribute and its types (§5.7.8, §5.7.9). */
  async attributes(principal: Principal, context: ActiveContext, details: boolean): Promise<unknown> {
    const seen = await this.typesSeen(principal);
    const all = attributesIn([...seen.values()].flat());
    if (!details)
      return {
        id: `urn:ngsi-ld:AttributeList:${randomUUID()}`,
        type: 'AttributeList',
        attributeList: all.map((a) => compactAttr(a, context)),
      };
    return all.map((a) => ({
      id: attributeIri(a),
      type: 'Attribute',
      attributeName: compactAttr(a, context),
      typeNames: [...seen.keys()]
        .filter((t) => TYPE_ATTRIBUTES[t].includes(a))
        .map((t) => compactTerm(t, context)),
    }));
  }

  /** GET /attributes/{attrId} (§5.7.10). */
  async attributeInfo(principal: Principal, context: ActiveContext, name: string): Promise<unknown> {
    const attr = ciopTerm(name, context);
    const seen = await this.typesSeen(principal);
    const holding = [...seen.values()].flat().filter((e) => attr !== undefined && attr in e.attrs);
    if (!attr || holding.length === 0)
      throw ngsiLdError('ResourceNotFound', `No entity you may see has the attribute ${name}.`);
    return {
      id: attributeIri(attr),
      type: 'Attribute',
      attributeName: compactAttr(attr, context),
      attributeCount: holding.length,
      attributeTypes: kindsOf(holding, attr),
      typeNames: [...new Set(holding.map((e) => e.type))].map((t) => compactTerm(t, context)),
    };
  }
}

function attributesIn(entities: Entity[]): string[] {
  const names = new Set<string>();
  for (const e of entities) for (const a of Object.keys(e.attrs)) names.add(a);
  return [...names].sort();
}

const attributeIri = (a: string) =>
  a === 'location' ? expandTerm('location', { given: null, terms: new Map() }) : CIOP_TERMS[a];
const compactAttr = (a: string, context: ActiveContext) => (a === 'location' ? a : compactTerm(a, context));

function kindsOf(entities: Entity[], attr: string): string[] {
  return [...new Set(entities.flatMap((e) => (e.attrs[attr] ?? []).map((i) => i.type)))];
}
