import { afterAll, describe, expect, it } from 'vitest';
import { MACHINE_SCOPES, ROLES } from '#common/api/access.ts';
import { createPlaces } from '../testing/places.ts';
import { openTestPlatform } from '../testing/platform.ts';
import { type As, headersAs } from '../testing/principals.ts';
import { isAllowed, type Principal } from './access.ts';

/**
 * Integers in paths and queries (ids above all) are taken only in plain decimal: `0x10`, ` 1`,
 * `+1`, `01`, `1e0`, `1.0` are refused with 400 naming the parameter, never read as another id.
 */

const t = await openTestPlatform();
const places = await createPlaces(t);
const admin = await headersAs(t, { roles: ['admin'] });
afterAll(async () => {
  await t.close();
});

/** Ways to write the integer n that a lenient parser reads as n (or as another number). */
const spellings = (n: number) => [
  `0x${n.toString(16)}`,
  `%20${n}`,
  `${n}%20`,
  `%09${n}`,
  `+${n}`,
  `0${n}`,
  `${n}e0`,
  `${n}.0`,
  `${n}.`,
  `0b${n.toString(2)}`,
];

async function newDwelling(): Promise<number> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/dwellings',
    headers: admin,
    payload: { buildingId: places.a.buildingId, label: `X${Math.random().toString(16).slice(2, 8)}` },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

describe('path ids', () => {
  it('written otherwise than in plain decimal delete nothing: 400 naming the parameter', async () => {
    const id = await newDwelling();
    for (const spelling of spellings(id)) {
      const res = await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/dwellings/${spelling}`,
        headers: admin,
      });
      expect(res.statusCode, `${spelling}: ${res.body}`).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json().detail).toMatch(/^params\.id: /);
      expect(res.json().errors).toEqual([{ where: 'params.id', message: expect.any(String) }]);
    }
    const still = await t.app.inject({ method: 'GET', url: `/api/v1/dwellings/${id}`, headers: admin });
    expect(still.statusCode, still.body).toBe(200);
    const deleted = await t.app.inject({ method: 'DELETE', url: `/api/v1/dwellings/${id}`, headers: admin });
    expect(deleted.statusCode, deleted.body).toBe(204);
  });

  // Every route with an integer in its path, called by someone it lets in, with `0x1` there.
  const credentials = new Map<string, Record<string, string>>();
  const callers: As[] = [
    ...ROLES.map((r) => ({ roles: [r] })),
    ...MACHINE_SCOPES.map((s) => ({ scopes: [s] })),
  ];
  const asPrincipal = (as: As): Principal => ({
    kind: as.roles ? 'user' : 'machine',
    id: 0,
    name: '',
    roles: as.roles ?? [],
    scopes: as.scopes ?? [],
    dwellingIds: [],
    buildingIds: [],
    gatewayIds: [],
  });
  type Schema = { properties?: Record<string, { type?: unknown }> };
  const routes = t.app.routeTable.filter(
    (r) =>
      r.method !== 'HEAD' &&
      Object.values((r.schema?.params as Schema | undefined)?.properties ?? {}).some(
        (p) => p.type === 'integer',
      ),
  );

  it('are found in the route table', () => {
    expect(routes.length).toBeGreaterThan(40);
  });

  it.each(routes.map((r) => [`${r.method} ${r.url}`, r] as const))('%s', async (_name, route) => {
    const integers = Object.entries((route.schema?.params as Schema).properties ?? {})
      .filter(([, p]) => p.type === 'integer')
      .map(([name]) => name);
    const caller = callers.find((c) => isAllowed(route.access, asPrincipal(c)));
    expect(caller, 'someone may call it').toBeDefined();
    const key = JSON.stringify(caller);
    if (!credentials.has(key)) credentials.set(key, await headersAs(t, caller!));
    for (const bad of integers) {
      const url = route.url.replace(/:(\w+)/g, (_m, name: string) => (name === bad ? '0x1' : '1'));
      const res = await t.app.inject({
        method: route.method as 'GET',
        url,
        headers: credentials.get(key),
        ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: {} }),
      });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(400);
      expect(res.json().detail).toContain(`params.${bad}: `);
    }
  });
});

describe('query integers', () => {
  it('written otherwise than in plain decimal are refused naming the parameter', async () => {
    for (const spelling of spellings(places.a.buildingId)) {
      const res = await t.app.inject({
        method: 'GET',
        url: `/api/v1/dwellings?building=${spelling}`,
        headers: admin,
      });
      expect(res.statusCode, `${spelling}: ${res.body}`).toBe(400);
      expect(res.json().detail).toMatch(/^querystring\.building: /);
    }
    const plain = await t.app.inject({
      method: 'GET',
      url: `/api/v1/dwellings?building=${places.a.buildingId}&limit=10`,
      headers: admin,
    });
    expect(plain.statusCode, plain.body).toBe(200);
    expect(plain.json().items.map((d: { id: number }) => d.id)).toContain(places.a.dwellingId);
  });
});
