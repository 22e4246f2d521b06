import { DateTime } from 'luxon';
import { badRequest, HttpProblem } from '../../plugins/errors.ts';
import { headerKey, parseDecimal, readSheet } from '../../spreadsheets/spreadsheet.ts';
import { outdoorDailyMean } from '../../demo/signals.ts';
import type { ForecastDay } from './network-analysis.ts';

/**
 * Where the forecast temperatures come from: a forecast service in the shape of Open-Meteo's
 * (`GET …/v1/forecast?latitude&longitude&daily=temperature_2m_mean&forecast_days&timezone`,
 * answering `{ daily: { time: [...], temperature_2m_mean: [...] } }`), a CSV the planner
 * uploads, or, in the demo, the demo district's made-up weather.
 */

/** How long the forecast service may take, ms. */
const SERVICE_TIMEOUT_MS = 10_000;

/** The days from tomorrow, local dates YYYY-MM-DD. */
export function nextDates(now: number, days: number, zone: string): string[] {
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  return Array.from({ length: days }, (_, i) => today.plus({ days: i + 1 }).toISODate() as string);
}

/** Daily mean temperatures from the forecast service, from tomorrow on. */
export async function serviceForecast(
  url: string,
  at: { latitude: number; longitude: number },
  days: number,
  zone: string,
  now: number,
): Promise<ForecastDay[]> {
  const u = new URL(url);
  u.searchParams.set('latitude', String(at.latitude));
  u.searchParams.set('longitude', String(at.longitude));
  u.searchParams.set('daily', 'temperature_2m_mean,temperature_2m_max,temperature_2m_min');
  u.searchParams.set('timezone', zone);
  // Today is asked for too: the service's first day is today, and the forecast starts tomorrow.
  u.searchParams.set('forecast_days', String(days + 1));
  let body: unknown;
  try {
    const res = await fetch(u, { signal: AbortSignal.timeout(SERVICE_TIMEOUT_MS) });
    if (!res.ok) throw new Error(`it answered ${res.status}`);
    body = await res.json();
  } catch (error) {
    throw new HttpProblem(
      502,
      `The weather forecast service (${u.origin}) could not be read: ${(error as Error).message}.`,
    );
  }
  const daily = (body as { daily?: Record<string, unknown> }).daily;
  const time = daily?.time;
  const mean = daily?.temperature_2m_mean as (number | null)[] | undefined;
  const max = daily?.temperature_2m_max as (number | null)[] | undefined;
  const min = daily?.temperature_2m_min as (number | null)[] | undefined;
  if (!Array.isArray(time))
    throw new HttpProblem(
      502,
      'The weather forecast service answered without daily.time: not the Open-Meteo shape.',
    );
  const wanted = new Set(nextDates(now, days, zone));
  const out: ForecastDay[] = [];
  time.forEach((date, i) => {
    if (typeof date !== 'string' || !wanted.has(date)) return;
    const m = mean?.[i];
    const t =
      typeof m === 'number'
        ? m
        : typeof max?.[i] === 'number' && typeof min?.[i] === 'number'
          ? (max[i]! + min[i]!) / 2
          : null;
    if (t !== null && Number.isFinite(t)) out.push({ date, temperatureC: t });
  });
  if (out.length === 0)
    throw new HttpProblem(
      502,
      'The weather forecast service gave no daily mean temperature for the coming days.',
    );
  return out;
}

/** The demo district's made-up weather for the coming days (the same function the demo's weather station reads). */
export function syntheticForecast(days: number, zone: string, now: number): ForecastDay[] {
  return nextDates(now, days, zone).map((date) => {
    const noon = DateTime.fromISO(date, { zone }).plus({ hours: 12 }).toMillis();
    return { date, temperatureC: Math.round(outdoorDailyMean(noon) * 10) / 10 };
  });
}

/**
 * Temperatures from an uploaded CSV or XLSX: columns `date` (YYYY-MM-DD) and `temperatureC`
 * (daily mean, °C), at most `maxDays` rows; a bad row is refused naming its row and column.
 */
export async function uploadedForecast(bytes: Buffer, maxDays: number): Promise<ForecastDay[]> {
  const sheet = await readSheet(bytes, { maxRows: maxDays });
  const keys = sheet.headers.map(headerKey);
  const dateCol = keys.findIndex((h) => ['date', 'fecha', 'data', 'eguna'].includes(h));
  const tempCol = keys.findIndex((h) =>
    ['temperaturec', 'temperature', 'temperatura', 'tenperatura'].includes(h),
  );
  if (dateCol < 0 || tempCol < 0)
    throw badRequest(
      `The file needs the columns date and temperatureC; it has ${sheet.headers.join(', ') || 'none'}.`,
    );
  const out: ForecastDay[] = [];
  const seen = new Set<string>();
  for (const { row, cells } of sheet.rows) {
    const date = String(cells[dateCol] ?? '')
      .trim()
      .slice(0, 10);
    const refuse = (column: string, message: string) =>
      badRequest(`row ${row}, column ${column}: ${message}.`, {
        errors: [{ where: `row ${row}, ${column}`, message }],
      });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !DateTime.fromISO(date).isValid)
      throw refuse('date', `"${date}" is not a date YYYY-MM-DD`);
    const t = parseDecimal(cells[tempCol] ?? null);
    if (t === null || !Number.isFinite(t) || t < -90 || t > 60)
      throw refuse('temperatureC', `"${String(cells[tempCol] ?? '')}" is not a daily mean temperature in °C`);
    if (seen.has(date)) throw refuse('date', `${date} is given twice`);
    seen.add(date);
    out.push({ date, temperatureC: t });
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}
