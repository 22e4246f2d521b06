import type { Kysely, Transaction } from 'kysely';
import type {
  DeviceStatus,
  DwellingStatus,
  DwellingStatusEntry,
  GatewayPreview,
  GatewayState,
  Installation,
  InstallationCoverage,
  InstallationCreate,
  StatusCounts,
  StatusPage,
  StatusQuery,
} from '#common/api/installations.ts';
import { DEVICE_STATUSES, DWELLING_STATUSES } from '#common/api/installations.ts';
import { brokenConstraint } from '../../db/constraint-errors.ts';
import type { Database } from '../../db/schema.ts';
import type { Principal } from '../../plugins/access.ts';
import { badRequest, conflict, HttpProblem } from '../../plugins/errors.ts';
import type { AccountsService } from '../auth/accounts.service.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import { foldHours } from '../../timeseries/aggregate.ts';
import { intervalBoundaries, intervalIndex } from '../../timeseries/calendar.ts';
import type { FlaggedReadings, FlaggedRun } from '../../timeseries/flagged-readings.ts';
import type { TimeSeriesEngine } from '../../timeseries/timeseries-engine.ts';
import { decodeCursor, encodeCursor, pageLimit } from '../../pagination/pagination.ts';
import * as places from '../../places/places.store.ts';
import type { Scope } from '../../places/places.store.ts';
import type { RegistryService } from '../registry/registry.service.ts';
import type { AlarmSettingsService } from './alarm-settings.service.ts';
import { type AlarmsService, latestOf } from './alarms.service.ts';
import { dwellingStatus, evaluateDevices } from './device-status.ts';
import { hoursWithin } from './hours-within.ts';
import * as store from './installations.store.ts';

type Trx = Transaction<Database>;

/** Days in one heatmap, at most. */
export const MAX_COVERAGE_DAYS = 400;

/**
 * Runs a step of a registration; a problem it raises names the field it came from
 * (`newDwelling.label: …`, `sensors[2].medium: …`), so the person knows what to fix.
 */
async function within<T>(field: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof HttpProblem)) throw error;
    const named = /^[a-zA-Z][\w.[\]]*: /.exec(error.detail);
    const detail = named ? `${field}.${error.detail}` : `${field}: ${error.detail}`;
    throw new HttpProblem(error.status, detail, error.extra, error.headers);
  }
}

const emptyCounts = (): StatusCounts => ({
  gateways: Object.fromEntries(DEVICE_STATUSES.map((s) => [s, 0])) as Record<DeviceStatus, number>,
  sensors: Object.fromEntries(DEVICE_STATUSES.map((s) => [s, 0])) as Record<DeviceStatus, number>,
  dwellings: Object.fromEntries(DWELLING_STATUSES.map((s) => [s, 0])) as Record<DwellingStatus, number>,
});

/**
 * Installations: registering a dwelling's gateway and sensors in one step, the live status of
 * every dwelling's devices, and the missing-data heatmap.
 */
export class InstallationsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly engine: TimeSeriesEngine,
    private readonly registry: RegistryService,
    private readonly accounts: AccountsService,
    private readonly audit: AuditService,
    private readonly alarms: AlarmsService,
    private readonly settings: AlarmSettingsService,
    private readonly timezone: string,
    private readonly flagged: FlaggedReadings,
  ) {}

  // --- Registration -------------------------------------------------------------------------

  /** What CIOP knows of a serial number: unknown, reporting unregistered, or registered somewhere. */
  async preview(sn: string): Promise<GatewayPreview> {
    const upper = sn.toUpperCase();
    const row = await store.findGatewayPlace(this.db, upper);
    if (!row)
      return {
        sn: upper,
        state: 'unknown',
        gatewayId: null,
        readings: 0,
        firstSeenAt: null,
        lastSeenAt: null,
        dwelling: null,
        weatherStation: null,
        sensors: [],
      };
    const sensors = await store.listSensorsOfGateways(this.db, [row.id]);
    const seriesIds = sensors.flatMap((s) => (s.seriesId === null ? [] : [s.seriesId]));
    const counts = await store.countStoredReadings(this.db, seriesIds);
    const latest = await latestOf(this.engine, seriesIds);
    const lastOf = (seriesId: number | null) =>
      seriesId === null ? null : (latest.get(seriesId)?.t ?? null);
    const lastSeen = sensors.reduce<number | null>((m, s) => {
      const t = lastOf(s.seriesId);
      return t !== null && (m === null || t > m) ? t : m;
    }, null);
    return {
      sn: row.sn,
      state: row.registeredAt === null ? 'unregistered' : 'registered',
      gatewayId: row.id,
      readings: seriesIds.reduce((n, id) => n + (counts.get(id) ?? 0), 0),
      firstSeenAt: row.firstSeenAt,
      lastSeenAt: lastSeen,
      dwelling:
        row.dwellingId === null
          ? null
          : {
              id: row.dwellingId,
              label: row.dwellingLabel ?? '',
              buildingId: row.buildingId as number,
              buildingCode: row.buildingCode ?? '',
              address: row.address ?? '',
            },
      weatherStation: row.weatherStation,
      sensors: sensors.map((s) => ({
        id: s.id,
        channel: s.channel,
        device: s.device,
        medium: s.medium,
        label: s.label,
        readings: s.seriesId === null ? 0 : (counts.get(s.seriesId) ?? 0),
        lastSeen: lastOf(s.seriesId),
      })),
    };
  }

  /**
   * Registers an installation in one transaction: the dwelling (existing or new), its gateway
   * (created, registered, or moved here when `gateway.move` confirms it), the sensors
   * synchronised with it, and optionally the resident's account, who is then invited by e-mail.
   * A gateway's first registration takes everything it sent before along; a move keeps its
   * earlier readings with the dwelling it served then (the registry's rules).
   */
  async register(body: InstallationCreate, principal: Principal, ip = ''): Promise<Installation> {
    let label: string | undefined;
    if ((body.dwellingId === undefined) === (body.newDwelling === undefined))
      throw badRequest(
        'dwelling: choose an existing dwelling (dwellingId) or describe a new one (newDwelling), one of the two.',
      );
    if (body.newDwelling) {
      const { floor, door } = body.newDwelling;
      label =
        body.newDwelling.label ??
        (door === undefined ? undefined : floor != null ? `${floor} ${door}` : door);
      if (!label)
        throw badRequest('newDwelling.door: say which door (such as Izq.), or give the whole label.');
    }
    body.sensors.forEach((s, i) => {
      const j = body.sensors.findIndex(
        (o) => o.channel === s.channel && o.device === s.device && o.medium === s.medium,
      );
      if (j < i)
        throw badRequest(
          `sensors[${i}]: the same sensor as sensors[${j}] (channel ${s.channel}, device ${s.device}, ${s.medium}).`,
        );
    });
    const sn = body.gateway.sn.toUpperCase();
    let invite: (() => Promise<void>) | undefined;
    let result: Installation;
    try {
      result = await this.db.transaction().execute(async (trx) => {
        const building = await this.registry.findBuildingIn(trx, body.buildingId);
        if (!building) throw badRequest(`buildingId: there is no building ${body.buildingId}.`);
        let dwellingId: number;
        if (body.dwellingId !== undefined) {
          const dwelling = await this.registry.findDwellingIn(trx, body.dwellingId);
          if (!dwelling) throw badRequest(`dwellingId: there is no dwelling ${body.dwellingId}.`);
          if (dwelling.buildingId !== building.id)
            throw badRequest(
              `dwellingId: dwelling ${dwelling.label} (${dwelling.id}) is not in building ${building.code}.`,
            );
          dwellingId = dwelling.id;
          label = dwelling.label;
        } else {
          const d = body.newDwelling!;
          dwellingId = await within('newDwelling', () =>
            this.registry.createDwellingIn(trx, {
              buildingId: building.id,
              label: label!,
              floor: d.floor ?? null,
              areaM2: d.areaM2 ?? null,
              contractedPowerW: d.contractedPowerW ?? null,
            }),
          );
        }

        const { gatewayId, was, movedFrom } = await this.placeGateway(trx, body, sn, dwellingId);

        const sensors: Installation['sensors'] = [];
        for (const [i, s] of body.sensors.entries()) {
          const existing = await this.registry.findSensorByIdentityIn(trx, gatewayId, s);
          if (existing) {
            if (s.label !== undefined && s.label !== existing.label)
              await this.registry.updateSensorIn(trx, existing.id, { label: s.label });
            sensors.push({ ...s, id: existing.id, created: false, hasReadings: existing.seriesId !== null });
          } else {
            const id = await within(`sensors[${i}]`, () =>
              this.registry.createSensorIn(trx, { ...s, gatewayId }),
            );
            sensors.push({
              id,
              channel: s.channel,
              device: s.device,
              medium: s.medium,
              created: true,
              hasReadings: false,
            });
          }
        }
        // Sensors the gateway reported that the form left out stay: their readings are kept.
        for (const s of await store.listSensorsOfGateways(trx, [gatewayId]))
          if (!sensors.some((k) => k.id === s.id))
            sensors.push({
              id: s.id,
              channel: s.channel,
              device: s.device,
              medium: s.medium,
              created: false,
              hasReadings: s.seriesId !== null,
            });

        let resident: Installation['resident'] = null;
        if (body.resident) {
          const created = await within('resident', () =>
            this.accounts.createIn(
              trx,
              {
                email: body.resident!.email,
                name: body.resident!.name,
                roles: ['resident'],
                dwellingIds: [dwellingId],
                ...(body.resident!.language ? { language: body.resident!.language } : {}),
              },
              { actor: principal, ip },
            ),
          );
          invite = created.invite;
          resident = { id: created.id, email: body.resident.email, invited: true };
        }

        await this.audit.record(
          {
            action: 'installation.registered',
            actor: principal,
            ip,
            target: { type: 'dwelling', id: dwellingId },
            detail: {
              sn,
              gatewayId,
              was,
              movedFrom,
              sensors: sensors.map((s) => s.id),
              resident: resident?.id ?? null,
            },
          },
          trx,
        );
        return {
          dwelling: {
            id: dwellingId,
            label: label!,
            buildingId: building.id,
            created: body.dwellingId === undefined,
          },
          gateway: { id: gatewayId, sn, was, movedFrom },
          sensors,
          readings: 0,
          resident,
        };
      });
    } catch (error) {
      if (error instanceof HttpProblem) throw error;
      if (brokenConstraint(error) === 'unique')
        throw conflict(
          'Something of this installation was registered by someone else meanwhile; reload and try again.',
        );
      throw error;
    }
    if (invite) await invite();
    const series = (await store.listSensorsOfGateways(this.db, [result.gateway.id])).flatMap((s) =>
      s.seriesId === null ? [] : [s.seriesId],
    );
    const counts = await store.countStoredReadings(this.db, series);
    result.readings = [...counts.values()].reduce((a, b) => a + b, 0);
    return result;
  }

  /** Creates, registers or moves the gateway to the dwelling, by the registry's rules. */
  private async placeGateway(
    trx: Trx,
    body: InstallationCreate,
    sn: string,
    dwellingId: number,
  ): Promise<{ gatewayId: number; was: GatewayState; movedFrom: number | null }> {
    const existing = await this.registry.findGatewayBySnIn(trx, sn);
    if (!existing) {
      const gatewayId = await within('gateway.sn', () =>
        this.registry.createGatewayIn(trx, { sn, notes: body.gateway.notes ?? '', dwellingId }),
      );
      return { gatewayId, was: 'unknown', movedFrom: null };
    }
    const was: GatewayState = existing.registeredAt === null ? 'unregistered' : 'registered';
    const movedFrom =
      existing.dwellingId !== null && existing.dwellingId !== dwellingId ? existing.dwellingId : null;
    if (movedFrom !== null && !body.gateway.move) {
      const other = await this.registry.findDwellingIn(trx, movedFrom);
      const otherBuilding = other ? await store.findBuildingCode(trx, other.buildingId) : undefined;
      throw conflict(
        `gateway.sn: gateway ${sn} serves dwelling ${other?.label ?? movedFrom} of building ${otherBuilding ?? '?'}; to move it here, confirm the move (gateway.move). Its readings until now stay with that dwelling.`,
      );
    }
    await within('gateway.sn', () =>
      this.registry.updateGatewayIn(trx, existing.id, {
        dwellingId,
        ...(body.gateway.notes !== undefined ? { notes: body.gateway.notes } : {}),
      }),
    );
    return { gatewayId: existing.id, was, movedFrom };
  }

  // --- Status monitor -----------------------------------------------------------------------

  /**
   * Each dwelling (of a building, or all) with its gateways and sensors and how they are
   * doing at `now`, a page at a time; the counts cover every dwelling of the filter.
   */
  async status(q: StatusQuery, now = Date.now()): Promise<StatusPage> {
    const limit = pageLimit(q.limit);
    const after = decodeCursor<number>(q.cursor, 'number');
    const settings = await this.settings.effective();
    const dwellings = await store.listDwellingPlaces(this.db, { buildingId: q.building });
    const gateways = (await store.listMonitoredGateways(this.db, { buildingId: q.building })).filter(
      (g) => g.dwellingId !== null,
    );
    const sensors = await store.listSensorsOfGateways(
      this.db,
      gateways.map((g) => g.id),
    );
    const latest = await latestOf(
      this.engine,
      sensors.flatMap((s) => (s.seriesId === null ? [] : [s.seriesId])),
    );
    const evaluated = evaluateDevices(gateways, sensors, latest, settings.thresholds, now);
    const open = await this.alarms.openByDevice();
    const byDwelling = new Map<number, typeof evaluated>();
    for (const g of evaluated) {
      const list = byDwelling.get(g.gateway.dwellingId as number);
      if (list) list.push(g);
      else byDwelling.set(g.gateway.dwellingId as number, [g]);
    }
    const counts = emptyCounts();
    const items: DwellingStatusEntry[] = [];
    let next: number | undefined;
    for (const d of dwellings) {
      const own = byDwelling.get(d.id) ?? [];
      const status = dwellingStatus(own);
      counts.dwellings[status]++;
      for (const g of own) {
        counts.gateways[g.status]++;
        for (const s of g.sensors) counts.sensors[s.status]++;
      }
      if ((after !== undefined && d.id <= after) || (q.status && status !== q.status)) continue;
      if (items.length === limit) {
        next ??= items[items.length - 1].dwellingId;
        continue;
      }
      items.push({
        dwellingId: d.id,
        label: d.label,
        floor: d.floor,
        buildingId: d.buildingId,
        buildingCode: d.buildingCode,
        address: d.address,
        status,
        gateways: own.map((g) => {
          const incident = open.get(`gateway:${g.gateway.id}`);
          return {
            id: g.gateway.id,
            sn: g.gateway.sn,
            status: g.status,
            lastSeen: g.lastSeen,
            silentAfterS: g.silentAfterS,
            incidentId: incident?.id ?? null,
            notified: incident?.notified ?? false,
            sensors: g.sensors.map((s) => {
              const si = open.get(`sensor:${s.sensor.id}`);
              return {
                id: s.sensor.id,
                channel: s.sensor.channel,
                device: s.sensor.device,
                medium: s.sensor.medium,
                unit: s.sensor.unit,
                label: s.sensor.label,
                status: s.status,
                lastSeen: s.lastSeen,
                value: s.value,
                silentAfterS: s.silentAfterS,
                incidentId: si?.id ?? null,
                notified: si?.notified ?? false,
              };
            }),
          };
        }),
      });
    }
    return { at: now, counts, items, ...(next !== undefined ? { next: encodeCursor(next) } : {}) };
  }

  // --- Missing-data heatmap -----------------------------------------------------------------

  /**
   * Per sensor of a dwelling or building and per day in the city time zone, the share of the
   * expected readings present: each medium is expected at its own interval (alarm settings).
   * A sensor that moved counts for the scope only while it served it. `expected` counts a day's
   * readings expected of a sensor only from when it was registered or first seen (whichever came
   * first), while it served the scope, and up to `now`.
   */
  async coverage(scope: Scope, from: number, to: number, now = Date.now()): Promise<InstallationCoverage> {
    if (!(to >= from)) throw badRequest(`to: the period ends before it starts.`);
    const boundaries = intervalBoundaries(from, to, 'day', this.timezone);
    if (boundaries.length - 1 > MAX_COVERAGE_DAYS)
      throw badRequest(`to: show at most ${MAX_COVERAGE_DAYS} days at once.`);
    const settings = await this.settings.effective();
    // Only installers and admins call it (WRITE access, unrestricted machines): they see everything.
    const members = (await places.listScopedSeries(this.db, scope, 'all')).filter(
      (m) => m.from <= to && m.to > from,
    );
    const described = new Map(
      (
        await store.describeSensors(
          this.db,
          members.map((m) => m.sensorId),
        )
      ).map((s) => [s.id, s]),
    );
    const labels = await store.dwellingLabels(
      this.db,
      members.flatMap((m) => (m.dwellingId === null ? [] : [m.dwellingId])),
    );
    const firstStored = await store.firstStoredReadings(
      this.db,
      members.map((m) => m.seriesId),
    );
    const bySensor = new Map<number, InstallationCoverage['sensors'][number]>();
    const runs = await this.flagged.runs(
      members.map((m) => m.seriesId),
      boundaries[0],
      boundaries[boundaries.length - 1] - 1,
    );
    for (const m of members) {
      // Readings of the span only: a moved gateway's readings elsewhere do not count here.
      const hours = await hoursWithin(
        this.engine,
        m.seriesId,
        Math.max(boundaries[0], m.from),
        Math.min(boundaries[boundaries.length - 1] - 1, m.to - 1),
        false,
      );
      const buckets = foldHours(hours, boundaries, false);
      const d = described.get(m.sensorId);
      const expected = settings.expectedByMedium.get(m.medium) ?? settings.expectedIntervalS;
      let entry = bySensor.get(m.sensorId);
      if (!entry) {
        entry = {
          sensorId: m.sensorId,
          sn: d?.sn ?? '',
          channel: d?.channel ?? '',
          device: d?.device ?? '',
          medium: m.medium,
          dwellingId: m.dwellingId,
          dwellingLabel: m.dwellingId === null ? null : (labels.get(m.dwellingId) ?? null),
          expectedIntervalS: expected,
          days: buckets.map((b) => ({
            day: b.start,
            count: 0,
            expected: 0,
            share: 0,
            flagged: 0,
            passedShare: 0,
          })),
        };
        bySensor.set(m.sensorId, entry);
      }
      const flagged = await this.flaggedPerDay(
        m.seriesId,
        runs.get(m.seriesId) ?? [],
        boundaries,
        Math.max(boundaries[0], m.from),
        Math.min(boundaries[boundaries.length - 1] - 1, m.to - 1),
      );
      // Expected from the registration or the first reading, whichever came first.
      const seen = Math.min(d?.createdAt ?? Infinity, firstStored.get(m.seriesId) ?? Infinity);
      const since = Math.max(m.from, Number.isFinite(seen) ? seen : now);
      const until = Math.min(m.to, now);
      buckets.forEach((b, i) => {
        const day = entry.days[i];
        const expectedCount = (b.end - b.start) / 1000 / expected;
        const span = Math.max(0, Math.min(b.end, until) - Math.max(b.start, since));
        day.expected += Math.round(span / 1000 / expected);
        day.count += b.count;
        day.flagged += flagged[i];
        day.share = Math.min(1, day.count / expectedCount);
        day.passedShare = Math.min(1, (day.count - day.flagged) / expectedCount);
      });
    }
    return { days: boundaries.slice(0, -1), sensors: [...bySensor.values()] };
  }

  /** Readings within [from, to] in the flagged runs (counted once however many checks they failed), per day. */
  private async flaggedPerDay(
    seriesId: number,
    runs: FlaggedRun[],
    boundaries: number[],
    from: number,
    to: number,
  ): Promise<number[]> {
    const out = new Array<number>(boundaries.length - 1).fill(0);
    let until = -Infinity;
    for (const run of runs) {
      const a = Math.max(run.from, from, until + 1);
      const b = Math.min(run.to, to);
      if (a > b) continue;
      until = b;
      const points = await this.engine.readPoints(seriesId, a, b);
      for (const t of points.times) {
        const i = intervalIndex(boundaries, t);
        if (i >= 0) out[i]++;
      }
    }
    return out;
  }
}
