import { describe, expect, it } from 'vitest';
import { automaticPairs, type PairingSensor } from './comfort-pairing.ts';

let nextId = 1;
const sensor = (
  gatewayId: number,
  channel: string,
  device: string,
  medium: PairingSensor['medium'],
  dwellingId = 1,
): PairingSensor => ({ sensorId: nextId++, gatewayId, channel, device, medium, dwellingId });

describe('automatic pairing of comfort points', () => {
  it('pairs on the same gateway and channel, the same device first when a channel carries several', () => {
    const t1 = sensor(1, '1', 'a', 'temperature');
    const h1 = sensor(1, '1', 'b', 'humidity');
    const t2 = sensor(1, '2', 'a', 'temperature');
    const h2a = sensor(1, '2', 'a', 'humidity');
    const h2b = sensor(1, '2', 'b', 'humidity');
    expect(automaticPairs([t1, h1, t2, h2a, h2b])).toEqual([
      { temperatureSensorId: t1.sensorId, humiditySensorId: h1.sensorId, pairing: 'channel' },
      { temperatureSensorId: t2.sensorId, humiditySensorId: h2a.sensorId, pairing: 'channel' },
    ]);
  });

  it('leaves a channel with several humidity sensors and no same-device one to an installer', () => {
    const t = sensor(1, '1', 'a', 'temperature');
    const hb = sensor(1, '1', 'b', 'humidity');
    const hc = sensor(1, '1', 'c', 'humidity');
    expect(automaticPairs([t, hb, hc])).toEqual([]);
  });

  it('pairs every other temperature sensor with the dwelling’s only humidity sensor, on any gateway', () => {
    const h = sensor(2, '9', 'a', 'humidity', 7);
    const t1 = sensor(1, '1', 'a', 'temperature', 7);
    const t2 = sensor(3, '1', 'a', 'temperature', 7);
    const elsewhere = sensor(4, '1', 'a', 'temperature', 8);
    expect(automaticPairs([h, t1, t2, elsewhere])).toEqual([
      { temperatureSensorId: t1.sensorId, humiditySensorId: h.sensorId, pairing: 'dwelling' },
      { temperatureSensorId: t2.sensorId, humiditySensorId: h.sensorId, pairing: 'dwelling' },
    ]);
  });

  it('pairs nothing by dwelling when it has two humidity sensors', () => {
    const t = sensor(1, '1', 'a', 'temperature', 5);
    expect(
      automaticPairs([t, sensor(1, '2', 'a', 'humidity', 5), sensor(1, '3', 'a', 'humidity', 5)]),
    ).toEqual([]);
  });
});
