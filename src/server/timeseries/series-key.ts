/**
 * Series keys as InfluxDB forms them: the escaped measurement, the tags sorted by key, and the
 * field key, so that a line-protocol write and a JSON write of the same sensor meet.
 */

/** The measurement the city's forwarders write; it maps to gateways and sensors by itself. */
export const FORWARDER_MEASUREMENT = 'forwarder_data';
export const FORWARDER_FIELD = 'value';
const FORWARDER_TAGS = ['SN', 'channel', 'device', 'medium'];

/** A gateway serial number: 16 hexadecimal characters. */
export const SERIAL_PATTERN = /^[0-9A-Fa-f]{16}$/;

const escapeMeasurement = (s: string) => s.replace(/[, ]/g, (c) => `\\${c}`);
export const escapeTag = (s: string) => s.replace(/[,= ]/g, (c) => `\\${c}`);

/** Canonical key of a series: `measurement,k1=v1,k2=v2 field` with tags sorted by key. */
export function seriesKey(
  measurement: string,
  tags: ReadonlyArray<readonly [string, string]>,
  field: string,
): string {
  // Sorted by escaped key, as InfluxDB sorts them.
  const escaped = tags
    .map(([k, v]) => [escapeTag(k), escapeTag(v)])
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let key = escapeMeasurement(measurement);
  for (const [k, v] of escaped) key += `,${k}=${v}`;
  return `${key} ${escapeTag(field)}`;
}

/** The sensor a forwarder series stands for, or undefined when the series is of another shape. */
export function forwarderIdentity(
  measurement: string,
  tags: ReadonlyArray<readonly [string, string]>,
  field: string,
): { sn: string; channel: string; device: string; medium: string } | undefined {
  if (measurement !== FORWARDER_MEASUREMENT || field !== FORWARDER_FIELD || tags.length !== 4)
    return undefined;
  const byKey = new Map(tags);
  if (!FORWARDER_TAGS.every((k) => byKey.has(k))) return undefined;
  const sn = byKey.get('SN') as string;
  if (!SERIAL_PATTERN.test(sn)) return undefined;
  return {
    sn: sn.toUpperCase(),
    channel: byKey.get('channel') as string,
    device: byKey.get('device') as string,
    medium: byKey.get('medium') as string,
  };
}

/** The canonical key of a forwarder sensor (serial numbers in upper case). */
export function forwarderKey(sn: string, channel: string, device: string, medium: string): string {
  return seriesKey(
    FORWARDER_MEASUREMENT,
    [
      ['SN', sn.toUpperCase()],
      ['channel', channel],
      ['device', device],
      ['medium', medium],
    ],
    FORWARDER_FIELD,
  );
}
