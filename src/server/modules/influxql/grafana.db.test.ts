import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 9, 1);
const DAYS = 3;

interface Target {
  refId: string;
  query: string;
}
interface Dashboard {
  panels: { title: string; targets: Target[] }[];
  templating: { list: { name: string; query: string }[] };
}

const dashboard = JSON.parse(
  readFileSync(new URL('../../../../deploy/grafana/esco-dashboard.json', import.meta.url), 'utf8'),
) as Dashboard;

/**
 * The example ESCO dashboard of the README (deploy/grafana/esco-dashboard.json): every query of it
 * answers on CIOP, with the macros filled in as Grafana's InfluxDB data source fills them and sent
 * as Grafana sends them (POST form, `epoch=ms`).
 */
describe('the example Grafana dashboard', () => {
  let t: TestPlatform;
  let a: TestPlace;
  let b: TestPlace;

  beforeAll(async () => {
    t = await openTestPlatform();
    ({ a, b } = await createPlaces(t));
    const lines: string[] = [];
    for (const [g, sn] of [a.sn, b.sn].entries())
      for (const [medium, base] of [
        ['temperature', 21],
        ['humidity', 50],
        ['co2', 600],
        ['power', 800],
      ] as const)
        for (let k = 0; k < DAYS * 144; k++)
          if (!(medium === 'power' && k % 144 > 30 && k % 144 < 40))
            lines.push(
              `forwarder_data,SN=${sn},channel=1,device=1,medium=${medium} value=${base + g + Math.sin(k / 9) * base * 0.05} ${T0 + k * 600_000}`,
            );
    const res = await t.app.inject({
      method: 'POST',
      url: '/write?db=ciop&precision=ms',
      headers: t.ingestHeaders,
      payload: lines.join('\n'),
    });
    expect(res.statusCode, res.body).toBe(204);
    await t.platform.engine.flush();
  });
  afterAll(async () => {
    await t.close();
  });

  const ask = async (q: string) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/query?db=ciop&epoch=ms',
      headers: { ...t.readerHeaders, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ q }).toString(),
    });
    expect(res.statusCode, `${q}\n${res.body}`).toBe(200);
    const body = res.json() as { results: { error?: string; series?: { values: unknown[][] }[] }[] };
    expect(body.results[0].error, q).toBeUndefined();
    return body.results[0].series ?? [];
  };

  it('fills its gateway variable from SHOW TAG VALUES', async () => {
    const [variable] = dashboard.templating.list;
    const series = await ask(variable.query);
    expect(series[0].values).toEqual([a.sn, b.sn].sort().map((sn) => ['SN', sn]));
  });

  const targets = dashboard.panels.flatMap((p) => p.targets.map((target) => [p.title, target] as const));

  it.each(targets)('%s: answers every query', async (_title, target) => {
    expect(target.query).toContain('$timeFilter');
    // Grafana's $timeFilter for an absolute range, and $__interval for a 1-day and a 3-day view.
    const timeFilter = `time >= ${T0}ms and time <= ${T0 + DAYS * 24 * H - 1}ms`;
    for (const interval of ['10m', '1h']) {
      const q = target.query
        .replaceAll('$timeFilter', timeFilter)
        .replaceAll('$__interval', interval)
        .replaceAll('$sn', `(${a.sn}|${b.sn})`);
      const series = await ask(q);
      expect(series.length, q).toBeGreaterThanOrEqual(2);
      for (const s of series) expect(s.values.length, q).toBeGreaterThan(0);
    }
  });
});
