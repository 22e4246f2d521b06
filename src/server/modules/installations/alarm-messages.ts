import type { Language } from '#common/api/auth.ts';
import type { IncidentView } from './alarms.store.ts';

/**
 * The body POSTed to the alarm webhook (documented in the README): incidents opened, or closed,
 * since the last delivery. Times are ISO 8601 in UTC.
 */
export interface WebhookBody {
  type: 'ciop.incidents';
  sentAt: string;
  incidents: WebhookIncident[];
}

export interface WebhookIncident {
  id: number;
  event: 'opened' | 'closed';
  status: 'open' | 'closed';
  kind: 'gateway' | 'sensor' | 'quality';
  /** The check failed, for a quality incident. */
  qualityCheck: string | null;
  gateway: { id: number; sn: string };
  sensor: { id: number; channel: string | null; device: string | null; medium: string | null } | null;
  dwelling: { id: number; label: string | null } | null;
  building: { id: number; code: string | null; address: string | null } | null;
  lastSeenAt: string | null;
  silentSince: string;
  silentAfterS: number;
  openedAt: string;
  closedAt: string | null;
  closeReason: string | null;
  outageS: number | null;
  url: string;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function incidentUrl(publicUrl: string, id: number): string {
  return `${publicUrl}/installations/incidents/${id}`;
}

export function webhookIncident(i: IncidentView, publicUrl: string): WebhookIncident {
  return {
    id: i.id,
    event: i.status === 'open' ? 'opened' : 'closed',
    status: i.status,
    kind: i.kind,
    qualityCheck: i.qualityCheck,
    gateway: { id: i.gatewayId, sn: i.sn },
    sensor:
      i.sensorId === null ? null : { id: i.sensorId, channel: i.channel, device: i.device, medium: i.medium },
    dwelling: i.dwellingId === null ? null : { id: i.dwellingId, label: i.dwellingLabel },
    building: i.buildingId === null ? null : { id: i.buildingId, code: i.buildingCode, address: i.address },
    lastSeenAt: iso(i.lastSeenAt),
    silentSince: iso(i.silentSince) as string,
    silentAfterS: i.silentAfterS,
    openedAt: iso(i.openedAt) as string,
    closedAt: iso(i.closedAt),
    closeReason: i.closeReason,
    outageS: i.outageMs === null ? null : Math.round(i.outageMs / 1000),
    url: incidentUrl(publicUrl, i.id),
  };
}

const TEXTS: Record<
  Language,
  {
    subject: (n: number) => string;
    intro: string;
    gateway: string;
    sensor: (channel: string, device: string, medium: string) => string;
    dwelling: (label: string, building: string) => string;
    lastSeen: (when: string) => string;
    never: (when: string) => string;
    quality: (check: string, when: string) => string;
    outro: string;
  }
> = {
  en: {
    subject: (n) => (n === 1 ? 'CIOP: a device has gone silent' : `CIOP: ${n} devices have gone silent`),
    intro: 'These gateways and sensors have sent nothing for longer than their alarm threshold:',
    gateway: 'Gateway',
    sensor: (c, d, m) => `sensor channel ${c}, device ${d} (${m})`,
    dwelling: (l, b) => `dwelling ${l}, building ${b}`,
    lastSeen: (w) => `last reading ${w}`,
    never: (w) => `no reading since it was registered, ${w}`,
    quality: (c, w) => `its latest readings fail the "${c}" check, from ${w}`,
    outro: 'Each incident closes by itself when data returns. Open it to assign it or add a comment.',
  },
  es: {
    subject: (n) =>
      n === 1
        ? 'CIOP: un dispositivo ha dejado de enviar datos'
        : `CIOP: ${n} dispositivos han dejado de enviar datos`,
    intro: 'Estas pasarelas y sensores llevan sin enviar nada más tiempo que su umbral de alarma:',
    gateway: 'Pasarela',
    sensor: (c, d, m) => `sensor canal ${c}, dispositivo ${d} (${m})`,
    dwelling: (l, b) => `vivienda ${l}, edificio ${b}`,
    lastSeen: (w) => `última lectura ${w}`,
    never: (w) => `ninguna lectura desde su alta, ${w}`,
    quality: (c, w) => `sus últimas lecturas no pasan la comprobación «${c}», desde ${w}`,
    outro: 'Cada incidencia se cierra sola cuando vuelven los datos. Ábrela para asignarla o comentarla.',
  },
  eu: {
    subject: (n) => (n === 1 ? 'CIOP: gailu bat isildu da' : `CIOP: ${n} gailu isildu dira`),
    intro: 'Pasabide eta sentsore hauek ez dute ezer bidali alarma-atalasea baino denbora luzeagoan:',
    gateway: 'Pasabidea',
    sensor: (c, d, m) => `sentsorea, ${c}. kanala, ${d}. gailua (${m})`,
    dwelling: (l, b) => `${l} etxebizitza, ${b} eraikina`,
    lastSeen: (w) => `azken irakurketa: ${w}`,
    never: (w) => `irakurketarik ez alta eman zitzaionetik (${w})`,
    quality: (c, w) => `azken irakurketek ez dute «${c}» egiaztapena gainditzen, ${w}-tik aurrera`,
    outro: 'Intzidentzia bakoitza berez ixten da datuak itzultzean. Ireki ezazu esleitzeko edo iruzkintzeko.',
  },
};

/** The e-mail telling the maintenance contacts of newly silent devices. */
export function silentDevicesMail(
  incidents: readonly IncidentView[],
  language: Language,
  options: { publicUrl: string; timezone: string },
): { subject: string; body: string } {
  const text = TEXTS[language];
  const when = new Intl.DateTimeFormat(language === 'en' ? 'en-GB' : language, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: options.timezone,
  });
  const lines = incidents.map((i) => {
    const device =
      i.kind !== 'gateway'
        ? `${text.gateway} ${i.sn}, ${text.sensor(i.channel ?? '?', i.device ?? '?', i.medium ?? '?')}`
        : `${text.gateway} ${i.sn}`;
    const place =
      i.dwellingLabel !== null
        ? ` — ${text.dwelling(i.dwellingLabel, `${i.buildingCode ?? ''} (${i.address ?? ''})`)}`
        : '';
    const seen =
      i.kind === 'quality'
        ? text.quality(i.qualityCheck ?? '?', when.format(i.silentSince))
        : i.lastSeenAt !== null
          ? text.lastSeen(when.format(i.lastSeenAt))
          : text.never(when.format(i.silentSince));
    return `- ${device}${place}: ${seen}.\n  ${incidentUrl(options.publicUrl, i.id)}`;
  });
  return {
    subject: text.subject(incidents.length),
    body: `${text.intro}\n\n${lines.join('\n')}\n\n${text.outro}\n`,
  };
}
