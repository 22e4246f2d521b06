import type { DeviceStatus, DwellingStatus } from '#common/api/installations.ts';
import type { MonitoredGateway, MonitoredSensor } from './installations.store.ts';

/** How long devices may stay silent, s: a default, and overrides per medium for sensors. */
export interface SilenceThresholds {
  silentAfterS: number;
  byMedium: ReadonlyMap<string, number>;
}

export interface EvaluatedSensor {
  sensor: MonitoredSensor;
  lastSeen: number | null;
  value: number | null;
  status: DeviceStatus;
  silentAfterS: number;
  /** When its silence began: its latest reading, or when it was set up if it never reported. */
  silentSince: number;
  /** Silent for longer than its threshold (also when it never reported). */
  overdue: boolean;
}

export interface EvaluatedGateway {
  gateway: MonitoredGateway;
  sensors: EvaluatedSensor[];
  lastSeen: number | null;
  status: DeviceStatus;
  silentAfterS: number;
  silentSince: number;
  overdue: boolean;
}

export const sensorThresholdS = (t: SilenceThresholds, medium: string): number =>
  t.byMedium.get(medium) ?? t.silentAfterS;

/**
 * A gateway may stay silent as long as the most demanding of its sensors: when every sensor
 * of a power meter must report daily, the gateway must too.
 */
export function gatewayThresholdS(t: SilenceThresholds, media: readonly string[]): number {
  return media.length === 0 ? t.silentAfterS : Math.min(...media.map((m) => sensorThresholdS(t, m)));
}

function statusOf(lastSeen: number | null, thresholdS: number, now: number): DeviceStatus {
  if (lastSeen === null) return 'never';
  return now - lastSeen > thresholdS * 1000 ? 'silent' : 'reporting';
}

/**
 * The status of gateways and their sensors at `now` (epoch ms), from the latest reading of
 * each sensor's series. A gateway is last seen when any of its sensors was.
 */
export function evaluateDevices(
  gateways: readonly MonitoredGateway[],
  sensors: readonly MonitoredSensor[],
  latest: ReadonlyMap<number, { t: number; v: number }>,
  thresholds: SilenceThresholds,
  now: number,
): EvaluatedGateway[] {
  const byGateway = new Map<number, MonitoredSensor[]>();
  for (const s of sensors) {
    const list = byGateway.get(s.gatewayId);
    if (list) list.push(s);
    else byGateway.set(s.gatewayId, [s]);
  }
  return gateways.map((gateway) => {
    const own = byGateway.get(gateway.id) ?? [];
    let gatewayLastSeen: number | null = null;
    const evaluated = own.map((sensor): EvaluatedSensor => {
      const last = sensor.seriesId === null ? undefined : latest.get(sensor.seriesId);
      const lastSeen = last?.t ?? null;
      if (lastSeen !== null && (gatewayLastSeen === null || lastSeen > gatewayLastSeen))
        gatewayLastSeen = lastSeen;
      const silentAfterS = sensorThresholdS(thresholds, sensor.medium);
      const silentSince = lastSeen ?? Math.max(sensor.createdAt, gateway.registeredAt);
      return {
        sensor,
        lastSeen,
        value: last?.v ?? null,
        status: statusOf(lastSeen, silentAfterS, now),
        silentAfterS,
        silentSince,
        overdue: now - silentSince > silentAfterS * 1000,
      };
    });
    const silentAfterS = gatewayThresholdS(
      thresholds,
      own.map((s) => s.medium),
    );
    const silentSince = gatewayLastSeen ?? gateway.registeredAt;
    return {
      gateway,
      sensors: evaluated,
      lastSeen: gatewayLastSeen,
      status: statusOf(gatewayLastSeen, silentAfterS, now),
      silentAfterS,
      silentSince,
      overdue: now - silentSince > silentAfterS * 1000,
    };
  });
}

/**
 * A dwelling is as well as its worst device: a silent gateway or sensor makes it silent, a
 * gateway or sensor that never reported makes it black.
 */
export function dwellingStatus(gateways: readonly EvaluatedGateway[]): DwellingStatus {
  if (gateways.length === 0) return 'no-gateway';
  if (gateways.some((g) => g.status === 'silent' || g.sensors.some((s) => s.status === 'silent')))
    return 'silent';
  if (gateways.some((g) => g.status === 'never' || g.sensors.some((s) => s.status === 'never')))
    return 'never';
  return 'reporting';
}
