import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pmvPpd } from '#common/comfort/index.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';

/** ISO 7730:2005 Annex D, Table D.1 (see src/common/comfort/reference-tables.test.ts for sources). */
const TABLE_D1 = [
  { run: 1, tdb: 22.0, tr: 22.0, vr: 0.1, rh: 60, met: 1.2, clo: 0.5, pmv: -0.75, ppd: 17 },
  { run: 2, tdb: 27.0, tr: 27.0, vr: 0.1, rh: 60, met: 1.2, clo: 0.5, pmv: 0.77, ppd: 17 },
  { run: 3, tdb: 27.0, tr: 27.0, vr: 0.3, rh: 60, met: 1.2, clo: 0.5, pmv: 0.44, ppd: 9 },
  { run: 4, tdb: 23.5, tr: 25.5, vr: 0.1, rh: 60, met: 1.2, clo: 0.5, pmv: -0.01, ppd: 5 },
  { run: 5, tdb: 23.5, tr: 25.5, vr: 0.3, rh: 60, met: 1.2, clo: 0.5, pmv: -0.55, ppd: 11 },
  { run: 6, tdb: 19.0, tr: 19.0, vr: 0.1, rh: 40, met: 1.2, clo: 1.0, pmv: -0.6, ppd: 13 },
  // Run 7 is printed with 40 % RH; its printed result belongs to 60 % RH (misprint).
  { run: 7, tdb: 23.5, tr: 23.5, vr: 0.1, rh: 60, met: 1.2, clo: 1.0, pmv: 0.5, ppd: 10 },
  { run: 8, tdb: 23.5, tr: 23.5, vr: 0.3, rh: 40, met: 1.2, clo: 1.0, pmv: 0.12, ppd: 5 },
  { run: 9, tdb: 23.0, tr: 21.0, vr: 0.1, rh: 40, met: 1.2, clo: 1.0, pmv: 0.05, ppd: 5 },
  { run: 10, tdb: 23.0, tr: 21.0, vr: 0.3, rh: 40, met: 1.2, clo: 1.0, pmv: -0.16, ppd: 6 },
  { run: 11, tdb: 22.0, tr: 22.0, vr: 0.1, rh: 60, met: 1.6, clo: 0.5, pmv: 0.05, ppd: 5 },
  { run: 12, tdb: 27.0, tr: 27.0, vr: 0.1, rh: 60, met: 1.6, clo: 0.5, pmv: 1.17, ppd: 34 },
  { run: 13, tdb: 27.0, tr: 27.0, vr: 0.3, rh: 60, met: 1.6, clo: 0.5, pmv: 0.95, ppd: 24 },
];

describe('POST /api/v1/comfort/pmv', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await openTestPlatform({ comfortRateLimit: 100_000 });
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/api/v1/comfort/pmv', payload: payload as object, headers });

  it('answers ISO 7730 Table D.1 within its printed rounding, one input at a time, without a credential', async () => {
    for (const row of TABLE_D1) {
      const { run: _, pmv, ppd, ...input } = row;
      const res = await post(input);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.standard).toBe('ISO 7730:2005');
      expect(body.units).toBe('SI');
      expect(Math.abs(body.pmv - pmv)).toBeLessThanOrEqual(0.01);
      expect(Math.abs(body.ppd - ppd)).toBeLessThanOrEqual(0.5);
      expect(body.withinValidity).toBe(true);
      expect(body.violations).toEqual([]);
      expect(body.coolingEffect).toBe(0);
      expect(body.coolingEffectStatus).toBe('not-applicable');
    }
  });

  it('answers a batch in input order, with the classification of the unrounded PMV', async () => {
    const res = await post({ inputs: TABLE_D1.map(({ run: _, pmv: __, ppd: ___, ...input }) => input) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.standard).toBe('ISO 7730:2005');
    expect(body.results).toHaveLength(TABLE_D1.length);
    body.results.forEach((r: { pmv: number }, i: number) =>
      expect(Math.abs(r.pmv - TABLE_D1[i].pmv)).toBeLessThanOrEqual(0.01),
    );
    // Run 4: PMV −0.01 → category I (A), ASHRAE compliant, green.
    expect(body.results[3]).toMatchObject({
      category: 'I',
      isoCategory: 'A',
      ashraeCompliant: true,
      status: 'green',
    });
    // Run 12: PMV 1.17 → no category, not compliant, red.
    expect(body.results[11]).toMatchObject({
      category: null,
      isoCategory: null,
      ashraeCompliant: false,
      status: 'red',
    });
    // Run 7 (0.50 printed) is 0.4915 unrounded: category II, inside ASHRAE's ±0.5, green.
    expect(body.results[6].pmv).toBeLessThan(0.5);
    expect(body.results[6]).toMatchObject({ category: 'II', ashraeCompliant: true, status: 'green' });
  });

  it('answers a batch in columns when asked, with the same values and the violations by input', async () => {
    const inputs = [
      { tdb: 22, vr: 0.1, rh: 60, met: 1.2, clo: 0.5 },
      { tdb: 35, vr: 0.1, rh: 40, met: 1.2, clo: 0.5 },
      { tdb: 27, vr: 0.3, rh: 60, met: 1.6, clo: 0.5 },
    ];
    const rows = (await post({ inputs })).json();
    const res = await post({ inputs, layout: 'columns' });
    expect(res.statusCode, res.body).toBe(200);
    const { columns, violations, failures, standard } = res.json();
    expect(standard).toBe('ISO 7730:2005');
    expect(columns.pmv).toEqual(rows.results.map((r: { pmv: number }) => r.pmv));
    expect(columns.category).toEqual(rows.results.map((r: { category: string }) => r.category));
    expect(columns.withinValidity).toEqual([true, false, true]);
    expect(violations).toEqual([
      { input: 1, field: 'tdb', quantity: 'tdb', value: 35, min: 10, max: 30, unit: '°C' },
      ...rows.results[1].violations.slice(1).map((v: object) => ({ input: 1, ...v })),
    ]);
    expect(failures).toEqual([]);
    const single = await post({ ...inputs[0], layout: 'columns' });
    expect(single.statusCode).toBe(400);
    expect(single.json().errors[0].where).toBe('body.layout');
  });

  it('takes a batch as one array per field, and answers what the same inputs as objects give', async () => {
    const inputs = [
      { tdb: 22, tr: 23, v: 0.15, rh: 60, met: 1.4, clo: 0.5 },
      { tdb: 35, tr: 35, v: 0.1, rh: 40, met: 1.2, clo: 0.5 },
      { tdb: 27, tr: 26, v: 0.3, rh: 60, met: 1.6, clo: 0.5, wme: 0.1 },
    ];
    const columnsIn = {
      tdb: inputs.map((x) => x.tdb),
      tr: inputs.map((x) => x.tr),
      v: inputs.map((x) => x.v),
      rh: inputs.map((x) => x.rh),
      met: inputs.map((x) => x.met),
      clo: inputs.map((x) => x.clo),
      wme: inputs.map((x) => x.wme ?? 0),
    };
    for (const standard of ['iso', 'ashrae']) {
      const asObjects = (await post({ standard, inputs, layout: 'columns' })).json();
      const res = await post({ standard, columns: columnsIn });
      expect(res.statusCode, res.body).toBe(200);
      // Answered in columns unless asked otherwise, equal to the objects' answer.
      expect(res.json()).toEqual(asObjects);
      const rows = (await post({ standard, columns: columnsIn, layout: 'rows' })).json();
      expect(rows).toEqual((await post({ standard, inputs })).json());
    }
    // The violation names the field the caller gave (`tr`, `v`).
    const { violations } = (await post({ columns: { ...columnsIn, tr: [23, 45, 26] } })).json();
    expect(violations).toContainEqual(expect.objectContaining({ input: 1, field: 'tr', quantity: 'tr' }));
  });

  it('refuses columns of different lengths, or without one kind of air speed, naming the column', async () => {
    const base = { tdb: [22, 23], vr: [0.1, 0.1], rh: [50, 50], met: [1.2, 1.2], clo: [0.5, 0.5] };
    const short = await post({ columns: { ...base, rh: [50] } });
    expect(short.statusCode).toBe(400);
    expect(short.json().errors[0]).toMatchObject({ where: 'body.columns.rh' });
    expect(short.json().errors[0].message).toContain('has 1 values, `tdb` 2');
    const both = await post({ columns: { ...base, v: [0.1, 0.1] } });
    expect(both.json().errors[0].where).toBe('body.columns');
    const work = await post({ columns: { ...base, wme: [0, 1.5] } });
    expect(work.json().errors[0].where).toBe('body.columns.wme.1');
    const wet = await post({ columns: { ...base, rh: [50, 140] } });
    expect(wet.statusCode).toBe(400);
    const twice = await post({ columns: base, inputs: [{ tdb: 22, vr: 0.1, rh: 50, met: 1.2, clo: 1 }] });
    expect(twice.json().errors[0].where).toBe('body.columns');
    const strict = await post({ columns: { ...base, tdb: [22, 35] }, strict: true });
    expect(strict.statusCode).toBe(400);
    expect(strict.json().errors[0].where).toBe('body.columns.tdb.1');
  });

  it('takes and gives I-P units: °F and fpm, the cooling effect as a °F difference', async () => {
    // ASHRAE 55 PMV validation table, I-P row 2: 75.0 °F, 66 %, 20 fpm, 1.1 met, 1.0 clo → 0.5.
    const res = await post({
      tdb: 75.0,
      rh: 66,
      vr: 20,
      met: 1.1,
      clo: 1.0,
      standard: 'ashrae',
      units: 'IP',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().units).toBe('IP');
    expect(Math.abs(res.json().pmv - 0.5)).toBeLessThanOrEqual(0.05);
    // Elevated speed: 77 °F, 100 fpm. The cooling effect in °F is the SI one × 1.8, with no 32 °F offset.
    const ip = (
      await post({ tdb: 77, rh: 50, vr: 100, met: 1, clo: 0.6, standard: 'ashrae', units: 'IP' })
    ).json();
    const si = pmvPpd({ tdb: 25, rh: 50, vr: 100 * 0.00508, met: 1, clo: 0.6 }, { standard: 'ashrae' });
    expect(ip.coolingEffectStatus).toBe('converged');
    expect(ip.coolingEffect).toBeCloseTo(si.coolingEffect.value * 1.8, 6);
    expect(ip.pmv).toBeCloseTo(si.pmv, 6);
  });

  it('reports out-of-range inputs with the field, and computes them', async () => {
    const res = await post({ tdb: 35, vr: 0.1, rh: 40, met: 1.2, clo: 0.5 });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.withinValidity).toBe(false);
    expect(body.violations).toContainEqual({
      field: 'tdb',
      quantity: 'tdb',
      value: 35,
      min: 10,
      max: 30,
      unit: '°C',
    });
    expect(body.pmv).toBeCloseTo(pmvPpd({ tdb: 35, vr: 0.1, rh: 40, met: 1.2, clo: 0.5 }).pmv, 12);
  });

  it('strict mode refuses, naming the input and the field', async () => {
    const single = await post({ tdb: 35, vr: 0.1, rh: 40, met: 1.2, clo: 0.5, strict: true });
    expect(single.statusCode).toBe(400);
    expect(single.headers['content-type']).toContain('application/problem+json');
    expect(single.json().errors[0].where).toBe('body.tdb');
    expect(single.json().detail).toMatch(
      /^body\.tdb: tdb = 35 °C is outside the validity range of ISO 7730:2005 \(10 to 30 °C\)/,
    );

    const batch = await post({
      strict: true,
      standard: 'ashrae',
      inputs: [
        { tdb: 24, vr: 0.1, rh: 50, met: 1.2, clo: 0.5 },
        { tdb: 24, vr: 0.1, rh: 50, met: 1.2, clo: 1.8 },
        { tdb: 24, v: 0.1, rh: 50, met: 0.8, clo: 0.5 },
      ],
    });
    expect(batch.statusCode).toBe(400);
    const where = batch.json().errors.map((e: { where: string }) => e.where);
    expect(where).toEqual(['body.inputs.1.clo', 'body.inputs.2.met']);
    expect(batch.json().errors[0].message).toContain('ANSI/ASHRAE 55-2023');

    // Humidity too high for ISO 7730's water vapour pressure range names `rh`.
    const humid = await post({ tdb: 29, vr: 0.1, rh: 95, met: 1.2, clo: 0.5, strict: true });
    expect(humid.json().errors[0].where).toBe('body.rh');
    expect(humid.json().errors[0].message).toContain('water vapour pressure');
  });

  it('refuses what no model can take, naming the field', async () => {
    const both = await post({ inputs: [{ tdb: 22, vr: 0.1, v: 0.1, rh: 50, met: 1.2, clo: 1 }] });
    expect(both.statusCode).toBe(400);
    expect(both.json().errors[0].where).toBe('body.inputs.0.vr');
    const none = await post({ inputs: [{ tdb: 22, rh: 50, met: 1.2, clo: 1 }] });
    expect(none.json().errors[0].where).toBe('body.inputs.0.vr');
    const rh = await post({
      inputs: [
        { tdb: 22, vr: 0.1, rh: 50, met: 1.2, clo: 1 },
        { tdb: 22, vr: 0.1, rh: 140, met: 1.2, clo: 1 },
      ],
    });
    expect(rh.statusCode).toBe(400);
    expect(rh.json().errors[0].where).toBe('body.inputs.1.rh');
    const missing = await post({ vr: 0.1, rh: 50, met: 1.2, clo: 1 });
    expect(missing.json().errors[0].where).toBe('body.tdb');
    const mixed = await post({ tdb: 22, inputs: [{ tdb: 22, vr: 0.1, rh: 50, met: 1.2, clo: 1 }] });
    expect(mixed.json().errors[0].where).toBe('body.tdb');
  });

  it('answers 10,000 inputs and refuses 10,001', async () => {
    const input = { tdb: 24, vr: 0.1, rh: 50, met: 1.2, clo: 0.5 };
    const ok = await post({
      inputs: Array.from({ length: 10_000 }, (_, i) => ({ ...input, tdb: 18 + (i % 100) / 10 })),
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().results).toHaveLength(10_000);
    const tooMany = await post({ inputs: Array.from({ length: 10_001 }, () => input) });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().errors[0].where).toBe('body.inputs');
  });

  it('ASHRAE 55 at elevated air speed: the cooling effect, found, and the PMV in still air', async () => {
    const input = { tdb: 27, vr: 0.6, rh: 50, met: 1.2, clo: 0.5 };
    const single = (await post({ ...input, standard: 'ashrae' })).json();
    const reference = pmvPpd(input, { standard: 'ashrae' });
    expect(single.standard).toBe('ANSI/ASHRAE 55-2023');
    expect(single.coolingEffectStatus).toBe('converged');
    expect(single.coolingEffect).toBeCloseTo(reference.coolingEffect.value, 3);
    expect(Math.abs(single.pmv - reference.pmv)).toBeLessThanOrEqual(0.002);
    // Without air speed control, 0.6 m/s at 1.2 met, 0.5 clo and 27 °C is within the limit (0.8 m/s)…
    const controlled = (await post({ ...input, standard: 'ashrae', airspeed_control: false })).json();
    expect(controlled.withinValidity).toBe(true);
    // …but 0.6 m/s at 22 °C is not (0.2 m/s there).
    const cool = (await post({ ...input, tdb: 22, standard: 'ashrae', airspeed_control: false })).json();
    expect(cool.withinValidity).toBe(false);
    expect(cool.violations[0]).toMatchObject({ field: 'vr', quantity: 'v', max: 0.2 });
  });

  it('is rate-limited per caller: anonymous callers by address, with a problem+json 429', async () => {
    const limited = await openTestPlatform({ comfortRateLimit: 2 });
    try {
      const input = { tdb: 24, vr: 0.1, rh: 50, met: 1.2, clo: 0.5 };
      const send = (headers: Record<string, string> = {}) =>
        limited.app.inject({ method: 'POST', url: '/api/v1/comfort/pmv', payload: input, headers });
      expect((await send()).statusCode).toBe(200);
      expect((await send()).statusCode).toBe(200);
      const third = await send();
      expect(third.statusCode).toBe(429);
      expect(third.headers['content-type']).toContain('application/problem+json');
      // A signed-in caller has its own, larger allowance.
      const headers = await headersAs(limited, { roles: ['planner'] });
      expect((await send(headers)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
