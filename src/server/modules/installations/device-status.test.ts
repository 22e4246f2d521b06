import { describe, expect, it } from 'vitest';
import {
  dwellingStatus,
  evaluateDevices,
  gatewayThresholdS,
  type SilenceThresholds,
} from './device-status.ts';
import type { MonitoredGateway, MonitoredSensor } from './installations.store.ts';

const DAY_S = 86_400;
const DAY = DAY_S * 1000;
const NOW = Date.UTC(2026, 10, 26, 12);
const thresholds: SilenceThresholds = { silentAfterS: 14 * DAY_S, byMedium: new Map([['power', 2 * DAY_S]]) };

const gateway = (id: number, registeredAt = NOW - 100 * DAY): MonitoredGateway => ({
  id,
  sn: `G${id}`,
  dwellingId: id,
  buildingId: 1,
  registeredAt,
});
const sensor = (id: number, gatewayId: number, medium: string, seriesId: number | null): MonitoredSensor => ({
  id,
  gatewayId,
  channel: '1',
  device: String(id),
  medium,
  unit: '',
  label: '',
  seriesId,
  createdAt: NOW - 100 * DAY,
});

describe('the status of gateways and sensors', () => {
  it('is green within the threshold, red beyond it, black when nothing ever came', () => {
    const latest = new Map([
      [1, { t: NOW - 13 * DAY, v: 20 }],
      [2, { t: NOW - 15 * DAY, v: 50 }],
    ]);
    const [g1, g2, g3] = evaluateDevices(
      [gateway(1), gateway(2), gateway(3, NOW - DAY)],
      [sensor(11, 1, 'temperature', 1), sensor(21, 2, 'humidity', 2), sensor(31, 3, 'co2', null)],
      latest,
      thresholds,
      NOW,
    );
    expect([g1.status, g2.status, g3.status]).toEqual(['reporting', 'silent', 'never']);
    expect([g1.overdue, g2.overdue, g3.overdue]).toEqual([false, true, false]);
    expect(g2).toMatchObject({
      lastSeen: NOW - 15 * DAY,
      silentSince: NOW - 15 * DAY,
      silentAfterS: 14 * DAY_S,
    });
    // Never reported: silent since its registration, alarmed once that is longer than the threshold.
    expect(g3.silentSince).toBe(NOW - DAY);
    expect(evaluateDevices([gateway(3, NOW - 15 * DAY)], [], new Map(), thresholds, NOW)[0].overdue).toBe(
      true,
    );
  });

  it('marks a sensor that lost its link under a gateway that reports, and takes per-medium thresholds', () => {
    const latest = new Map([
      [1, { t: NOW - DAY / 24, v: 20 }],
      [2, { t: NOW - 3 * DAY, v: 300 }],
    ]);
    const [g] = evaluateDevices(
      [gateway(1)],
      [sensor(11, 1, 'temperature', 1), sensor(12, 1, 'power', 2)],
      latest,
      thresholds,
      NOW,
    );
    expect(g.status).toBe('reporting');
    expect(g.sensors.map((s) => [s.sensor.medium, s.status, s.silentAfterS])).toEqual([
      ['temperature', 'reporting', 14 * DAY_S],
      ['power', 'silent', 2 * DAY_S],
    ]);
    // The gateway may stay silent as long as its most demanding sensor.
    expect(g.silentAfterS).toBe(2 * DAY_S);
    expect(gatewayThresholdS(thresholds, [])).toBe(14 * DAY_S);
    expect(dwellingStatus([g])).toBe('silent');
  });

  it('rolls a dwelling up to its worst device', () => {
    const at = (t: number | null) => (t === null ? new Map() : new Map([[1, { t, v: 1 }]]));
    const one = (t: number | null) =>
      evaluateDevices([gateway(1)], [sensor(11, 1, 'temperature', 1)], at(t), thresholds, NOW);
    expect(dwellingStatus([])).toBe('no-gateway');
    expect(dwellingStatus(one(NOW - DAY))).toBe('reporting');
    expect(dwellingStatus(one(NOW - 20 * DAY))).toBe('silent');
    expect(dwellingStatus(one(null))).toBe('never');
  });
});
