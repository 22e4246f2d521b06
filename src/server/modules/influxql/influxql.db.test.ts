import { InfluxDB } from '@influxdata/influxdb-client';
import { InfluxDB as Influx1 } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlaces, type TestPlace } from '../../testing/places.ts';
import { openTestPlatform, type TestPlatform } from '../../testing/platform.ts';
import { headersAs } from '../../testing/principals.ts';

const H = 3_600_000;
const T = Date.UTC(2026, 9, 1, 8);
const RANGE = `time >= ${T}ms AND time <= ${T + 3 * H - 1}ms`;

/** The InfluxDB 1.x query API over HTTP, on points written through the InfluxDB 1.x write API. */
describe('GET and POST /query', () => {
  let t: TestPlatform;
  let a: TestPlace;
  let b: TestPlace;
  let resident: Record<string, string>;

  const query = async (q: string | undefined, headers = t.readerHeaders, extra = '') => {
    const res = await t.app.inject({
      method: 'GET',
      url: `/query?db=ciop${q === undefined ? '' : `&q=${encodeURIComponent(q)}`}${extra}`,
      headers,
    });
    return {
      status: res.statusCode,
      text: res.body,
      get body() {
        return res.json();
      },
    };
  };

  beforeAll(async () => {
    t = await openTestPlatform();
    ({ a, b } = await createPlaces(t));
    const line = (sn: string, minutes: number, v: number) =>
      `forwarder_data,SN=${sn},channel=1,device=1,medium=temperature value=${v} ${T + minutes * 60_000}`;
    const body = [
      // a: hour 0: 20, 22 (mean 21); hour 2: 18.
      line(a.sn, 0, 20),
      line(a.sn, 30, 22),
      line(a.sn, 150, 18),
      // b: hour 0: 30.
      line(b.sn, 10, 30),
      // Not a forwarder's series: no dwelling, seen only by whom sees everything.
      `weather,station=vit wind=4.5 ${T}`,
    ].join('\n');
    const res = await t.app.inject({
      method: 'POST',
      url: '/write?db=ciop&precision=ms',
      headers: t.ingestHeaders,
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(204);
    resident = await headersAs(t, { roles: ['resident'], dwellingIds: [a.dwellingId] });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers SHOW statements in InfluxDB’s shape', async () => {
    const { status, body } = await query(
      'SHOW DATABASES; SHOW MEASUREMENTS; SHOW TAG VALUES WITH KEY = "SN"',
    );
    expect(status).toBe(200);
    expect(body.results[0]).toEqual({
      statement_id: 0,
      series: [{ name: 'databases', columns: ['name'], values: [['ciop']] }],
    });
    expect(body.results[1].series[0].values).toEqual([['forwarder_data'], ['weather']]);
    expect(body.results[2].series[0].values).toEqual([a.sn, b.sn].sort().map((sn) => ['SN', sn]));
  });

  it('answers mean per hour, from points in memory and once compacted alike', async () => {
    const q = `SELECT mean("value") FROM "forwarder_data" WHERE "SN" = '${a.sn}' AND ${RANGE} GROUP BY time(1h) fill(null)`;
    const expected = {
      results: [
        {
          statement_id: 0,
          series: [
            {
              name: 'forwarder_data',
              columns: ['time', 'mean'],
              values: [
                ['2026-10-01T08:00:00Z', 21],
                ['2026-10-01T09:00:00Z', null],
                ['2026-10-01T10:00:00Z', 18],
              ],
            },
          ],
        },
      ],
    };
    expect((await query(q)).body).toEqual(expected);
    await t.platform.engine.flush();
    expect((await query(q)).body).toEqual(expected);
    const ms = await query(q, t.readerHeaders, '&epoch=ms');
    expect(ms.body.results[0].series[0].values[0]).toEqual([T, 21]);
    const s = await query(q, t.readerHeaders, '&epoch=s');
    expect(s.body.results[0].series[0].values[2]).toEqual([(T + 2 * H) / 1000, 18]);
  });

  it('takes the query as a form in a POST, with u and p', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/query?u=reader&p=${encodeURIComponent(t.readerHeaders.authorization.slice('Bearer '.length))}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        db: 'ciop',
        q: `SELECT count(value) FROM forwarder_data WHERE ${RANGE} GROUP BY "SN"`,
      }).toString(),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().results[0].series).toEqual(
      [
        [a.sn, 3],
        [b.sn, 1],
      ]
        .sort()
        .map(([sn, n]) => ({
          name: 'forwarder_data',
          tags: { SN: sn },
          columns: ['time', 'count'],
          values: [['2026-10-01T08:00:00Z', n]],
        })),
    );
  });

  it('a resident sees only their dwelling’s series', async () => {
    const { status, body } = await query(
      `SHOW MEASUREMENTS; SHOW TAG VALUES WITH KEY = "SN"; SELECT count(value) FROM forwarder_data WHERE ${RANGE} GROUP BY "SN"; SELECT wind FROM weather; SELECT value FROM forwarder_data WHERE "SN" = '${b.sn}'`,
      resident,
    );
    expect(status).toBe(200);
    expect(body.results).toEqual([
      {
        statement_id: 0,
        series: [{ name: 'measurements', columns: ['name'], values: [['forwarder_data']] }],
      },
      {
        statement_id: 1,
        series: [{ name: 'forwarder_data', columns: ['key', 'value'], values: [['SN', a.sn]] }],
      },
      {
        statement_id: 2,
        series: [
          {
            name: 'forwarder_data',
            tags: { SN: a.sn },
            columns: ['time', 'count'],
            values: [['2026-10-01T08:00:00Z', 3]],
          },
        ],
      },
      { statement_id: 3 },
      { statement_id: 4 },
    ]);
    expect(JSON.stringify(body)).not.toContain(b.sn);
    // SHOW SERIES, SELECT * and a chunked answer hold only the resident's series too.
    const more = await query(
      `SHOW SERIES; SELECT * FROM forwarder_data WHERE ${RANGE}; SELECT median(value) FROM forwarder_data WHERE ${RANGE} GROUP BY time(1h), "SN" fill(none)`,
      resident,
      '&chunked=true&chunk_size=1',
    );
    expect(more.status).toBe(200);
    expect(more.text).toContain(a.sn);
    expect(more.text).not.toContain(b.sn);
    expect(more.text).not.toContain('weather');
    const lines = more.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].results[0].series[0].values).toEqual([
      [`forwarder_data,SN=${a.sn},channel=1,device=1,medium=temperature`],
    ]);
    // SELECT *: three readings, a row each, partial until the last.
    expect(lines.slice(1, 4).map((l) => l.results[0].partial)).toEqual([true, true, undefined]);
  });

  it('needs a credential that may read readings', async () => {
    expect((await query('SHOW DATABASES', {})).status).toBe(401);
    expect((await query('SHOW DATABASES', t.ingestHeaders)).status).toBe(403);
  });

  it('answers bad and unsupported statements as InfluxDB does', async () => {
    const missing = await query(undefined);
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'missing required parameter "q"' });
    const syntax = await query('SELECT value FROM');
    expect(syntax.status).toBe(400);
    expect(syntax.body.error).toMatch(/^error parsing query: found EOF, expected measurement/);
    expect((await query('SHOW DATABASES', t.readerHeaders, '&epoch=fortnight')).status).toBe(400);
    // The statement CIOP does not serve answers its error; those after it are not run.
    const { status, body } = await query(
      'SHOW DATABASES; SELECT stddev(value) FROM forwarder_data; SHOW MEASUREMENTS',
    );
    expect(status).toBe(200);
    expect(body.results).toEqual([
      { statement_id: 0, series: [{ name: 'databases', columns: ['name'], values: [['ciop']] }] },
      { statement_id: 1, error: 'not supported by CIOP: function stddev() is not supported' },
    ]);
  });

  it('the influx and @influxdata/influxdb-client libraries query it as they query InfluxDB', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    const client = new Influx1({
      host: '127.0.0.1',
      port: typeof address === 'object' && address ? address.port : 0,
      database: 'ciop',
      username: 'reader',
      password: t.readerHeaders.authorization.slice('Bearer '.length),
    });
    const rows = await client.query<{ time: Date; max: number }>(
      `SELECT max(value) FROM forwarder_data WHERE "SN" = '${a.sn}' AND ${RANGE} GROUP BY time(1h) fill(none)`,
    );
    expect(rows.map((r) => [r.time.getTime(), r.max])).toEqual([
      [T, 22],
      [T + 2 * H, 18],
    ]);
    expect(await client.getDatabaseNames()).toEqual(['ciop']);
    expect((await client.getMeasurements()).sort()).toEqual(['forwarder_data', 'weather']);
    // @influxdata/influxdb-client, with Token auth, through its transport to the 1.x /query path.
    const v2 = new InfluxDB({
      url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
      token: t.readerHeaders.authorization.slice('Bearer '.length),
    });
    const q = `SELECT median(value), spread(value) FROM forwarder_data WHERE "SN" = '${a.sn}' AND ${RANGE} GROUP BY time(1h) fill(none)`;
    expect(
      await v2.transport.request(`/query?db=ciop&epoch=ms&q=${encodeURIComponent(q)}`, '', { method: 'GET' }),
    ).toEqual({
      results: [
        {
          statement_id: 0,
          series: [
            {
              name: 'forwarder_data',
              columns: ['time', 'median', 'spread'],
              values: [
                [T, 21, 2],
                [T + 2 * H, 18, 0],
              ],
            },
          ],
        },
      ],
    });
  });
});
