import type { Kysely } from 'kysely';
import {
  type Aggregation,
  type Calculator,
  type Kpi,
  type KpiCreate,
  type KpiListQuery,
  type KpiPatch,
  type KpiScope,
  type KpiSummary,
  type Measure,
  type MeasureBulk,
  type MeasureFilterQuery,
  type MeasureListQuery,
  type MeasureTotals,
  type MeasureTotalsQuery,
  PILLAR_NAMES,
  PILLARS,
  PLATFORM_RESOURCE,
  type Pillar,
  type PublicKpiList,
} from '#common/api/kpi.ts';
import type { PageOf } from '#common/api/pagination.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { brokenConstraint } from '../../db/constraint-errors.ts';
import { badRequest, conflict, notFound } from '../../plugins/errors.ts';
import { decodeCursor, pageLimit, pageOf } from '../../pagination/pagination.ts';
import { KPI_CATALOGUE, type KpiSeed } from './kpi-catalogue.ts';
import { type KpiPortalFigures, kpiPortalFigures } from './kpi-portal.ts';
import { granularityOf, yearOf, yearPeriod } from './kpi-periods.ts';
import * as store from './kpi.store.ts';
import {
  type DefinitionRow,
  groupInto,
  type MeasureQuery,
  type MeasureRow,
  type NewMeasure,
} from './kpi.store.ts';

/** Units whose values add up across resources; the others (intensities, shares, indices) average. */
const SUMMED_UNITS = new Set(['kWh', 'MWh', 'kg CO2', 't CO2', '€', 'km', 'count', 'h']);

/** The most rows one internal read takes (a summary of every building of a large city). */
const MAX_INTERNAL_ROWS = 200_000;

export function toKpi(row: DefinitionRow): Kpi {
  return {
    code: row.code,
    pillar: row.pillar as Pillar,
    unit: row.unit,
    scope: row.scope as KpiScope,
    name: { en: row.name_en, es: row.name_es, eu: row.name_eu },
    description: { en: row.description_en, es: row.description_es, eu: row.description_eu },
    lowerIsBetter: row.lower_is_better === 1,
    method: row.method,
    calculator: row.calculator as Calculator | null,
    formula: row.formula,
    period: row.period as Kpi['period'],
    aggregation: row.aggregation,
    breakdown: row.breakdown,
    public: row.public === 1,
    updatedAt: row.updated_at,
  };
}

function seedRow(s: KpiSeed, now: number) {
  return {
    code: s.code,
    pillar: s.pillar,
    unit: s.unit,
    scope: s.scope,
    lower_is_better: s.lowerIsBetter ? 1 : 0,
    method: s.method,
    calculator: s.calculator,
    formula: s.formula,
    period: s.period,
    aggregation: s.aggregation,
    breakdown: s.breakdown,
    public: s.public ? 1 : 0,
    name_en: s.name.en,
    name_es: s.name.es,
    name_eu: s.name.eu,
    description_en: s.description.en,
    description_es: s.description.es,
    description_eu: s.description.eu,
    created_at: now,
    updated_at: now,
  };
}

/** What a calculator hands over to be stored. */
export interface CalculatedMeasure {
  kpi: string;
  resource: string;
  breakdown: string;
  start: number;
  end: number;
  value: number;
  inputs: Record<string, unknown>;
  inputsVersion: string;
}

/**
 * The KPI catalogue and store: definitions, measures and what is read from them (totals, the
 * dashboards' summary, the public subset). Who may call is decided by the routes (KPI evaluators,
 * admins and unrestricted machine tokens); everything here is district-wide.
 */
export class KpiService {
  private byCode = new Map<string, DefinitionRow>();
  private byId = new Map<number, DefinitionRow>();
  private publicCache: { at: number; value: PublicKpiList } | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly zone: string,
    /** Whether stored comfort feeds the comfort KPIs. */
    private readonly comfortAvailable: () => boolean,
    private readonly clock: () => number = Date.now,
  ) {}

  /** What the KPI store holds for the landing portal's headline figures. */
  portalFigures(): Promise<KpiPortalFigures> {
    return kpiPortalFigures(this.db);
  }

  /** Adds the shipped definitions that are missing, and loads the catalogue. */
  async seed(): Promise<void> {
    const now = this.clock();
    await store.insertMissingDefinitions(
      this.db,
      KPI_CATALOGUE.map((s) => seedRow(s, now)),
    );
    await this.reload();
  }

  private async reload(): Promise<void> {
    const rows = await store.listAllDefinitions(this.db);
    this.byCode = new Map(rows.map((r) => [r.code, r]));
    this.byId = new Map(rows.map((r) => [r.id, r]));
  }

  /** A definition by code; another replica may have added it, so a miss reads the table again. */
  async definition(code: string): Promise<DefinitionRow | undefined> {
    return (await this.definitions([code]))[0];
  }

  /** Definitions by code, in order; the table is read again once at most, when any is missing. */
  async definitions(codes: readonly string[]): Promise<(DefinitionRow | undefined)[]> {
    if (codes.some((code) => !this.byCode.has(code))) await this.reload();
    return codes.map((code) => this.byCode.get(code));
  }

  /** Ids of KPI codes, for calculators (their KPIs are seeded). */
  idsOf(codes: readonly string[]): number[] {
    return codes.map((code) => {
      const row = this.byCode.get(code);
      if (!row) throw new Error(`the KPI ${code} is not in the catalogue`);
      return row.id;
    });
  }

  definitionsOf(calculator: Calculator): DefinitionRow[] {
    return [...this.byCode.values()].filter((d) => d.calculator === calculator);
  }

  // --- Catalogue ---------------------------------------------------------------------------------

  pillars() {
    return { items: PILLARS.map((code) => ({ code, name: PILLAR_NAMES[code] })) };
  }

  async list(query: KpiListQuery): Promise<PageOf<Kpi>> {
    await this.reload();
    const after = decodeCursor<number>(query.cursor, 'number');
    const limit = pageLimit(query.limit);
    const rows = [...this.byId.values()]
      .filter(
        (d) =>
          (query.pillar === undefined || d.pillar === query.pillar) &&
          (query.scope === undefined || d.scope === query.scope) &&
          (query.method === undefined || d.method === query.method) &&
          (after === undefined || d.id > after),
      )
      .sort((a, b) => a.id - b.id)
      .slice(0, limit + 1);
    return pageOf(rows, limit, (r) => r.id, toKpi);
  }

  async get(code: string): Promise<Kpi> {
    const row = await this.definition(code);
    if (!row) throw notFound(`There is no KPI ${code}.`);
    return toKpi(row);
  }

  async create(body: KpiCreate): Promise<Kpi> {
    if (await this.definition(body.code)) throw conflict(`code: the KPI ${body.code} exists already.`);
    const now = this.clock();
    try {
      await store.insertDefinition(this.db, {
        ...seedRow(
          {
            ...body,
            method: 'input',
            calculator: null,
            formula: '',
            aggregation: body.aggregation ?? (SUMMED_UNITS.has(body.unit) ? 'sum' : 'mean'),
            breakdown: body.breakdown ?? '',
            public: body.public ?? false,
          },
          now,
        ),
      });
    } catch (error) {
      if (brokenConstraint(error) === 'unique') throw conflict(`code: the KPI ${body.code} exists already.`);
      throw error;
    }
    await this.reload();
    this.publicCache = undefined;
    return this.get(body.code);
  }

  async update(code: string, patch: KpiPatch): Promise<Kpi> {
    const row = await this.definition(code);
    if (!row) throw notFound(`There is no KPI ${code}.`);
    await store.updateDefinition(this.db, row.id, {
      ...(patch.name ? { name_en: patch.name.en, name_es: patch.name.es, name_eu: patch.name.eu } : {}),
      ...(patch.description
        ? {
            description_en: patch.description.en,
            description_es: patch.description.es,
            description_eu: patch.description.eu,
          }
        : {}),
      ...(patch.lowerIsBetter !== undefined ? { lower_is_better: patch.lowerIsBetter ? 1 : 0 } : {}),
      ...(patch.public !== undefined ? { public: patch.public ? 1 : 0 } : {}),
      updated_at: this.clock(),
    });
    await this.reload();
    this.publicCache = undefined;
    return this.get(code);
  }

  // --- Measures ----------------------------------------------------------------------------------

  /** The store's filter for an API filter: KPI codes and a pillar become KPI ids. */
  async filterOf(query: MeasureFilterQuery): Promise<MeasureQuery> {
    let kpiIds: number[] | undefined;
    if (query.kpi) {
      const rows = await this.definitions(query.kpi);
      kpiIds = rows.map((row, i) => {
        if (!row) throw badRequest(`kpi: there is no KPI ${query.kpi![i]}; GET /api/v1/kpis lists them.`);
        return row.id;
      });
    }
    if (query.pillar) {
      const ofPillar = [...this.byId.values()].filter((d) => d.pillar === query.pillar).map((d) => d.id);
      kpiIds = kpiIds ? kpiIds.filter((id) => ofPillar.includes(id)) : ofPillar;
    }
    if (query.from !== undefined && query.to !== undefined && query.to <= query.from)
      throw badRequest(`to (${query.to}) must come after from (${query.from}).`);
    return {
      kpiIds,
      resources: query.resource,
      breakdown: query.breakdown,
      granularity: query.granularity,
      from: query.from,
      to: query.to,
    };
  }

  toMeasure(row: MeasureRow): Measure {
    const def = this.byId.get(row.kpi_id);
    return {
      id: row.id,
      kpi: def?.code ?? String(row.kpi_id),
      pillar: (def?.pillar ?? 'energy') as Pillar,
      unit: def?.unit ?? '',
      resource: row.resource,
      breakdown: row.breakdown,
      periodStart: row.period_start,
      periodEnd: row.period_end,
      granularity: row.granularity,
      value: row.value,
      provenance: {
        source: row.source,
        calculator: row.calculator,
        inputsVersion: row.inputs_version,
        file: row.source_file,
        by: row.source_by,
        inputs: JSON.parse(row.inputs) as Record<string, unknown>,
      },
      computedAt: row.computed_at,
    };
  }

  async listMeasures(query: MeasureListQuery): Promise<PageOf<Measure>> {
    const filter = await this.filterOf(query);
    const limit = pageLimit(query.limit);
    const rows = await store.listMeasures(this.db, filter, {
      after: decodeCursor<number>(query.cursor, 'number'),
      limit: limit + 1,
    });
    return pageOf(
      rows,
      limit,
      (r) => r.id,
      (r) => this.toMeasure(r),
    );
  }

  async getMeasure(id: number): Promise<Measure> {
    const row = await store.findMeasure(this.db, id);
    if (!row) throw notFound(`There is no measure ${id}.`);
    await this.definition(this.byId.get(row.kpi_id)?.code ?? '');
    return this.toMeasure(row);
  }

  /** Every measure of a filter, up to `max` (exports): more is refused with advice. */
  async allMeasures(
    query: MeasureFilterQuery,
    max: number,
  ): Promise<{ rows: MeasureRow[]; defs: Map<number, DefinitionRow> }> {
    const filter = await this.filterOf(query);
    const count = await store.countMeasures(this.db, filter);
    if (count > max)
      throw badRequest(
        `These filters match ${count} measures; at most ${max} are exported at once. Narrow them (kpi, resource, from, to).`,
      );
    const rows = await store.listMeasures(this.db, filter, { limit: max });
    return { rows, defs: this.byId };
  }

  async totals(query: MeasureTotalsQuery): Promise<MeasureTotals> {
    const def = await this.definition(query.kpi);
    if (!def) throw badRequest(`kpi: there is no KPI ${query.kpi}; GET /api/v1/kpis lists them.`);
    const filter = await this.filterOf({ ...query, kpi: [query.kpi] });
    const rows = await store.totalMeasures(this.db, filter, def.aggregation);
    return {
      kpi: def.code,
      unit: def.unit,
      aggregation: def.aggregation,
      items: rows.map((r) => ({
        periodStart: r.period_start,
        periodEnd: r.period_end,
        breakdown: r.breakdown,
        value: r.value,
        resources: r.n,
      })),
    };
  }

  /** Which of `resources` name nothing of a scope CIOP keeps a register of. */
  private async unknownResources(scope: KpiScope, resources: readonly string[]): Promise<Set<string>> {
    const unique = [...new Set(resources)];
    if (scope === 'building') {
      const known = await store.findBuildingIdsByCodes(this.db, unique);
      return new Set(unique.filter((r) => !known.has(r)));
    }
    if (scope === 'district') {
      const known = new Set((await store.listDistrictCodes(this.db)).map((d) => d.code));
      return new Set(unique.filter((r) => !known.has(r)));
    }
    if (scope === 'platform') return new Set(unique.filter((r) => r !== PLATFORM_RESOURCE));
    // Vehicles, chargers and dwellings are named freely (plates, charger ids, code/label).
    return new Set();
  }

  /**
   * Checks measures arriving from outside (spreadsheets, external calculators): the KPI exists
   * and is not computed by CIOP, the resource exists for the KPI's scope, the period is forward.
   * Returns one problem per bad field, with its index.
   */
  async checkInputs(
    items: readonly { kpi: string; resource: string; start: number; end: number; value: number }[],
  ): Promise<{ index: number; field: 'kpi' | 'resource' | 'period' | 'value'; reason: string }[]> {
    const problems: { index: number; field: 'kpi' | 'resource' | 'period' | 'value'; reason: string }[] = [];
    const byScope = new Map<KpiScope, string[]>();
    const defs = await this.definitions(items.map((m) => m.kpi));
    items.forEach((m, index) => {
      const def = defs[index];
      if (!def) problems.push({ index, field: 'kpi', reason: `there is no KPI ${m.kpi}` });
      else if (def.method === 'calculated')
        problems.push({
          index,
          field: 'kpi',
          reason: `${m.kpi} is computed by CIOP’s ${def.calculator} calculator and cannot be written; recompute it instead`,
        });
      else groupInto(byScope, def.scope as KpiScope, m.resource);
      if (!(m.end > m.start))
        problems.push({ index, field: 'period', reason: 'the period must end after it starts' });
      if (!Number.isFinite(m.value)) problems.push({ index, field: 'value', reason: 'not a finite number' });
    });
    const unknown = new Map<KpiScope, Set<string>>();
    for (const [scope, resources] of byScope)
      unknown.set(scope, await this.unknownResources(scope, resources));
    items.forEach((m, index) => {
      const def = defs[index];
      if (!def || def.method === 'calculated') return;
      if (unknown.get(def.scope as KpiScope)?.has(m.resource))
        problems.push({
          index,
          field: 'resource',
          reason:
            def.scope === 'platform'
              ? `a platform KPI is about "${PLATFORM_RESOURCE}"`
              : `no ${def.scope} has the code ${m.resource}`,
        });
    });
    return problems;
  }

  /** Rows for measures written from outside, keyed for the upsert. */
  inputRow(
    m: { kpi: string; resource: string; breakdown: string; start: number; end: number; value: number },
    provenance: Pick<
      NewMeasure,
      'source' | 'calculator' | 'inputs_version' | 'source_file' | 'source_by' | 'inputs'
    >,
    now: number,
  ): NewMeasure {
    const def = this.byCode.get(m.kpi);
    if (!def) throw new Error(`the KPI ${m.kpi} is not loaded`);
    return {
      kpi_id: def.id,
      resource: m.resource,
      breakdown: m.breakdown,
      period_start: m.start,
      period_end: m.end,
      granularity: granularityOf(m.start, m.end, this.zone),
      value: m.value,
      ...provenance,
      computed_at: now,
    };
  }

  /** Stores measures (all of them or none), replacing those with the same key; counts both. */
  async upsert(rows: NewMeasure[]): Promise<{ created: number; updated: number }> {
    return this.db.transaction().execute(async (trx) => {
      const existing = await store.existingMeasureValues(trx, rows);
      await store.upsertMeasures(trx, rows);
      this.publicCache = undefined;
      const updated = rows.filter((r) => existing.has(store.measureKey(r))).length;
      return { created: rows.length - updated, updated };
    });
  }

  /** The bulk write of an external calculator: checked whole, stored whole. */
  async bulkWrite(body: MeasureBulk, principal: Principal): Promise<{ created: number; updated: number }> {
    const items = body.measures.map((m) => ({
      kpi: m.kpi,
      resource: m.resource,
      breakdown: m.breakdown ?? '',
      start: m.periodStart,
      end: m.periodEnd,
      value: m.value,
    }));
    const errors = (await this.checkInputs(items)).map((p) => ({
      where: `measures[${p.index}].${p.field === 'period' ? 'periodEnd' : p.field}`,
      message: p.reason,
    }));
    const seen = new Map<string, number>();
    items.forEach((m, i) => {
      const key = JSON.stringify([m.kpi, m.resource, m.breakdown, m.start, m.end]);
      const first = seen.get(key);
      if (first !== undefined)
        errors.push({
          where: `measures[${i}]`,
          message: `the same KPI, resource, breakdown and period as measures[${first}]`,
        });
      else seen.set(key, i);
    });
    if (errors.length > 0)
      throw badRequest(`${errors.length} problem(s) in the measures; nothing was stored.`, {
        errors: errors.slice(0, 100),
      });
    const now = this.clock();
    const rows = body.measures.map((m, i) =>
      this.inputRow(
        items[i],
        {
          source: 'external',
          calculator: m.provenance.calculator,
          inputs_version: m.provenance.inputsVersion,
          source_file: null,
          source_by: principal.name,
          inputs: JSON.stringify(m.provenance.inputs ?? {}),
        },
        now,
      ),
    );
    return this.upsert(rows);
  }

  /**
   * Replaces what a calculator computed for its KPIs over [from, to), for some resources or all,
   * in one transaction (only the KPIs named in `codes`, when given). Returns how many measures
   * were written.
   */
  async replaceCalculated(
    calculator: Calculator,
    scope: { resources?: readonly string[]; from: number; to: number },
    measures: CalculatedMeasure[],
    codes?: readonly string[],
  ): Promise<number> {
    const kpiIds = this.definitionsOf(calculator)
      .filter((d) => codes === undefined || codes.includes(d.code))
      .map((d) => d.id);
    const now = this.clock();
    const rows: NewMeasure[] = measures.map((m) => ({
      kpi_id: this.idsOf([m.kpi])[0],
      resource: m.resource,
      breakdown: m.breakdown,
      period_start: m.start,
      period_end: m.end,
      granularity: granularityOf(m.start, m.end, this.zone),
      value: m.value,
      source: 'calculator',
      calculator,
      inputs_version: m.inputsVersion,
      source_file: null,
      source_by: null,
      inputs: JSON.stringify(m.inputs),
      computed_at: now,
    }));
    await this.db.transaction().execute((trx) => store.replaceMeasures(trx, { kpiIds, ...scope }, rows));
    this.publicCache = undefined;
    return rows.length;
  }

  /** How many stored measures of a calculator's KPIs have periods within [from, to). */
  async countCalculated(calculator: Calculator, from: number, to: number): Promise<number> {
    const kpiIds = this.definitionsOf(calculator).map((d) => d.id);
    return store.countMeasures(this.db, { kpiIds, from, to });
  }

  // --- Dashboards --------------------------------------------------------------------------------

  private async yearRows(codes: string[], start: number, end: number, breakdown?: string) {
    return store.listMeasures(
      this.db,
      { kpiIds: this.idsOf(codes), granularity: 'year', from: start, to: end, breakdown },
      { limit: MAX_INTERNAL_ROWS },
    );
  }

  /** The dashboards' summary of a year (by default the latest finished year with energy KPIs). */
  async summary(year?: number): Promise<KpiSummary> {
    const [finalId] = this.idsOf(['EN_FINAL']);
    const years = (await store.periodStarts(this.db, finalId, 'year')).map((t) => yearOf(t, this.zone));
    // By default the latest year that is over, so that a year's figures are whole ones.
    const over = years.find((y) => yearPeriod(y, this.zone).end <= this.clock());
    const shown = year ?? over ?? years[0] ?? null;
    const period = yearPeriod(shown ?? yearOf(this.clock(), this.zone), this.zone);
    const buildings = await store.listKpiBuildings(this.db);
    const codeOf = (id: number) => this.byId.get(id)?.code;
    const values = new Map<string, Map<string, number>>();
    const carriers = new Map<string, number>();
    let finalTotal: number | null = null;
    let primaryTotal: number | null = null;
    let co2Total: number | null = null;
    if (shown !== null) {
      const rows = await this.yearRows(
        ['EN_FINAL', 'EN_PRIMARY', 'EN_PRIMARY_M2', 'EN_CO2', 'CF_PMV', 'CF_PPD'],
        period.start,
        period.end,
      );
      for (const r of rows) {
        if (r.period_start !== period.start) continue;
        const code = codeOf(r.kpi_id) ?? '';
        if (r.breakdown !== '') {
          if (code === 'EN_FINAL') carriers.set(r.breakdown, (carriers.get(r.breakdown) ?? 0) + r.value);
          continue;
        }
        const perBuilding = values.get(r.resource) ?? new Map<string, number>();
        perBuilding.set(code, r.value);
        values.set(r.resource, perBuilding);
        if (code === 'EN_FINAL') finalTotal = (finalTotal ?? 0) + r.value;
        if (code === 'EN_PRIMARY') primaryTotal = (primaryTotal ?? 0) + r.value;
        if (code === 'EN_CO2') co2Total = (co2Total ?? 0) + r.value;
      }
    }
    const carrierTotal = [...carriers.values()].reduce((s, v) => s + v, 0);
    const evRows = await this.yearRows(
      ['MO_CO2_AVOIDED', 'MO_BUS_CO2_AVOIDED'],
      period.start,
      period.end,
      '',
    );
    const counts = await store.countMeasuresByKpi(this.db);
    const perPillar = new Map<string, number>();
    for (const [kpiId, n] of counts) {
      const pillar = this.byId.get(kpiId)?.pillar ?? '';
      perPillar.set(pillar, (perPillar.get(pillar) ?? 0) + n);
    }
    const value = (code: string, kpi: string) => values.get(code)?.get(kpi) ?? null;
    return {
      year: shown,
      period: { from: period.start, to: period.end },
      years,
      buildings: buildings.map((b) => ({
        id: b.id,
        code: b.code,
        address: b.address,
        latitude: b.latitude,
        longitude: b.longitude,
        carriers: [b.carrier1, b.carrier2].filter((c): c is string => c !== null),
        finalEnergy: value(b.code, 'EN_FINAL'),
        primaryEnergy: value(b.code, 'EN_PRIMARY'),
        primaryEnergyPerM2: value(b.code, 'EN_PRIMARY_M2'),
        pmv: value(b.code, 'CF_PMV'),
        ppd: value(b.code, 'CF_PPD'),
      })),
      primaryEnergy: primaryTotal,
      finalEnergy: finalTotal,
      co2: co2Total,
      carriers: [...carriers]
        .map(([carrier, finalEnergy]) => ({
          carrier,
          finalEnergy,
          share: carrierTotal > 0 ? finalEnergy / carrierTotal : 0,
        }))
        .sort((a, b) => b.finalEnergy - a.finalEnergy),
      comfort: {
        available: this.comfortAvailable(),
        buildings: buildings.filter((b) => value(b.code, 'CF_PMV') !== null).length,
      },
      evCo2Avoided:
        evRows.length > 0
          ? evRows.filter((r) => r.period_start >= period.start).reduce((s, r) => s + r.value, 0)
          : null,
      pillars: PILLARS.map((pillar) => ({ pillar, measures: perPillar.get(pillar) ?? 0 })),
    };
  }

  /** The public subset: each public KPI's latest period, summed or averaged over its resources. */
  async publicKpis(): Promise<PublicKpiList> {
    const now = this.clock();
    if (this.publicCache && now - this.publicCache.at < 60_000) return this.publicCache.value;
    await this.reload();
    const items = [];
    for (const def of [...this.byId.values()].filter((d) => d.public === 1)) {
      const granularity = def.period === 'campaign' ? undefined : (def.period as 'year' | 'month' | 'day');
      const latest = await store.latestTotal(this.db, def.id, def.aggregation as Aggregation, granularity);
      items.push({
        code: def.code,
        pillar: def.pillar as Pillar,
        unit: def.unit,
        name: { en: def.name_en, es: def.name_es, eu: def.name_eu },
        lowerIsBetter: def.lower_is_better === 1,
        latest: latest
          ? {
              periodStart: latest.period_start,
              periodEnd: latest.period_end,
              value: latest.value,
              aggregation: def.aggregation,
              resources: latest.n,
            }
          : null,
      });
    }
    const value = { computedAt: now, items };
    this.publicCache = { at: now, value };
    return value;
  }
}
