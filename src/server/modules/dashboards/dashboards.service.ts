import type { Kysely } from 'kysely';
import {
  automaticInterval,
  type Dashboard,
  type DashboardBody,
  type DashboardDefinition,
  type DashboardSummary,
  type DashboardUpdate,
  type PanelQuery,
  type PanelQueryAnswer,
  type PanelQueryBatch,
  type QueryResult,
} from '#common/api/dashboards.ts';
import type { ComfortBucket } from '#common/api/comfort.ts';
import { placeVisibility, visibilityOf } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, conflict, forbidden, HttpProblem, notFound } from '../../plugins/errors.ts';
import type { ComfortService } from '../comfort/comfort.service.ts';
import type { KpiServices } from '../kpi/kpi-services.ts';
import type { ReadingsService } from '../readings/readings.service.ts';
import {
  type DashboardRow,
  deleteDashboard,
  findDashboard,
  findVersion,
  insertDashboard,
  listDashboards,
  listVersions,
  organisationOfUser,
  saveVersion,
} from './dashboards.store.ts';

/** A query's place once the dashboard's variables are put in. */
interface ResolvedScope {
  district?: number;
  building?: number;
  dwelling?: number;
  sensor?: number;
}

/**
 * Dashboards an organisation builds: stored with every version, shared with the members of the
 * organisation (the owner edits, the others view and clone, administrators see all; another
 * organisation's dashboard does not exist for them), checked against what the organisation may
 * see, and drawn by batches of panel queries over readings, stored comfort and KPIs.
 */
export class DashboardsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly readings: ReadingsService,
    private readonly comfort: ComfortService,
    private readonly kpi: KpiServices,
  ) {}

  private isAdmin = (p: Principal) => p.roles.includes('admin');

  private async organisationOf(p: Principal): Promise<number | null> {
    return p.kind === 'user' ? organisationOfUser(this.db, p.id) : null;
  }

  /** The dashboard when the caller may see it; 404 otherwise (its existence is not revealed). */
  private async visible(id: number, p: Principal): Promise<DashboardRow> {
    const row = await findDashboard(this.db, id);
    if (
      row &&
      (this.isAdmin(p) ||
        (row.organisation_id !== null && row.organisation_id === (await this.organisationOf(p))))
    )
      return row;
    throw notFound(`There is no dashboard ${id}.`);
  }

  private async editable(id: number, p: Principal): Promise<DashboardRow> {
    const row = await this.visible(id, p);
    if (!this.isAdmin(p) && Number(row.owner_id) !== p.id)
      throw forbidden(`Dashboard ${id} is another member’s: you may view and clone it, not change it.`);
    return row;
  }

  private answer(row: DashboardRow, p: Principal): Dashboard {
    return {
      id: Number(row.id),
      organisationId: row.organisation_id === null ? null : Number(row.organisation_id),
      ownerId: Number(row.owner_id),
      name: row.name,
      version: Number(row.version),
      definition: JSON.parse(row.definition) as DashboardDefinition,
      updatedAt: Number(row.updated_at),
      canEdit: this.isAdmin(p) || Number(row.owner_id) === p.id,
    };
  }

  async list(p: Principal): Promise<DashboardSummary[]> {
    const rows = this.isAdmin(p) ? await listDashboards(this.db, 'all') : await this.ownList(p);
    return rows.map((r) => {
      const a = this.answer(r, p);
      const { definition, ...rest } = a;
      return { ...rest, panels: definition.panels.length };
    });
  }

  private async ownList(p: Principal) {
    const org = await this.organisationOf(p);
    return org === null ? [] : listDashboards(this.db, org);
  }

  async get(id: number, p: Principal): Promise<Dashboard> {
    return this.answer(await this.visible(id, p), p);
  }

  async create(body: DashboardBody, p: Principal, now = Date.now()): Promise<Dashboard> {
    const org = await this.organisationOf(p);
    if (org === null && !this.isAdmin(p))
      throw forbidden('You belong to no organisation: dashboards are kept per organisation.');
    await this.check(body.definition, p, 'body.definition');
    const id = await this.db.transaction().execute((trx) =>
      insertDashboard(
        trx,
        {
          organisation_id: org,
          owner_id: p.id,
          name: body.name,
          version: 1,
          definition: JSON.stringify(body.definition),
          created_at: now,
          updated_at: now,
        },
        p.name,
      ),
    );
    return this.get(id, p);
  }

  async clone(id: number, p: Principal, now = Date.now()): Promise<Dashboard> {
    const source = await this.get(id, p);
    return this.create(
      { name: `${source.name} (copy)`.slice(0, 120), definition: source.definition },
      p,
      now,
    );
  }

  async update(id: number, body: DashboardUpdate, p: Principal, now = Date.now()): Promise<Dashboard> {
    const row = await this.editable(id, p);
    await this.check(body.definition, p, 'body.definition');
    await this.saveOver(row, body.baseVersion, body.name, body.definition, p, now);
    return this.get(id, p);
  }

  private async saveOver(
    row: DashboardRow,
    baseVersion: number,
    name: string,
    definition: DashboardDefinition,
    p: Principal,
    now: number,
  ) {
    const stale = () =>
      conflict(
        `Dashboard ${row.id} was saved by someone else since version ${baseVersion} (it is at version ${row.version}): reload it and make your change again.`,
      );
    if (Number(row.version) !== baseVersion) throw stale();
    const saved = await this.db.transaction().execute((trx) =>
      saveVersion(trx, Number(row.id), baseVersion, {
        name,
        definition: JSON.stringify(definition),
        savedBy: p.id,
        savedByName: p.name,
        now,
      }),
    );
    if (!saved) throw stale();
  }

  async remove(id: number, p: Principal): Promise<void> {
    await this.editable(id, p);
    await this.db.transaction().execute((trx) => deleteDashboard(trx, id));
  }

  async versions(id: number, p: Principal) {
    await this.visible(id, p);
    return (await listVersions(this.db, id)).map((v) => ({
      version: Number(v.version),
      name: v.name,
      savedBy: v.saved_by_name,
      savedAt: Number(v.saved_at),
      panels: (JSON.parse(v.definition) as DashboardDefinition).panels.length,
    }));
  }

  /** Saves an earlier version as the newest one (history is never rewritten). */
  async restore(id: number, version: number, baseVersion: number, p: Principal, now = Date.now()) {
    const row = await this.editable(id, p);
    const old = await findVersion(this.db, id, version);
    if (!old) throw notFound(`Dashboard ${id} has no version ${version}.`);
    const definition = JSON.parse(old.definition) as DashboardDefinition;
    await this.check(definition, p, `version ${version}`);
    await this.saveOver(row, baseVersion, old.name, definition, p, now);
    return this.get(id, p);
  }

  // ---------------------------------------------------------------- checks

  /**
   * What the schema cannot say: the fields each source needs, media and KPIs that exist, panel
   * ids that are unique, and places the caller sees. Refused with 400 naming the JSON path.
   */
  async check(definition: DashboardDefinition, p: Principal, at: string): Promise<void> {
    const ids = new Set<string>();
    for (const [name, id] of Object.entries(definition.variables)) {
      if (id === null || id === undefined) continue;
      await this.checkPlace(name === 'building' ? 'building' : 'dwelling', id, p, `${at}.variables.${name}`);
    }
    for (const [i, panel] of definition.panels.entries()) {
      const where = `${at}.panels[${i}]`;
      if (ids.has(panel.id)) throw badRequest(`${where}.id: another panel is "${panel.id}" already.`);
      ids.add(panel.id);
      if (panel.x + panel.w > 12)
        throw badRequest(`${where}.w: the panel runs past the 12 columns of the grid.`);
      for (const [j, q] of panel.queries.entries()) await this.checkQuery(q, p, `${where}.queries[${j}]`);
    }
  }

  private async checkQuery(q: PanelQuery, p: Principal, at: string): Promise<void> {
    if (q.source === 'readings') {
      if (!q.medium) throw badRequest(`${at}.medium: a readings query names its medium.`);
      const medium = await this.db
        .selectFrom('medium')
        .select('name')
        .where('name', '=', q.medium)
        .executeTakeFirst();
      if (!medium) throw badRequest(`${at}.medium: there is no medium "${q.medium}".`);
    } else if (q.source === 'comfort') {
      if (!q.metric) throw badRequest(`${at}.metric: a comfort query names its metric.`);
    } else {
      if (!q.kpi) throw badRequest(`${at}.kpi: a KPI query names its KPI code.`);
      if (!(await this.kpi.store.definition(q.kpi)))
        throw badRequest(`${at}.kpi: there is no KPI "${q.kpi}".`);
      if (q.scope.dwelling !== undefined || q.scope.sensor !== undefined)
        throw badRequest(`${at}.scope: KPIs are kept per building or district.`);
    }
    for (const kind of ['building', 'dwelling', 'sensor'] as const) {
      const id = q.scope[kind];
      if (typeof id === 'number') await this.checkPlace(kind, id, p, `${at}.scope.${kind}`);
    }
    if (typeof q.scope.district === 'number') {
      const d = await this.db
        .selectFrom('district')
        .select('id')
        .where('id', '=', q.scope.district)
        .executeTakeFirst();
      if (!d) throw badRequest(`${at}.scope.district: there is no district ${q.scope.district}.`);
    }
  }

  private async checkPlace(kind: 'building' | 'dwelling' | 'sensor', id: number, p: Principal, at: string) {
    const visibility = visibilityOf(p);
    let seen: 'missing' | 'hidden' | 'visible';
    if (kind === 'sensor') {
      const s = await this.db
        .selectFrom('sensor')
        .select('gateway_id')
        .where('id', '=', id)
        .executeTakeFirst();
      seen = s ? await placeVisibility(this.db, visibility, 'gateway', Number(s.gateway_id)) : 'missing';
    } else seen = await placeVisibility(this.db, visibility, kind, id);
    if (seen !== 'visible')
      throw badRequest(`${at}: ${kind} ${id} is not one your organisation looks after.`);
  }

  // ---------------------------------------------------------------- panel queries

  /** Answers a batch of panel queries, each narrowed to what the caller may see. */
  async query(batch: PanelQueryBatch, p: Principal): Promise<PanelQueryAnswer> {
    if (!(batch.to > batch.from))
      throw badRequest(`body.to: the range ends (${batch.to}) before it starts (${batch.from}).`);
    const vars = batch.variables ?? {};
    const resolved = batch.queries.map((q, i) => {
      const scope: ResolvedScope = {};
      for (const kind of ['district', 'building', 'dwelling', 'sensor'] as const) {
        const v = q.scope[kind];
        if (v === undefined) continue;
        const id = v === '$building' ? vars.building : v === '$dwelling' ? vars.dwelling : v;
        if (id === null || id === undefined)
          throw badRequest(`body.queries[${i}].scope.${kind}: the variable ${String(v)} has no value.`);
        scope[kind] = id as number;
      }
      if (Object.keys(scope).length === 0) throw badRequest(`body.queries[${i}].scope: name a place.`);
      return scope;
    });
    // Every place named must be one the caller sees: nothing is answered otherwise.
    for (const [i, q] of batch.queries.entries()) {
      await this.checkQuery({ ...q, scope: resolved[i] }, p, `body.queries[${i}]`).catch((e: unknown) => {
        if (e instanceof HttpProblem && /is not one your organisation/.test(e.detail))
          throw forbidden(
            e.detail.replace(/ is not one your organisation looks after\.$/, ': you may not read it.'),
          );
        throw e;
      });
    }
    const results: QueryResult[] = [];
    // Queries of one batch that read the same comfort series (PMV and PPD of a building, say)
    // share one read of it.
    const comfortReads = new Map<string, Promise<ComfortBucket[]>>();
    for (const [i, q] of batch.queries.entries()) {
      try {
        results.push(await this.run(q, resolved[i], batch.from, batch.to, p, comfortReads));
      } catch (e) {
        if (!(e instanceof HttpProblem) || e.status >= 500) throw e;
        results.push({ interval: 'hour', unit: '', error: e.detail, series: [] });
      }
    }
    return { from: batch.from, to: batch.to, results };
  }

  private async run(
    q: PanelQuery,
    scope: ResolvedScope,
    from: number,
    to: number,
    p: Principal,
    comfortReads: Map<string, Promise<ComfortBucket[]>>,
  ): Promise<QueryResult> {
    const chosen = !q.interval || q.interval === 'auto' ? automaticInterval(from, to) : q.interval;
    const name = q.label ?? q.medium ?? q.metric ?? q.kpi ?? '';
    if (q.source === 'readings') return this.runReadings(q, scope, from, to, chosen, name, p);
    if (q.source === 'comfort') return this.runComfort(q, scope, from, to, chosen, name, p, comfortReads);
    return this.runKpi(q, scope, from, to, name);
  }

  private async runReadings(
    q: PanelQuery,
    scope: ResolvedScope,
    from: number,
    to: number,
    interval: 'raw' | 'hour' | 'day' | 'month',
    name: string,
    p: Principal,
  ): Promise<QueryResult> {
    const medium = q.medium as string;
    const unit =
      (await this.db.selectFrom('medium').select('unit').where('name', '=', medium).executeTakeFirst())
        ?.unit ?? '';
    const aggregation = q.aggregation ?? 'mean';
    if (scope.sensor !== undefined) {
      if (interval === 'raw') {
        const page = await this.readings.raw({ sensorId: scope.sensor }, from, to, 10_000, p);
        return {
          interval,
          unit: page.unit,
          series: [{ name, buildingId: scope.building ?? null, points: page.points.map((x) => [x.t, x.v]) }],
        };
      }
      const a = await this.readings.aggregate({ sensorId: scope.sensor }, from, to, interval, p);
      const pick = (b: (typeof a.buckets)[number]) =>
        aggregation === 'min'
          ? b.min
          : aggregation === 'max'
            ? b.max
            : aggregation === 'sum'
              ? b.sum
              : aggregation === 'consumption'
                ? (b.consumption ?? null)
                : a.cumulative
                  ? (b.consumption ?? null)
                  : b.avg;
      return {
        interval,
        unit: a.unit,
        series: [
          { name, buildingId: scope.building ?? null, points: a.buckets.map((b) => [b.start, pick(b)]) },
        ],
      };
    }
    // Groups are read hour by hour at the finest: one raw series per sensor is for a sensor panel.
    const groupInterval = interval === 'raw' ? 'hour' : interval;
    const area =
      scope.dwelling !== undefined
        ? { dwellingId: scope.dwelling }
        : scope.building !== undefined
          ? { buildingId: scope.building }
          : { districtId: scope.district as number };
    const g = await this.readings.group(area, medium, from, to, groupInterval, p);
    const pick = (b: (typeof g.buckets)[number]) =>
      aggregation === 'min' ? b.min : aggregation === 'max' ? b.max : b.mean;
    return {
      interval: groupInterval,
      unit: g.cumulative ? `${unit} (consumed)` : unit,
      series: [
        { name, buildingId: scope.building ?? null, points: g.buckets.map((b) => [b.start, pick(b)]) },
      ],
    };
  }

  private async runComfort(
    q: PanelQuery,
    scope: ResolvedScope,
    from: number,
    to: number,
    interval: 'raw' | 'hour' | 'day' | 'month',
    name: string,
    p: Principal,
    comfortReads: Map<string, Promise<ComfortBucket[]>>,
  ): Promise<QueryResult> {
    const comfortInterval = interval === 'raw' || interval === 'hour' ? 'hour' : 'day';
    const range = { from, to, interval: comfortInterval, limit: 10_000 } as const;
    const key = `${scope.dwelling ?? ''}/${scope.building ?? ''}/${scope.district ?? ''}/${comfortInterval}`;
    let read = comfortReads.get(key);
    if (!read) {
      read =
        scope.dwelling !== undefined
          ? this.comfort.dwelling(scope.dwelling, range, p).then((a) => a.mean)
          : this.comfort
              .group(
                scope.building !== undefined
                  ? { buildingId: scope.building }
                  : { districtId: scope.district as number },
                range,
                p,
              )
              .then((a) => a.buckets);
      comfortReads.set(key, read);
    }
    const buckets = await read;
    const metric = q.metric ?? 'pmv';
    const value = (b: (typeof buckets)[number]): number | null => {
      if (metric === 'pmv') return b.pmv;
      if (metric === 'ppd') return b.ppd;
      if (metric === 'compliance') return b.statuses ? b.statuses.green * 100 : null;
      if (!b.categories) return null;
      const share = {
        catI: b.categories.I,
        catII: b.categories.II,
        catIII: b.categories.III,
        outside: b.categories.outside,
      }[metric];
      return share * 100;
    };
    const unit = metric === 'pmv' ? '' : '%';
    return {
      interval: comfortInterval,
      unit,
      series: [{ name, buildingId: scope.building ?? null, points: buckets.map((b) => [b.start, value(b)]) }],
    };
  }

  private async runKpi(
    q: PanelQuery,
    scope: ResolvedScope,
    from: number,
    to: number,
    name: string,
  ): Promise<QueryResult> {
    const resource =
      scope.building !== undefined
        ? (
            await this.db
              .selectFrom('building')
              .select('code')
              .where('id', '=', scope.building)
              .executeTakeFirstOrThrow()
          ).code
        : (
            await this.db
              .selectFrom('district')
              .select('code')
              .where('id', '=', scope.district as number)
              .executeTakeFirstOrThrow()
          ).code;
    const page = await this.kpi.store.listMeasures({
      kpi: [q.kpi as string],
      resource: [resource],
      breakdown: '',
      from,
      to,
      limit: 500,
    });
    const items = [...page.items].sort((a, b) => a.periodStart - b.periodStart);
    const granularity = items[0]?.granularity;
    return {
      interval: granularity === 'month' ? 'month' : granularity === 'day' ? 'day' : 'month',
      unit: items[0]?.unit ?? (await this.kpi.store.definition(q.kpi as string))?.unit ?? '',
      series: [
        { name, buildingId: scope.building ?? null, points: items.map((m) => [m.periodStart, m.value]) },
      ],
    };
  }
}
