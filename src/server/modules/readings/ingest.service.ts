import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse as parseCsv } from 'csv-parse/sync';
import { IngestBodySchema, type JsonReading } from '#common/api/readings.ts';
import {
  FIELD_STRING,
  LineProtocolError,
  type PointVisitor,
  type Precision,
  scanBytes,
  scanLines,
} from '#common/line-protocol/index.ts';
import type { TextReading } from '../../timeseries/timeseries-io.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, forbidden, HttpProblem } from '../../plugins/errors.ts';
import type { SeriesCatalog, SeriesInfo, SeriesRequest } from '../../timeseries/series-catalog.ts';
import { escapeTag, forwarderIdentity, forwarderKey, seriesKey } from '../../timeseries/series-key.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { createBatch, sliceBatch, type WriteBatch } from '../../timeseries/write-batch.ts';

export interface IngestLimits {
  /** Earliest accepted reading, epoch ms. */
  minTime: number;
  /** How far into the future a reading may be, s. */
  maxFutureS: number;
}

/** A reading on its way in, before its series is resolved. */
interface Pending {
  key: string;
  request?: SeriesRequest;
  value: number | string;
  t: number;
  where: string;
}

const MAX_ERRORS = 50;
const checkIngestBody = TypeCompiler.Compile(IngestBodySchema);

/**
 * Turns whatever arrives (JSON, line protocol, CSV) into readings of series, validates the
 * whole batch, and stores it in one durable write: a bad batch is refused whole.
 */
export class IngestService {
  private readonly escapedFields = new Map<string, string>();

  constructor(
    private readonly catalog: SeriesCatalog,
    private readonly engine: TimeSeriesEngine,
    private readonly limits: IngestLimits,
    /** Where gateways are now (by id or serial number), for tokens restricted to some of them. */
    private readonly gateways?: GatewayLookup,
  ) {}

  /**
   * Stores a line-protocol body (InfluxDB 2.x semantics: all lines or none). The hot path:
   * readings of known numeric series go straight into the batch's columns; only new series and
   * text fields take the general path. `body` is text, or its UTF-8 bytes as they came.
   */
  async writeLineProtocol(
    body: string | Buffer,
    precision: Precision,
    principal?: Principal,
  ): Promise<number> {
    const now = Date.now();
    const minTime = this.limits.minTime;
    const maxTime = now + this.limits.maxFutureS * 1000;
    const catalog = this.catalog;
    // Columns sized from the body (a forwarder line is about 100 bytes), grown when needed.
    let batch = createBatch(Math.max(64, Math.ceil(body.length / 64)));
    let k = 0;
    let n = 0;
    let other: Pending[] | undefined;
    try {
      const visit: PointVisitor = (series, f, t, line) => {
        if (t < minTime || t > maxTime) this.checkTime(t, `line ${line}`, now);
        // The parser hands back the same series object line after line: remember on it which
        // fields of this catalog the series has, and skip the lookup next time.
        let memo = series.memo as LineMemo | undefined;
        if (memo === undefined || memo.catalog !== catalog) {
          const fields = catalog.fieldsOfLine(series.seriesKey);
          memo = fields ? { catalog, fields } : undefined;
          if (memo) series.memo = memo;
        }
        for (let i = 0; i < f.count; i++) {
          n++;
          const key = f.keys[i];
          const type = f.types[i];
          const info = memo?.fields.get(key);
          if (info !== undefined && info.valueType === 'number' && type !== FIELD_STRING) {
            if (k === batch.seriesIds.length) batch = grown(batch);
            batch.seriesIds[k] = info.id;
            batch.times[k] = t;
            batch.values[k] = f.numbers[i];
            k++;
            continue;
          }
          const value = type === FIELD_STRING ? (f.strings[i] as string) : f.numbers[i];
          const entry: Pending = {
            key: `${series.seriesKey} ${this.escapeField(key)}`,
            value,
            t,
            where: `line ${line}`,
          };
          if (!info)
            entry.request = this.requestFor(series.measurement, series.tags, key, type === FIELD_STRING);
          (other ??= []).push(entry);
        }
      };
      const options = { precision, nowMs: now };
      if (typeof body === 'string') scanLines(body, options, visit);
      else scanBytes(body, options, visit);
    } catch (error) {
      if (error instanceof LineProtocolError) {
        throw badRequest(error.message, {
          errors: [{ where: `line ${error.line}, column ${error.column}`, message: error.reason }],
        });
      }
      throw error;
    }
    const ready = sliceBatch(batch, k);
    if (principal && isRestricted(principal)) await this.authorizeIds(principal, ready.seriesIds);
    if (!other) {
      await this.engine.write(ready);
      return n;
    }
    return this.store(other, now, principal, ready);
  }

  private checkTime(t: number, where: string, now: number): void {
    if (t < this.limits.minTime) {
      throw invalid([
        {
          where,
          message: `time ${new Date(t).toISOString()} is before ${new Date(this.limits.minTime).toISOString()}, the earliest accepted (is the device's clock set?)`,
        },
      ]);
    }
    if (t > now + this.limits.maxFutureS * 1000) {
      throw invalid([
        {
          where,
          message: `time ${new Date(t).toISOString()} is more than ${this.limits.maxFutureS} s in the future`,
        },
      ]);
    }
  }

  private async authorizeIds(principal: Principal, ids: Uint32Array): Promise<void> {
    const seen = new Set<number>();
    const infos: SeriesInfo[] = [];
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const info = this.catalog.getById(id);
      if (info) infos.push(info);
    }
    await this.authorize(principal, infos);
  }

  /** Stores readings in the forwarder's terms. */
  async writeJson(readings: JsonReading[], principal?: Principal): Promise<number> {
    const now = Date.now();
    const pending: Pending[] = [];
    const errors: { where: string; message: string }[] = [];
    readings.forEach((r, i) => {
      const where = `readings[${i}]`;
      const t = typeof r.ts === 'number' ? r.ts : Date.parse(r.ts);
      if (!Number.isFinite(t)) errors.push({ where: `${where}.ts`, message: `"${r.ts}" is not a date-time` });
      if (!Number.isFinite(r.value))
        errors.push({ where: `${where}.value`, message: 'must be a finite number' });
      pending.push(this.forwarderPending(r, t, where));
    });
    if (errors.length > 0) throw invalid(errors);
    return this.store(pending, now, principal);
  }

  /**
   * Stores an MQTT message: JSON (one reading, an array of them, or `{readings: [...]}`) when
   * it starts with `{` or `[`, otherwise line protocol whose precision is the topic's last
   * level when that is ns, us, ms or s (default ns).
   */
  async writeMqtt(topic: string, payload: Uint8Array): Promise<number> {
    const text = Buffer.from(payload).toString('utf8');
    const first = text.trimStart()[0];
    if (first === '{' || first === '[') {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw badRequest(`The payload is not JSON: ${(error as Error).message}`);
      }
      const readings = Array.isArray(body) ? body : ((body as { readings?: unknown }).readings ?? [body]);
      const check = { readings };
      if (!checkIngestBody.Check(check)) {
        const e = checkIngestBody.Errors(check).First();
        throw badRequest(`The payload is not a reading: ${e?.path ?? ''} ${e?.message ?? ''}`.trim());
      }
      return this.writeJson(check.readings);
    }
    const level = topic.slice(topic.lastIndexOf('/') + 1);
    const precision: Precision =
      level === 'ns' || level === 'us' || level === 'ms' || level === 's' ? level : 'ns';
    return this.writeLineProtocol(text, precision);
  }

  /**
   * Stores readings from CSV, with the columns of the data export: either `sensor_id`, or
   * `sn`, `channel`, `device` and `medium`; then `time` (ISO 8601 or epoch ms) and `value`.
   */
  async writeCsv(
    text: string,
    principal?: Principal,
    sensorSeries?: (sensorId: number) => string | undefined,
  ): Promise<number> {
    let rows: Record<string, string>[];
    try {
      rows = parseCsv(text, {
        columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
        skip_empty_lines: true,
        trim: true,
        comment: '#',
      });
    } catch (error) {
      throw badRequest(`The CSV cannot be read: ${(error as Error).message}`);
    }
    if (rows.length === 0) return 0;
    const columns = Object.keys(rows[0]);
    const bySensor = columns.includes('sensor_id');
    const byTags = ['sn', 'channel', 'device', 'medium'].every((c) => columns.includes(c));
    if (!columns.includes('time') || !columns.includes('value') || (!bySensor && !byTags)) {
      throw badRequest(
        `The CSV needs the columns time and value, and either sensor_id or sn, channel, device and medium; it has ${columns.join(', ')}.`,
      );
    }
    const pending: Pending[] = [];
    const errors: { where: string; message: string }[] = [];
    rows.forEach((row, i) => {
      const where = `row ${i + 2}`;
      const t = /^-?\d+$/.test(row.time) ? Number(row.time) : Date.parse(row.time);
      const value = Number(row.value);
      if (!Number.isFinite(t))
        errors.push({ where: `${where}, column time`, message: `"${row.time}" is not a date-time` });
      if (row.value === '' || !Number.isFinite(value))
        errors.push({ where: `${where}, column value`, message: `"${row.value}" is not a finite number` });
      if (bySensor && row.sensor_id) {
        const key = sensorSeries?.(Number(row.sensor_id));
        if (!key)
          errors.push({
            where: `${where}, column sensor_id`,
            message: `there is no sensor ${row.sensor_id}`,
          });
        else pending.push({ key, value, t, where });
      } else if (!/^[0-9A-Fa-f]{16}$/.test(row.sn ?? '')) {
        errors.push({
          where: `${where}, column sn`,
          message: `"${row.sn ?? ''}" is not a serial number of 16 hexadecimal characters`,
        });
      } else {
        pending.push(
          this.forwarderPending(
            { sn: row.sn, channel: row.channel, device: row.device, medium: row.medium, ts: t, value },
            t,
            where,
          ),
        );
      }
    });
    if (errors.length > 0) throw invalid(errors);
    return this.store(pending, Date.now(), principal);
  }

  /**
   * A token restricted to some gateways or buildings writes only to sensors of those gateways,
   * or of gateways serving a dwelling in those buildings.
   */
  private async authorize(principal: Principal, infos: SeriesInfo[]): Promise<void> {
    if (!isRestricted(principal)) return;
    const gatewayIds = [...new Set(infos.map((i) => i.gatewayId).filter((g): g is number => g !== null))];
    const buildings =
      principal.buildingIds.length > 0 && this.gateways
        ? await this.gateways.buildingsOf(gatewayIds)
        : new Map<number, number | null>();
    for (const info of infos) {
      const building = info.gatewayId === null ? null : (buildings.get(info.gatewayId) ?? null);
      const why = refusal(principal, info.gatewayId, building);
      if (why)
        throw forbidden(
          `Token "${principal.name}" may not write to series "${info.key}": ${why}. Nothing was stored.`,
        );
    }
  }

  /**
   * A restricted token creates no series, gateway or sensor for others: before anything new is
   * made, each new forwarder series must belong to a gateway the token may write to.
   */
  private async authorizeNew(principal: Principal, requests: SeriesRequest[]): Promise<void> {
    if (!isRestricted(principal)) return;
    const serials = new Map<string, SeriesRequest>();
    for (const r of requests) {
      const forwarder = forwarderIdentity(r.measurement, r.tags, r.field);
      if (!forwarder)
        throw forbidden(
          `Token "${principal.name}" is restricted to some gateways or buildings and may only write their forwarder readings ("${r.key}" is not one). Nothing was stored.`,
        );
      serials.set(forwarder.sn, r);
    }
    const found = this.gateways
      ? await this.gateways.bySerial([...serials.keys()])
      : new Map<string, { gatewayId: number; buildingId: number | null }>();
    for (const [sn, r] of serials) {
      const place = found.get(sn);
      const why = place
        ? refusal(principal, place.gatewayId, place.buildingId)
        : 'its gateway is not registered, and the token is restricted to other gateways or buildings';
      if (why)
        throw forbidden(
          `Token "${principal.name}" may not write to series "${r.key}": ${why}. Nothing was stored.`,
        );
    }
  }

  private forwarderPending(r: JsonReading, t: number, where: string): Pending {
    const channel = String(r.channel);
    const device = String(r.device);
    const key = forwarderKey(r.sn, channel, device, r.medium);
    const entry: Pending = { key, value: r.value, t, where };
    if (!this.catalog.get(key)) {
      const tags: ReadonlyArray<readonly [string, string]> = [
        ['SN', r.sn.toUpperCase()],
        ['channel', channel],
        ['device', device],
        ['medium', r.medium],
      ];
      entry.request = this.requestFor('forwarder_data', tags, 'value', false);
    }
    return entry;
  }

  private escapeField(field: string): string {
    let escaped = this.escapedFields.get(field);
    if (escaped === undefined) {
      escaped = escapeTag(field);
      if (this.escapedFields.size < 10_000) this.escapedFields.set(field, escaped);
    }
    return escaped;
  }

  /** The series a new key stands for; forwarder keys are made canonical (serials in upper case). */
  private requestFor(
    measurement: string,
    tags: ReadonlyArray<readonly [string, string]>,
    field: string,
    text: boolean,
  ): SeriesRequest {
    const forwarder = forwarderIdentity(measurement, tags, field);
    if (forwarder) {
      const canonicalTags: [string, string][] = [
        ['SN', forwarder.sn],
        ['channel', forwarder.channel],
        ['device', forwarder.device],
        ['medium', forwarder.medium],
      ];
      return {
        key: forwarderKey(forwarder.sn, forwarder.channel, forwarder.device, forwarder.medium),
        measurement,
        tags: canonicalTags,
        field,
        valueType: text ? 'text' : 'number',
      };
    }
    return {
      key: seriesKey(measurement, tags, field),
      measurement,
      tags,
      field,
      valueType: text ? 'text' : 'number',
    };
  }

  private async store(
    pending: Pending[],
    now: number,
    principal?: Principal,
    ready?: WriteBatch,
  ): Promise<number> {
    const maxTime = now + this.limits.maxFutureS * 1000;
    const errors: { where: string; message: string }[] = [];
    for (const p of pending) {
      if (p.t < this.limits.minTime) {
        errors.push({
          where: p.where,
          message: `time ${new Date(p.t).toISOString()} is before ${new Date(this.limits.minTime).toISOString()}, the earliest accepted (is the device's clock set?)`,
        });
      } else if (p.t > maxTime) {
        errors.push({
          where: p.where,
          message: `time ${new Date(p.t).toISOString()} is more than ${this.limits.maxFutureS} s in the future`,
        });
      }
      if (errors.length >= MAX_ERRORS) break;
    }
    if (errors.length > 0) throw invalid(errors);

    const requests = new Map<string, SeriesRequest>();
    for (const p of pending) if (p.request) requests.set(p.request.key, p.request);
    if (requests.size > 0) {
      if (principal) await this.authorizeNew(principal, [...requests.values()]);
      await this.catalog.resolve([...requests.values()], now);
    }

    let numeric = 0;
    const infos: SeriesInfo[] = new Array(pending.length);
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i];
      const info = this.catalog.get(p.request ? p.request.key : p.key);
      if (!info) throw new Error(`series ${p.key} was not resolved`);
      if (p.request && p.request.key !== p.key) this.catalog.alias(p.key, info);
      const isText = typeof p.value === 'string';
      if (isText !== (info.valueType === 'text')) {
        errors.push({
          where: p.where,
          message: `field type conflict: series "${info.key}" holds ${info.valueType === 'text' ? 'strings' : 'numbers'}, this reading is ${isText ? 'a string' : 'a number'}`,
        });
        if (errors.length >= MAX_ERRORS) break;
      }
      infos[i] = info;
      if (!isText) numeric++;
    }
    if (errors.length > 0) throw invalid(errors);
    if (principal) await this.authorize(principal, infos);

    const done = ready?.seriesIds.length ?? 0;
    const batch = createBatch(done + numeric);
    if (ready) {
      batch.seriesIds.set(ready.seriesIds);
      batch.times.set(ready.times);
      batch.values.set(ready.values);
    }
    const texts: TextReading[] = [];
    let k = done;
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i];
      if (typeof p.value === 'string') {
        texts.push({ seriesId: infos[i].id, t: p.t, value: p.value });
      } else {
        batch.seriesIds[k] = infos[i].id;
        batch.times[k] = p.t;
        batch.values[k] = p.value;
        k++;
      }
    }
    await this.engine.write(batch, texts);
    return done + pending.length;
  }
}

function invalid(errors: { where: string; message: string }[]): HttpProblem {
  const first = errors[0];
  const more =
    errors.length > 1 ? ` (and ${errors.length - 1} more problem${errors.length > 2 ? 's' : ''})` : '';
  return badRequest(`Nothing was stored: ${first.where}: ${first.message}${more}.`, { errors });
}

/** What a line-protocol series object remembers of this catalog: its fields' series. */
interface LineMemo {
  catalog: SeriesCatalog;
  fields: Map<string, SeriesInfo>;
}

/** A batch with twice the room, its readings kept. */
function grown(batch: WriteBatch): WriteBatch {
  const next = createBatch(batch.seriesIds.length * 2);
  next.seriesIds.set(batch.seriesIds);
  next.times.set(batch.times);
  next.values.set(batch.values);
  return next;
}

/** Where gateways are, for restricted tokens. */
export interface GatewayLookup {
  /** The building each gateway serves now (null: none). */
  buildingsOf(gatewayIds: number[]): Promise<Map<number, number | null>>;
  /** Gateways by serial number (upper case). */
  bySerial(serials: string[]): Promise<Map<string, { gatewayId: number; buildingId: number | null }>>;
}

function isRestricted(principal: Principal): boolean {
  return (
    principal.kind === 'machine' && (principal.gatewayIds.length > 0 || principal.buildingIds.length > 0)
  );
}

/** Why a restricted token may not write to a gateway's sensors, or undefined when it may. */
function refusal(
  principal: Principal,
  gatewayId: number | null,
  buildingId: number | null,
): string | undefined {
  if (principal.gatewayIds.length > 0 && (gatewayId === null || !principal.gatewayIds.includes(gatewayId)))
    return 'it is restricted to other gateways';
  if (
    principal.buildingIds.length > 0 &&
    (buildingId === null || !principal.buildingIds.includes(buildingId))
  )
    return 'it is restricted to other buildings';
  return undefined;
}
