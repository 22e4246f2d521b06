import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parse as parseCsv } from 'csv-parse/sync';
import { IngestBodySchema, type JsonReading } from '#common/api/readings.ts';
import { DATE_MS_LIMIT } from '#common/api/time.ts';
import {
  FIELD_STRING,
  type LimitName,
  type LineLimits,
  LineProtocolError,
  LineScanner,
  type PointVisitor,
  type Precision,
} from '#common/line-protocol/index.ts';
import type { TextReading } from '../../timeseries/timeseries-io.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, forbidden, HttpProblem } from '../../plugins/errors.ts';
import type { SeriesCatalog, SeriesInfo, SeriesRequest } from '../../timeseries/series-catalog.ts';
import { NewSeriesRate } from './new-series-rate.ts';
import { escapeTag, forwarderIdentity, forwarderKey, seriesKey } from '../../timeseries/series-key.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { createBatch, sliceBatch, type WriteBatch } from '../../timeseries/write-batch.ts';

export interface IngestLimits {
  /** Earliest accepted reading, epoch ms. */
  minTime: number;
  /** How far into the future a reading may be, s. */
  maxFutureS: number;
  /** How large a line-protocol line may be (fields, tags, bytes of a key). */
  line: LineLimits;
  /** Most series one batch may create. */
  maxNewSeries: number;
  /** Most series one writer may create in a minute; 0 = no limit. */
  newSeriesPerMinute: number;
}

/** The setting behind each limit, named in refusals so that an operator knows what to change. */
const LIMIT_SETTINGS: Record<LimitName, string> = {
  lineBytes: 'CIOP_INGEST_MAX_LINE_BYTES',
  fields: 'CIOP_INGEST_MAX_FIELDS_PER_LINE',
  tags: 'CIOP_INGEST_MAX_TAGS',
  keyBytes: 'CIOP_INGEST_MAX_KEY_BYTES',
};

/** Who counts against the per-minute limit of new series when the write comes over MQTT. */
const MQTT_WRITER = 'mqtt';

/**
 * UTF-16 units of line protocol scanned between two looks at the clock: a fifth of a
 * millisecond of forwarder lines, a few milliseconds of lines that each make a new series.
 */
const SLICE_UNITS = 16 * 1024;
/** Time the scan of one body may hold the event loop before it lets other work run, ms. */
const SLICE_MS = 8;
/** Readings the columns of a line-protocol batch hold at first (1.3 MB); they grow beyond. */
const MAX_INITIAL_BATCH = 65_536;

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
  private readonly newSeriesRate: NewSeriesRate;

  constructor(
    private readonly catalog: SeriesCatalog,
    private readonly engine: TimeSeriesEngine,
    private readonly limits: IngestLimits,
    /** Where gateways are now (by id or serial number), for tokens restricted to some of them. */
    private readonly gateways?: GatewayLookup,
  ) {
    this.newSeriesRate = new NewSeriesRate(limits.newSeriesPerMinute);
  }

  /**
   * Stores a line-protocol body (InfluxDB 2.x semantics: all lines or none). The hot path:
   * readings of known numeric series go straight into the batch's columns; only new series and
   * text fields take the general path. `body` is text, or its UTF-8 bytes (in the chunks they
   * came in, perhaps).
   *
   * The body is scanned in slices between which other requests are answered, and the scan stops
   * as soon as a line goes beyond a limit or the batch names more new series than it may create.
   *
   * @param writer who counts against the per-minute limit of new series (default: the principal;
   *   none for a write of CIOP's own).
   */
  async writeLineProtocol(
    body: string | Buffer | readonly Buffer[],
    precision: Precision,
    principal?: Principal,
    writer = writerOf(principal),
  ): Promise<number> {
    const now = Date.now();
    const minTime = this.limits.minTime;
    const maxTime = now + this.limits.maxFutureS * 1000;
    const catalog = this.catalog;
    // Columns sized from the body (a forwarder line is about 100 bytes), grown when needed; not
    // beyond what a refused body would spend on memory never used.
    const size = Array.isArray(body)
      ? body.reduce((sum: number, chunk: Buffer) => sum + chunk.length, 0)
      : (body as string | Buffer).length;
    let batch = createBatch(Math.min(MAX_INITIAL_BATCH, Math.max(64, Math.ceil(size / 64))));
    let k = 0;
    let n = 0;
    let other: Pending[] | undefined;
    // Series the body names that this replica does not know, with the line of their first
    // reading: once there are more than the batch may create, the database is asked which exist.
    const fresh = new Map<string, string>();
    const budget = Math.min(
      this.limits.maxNewSeries,
      writer === undefined ? Infinity : this.newSeriesRate.remaining(writer, now),
    );
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
          if (!info) {
            const request = this.requestFor(series.measurement, series.tags, key, type === FIELD_STRING);
            entry.request = request;
            if (!fresh.has(request.key) && !catalog.get(request.key)) fresh.set(request.key, entry.where);
          }
          (other ??= []).push(entry);
        }
      };
      const scanner = new LineScanner(body, { precision, nowMs: now, limits: this.limits.line }, visit);
      let sliceStart = performance.now();
      for (;;) {
        const done = scanner.step(SLICE_UNITS);
        if (fresh.size > budget) await this.admitFresh(fresh, writer, now);
        if (done) break;
        if (performance.now() - sliceStart >= SLICE_MS) {
          await yieldToEventLoop();
          sliceStart = performance.now();
        }
      }
    } catch (error) {
      if (error instanceof LineProtocolError) {
        const setting = error.limit ? ` (${LIMIT_SETTINGS[error.limit]})` : '';
        throw badRequest(`${error.message}${setting}. Nothing was stored.`, {
          errors: [
            { where: `line ${error.line}, column ${error.column}`, message: `${error.reason}${setting}` },
          ],
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
    return this.store(other, now, principal, writer, ready);
  }

  /**
   * Forgets the series of `fresh` that the database holds (another replica made them), then
   * refuses the batch if it still names more new series than it may create.
   */
  private async admitFresh(fresh: Map<string, string>, writer: string | undefined, now: number) {
    for (const info of await this.catalog.lookup([...fresh.keys()])) fresh.delete(info.key);
    this.refuseNewSeries([...fresh.values()], writer, now, false);
  }

  /**
   * Refuses a batch that would create more series than one batch may (400) or than `writer` may
   * in the coming minute (429 with Retry-After). `firstWhere` says where each new series first
   * appears, in batch order. With `take`, the series are counted as created by `writer`.
   */
  private refuseNewSeries(
    firstWhere: string[],
    writer: string | undefined,
    now: number,
    take: boolean,
  ): void {
    const max = this.limits.maxNewSeries;
    if (firstWhere.length > max) {
      throw invalid([
        {
          where: firstWhere[max],
          message: `the batch would create more than ${max} new series (CIOP_INGEST_MAX_NEW_SERIES); send fewer at once`,
        },
      ]);
    }
    if (writer === undefined || this.limits.newSeriesPerMinute === 0) return;
    const count = firstWhere.length;
    const waitS = this.newSeriesRate.waitS(writer, count, now);
    if (waitS === 0) {
      if (take) this.newSeriesRate.record(writer, count, now);
      return;
    }
    const perMinute = this.limits.newSeriesPerMinute;
    // The first new series beyond what the writer may still create.
    const where = firstWhere[Math.max(0, Math.min(count - 1, this.newSeriesRate.remaining(writer, now)))];
    const message = `this writer may create ${perMinute} new series a minute (CIOP_INGEST_NEW_SERIES_PER_MINUTE) and the batch would go beyond; try again in ${waitS} s`;
    throw new HttpProblem(
      429,
      `Nothing was stored: ${where}: ${message}.`,
      { errors: [{ where, message }] },
      { 'retry-after': String(waitS) },
    );
  }

  private checkTime(t: number, where: string, now: number): void {
    const error = this.timeError(t, where, now + this.limits.maxFutureS * 1000);
    if (error) throw invalid([error]);
  }

  /** Why time `t` (epoch ms) is refused, or undefined when it is accepted. */
  private timeError(
    t: number,
    where: string,
    maxTime: number,
  ): { where: string; message: string } | undefined {
    if (t < this.limits.minTime) {
      return {
        where,
        message: `time ${isoTime(t)} is before ${isoTime(this.limits.minTime)}, the earliest accepted (is the device's clock set?)`,
      };
    }
    if (t > maxTime) {
      return { where, message: `time ${isoTime(t)} is more than ${this.limits.maxFutureS} s in the future` };
    }
    return undefined;
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

  /** Stores readings in the forwarder's terms; `writer` as for `writeLineProtocol`. */
  async writeJson(
    readings: JsonReading[],
    principal?: Principal,
    writer = writerOf(principal),
  ): Promise<number> {
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
    return this.store(pending, now, principal, writer);
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
      return this.writeJson(check.readings, undefined, MQTT_WRITER);
    }
    const level = topic.slice(topic.lastIndexOf('/') + 1);
    const precision: Precision =
      level === 'ns' || level === 'us' || level === 'ms' || level === 's' ? level : 'ns';
    return this.writeLineProtocol(text, precision, undefined, MQTT_WRITER);
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
    return this.store(pending, Date.now(), principal, writerOf(principal));
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

  /**
   * Stores readings of the general path, all or none: nothing is created (series, gateway,
   * sensor, medium) before the whole batch is known to be good.
   */
  private async store(
    pending: Pending[],
    now: number,
    principal: Principal | undefined,
    writer: string | undefined,
    ready?: WriteBatch,
  ): Promise<number> {
    const maxTime = now + this.limits.maxFutureS * 1000;
    const errors: { where: string; message: string }[] = [];
    for (const p of pending) {
      const error = this.timeError(p.t, p.where, maxTime);
      if (error) errors.push(error);
      if (errors.length >= MAX_ERRORS) break;
    }
    if (errors.length > 0) throw invalid(errors);

    // The first request for a series decides its type; where it first appears is named when
    // the batch would create too many.
    const requests = new Map<string, { request: SeriesRequest; where: string }>();
    for (const p of pending)
      if (p.request && !requests.has(p.request.key))
        requests.set(p.request.key, { request: p.request, where: p.where });
    for (const { request, where } of requests.values()) {
      const why = this.keyTooLong(request);
      if (why) errors.push({ where, message: why });
      if (errors.length >= MAX_ERRORS) break;
    }
    if (errors.length > 0) throw invalid(errors);

    // Runs once every existing series is known, before any is created.
    const check = async (toCreate: SeriesRequest[]) => {
      this.checkTypes(pending);
      if (principal && isRestricted(principal)) {
        const known = new Map<number, SeriesInfo>();
        for (const p of pending) {
          const info = this.catalog.get(p.request ? p.request.key : p.key);
          if (info) known.set(info.id, info);
        }
        await this.authorize(principal, [...known.values()]);
        await this.authorizeNew(principal, toCreate);
      }
      const creating = new Set(toCreate.map((r) => r.key));
      const inBatchOrder = [...requests.values()].filter((r) => creating.has(r.request.key));
      this.refuseNewSeries(
        inBatchOrder.map((r) => r.where),
        writer,
        now,
        true,
      );
    };
    await this.catalog.resolve(
      [...requests.values()].map((r) => r.request),
      now,
      check,
    );

    let numeric = 0;
    const infos: SeriesInfo[] = new Array(pending.length);
    for (let i = 0; i < pending.length; i++) {
      const p = pending[i];
      const info = this.catalog.get(p.request ? p.request.key : p.key);
      if (!info) throw new Error(`series ${p.key} was not resolved`);
      if (p.request && p.request.key !== p.key) this.catalog.alias(p.key, info);
      const isText = typeof p.value === 'string';
      // Checked before; differs only when another replica made the series in between.
      if (isText !== (info.valueType === 'text')) {
        errors.push({ where: p.where, message: typeConflict(info.key, info.valueType === 'text', isText) });
        if (errors.length >= MAX_ERRORS) break;
      }
      infos[i] = info;
      if (!isText) numeric++;
    }
    if (errors.length > 0) throw invalid(errors);

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

  /**
   * Refuses readings whose type differs from their series': a known series keeps its type, and
   * a new one takes the type of its first reading in the batch.
   */
  private checkTypes(pending: Pending[]): void {
    const errors: { where: string; message: string }[] = [];
    const firstOfNew = new Map<string, { text: boolean; where: string }>();
    for (const p of pending) {
      const key = p.request ? p.request.key : p.key;
      const isText = typeof p.value === 'string';
      const info = this.catalog.get(key);
      if (info) {
        if (isText !== (info.valueType === 'text'))
          errors.push({ where: p.where, message: typeConflict(info.key, info.valueType === 'text', isText) });
      } else {
        const first = firstOfNew.get(key);
        if (first === undefined) firstOfNew.set(key, { text: isText, where: p.where });
        else if (first.text !== isText)
          errors.push({
            where: p.where,
            message: `field type conflict: new series "${key}" gets ${first.text ? 'a string' : 'a number'} on ${first.where} of this batch, this reading is ${isText ? 'a string' : 'a number'}`,
          });
      }
      if (errors.length >= MAX_ERRORS) break;
    }
    if (errors.length > 0) throw invalid(errors);
  }

  /** Why a new series' measurement, tags or field are too long, or undefined when they are not. */
  private keyTooLong(request: SeriesRequest): string | undefined {
    const max = this.limits.line.keyBytes;
    const parts: Array<[string, string]> = [
      ['measurement', request.measurement],
      ['field key', request.field],
    ];
    for (const [key, value] of request.tags) parts.push(['tag key', key], [`value of tag "${key}"`, value]);
    for (const [what, text] of parts) {
      const bytes = Buffer.byteLength(text);
      if (bytes > max)
        return `${what} "${text.length > 40 ? `${text.slice(0, 40)}…` : text}" takes ${bytes} bytes; at most ${max} are allowed (CIOP_INGEST_MAX_KEY_BYTES)`;
    }
    if (request.tags.length > this.limits.line.tags)
      return `more than ${this.limits.line.tags} tags in one series (CIOP_INGEST_MAX_TAGS)`;
    return undefined;
  }
}

/** Who counts against the per-minute limit of new series: the token or account that writes. */
function writerOf(principal: Principal | undefined): string | undefined {
  return principal === undefined ? undefined : `${principal.kind} ${principal.id}`;
}

/** Lets the event loop answer what waits (other requests, timers) before going on. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** ISO 8601 of epoch ms `t`, or the number itself when no date can hold it. */
function isoTime(t: number): string {
  return Math.abs(t) <= DATE_MS_LIMIT ? new Date(t).toISOString() : `${t} ms`;
}

function typeConflict(key: string, holdsText: boolean, isText: boolean): string {
  return `field type conflict: series "${key}" holds ${holdsText ? 'strings' : 'numbers'}, this reading is ${isText ? 'a string' : 'a number'}`;
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
