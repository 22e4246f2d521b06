import { HOUR_MS } from '#common/time.ts';
import { systemPrincipal } from '../../access/visibility.ts';
import { DEMO_DISTRICT, WEATHER_GATEWAY } from '../../demo/district.ts';
import { outdoorTemperature } from '../../demo/signals.ts';
import type { ModuleDeps } from '../../module.ts';
import { getSetting, setSetting } from '../../settings/instance-settings.store.ts';
import { forwarderKey } from '../../timeseries/series-key.ts';
import { createBatch } from '../../timeseries/write-batch.ts';
import type { ForecastService } from './forecast.service.ts';

const WEATHER_DONE = 'forecast.demo.weather';
const DEMO = 'CIOP demo';

/**
 * The demo's part of heat planning. The demo district's weather station has readings only for
 * the demo's recent history, while its thermal records go back to the first of January two years
 * ago: a year of models needs the weather of every day with heat. So the station's hourly
 * outdoor temperature is written for the earlier span, from the same made-up weather its live
 * readings follow. Then the planning table is filled from the registry and the models fitted
 * once, so the tool works after `npm start`. Each step does nothing when its part is there.
 */
export async function seedForecastDemo(
  forecast: ForecastService,
  deps: ModuleDeps,
  now: number,
): Promise<void> {
  const { db } = deps;
  const district = await db
    .selectFrom('district')
    .select('id')
    .where('code', '=', DEMO_DISTRICT.code)
    .executeTakeFirst();
  if (!district) return;
  if ((await getSetting(db, WEATHER_DONE)) === undefined) {
    const written = await backfillWeather(deps, now);
    await setSetting(db, WEATHER_DONE, JSON.stringify({ written, at: now }));
    deps.logger.info({ written }, 'demo weather station history written back to the first thermal record');
  }
  if ((await forecast.table()).rows.length === 0) await forecast.prefill(now);
  if ((await forecast.latest()).results === null) await forecast.runNow(DEMO, now);
}

/** Hourly outdoor temperatures from the first thermal record's day to the station's first reading. */
async function backfillWeather(deps: ModuleDeps, now: number): Promise<number> {
  const series = deps.catalog.get(forwarderKey(WEATHER_GATEWAY.sn, '1', '1', 'temperature'));
  const first = await deps.db
    .selectFrom('kpi_thermal_measurement')
    .select((eb) => eb.fn.min('t').as('t'))
    .executeTakeFirst();
  if (!series || first?.t === null || first?.t === undefined) return 0;
  const from = Math.floor((Number(first.t) - 2 * 86_400_000) / HOUR_MS) * HOUR_MS;
  const gateway = await deps.db
    .selectFrom('gateway')
    .select('id')
    .where('sn', '=', WEATHER_GATEWAY.sn)
    .executeTakeFirst();
  if (!gateway) return 0;
  const daily = await deps.readings.group(
    { gatewayId: Number(gateway.id) },
    'temperature',
    from,
    now,
    'day',
    systemPrincipal('demo: weather station history'),
  );
  const firstMeasured = daily.buckets.find((b) => b.mean !== null);
  const until = firstMeasured ? firstMeasured.start : now;
  const times: number[] = [];
  for (let t = from; t < until; t += HOUR_MS) times.push(t);
  if (times.length === 0) return 0;
  const batch = createBatch(times.length);
  times.forEach((t, i) => {
    batch.seriesIds[i] = series.id;
    batch.times[i] = t;
    batch.values[i] = outdoorTemperature(t);
  });
  await deps.engine.write(batch);
  await deps.engine.flush();
  return times.length;
}
