import { strToU8, zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { headersAs } from '../testing/principals.ts';
import { openTestPlatform } from '../testing/platform.ts';
import { SPREADSHEET_UPLOAD } from './uploads.ts';

/**
 * Every upload route (a route whose body may be `multipart/form-data`, read from the route
 * table, so a new one is covered without touching this file) answers a malformed upload the
 * same way: `application/problem+json`, 400, 413 or 415, naming what is wrong, and nothing stored.
 */

const t = await openTestPlatform();
const admin = await headersAs(t, { roles: ['admin'] });
afterAll(async () => {
  await t.close();
});

type Schema = { content?: Record<string, unknown> };
const routes = t.app.routeTable.filter(
  (r) => r.method === 'POST' && (r.schema?.body as Schema | undefined)?.content?.['multipart/form-data'],
);

/** A GTFS feed of one route, one stop pair and one trip. */
const GTFS_SAMPLE = Buffer.from(
  zipSync({
    'agency.txt': strToU8(
      'agency_name,agency_url,agency_timezone\nTUVISA,https://tuvisa.example,Europe/Madrid\n',
    ),
    'routes.txt': strToU8('route_id,route_short_name,route_type\nR1,1,3\n'),
    'stops.txt': strToU8('stop_id,stop_name,stop_lat,stop_lon\nS1,A,42.85,-2.67\nS2,B,42.86,-2.68\n'),
    'calendar.txt': strToU8(
      'service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\nWK,1,1,1,1,1,0,0,20260101,20261231\n',
    ),
    'trips.txt': strToU8('route_id,service_id,trip_id\nR1,WK,T1\n'),
    'stop_times.txt': strToU8(
      'trip_id,arrival_time,departure_time,stop_id,stop_sequence\nT1,07:00:00,07:00:00,S1,1\nT1,07:10:00,07:10:00,S2,2\n',
    ),
  }),
);

/** A file each upload route takes (one good row), so the well-formed upload gets a 200 report. */
const SAMPLES: Record<string, string | Buffer> = {
  '/api/v1/mobility/gtfs': GTFS_SAMPLE,
  '/api/v1/buildings/import':
    'BuildingID;Address;Latitude;Longitude;Carrier1;m2_1\nUP-1;Calle Aldabe 1;42,85;-2,67;natural_gas;100',
  '/api/v1/kpi/buildings/import':
    'BuildingID;Address;Latitude;Longitude;Carrier1;m2_1\nUP-1;Calle Aldabe 1;42,85;-2,67;natural_gas;100',
  '/api/v1/dwellings/import': 'BuildingID;Dwelling\nUP-1;1A',
  '/api/v1/measures/import': 'KPI;Resource;PeriodStart;PeriodEnd;Value\nLCA_GWP;UP-1;2024;;5',
  '/api/v1/city3d/attributes/import': 'reference;solar_potential\nUP-1;5000',
  '/api/v1/municipal/invoices/import':
    'cups;period_start;period_end;quantity;unit;cost_eur\nES1234123456789012JY;2026-01-01;2026-01-31;1200;kWh;180',
  '/api/v1/forecast/buildings/import': 'Code;Address\nUP-1;Calle Aldabe 1',
  '/api/v1/forecast/forecast/upload': 'date;temperatureC\n2026-12-08;5.5',
  '/api/v1/kpi/thermal-measurements/import':
    'thermal_measurement_id,timestamp,value,resource_id,carrier\nup-1,1700000000,5,UP-1,natural_gas',
};

interface Part {
  name: string;
  filename?: string;
  type?: string;
  content: string | Buffer;
}

/** A multipart/form-data body, as a browser's upload form sends it. */
function form(parts: Part[], boundary = '----ciopUploadTest') {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}`;
    const type = p.type ? `Content-Type: ${p.type}\r\n` : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`));
    chunks.push(Buffer.isBuffer(p.content) ? p.content : Buffer.from(p.content));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` };
}

/** The media type each upload route's files are sent as: CSV unless named here. */
const TYPES: Record<string, string> = { '/api/v1/mobility/gtfs': 'application/zip' };
const typeOf = (url: string) => TYPES[url] ?? 'text/csv';

const file = (content: string | Buffer, type = 'text/csv'): Part => ({
  name: 'file',
  filename: 'upload.csv',
  type,
  content,
});

/** What is stored that an import could change. */
async function stored(): Promise<number[]> {
  const db = t.platform.database.db;
  const count = async (
    table: 'building' | 'dwelling' | 'kpi_thermal_measurement' | 'kpi_measure' | 'mobility_scheduled_trip',
  ) => Number((await db.selectFrom(table).select(db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return Promise.all([
    count('building'),
    count('dwelling'),
    count('kpi_thermal_measurement'),
    count('kpi_measure'),
    count('mobility_scheduled_trip'),
  ]);
}

/** Routes that take larger files than the spreadsheet default (a city's invoices of ten years). */
const LIMITS: Record<string, number> = {
  '/api/v1/municipal/invoices/import': 64 * 1024 * 1024,
  '/api/v1/mobility/gtfs': 50 * 1024 * 1024,
};
const limitOf = (url: string) => LIMITS[url] ?? SPREADSHEET_UPLOAD.maxBytes;
const tooBig = (url: string) => Buffer.alloc(limitOf(url) + 1, 'a');

/** Malformed uploads, each with the status and the words of the answer (some depend on the route). */
type PerRoute<T> = T | ((url: string) => T);
const BAD: {
  label: string;
  type: PerRoute<string>;
  payload: PerRoute<string | Buffer>;
  status: number;
  detail: PerRoute<RegExp>;
}[] = [
  {
    label: 'multipart without a boundary',
    type: 'multipart/form-data',
    payload: 'abc',
    status: 400,
    detail: /boundary/,
  },
  {
    label: 'multipart whose parts do not match its boundary',
    type: 'multipart/form-data; boundary=abc',
    payload:
      '--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nKPI\r\n--xyz--\r\n',
    status: 400,
    detail: /multipart body cannot be read|holds no file/,
  },
  {
    label: 'multipart cut short in the middle of the file',
    type: 'multipart/form-data; boundary=cut',
    payload: (url) =>
      `--cut\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: ${typeOf(url)}\r\n\r\nKPI;Resource\r\nA;B`,
    status: 400,
    detail: /multipart body cannot be read/,
  },
  {
    label: 'multipart with the file in another field',
    ...(() => {
      const f = form([{ ...file('a;b\n1;2'), name: 'upload' }]);
      return { type: f.type, payload: f.payload };
    })(),
    status: 400,
    detail: /"file"/,
  },
  {
    label: 'multipart with only text fields',
    ...(() => {
      const f = form([{ name: 'file', content: 'a;b\n1;2' }]);
      return { type: f.type, payload: f.payload };
    })(),
    status: 400,
    detail: /no file/,
  },
  {
    label: 'multipart with two files',
    type: form([]).type,
    payload: (url) => form([file('a;b\n1;2', typeOf(url)), file('a;b\n3;4', typeOf(url))]).payload,
    status: 413,
    detail: /one file/,
  },
  {
    label: 'multipart holding a picture',
    ...(() => {
      const f = form([{ ...file(Buffer.from([0x89, 0x50, 0x4e, 0x47]), 'image/png'), filename: 'a.png' }]);
      return { type: f.type, payload: f.payload };
    })(),
    status: 415,
    detail: (url) => new RegExp(`image/png.*${typeOf(url)}`),
  },
  {
    label: 'multipart with a file over the limit',
    type: form([file('')]).type,
    payload: (url) => form([file(tooBig(url), typeOf(url))]).payload,
    status: 413,
    detail: (url) => new RegExp(`${limitOf(url)}`),
  },
  {
    label: 'raw body over the limit',
    type: typeOf,
    payload: tooBig,
    status: 413,
    detail: (url) => new RegExp(`${limitOf(url)}`),
  },
  {
    label: 'raw body of a type that is not a spreadsheet',
    type: 'application/json',
    payload: '{"a": 1}',
    status: 415,
    detail: (url) => new RegExp(`application/json.*${typeOf(url)}`),
  },
  { label: 'empty raw body', type: typeOf, payload: '', status: 400, detail: /file/ },
];

describe('upload routes', () => {
  it('are found in the route table', () => {
    expect(routes.map((r) => r.url).sort()).toEqual(Object.keys(SAMPLES).sort());
  });

  describe.each(routes.map((r) => [r.url] as const))('%s', (url) => {
    it.each(BAD.map((b) => [b.label, b] as const))(
      'answers %s with a problem naming it, storing nothing',
      async (_label, bad) => {
        const before = await stored();
        const of = <T>(v: PerRoute<T>): T => (typeof v === 'function' ? (v as (url: string) => T)(url) : v);
        const res = await t.app.inject({
          method: 'POST',
          url,
          headers: { ...admin, 'content-type': of(bad.type) },
          payload: of(bad.payload),
        });
        expect(res.statusCode, res.body).toBe(bad.status);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.json().detail).toMatch(of(bad.detail));
        expect(await stored()).toEqual(before);
      },
    );

    it('takes the file in the field "file" of a multipart body, or as the raw body', async () => {
      const sample = SAMPLES[url];
      const multipart = form([{ name: 'note', content: 'from the upload form' }, file(sample, typeOf(url))]);
      for (const [type, payload] of [
        [multipart.type, multipart.payload],
        [`${typeOf(url)}; charset=utf-8`, sample],
      ] as const) {
        const res = await t.app.inject({
          method: 'POST',
          url: `${url}?dryRun=true`,
          headers: { ...admin, 'content-type': type },
          payload,
        });
        // A forecast from uploaded temperatures needs fitted models first: read, then refused for that.
        expect(res.statusCode, res.body).toBe(url === '/api/v1/forecast/forecast/upload' ? 409 : 200);
      }
    });
  });
});
