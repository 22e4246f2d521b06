import type { Kysely } from 'kysely';
import type { FactorCreate, FactorPatch, FactorRow } from '#common/api/kpi.ts';
import type { Database } from '../../db/schema.ts';
import { badRequest, notFound } from '../../plugins/errors.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { By } from '../../audit/by.ts';
import type { KpiCalculators } from './kpi-calculators.ts';
import { checkTotal, type Factor, overlaps, toFactorAnswer } from './kpi-factors.ts';
import { yearPeriod } from './kpi-periods.ts';
import type { KpiService } from './kpi.service.ts';
import * as store from './kpi.store.ts';

/**
 * The conversion factors: listed to KPI evaluators, changed by admins. Every change is audited
 * with the values before and after, and says whether the stored energy KPIs it touches are
 * computed again (`recompute`): if so, through the energy calculator, for every building and
 * every year the factor's validity (before and after the change) overlaps; if not, they keep the
 * factor they were computed with, which their provenance names.
 */
export class KpiFactorsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly kpi: KpiService,
    private readonly calculators: KpiCalculators,
    private readonly audit: AuditService,
    private readonly zone: string,
    private readonly clock: () => number = Date.now,
  ) {}

  async list(): Promise<{ items: FactorRow[] }> {
    return { items: (await this.calculators.factors()).map(toFactorAnswer) };
  }

  private check(f: Pick<Factor, 'renewable' | 'nonRenewable' | 'total' | 'validFrom' | 'validTo'>): void {
    const total = checkTotal(f);
    if (total) throw badRequest(total);
    if (f.validFrom !== null && f.validTo !== null && f.validTo <= f.validFrom)
      throw badRequest(`validTo (${f.validTo}) must come after validFrom (${f.validFrom}).`);
  }

  async create(body: FactorCreate, by: By) {
    const factor: Factor = {
      id: null,
      carrier: body.carrier,
      region: body.region,
      validFrom: body.validFrom ?? null,
      validTo: body.validTo ?? null,
      renewable: body.renewable,
      nonRenewable: body.nonRenewable,
      total: body.total,
      co2: body.co2,
      source: body.source,
      updatedAt: this.clock(),
      updatedBy: by.actor.name,
    };
    this.check(factor);
    factor.id = await store.insertFactor(this.db, {
      carrier: factor.carrier,
      region: factor.region,
      valid_from: factor.validFrom,
      valid_to: factor.validTo,
      renewable: factor.renewable,
      non_renewable: factor.nonRenewable,
      total: factor.total,
      co2: factor.co2,
      source: factor.source,
      updated_at: factor.updatedAt as number,
      updated_by: factor.updatedBy as string,
    });
    const change = await this.applied([factor], body.recompute);
    await this.audit.record({
      action: 'kpi.factor_created',
      actor: by.actor,
      ip: by.ip,
      target: { type: 'kpi_factor', id: factor.id },
      detail: { after: toFactorAnswer(factor), recompute: body.recompute, ...change },
    });
    return { factor: toFactorAnswer(factor), ...change };
  }

  async update(id: number, patch: FactorPatch, by: By) {
    const row = await store.findFactor(this.db, id);
    if (!row) throw notFound(`There is no conversion factor ${id}.`);
    const before = (await this.calculators.factors()).find((f) => f.id === id) as Factor;
    const after: Factor = {
      ...before,
      validFrom: patch.validFrom !== undefined ? patch.validFrom : before.validFrom,
      validTo: patch.validTo !== undefined ? patch.validTo : before.validTo,
      renewable: patch.renewable ?? before.renewable,
      nonRenewable: patch.nonRenewable ?? before.nonRenewable,
      total: patch.total ?? before.total,
      co2: patch.co2 ?? before.co2,
      source: patch.source ?? before.source,
      updatedAt: this.clock(),
      updatedBy: by.actor.name,
    };
    this.check(after);
    await store.updateFactor(this.db, id, {
      valid_from: after.validFrom,
      valid_to: after.validTo,
      renewable: after.renewable,
      non_renewable: after.nonRenewable,
      total: after.total,
      co2: after.co2,
      source: after.source,
      updated_at: after.updatedAt as number,
      updated_by: after.updatedBy as string,
    });
    const change = await this.applied([before, after], patch.recompute);
    await this.audit.record({
      action: 'kpi.factor_changed',
      actor: by.actor,
      ip: by.ip,
      target: { type: 'kpi_factor', id },
      detail: {
        before: toFactorAnswer(before),
        after: toFactorAnswer(after),
        recompute: patch.recompute,
        ...change,
      },
    });
    return { factor: toFactorAnswer(after), ...change };
  }

  /**
   * The years with stored energy KPIs that a factor's validity windows overlap: computed again
   * (`recompute`), or counted as kept.
   */
  private async applied(
    windows: Factor[],
    recompute: boolean,
  ): Promise<{ recomputed: number; kept: number }> {
    const years = (await this.calculators.energyYears()).filter((y) => {
      const p = yearPeriod(y, this.zone);
      return windows.some((w) => overlaps(w, p.start, p.end));
    });
    if (years.length === 0) return { recomputed: 0, kept: 0 };
    if (recompute) return { recomputed: (await this.calculators.energy(years)).measures, kept: 0 };
    let kept = 0;
    for (const y of years) {
      const p = yearPeriod(y, this.zone);
      kept += await this.kpi.countCalculated('energy', p.start, p.end);
    }
    return { recomputed: 0, kept };
  }
}
