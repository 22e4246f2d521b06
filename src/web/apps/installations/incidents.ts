import type { Incident } from '#common/api/installations.ts';

type Translate = (key: string, values?: Record<string, unknown>) => string;

/**
 * "Gateway 0123…", "Sensor co2 1/2 of gateway 0123…" or, for a quality incident, "Readings of
 * sensor … fail: Out of range".
 */
export function describeDevice(t: Translate, i: Incident): string {
  if (i.kind === 'quality')
    return t('apps.installations.incidents.qualityDevice', {
      medium: i.medium ?? '',
      channel: i.channel ?? '',
      device: i.device ?? '',
      sn: i.sn,
      check: t(`apps.installations.data.checks.${i.qualityCheck ?? ''}`),
    });
  return i.kind === 'gateway'
    ? t('apps.installations.incidents.gatewayDevice', { sn: i.sn })
    : t('apps.installations.incidents.sensorDevice', {
        medium: i.medium ?? '',
        channel: i.channel ?? '',
        device: i.device ?? '',
        sn: i.sn,
      });
}

/** An outage as days and hours. */
export function outageText(
  t: Translate,
  format: { number: (v: number, digits?: number) => string },
  ms: number,
): string {
  const hours = ms / 3_600_000;
  return hours >= 48
    ? t('apps.installations.incidents.outageDays', { n: format.number(hours / 24, 1) })
    : t('apps.installations.incidents.outageHours', { n: format.number(hours, 1) });
}
