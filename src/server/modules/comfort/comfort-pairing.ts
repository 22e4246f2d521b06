/**
 * Which humidity sensor goes with which temperature sensor: the rules of a comfort point.
 *
 * 1. A humidity sensor on the same gateway and channel (the same device first, when a channel
 *    carries several): one physical probe reporting both.
 * 2. Otherwise, when the dwelling has exactly one humidity sensor, that one: humidity varies far
 *    less across rooms than temperature does.
 * 3. Otherwise none: an installer pairs them explicitly.
 */

/** A temperature or humidity sensor and the dwelling its gateway serves now. */
export interface PairingSensor {
  sensorId: number;
  gatewayId: number;
  channel: string;
  device: string;
  medium: 'temperature' | 'humidity';
  dwellingId: number;
}

/** An automatic pair. */
export interface AutoPair {
  temperatureSensorId: number;
  humiditySensorId: number;
  pairing: 'channel' | 'dwelling';
}

/**
 * The automatic pair of every temperature sensor that has one, by the rules above.
 * @param sensors temperature and humidity sensors of registered gateways
 * @returns one pair per pairable temperature sensor, in sensor order
 */
export function automaticPairs(sensors: readonly PairingSensor[]): AutoPair[] {
  const humidityByChannel = new Map<string, PairingSensor[]>();
  const humidityByDwelling = new Map<number, PairingSensor[]>();
  for (const s of sensors) {
    if (s.medium !== 'humidity') continue;
    const key = `${s.gatewayId}\u0000${s.channel}`;
    humidityByChannel.set(key, [...(humidityByChannel.get(key) ?? []), s]);
    humidityByDwelling.set(s.dwellingId, [...(humidityByDwelling.get(s.dwellingId) ?? []), s]);
  }
  const pairs: AutoPair[] = [];
  for (const t of [...sensors].sort((a, b) => a.sensorId - b.sensorId)) {
    if (t.medium !== 'temperature') continue;
    const onChannel = humidityByChannel.get(`${t.gatewayId}\u0000${t.channel}`) ?? [];
    const sameDevice = onChannel.filter((h) => h.device === t.device);
    const byChannel = sameDevice.length === 1 ? sameDevice : onChannel.length === 1 ? onChannel : [];
    if (byChannel.length === 1) {
      pairs.push({
        temperatureSensorId: t.sensorId,
        humiditySensorId: byChannel[0].sensorId,
        pairing: 'channel',
      });
      continue;
    }
    if (onChannel.length > 1) continue; // ambiguous on its own channel: an installer decides
    const inDwelling = humidityByDwelling.get(t.dwellingId) ?? [];
    if (inDwelling.length === 1) {
      pairs.push({
        temperatureSensorId: t.sensorId,
        humiditySensorId: inDwelling[0].sensorId,
        pairing: 'dwelling',
      });
    }
  }
  return pairs;
}
