import type { Kysely } from 'kysely';
import type {
  AttributeImportReport,
  CityBuilding,
  CityImportReport,
  CitySearch,
  GeoJsonPolygonal,
  Indicator,
  IndicatorList,
  KpiValues,
  MonthlyKpi,
} from '#common/api/city3d.ts';
import { systemPrincipal } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import { badRequest, notFound } from '../../plugins/errors.ts';
import type { Principal } from '../../plugins/access.ts';
import { headerKey, parseDecimal, readSheet } from '../../spreadsheets/spreadsheet.ts';
import type { KpiServices } from '../kpi/kpi-services.ts';
import { boundsOf, centroidOf, contains } from './city3d-geometry.ts';
import { parseBuildings, type ParsedBuilding } from './city3d-import.ts';
import { IMPORTED_INDICATORS, INDICATORS } from './city3d-indicators.ts';
import { CityTiles, quantileBreaks } from './city3d-tiles.ts';
import * as store from './city3d.store.ts';

/** Refusals listed in an import's answer; more are only counted. */
const MAX_REFUSALS = 1000;
/** Rows of an attribute file read at once. */
const MAX_ATTRIBUTE_ROWS = 100_000;

/** Roles that read each building's KPIs; the public and other roles see cadastre data only. */
const KPI_ROLES = new Set(['admin', 'planner', 'municipal', 'kpi']);

/** Whether a caller may read per-building energy and comfort KPIs (checked on the server). */
export function seesBuildingKpis(principal: Principal | undefined): boolean {
  if (!principal) return false;
  if (principal.kind === 'system') return true;
  if (principal.kind === 'user') return principal.roles.some((r) => KPI_ROLES.has(r));
  const restricted = principal.buildingIds.length > 0 || principal.gatewayIds.length > 0;
  return !restricted && principal.scopes.some((s) => s === 'read' || s === 'admin');
}

/**
 * The 3D city: the cadastre's buildings imported from GeoJSON and INSPIRE GML, their imported
 * attributes, their links to the registry's monitored buildings, and the vector tiles drawn
 * from them.
 */
export class City3dService {
  readonly tiles: CityTiles;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly kpi: Pick<KpiServices, 'store'>,
    private readonly options: { mapStyleUrl: string | undefined; clock: () => number },
  ) {
    this.tiles = new CityTiles(
      () => store.allBuildings(db),
      () => store.stamp(db),
    );
  }

  /**
   * Imports buildings from GeoJSON or GML: features that are right are stored (those with a known
   * reference replace it) and linked to the registry building whose point lies in their
   * footprint (a link set by hand stays); wrong ones are refused with their reason.
   */
  async importBuildings(
    bytes: Buffer | string,
    options: { srs?: string; source?: string } = {},
  ): Promise<CityImportReport> {
    const parsed = parseBuildings(bytes, { srs: options.srs });
    const now = this.options.clock();
    const points = await store.registryPoints(this.db);
    const known = await store.knownReferences(
      this.db,
      parsed.buildings.map((b) => b.reference),
    );
    let linked = 0;
    const rows = parsed.buildings.map((b) => {
      const row = this.rowOf(b, options.source ?? parsed.format, now);
      const link = linkOf(b.footprint, row, points);
      if (link !== null) linked++;
      return { ...row, registry_building_id: link, link_source: link === null ? null : ('point' as const) };
    });
    await store.upsertBuildings(this.db, rows);
    if (rows.length > 0) this.tiles.invalidate();
    return {
      format: parsed.format,
      srs: parsed.srs,
      imported: rows.filter((r) => !known.has(r.reference)).length,
      replaced: rows.filter((r) => known.has(r.reference)).length,
      refused: parsed.refusals.length,
      refusals: parsed.refusals.slice(0, MAX_REFUSALS),
      linked,
    };
  }

  /** A building's row for the store, from what the file said. */
  rowOf(b: ParsedBuilding, source: string, now: number): store.NewCityBuilding {
    const [west, south, east, north] = boundsOf(b.footprint);
    const [lon, lat] = centroidOf(b.footprint);
    return {
      reference: b.reference,
      source,
      footprint: JSON.stringify(b.footprint),
      west,
      south,
      east,
      north,
      centroid_lon: lon,
      centroid_lat: lat,
      height_m: b.heightM,
      height_source: b.heightSource,
      floors: b.floors,
      current_use: b.currentUse,
      dwellings: b.dwellings,
      year_built: b.yearBuilt,
      official_area_m2: b.officialAreaM2,
      condition: b.condition,
      address: b.address,
      attributes: '{}',
      created_at: now,
      updated_at: now,
    };
  }

  /**
   * Sets indicators the cadastre does not carry (solar potential, energy rating) from CSV or
   * XLSX: a column `reference` and one column per indicator (its id). Rows of unknown buildings
   * and bad values are refused one by one; an unknown column refuses the file.
   */
  async importAttributes(
    bytes: Buffer,
    options: { dryRun: boolean; sheet?: string },
  ): Promise<AttributeImportReport> {
    const sheet = await readSheet(bytes, { maxRows: MAX_ATTRIBUTE_ROWS, sheet: options.sheet });
    const keys = sheet.headers.map(headerKey);
    const refColumn = keys.findIndex((k) => k === 'reference' || k === 'ref' || k === 'localid');
    if (refColumn < 0)
      throw badRequest('The file has no column "reference" (the cadastral reference of each building).');
    const columns: { index: number; indicator: (typeof IMPORTED_INDICATORS)[number] }[] = [];
    keys.forEach((k, index) => {
      if (index === refColumn || k === '') return;
      const indicator = IMPORTED_INDICATORS.find((i) => headerKey(i.id) === k);
      if (!indicator)
        throw badRequest(
          `Column "${sheet.headers[index]}" is not an indicator CIOP knows; the columns are reference and ${IMPORTED_INDICATORS.map((i) => i.id).join(', ')}.`,
        );
      columns.push({ index, indicator });
    });
    if (columns.length === 0) throw badRequest('The file has no indicator column beside "reference".');
    const references = sheet.rows.map((r) => String(r.cells[refColumn] ?? '').trim());
    const known = await store.knownReferences(this.db, references.filter(Boolean));
    const refusals: AttributeImportReport['refusals'] = [];
    const updates: { reference: string; attributes: Record<string, number | string | null> }[] = [];
    sheet.rows.forEach((r, i) => {
      const reference = references[i];
      const refuse = (reason: string) => refusals.push({ row: r.row, reference, reason });
      if (!reference) return refuse('it has no reference');
      if (!known.has(reference))
        return refuse('no building of the city has this reference; import the buildings first');
      const attributes: Record<string, number | string | null> = {};
      for (const { index, indicator } of columns) {
        const cell = r.cells[index] ?? null;
        if (indicator.kind === 'number') {
          const v = parseDecimal(cell);
          if (v !== null && (Number.isNaN(v) || v < 0))
            return refuse(`${indicator.id} "${String(cell)}" is not a positive number (${indicator.unit})`);
          attributes[indicator.id] = v;
        } else {
          const v = cell === null ? '' : String(cell).trim();
          if (v !== '' && indicator.categories && !indicator.categories[v])
            return refuse(
              `${indicator.id} "${v}" is not one of ${Object.keys(indicator.categories).join(', ')}`,
            );
          attributes[indicator.id] = v === '' ? null : v;
        }
      }
      updates.push({ reference, attributes });
    });
    if (!options.dryRun && updates.length > 0) {
      await store.setAttributes(this.db, updates, this.options.clock());
      this.tiles.invalidate();
    }
    return {
      dryRun: options.dryRun,
      rows: sheet.rows.length,
      updated: updates.length,
      refused: refusals.length,
      refusals: refusals.slice(0, MAX_REFUSALS),
      columns: columns.map((c) => c.indicator.id),
    };
  }

  /** One building's full record; its registry link and monthly KPIs only for whom may see them. */
  async getBuilding(reference: string, principal: Principal | undefined): Promise<CityBuilding> {
    const row = await store.findBuilding(this.db, reference);
    if (!row) throw notFound(`There is no building ${reference} in the 3D city.`);
    const privileged = seesBuildingKpis(principal);
    const code =
      privileged && row.registry_building_id !== null
        ? await store.registryCode(this.db, row.registry_building_id)
        : undefined;
    return {
      reference: row.reference,
      source: row.source,
      footprint: JSON.parse(row.footprint) as GeoJsonPolygonal,
      centroid: [row.centroid_lon, row.centroid_lat],
      heightM: row.height_m,
      heightSource: row.height_source,
      floors: row.floors,
      currentUse: row.current_use,
      dwellings: row.dwellings,
      yearBuilt: row.year_built,
      officialAreaM2: row.official_area_m2,
      condition: row.condition,
      address: row.address,
      attributes: JSON.parse(row.attributes) as Record<string, number | string>,
      updatedAt: row.updated_at,
      registry: code ? { code, link: row.link_source ?? 'point' } : null,
      kpis: privileged ? (code ? await this.monthlyKpis(code) : []) : null,
    };
  }

  /** The monitored building's monthly KPIs (whole-building values), per KPI, in time order. */
  private async monthlyKpis(code: string): Promise<MonthlyKpi[]> {
    const { rows, defs } = await this.kpi.store.allMeasures(
      { resource: [code], granularity: 'month', breakdown: '' },
      20_000,
    );
    const byKpi = new Map<number, MonthlyKpi>();
    for (const r of rows) {
      const def = defs.get(r.kpi_id);
      if (!def) continue;
      let series = byKpi.get(r.kpi_id);
      if (!series) {
        series = {
          kpi: def.code,
          unit: def.unit,
          name: { en: def.name_en, es: def.name_es, eu: def.name_eu },
          points: [],
        };
        byKpi.set(r.kpi_id, series);
      }
      series.points.push({ periodStart: r.period_start, value: r.value });
    }
    const out = [...byKpi.values()];
    for (const s of out) s.points.sort((a, b) => a.periodStart - b.periodStart);
    return out.sort((a, b) => a.kpi.localeCompare(b.kpi));
  }

  /** What can colour the city, with classes from the stored values. */
  async indicators(principal: Principal | undefined): Promise<IndicatorList> {
    const built = await this.tiles.current();
    const items: Indicator[] = INDICATORS.map((d) => {
      const stats = built.stats.get(d.id) ?? { breaks: [], categories: [] };
      return {
        id: d.id,
        group: d.group,
        kind: d.kind,
        unit: d.unit,
        name: d.name,
        help: d.help,
        breaks: stats.breaks,
        categories: stats.categories.map((value) => ({
          value,
          name: d.categories?.[value] ?? { en: value, es: value, eu: value },
        })),
      };
    });
    const privileged = seesBuildingKpis(principal);
    if (privileged) items.push(...(await this.kpiIndicators()));
    return {
      items,
      buildings: built.count,
      bounds: built.bounds,
      baseMapStyleUrl: this.options.mapStyleUrl ?? null,
      perBuildingKpis: privileged,
    };
  }

  /** The building KPIs of the catalogue, as indicators (their classes come with their values). */
  private async kpiIndicators(): Promise<Indicator[]> {
    const page = await this.kpi.store.list({ scope: 'building', limit: 500 });
    return page.items.map((k) => ({
      id: `kpi:${k.code}`,
      group: 'kpi' as const,
      kind: 'number' as const,
      unit: k.unit,
      name: k.name,
      help: k.description,
      breaks: [],
      categories: [],
    }));
  }

  /**
   * The latest whole-building value of a KPI for every city building linked to a monitored
   * building (the latest period; of two ending together, the longer), for colouring the city.
   * Only for callers who see per-building KPIs (the route says who).
   */
  async kpiValues(code: string): Promise<KpiValues> {
    const def = await this.kpi.store.definition(code);
    if (!def) throw badRequest(`kpi: there is no KPI ${code}; GET /api/v1/kpis lists them.`);
    const linked = await store.linkedBuildings(this.db);
    const codes = [...new Set(linked.map((l) => l.code))];
    const latest = new Map<string, { value: number; start: number; end: number }>();
    for (let i = 0; i < codes.length; i += 500) {
      const { rows } = await this.kpi.store.allMeasures(
        { kpi: [code], resource: codes.slice(i, i + 500), breakdown: '' },
        1_000_000,
      );
      for (const r of rows) {
        const had = latest.get(r.resource);
        const longer = had && r.period_end === had.end && r.period_start < had.start;
        if (!had || r.period_end > had.end || longer)
          latest.set(r.resource, { value: r.value, start: r.period_start, end: r.period_end });
      }
    }
    const items = linked.flatMap((l) => {
      const v = latest.get(l.code);
      return v
        ? [{ id: l.id, reference: l.reference, value: v.value, periodStart: v.start, periodEnd: v.end }]
        : [];
    });
    return { kpi: def.code, unit: def.unit, breaks: quantileBreaks(items.map((i) => i.value)), items };
  }

  async search(text: string): Promise<CitySearch> {
    const rows = await store.searchBuildings(this.db, text.trim(), 10);
    return {
      items: rows.map((r) => ({
        reference: r.reference,
        address: r.address,
        centroid: [r.centroid_lon, r.centroid_lat],
      })),
    };
  }

  /** Links a building to a registry building by hand (or unlinks it): the point rule no longer applies. */
  async link(reference: string, code: string | null): Promise<CityBuilding> {
    if (!(await store.findBuilding(this.db, reference)))
      throw notFound(`There is no building ${reference} in the 3D city.`);
    let id: number | null = null;
    if (code !== null) {
      id = (await store.registryIdOf(this.db, code)) ?? null;
      if (id === null) throw badRequest(`building: the registry has no building ${code}.`);
    }
    await store.setLink(this.db, reference, id, this.options.clock());
    this.tiles.invalidate();
    return this.getBuilding(reference, systemPrincipal('city3d'));
  }

  /** The registry as the links by point were last made from (in memory: once per replica start). */
  private linkedTo?: string;

  /**
   * Links the city again when the registry's buildings have changed since the last time (a
   * building registered, moved or removed after the city was imported). Answers how many are
   * linked, or undefined when nothing changed.
   */
  async relinkIfRegistryChanged(): Promise<number | undefined> {
    const stamp = await store.registryStamp(this.db);
    if (stamp === this.linkedTo) return undefined;
    const linked = await this.relinkAll();
    this.linkedTo = stamp;
    return linked;
  }

  /** Links every building not linked by hand to the registry building whose point it holds. */
  async relinkAll(): Promise<number> {
    const points = await store.registryPoints(this.db);
    const rows = await store.allBuildings(this.db);
    let linked = 0;
    // Only the links that change are written.
    const changed: { id: number; registryBuildingId: number | null }[] = [];
    for (const r of rows) {
      if (r.link_source === 'manual') continue;
      const registryBuildingId = linkOf(JSON.parse(r.footprint) as GeoJsonPolygonal, r, points);
      if (registryBuildingId !== null) linked++;
      if (registryBuildingId !== r.registry_building_id) changed.push({ id: r.id, registryBuildingId });
    }
    await store.setPointLinks(this.db, changed);
    return linked;
  }
}

/** The registry building whose point lies in a footprint (the first, by id), or null. */
function linkOf(
  footprint: GeoJsonPolygonal,
  box: { west: number; south: number; east: number; north: number },
  points: readonly { id: number; latitude: number; longitude: number }[],
): number | null {
  for (const p of points) {
    if (p.longitude < box.west || p.longitude > box.east || p.latitude < box.south || p.latitude > box.north)
      continue;
    if (contains(footprint, [p.longitude, p.latitude])) return p.id;
  }
  return null;
}
