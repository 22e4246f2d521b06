import type { Kysely } from 'kysely';
import type { JsonReading } from '#common/api/readings.ts';
import { visibilityOf } from '../../access/visibility.ts';
import type { Database } from '../../db/schema.ts';
import { HttpProblem } from '../../plugins/errors.ts';
import type { Principal } from '../../plugins/access.ts';
import { type ActiveContext, ciopTerm } from './context.ts';
import { parseEntityId } from './entities.ts';
import { errorTypeUri, ngsiLdError } from './ngsild-errors.ts';
import { sensorIdentities } from './ngsild.store.ts';

/** Where readings are written: the ingest pipeline, as the readings module hands it out. */
export interface ReadingSink {
  writeJson(readings: JsonReading[], principal?: Principal): Promise<number>;
}

/** The answer of a batch operation that did not wholly succeed (§5.2.17 BatchOperationResult). */
export interface BatchOperationResult {
  success: string[];
  errors: { entityId: string; error: { type: string; title: string; detail: string } }[];
}

const fail = (entityId: string, detail: string) => ({
  entityId,
  error: { type: errorTypeUri('BadRequestData'), title: 'BadRequestData', detail },
});

/**
 * `entityOperations/upsert` of DeviceMeasurements (§5.6.8): each `numValue` instance (a value, and
 * its `observedAt`, else the entity's `dateObserved`, else now) becomes a reading of the sensor,
 * written through the ingest pipeline as the caller (whose gateway restriction applies). Only
 * measurements of sensors CIOP knows and the caller sees are taken; the rest are named in errors.
 */
export class MeasurementUpsert {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly sink: ReadingSink,
  ) {}

  async upsert(
    principal: Principal,
    body: unknown,
    context: ActiveContext,
    now: number,
  ): Promise<BatchOperationResult> {
    if (!Array.isArray(body) || body.length === 0)
      throw ngsiLdError('BadRequestData', 'The body is a list of DeviceMeasurement entities.');
    const result: BatchOperationResult = { success: [], errors: [] };
    const wanted = new Map<number, { id: string; readings: { value: number; ts: number }[] }>();
    body.forEach((entity: Record<string, unknown>, i) => {
      const id = typeof entity?.id === 'string' ? entity.id : `[${i}]`;
      const type = typeof entity?.type === 'string' ? ciopTerm(entity.type, context) : undefined;
      const parsed = parseEntityId(id);
      if (type !== 'DeviceMeasurement' || parsed?.type !== 'DeviceMeasurement')
        return result.errors.push(
          fail(id, 'CIOP takes DeviceMeasurement entities (urn:ngsi-ld:DeviceMeasurement:<sensor>) only.'),
        );
      const key = Object.keys(entity).find((k) => ciopTerm(k, context) === 'numValue');
      const dateObserved =
        entity[Object.keys(entity).find((k) => ciopTerm(k, context) === 'dateObserved') ?? ''];
      const fallback = Date.parse(
        String((dateObserved as { value?: unknown } | undefined)?.value ?? dateObserved ?? ''),
      );
      const instances = [key ? entity[key] : undefined].flat();
      const readings: { value: number; ts: number }[] = [];
      for (const instance of instances) {
        const value =
          typeof instance === 'number' ? instance : (instance as { value?: unknown } | undefined)?.value;
        const observedAt = (instance as { observedAt?: unknown } | undefined)?.observedAt;
        const ts =
          typeof observedAt === 'string'
            ? Date.parse(observedAt)
            : Number.isFinite(fallback)
              ? fallback
              : now;
        if (typeof value !== 'number' || !Number.isFinite(value) || !Number.isFinite(ts))
          return result.errors.push(fail(id, 'numValue: a number, with observedAt an ISO 8601 DateTime.'));
        readings.push({ value, ts });
      }
      wanted.set(parsed.n, { id, readings });
    });
    const seen = await sensorIdentities(this.db, visibilityOf(principal), [...wanted.keys()]);
    const byId = new Map(seen.map((s) => [s.id, s]));
    const readings: JsonReading[] = [];
    for (const [n, { id, readings: values }] of wanted) {
      const sensor = byId.get(n);
      if (!sensor) {
        result.errors.push({
          entityId: id,
          error: {
            type: errorTypeUri('ResourceNotFound'),
            title: 'ResourceNotFound',
            detail: `There is no ${id} that you may write.`,
          },
        });
        continue;
      }
      for (const r of values)
        readings.push({
          sn: sensor.sn,
          channel: sensor.channel,
          device: sensor.device,
          medium: sensor.medium,
          ts: r.ts,
          value: r.value,
        });
      result.success.push(id);
    }
    if (readings.length > 0) {
      try {
        await this.sink.writeJson(readings, principal);
      } catch (error) {
        // Ingest takes a batch whole or not at all: then none of them was written.
        if (!(error instanceof HttpProblem) || error.status >= 500) throw error;
        for (const id of result.success.splice(0)) result.errors.push(fail(id, error.detail));
      }
    }
    return result;
  }
}
