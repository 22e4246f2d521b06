import { DateTime } from 'luxon';
import type { Tip, TipId, TipLevel } from '#common/api/home.ts';
import type { Language } from '#common/api/news.ts';
import { HDD_BASE_C } from '#common/energy/hdd.ts';
import { TIP_TEXTS } from './tips.texts.ts';

/** The thresholds of the tips and where they come from. */
export const TIP_RULES = {
  /** Above this the air is stale: ventilate, ppm (EN 16798-1 category II allows ≈ 800 ppm above outdoors, ≈ 1,200 ppm). */
  co2LimitPpm: 1000,
  /** Relative humidity above which mould can grow on cold surfaces when it lasts, % (IEA Annex 14). */
  humidityLimitPct: 70,
  /** A share of hours above the humidity limit from which the mould tip is a warning, not advice. */
  humidityWarningShare: 0.1,
  /** Daytime temperature enough for comfort in winter, °C: the top of the 19–21 °C IDAE recommends. */
  comfortableC: 21,
  /** Extra heating energy for each °C of setpoint, as a share (IDAE: "about 7 % per degree"). */
  heatingPerDegree: 0.07,
  /** A day is a heating day when its outdoor mean is below the degree-day base, °C. */
  heatingDayBelowC: HDD_BASE_C,
  /** Local hours of the day whose temperature counts for the heating tip: 07:00 to 23:00. */
  dayStartsAt: 7,
  dayEndsAt: 23,
  /** Fewest hourly values of a medium for a tip about it. */
  minHours: 12,
  sources: [
    'CO₂ 1,000 ppm: a common indoor air quality limit (about 600 ppm above outdoors; EN 16798-1:2019 category II is 800 ppm above outdoors).',
    'Humidity 70 %: mould can grow when the relative humidity at a surface stays at 80 % (IEA Annex 14, EN ISO 13788); room air at 70 % reaches it on cold walls.',
    'Heating: 19–21 °C is enough in winter and each degree more takes about 7 % more heating energy (IDAE, Guía práctica de la energía: consumo eficiente y responsable).',
  ],
} as const;

/** An hourly value: the start of the hour (epoch ms) and the dwelling's mean in it. */
export interface HourValue {
  t: number;
  v: number;
}

/** What the tips are drawn from. */
export interface TipInput {
  days: number;
  timezone: string;
  /** Hourly means of the dwelling's sensors, in their units (ppm, %RH, °C). */
  co2: readonly HourValue[];
  humidity: readonly HourValue[];
  temperature: readonly HourValue[];
  /** Local days (their midnight, epoch ms) whose mean outdoor temperature, °C, is known. */
  outdoorDaily: ReadonlyMap<number, number>;
}

const LEVEL_ORDER: Record<TipLevel, number> = { warning: 0, advice: 1, good: 2 };

function formatter(language: Language, timezone: string) {
  const number = (v: number, digits = 0) =>
    new Intl.NumberFormat(language, { maximumFractionDigits: digits }).format(v);
  return {
    number,
    percent: (share: number) =>
      new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: 0 }).format(share),
    celsius: (v: number) => `${number(v, 1)} °C`,
    hour: (h: number) =>
      new Intl.DateTimeFormat(language, {
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
        timeZone: 'UTC',
      }).format(Date.UTC(2000, 0, 1, h)),
    timezone,
  };
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (m, name: string) => values[name] ?? m);
}

/** The local hour at which most of `hours` fall, 0–23. */
function commonestLocalHour(hours: readonly HourValue[], timezone: string): number {
  const counts = new Array<number>(24).fill(0);
  for (const h of hours) counts[DateTime.fromMillis(h.t, { zone: timezone }).hour]++;
  return counts.indexOf(Math.max(...counts));
}

/**
 * The mean daytime indoor temperature of the heating days, °C, and how many such days there
 * were: the hours from `dayStartsAt` to `dayEndsAt` local time of the days whose outdoor mean
 * was below `heatingDayBelowC`. Without outdoor data, November to March count as cold.
 */
export function heatingDaytimeMean(
  temperature: readonly HourValue[],
  outdoorDaily: ReadonlyMap<number, number>,
  timezone: string,
): { meanC: number; hours: number; days: number } | null {
  let sum = 0;
  let n = 0;
  const days = new Set<number>();
  for (const h of temperature) {
    const local = DateTime.fromMillis(h.t, { zone: timezone });
    if (local.hour < TIP_RULES.dayStartsAt || local.hour >= TIP_RULES.dayEndsAt) continue;
    const day = local.startOf('day').toMillis();
    const outdoor = outdoorDaily.get(day);
    const cold =
      outdoorDaily.size > 0
        ? outdoor !== undefined && outdoor < TIP_RULES.heatingDayBelowC
        : local.month >= 11 || local.month <= 3;
    if (!cold) continue;
    sum += h.v;
    n++;
    days.add(day);
  }
  return n >= TIP_RULES.minHours ? { meanC: sum / n, hours: n, days: days.size } : null;
}

/**
 * The tips the readings call for, most pressing first, in `language`: ventilate when the CO₂
 * went above 1,000 ppm; mould risk when the humidity went above 70 %; the cost of each degree
 * when the home was kept above 21 °C on cold days; and a word that all is well otherwise.
 */
export function drawTips(input: TipInput, language: Language): Tip[] {
  const f = formatter(language, input.timezone);
  const texts = TIP_TEXTS[language];
  const tips: Tip[] = [];
  const days = f.number(input.days);
  const add = (
    id: TipId,
    level: TipLevel,
    medium: Tip['medium'],
    values: Record<string, string>,
    figures: Record<string, number>,
  ) =>
    tips.push({
      id,
      level,
      medium,
      title: texts[id].title,
      text: fill(texts[id].text, { days, ...values }),
      figures,
    });

  if (input.co2.length >= TIP_RULES.minHours) {
    const limit = TIP_RULES.co2LimitPpm;
    const above = input.co2.filter((h) => h.v > limit);
    const max = Math.max(...input.co2.map((h) => h.v));
    const values = { limit: f.number(limit), max: f.number(max) };
    if (above.length > 0) {
      const hour = commonestLocalHour(above, input.timezone);
      add(
        'ventilate',
        'warning',
        'co2',
        { ...values, hours: f.number(above.length), hour: f.hour(hour) },
        { hours: above.length, share: above.length / input.co2.length, maxPpm: max, hour },
      );
    } else add('air-ok', 'good', 'co2', values, { hours: 0, share: 0, maxPpm: max });
  }

  if (input.humidity.length >= TIP_RULES.minHours) {
    const limit = TIP_RULES.humidityLimitPct;
    const above = input.humidity.filter((h) => h.v > limit);
    const max = Math.max(...input.humidity.map((h) => h.v));
    const share = above.length / input.humidity.length;
    const values = { limit: f.percent(limit / 100), max: f.percent(max / 100) };
    if (above.length > 0) {
      add(
        'mould',
        share >= TIP_RULES.humidityWarningShare ? 'warning' : 'advice',
        'humidity',
        { ...values, hours: f.number(above.length), share: f.percent(share) },
        { hours: above.length, share, maxPct: max },
      );
    } else add('humidity-ok', 'good', 'humidity', values, { hours: 0, share: 0, maxPct: max });
  }

  const heating = heatingDaytimeMean(input.temperature, input.outdoorDaily, input.timezone);
  if (heating) {
    const excess = heating.meanC - TIP_RULES.comfortableC;
    const values = {
      temperature: f.celsius(heating.meanC),
      comfortable: f.celsius(TIP_RULES.comfortableC),
      perDegree: f.percent(TIP_RULES.heatingPerDegree),
    };
    // Rounded as shown: a home at 21.04 °C is at 21 °C, not "0 °C above".
    if (Math.round(excess * 10) / 10 > 0) {
      const saving = excess * TIP_RULES.heatingPerDegree;
      add(
        'heating-cost',
        'advice',
        'temperature',
        { ...values, excess: f.celsius(excess), saving: f.percent(saving) },
        { meanC: heating.meanC, excessC: excess, saving, days: heating.days },
      );
    } else add('heating-ok', 'good', 'temperature', values, { meanC: heating.meanC, days: heating.days });
  }

  if (tips.length === 0) add('no-data', 'advice', null, {}, {});
  return tips.sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level]);
}
