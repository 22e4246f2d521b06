import type { DeviceStatus, DwellingStatus } from '#common/api/installations.ts';

/** The colour class of a status; the text beside it says it too, for who cannot tell colours. */
export const statusClass = (status: DeviceStatus | DwellingStatus): string => `ops-${status}`;

/** `YYYY-MM-DD` of a time in the browser's time zone. */
export function isoDay(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}
