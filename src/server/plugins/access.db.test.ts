import { afterAll, describe, expect, it } from 'vitest';
import { MACHINE_SCOPES, ROLES, TOO_FEW_DWELLINGS } from '#common/api/access.ts';
import { SEES_EVERYTHING } from '../access/visibility.ts';
import { BY_SYSTEM } from '../audit/by.ts';
import { createCity, type TestPlace } from '../testing/places.ts';
import { MODULES } from '../modules/index.ts';
import { exampleModule } from '../testing/example-module/index.ts';
import { openTestPlatform } from '../testing/platform.ts';
import { type As, headersAs } from '../testing/principals.ts';
import {
  type Access,
  isAllowed,
  NEEDS_CREDENTIAL,
  type PlaceKind,
  placeKindOf,
  type Principal,
  refusal,
  type RouteEntry,
  type ScopeParam,
} from './access.ts';
import { DAY_MS } from '#common/time.ts';

/**
 * The access matrix: every route the server exposes (read from its route table, so a new route
 * is covered without touching this file) is called with no credential, as each role, as each
 * machine scope, and as people and machines of somewhere else. A route that takes a parameter
 * naming a dwelling, building, district, gateway, sensor or organisation (found by its name in
 * the route's schemas) must declare it in `config.scope`, and is called once per such parameter,
 * naming a place of the test city, as each caller; what to expect comes from the declarations:
 * the route's `access`, and how each parameter answers whom does not see (all of) its place.
 */

// The example module (the recipe of a new feature) is walked like every shipped one.
const t = await openTestPlatform({ loginMaxFailuresPerAddress: 100_000 }, {}, [...MODULES, exampleModule]);
const city = await createCity(t);
const { a, b, neighbours, small } = city;
const everyPlace = [a, ...neighbours, ...small, b];
const organisation = await t.platform.auth.accounts.createOrganisation(
  { name: 'test organisation of building A1', buildingIds: [a.buildingId] },
  BY_SYSTEM,
);
/** The place a parameter of each kind names: `a`, its building and its district. */
const target: Record<PlaceKind, number> = {
  dwelling: a.dwellingId,
  building: a.buildingId,
  district: a.districtId,
  gateway: a.gatewayId,
  sensor: a.sensorId,
  organisation: organisation.id,
};
/** The dwellings of the place a parameter names. */
const area: Record<PlaceKind, TestPlace[]> = {
  dwelling: [a],
  gateway: [a],
  sensor: [a],
  building: everyPlace.filter((p) => p.buildingId === a.buildingId),
  district: everyPlace.filter((p) => p.districtId === a.districtId),
  organisation: everyPlace.filter((p) => p.buildingId === a.buildingId),
};
/** Ids in paths that are not the parameter under test: nothing has them, so allowed calls change nothing. */
const NO_SUCH_ID = 999_999;

interface Caller {
  label: string;
  as: As;
  /** Which dwellings of the test city the caller sees. */
  sees: (p: TestPlace) => boolean;
  headers?: Record<string, string>;
}

const everything = () => true;
const callers: Caller[] = [
  ...ROLES.map((role) => ({
    label: `role ${role}`,
    as: {
      roles: [role],
      dwellingIds: role === 'resident' ? [a.dwellingId] : [],
      buildingIds: role === 'esco' ? [a.buildingId] : [],
    },
    sees: SEES_EVERYTHING.has(role)
      ? everything
      : role === 'resident'
        ? (p: TestPlace) => p === a
        : role === 'esco'
          ? (p: TestPlace) => p.buildingId === a.buildingId
          : () => false,
  })),
  ...MACHINE_SCOPES.map((scope) => ({
    label: `machine ${scope}`,
    as: { scopes: [scope] },
    sees: everything,
  })),
  {
    label: 'resident of another district',
    as: { roles: ['resident'], dwellingIds: [b.dwellingId] },
    sees: (p) => p === b,
  },
  {
    label: 'ESCO of other buildings',
    as: { roles: ['esco'], buildingIds: [b.buildingId] },
    sees: (p) => p.buildingId === b.buildingId,
  },
  {
    label: 'machine restricted to another building',
    as: { scopes: [...MACHINE_SCOPES], buildingIds: [b.buildingId] },
    sees: (p) => p.buildingId === b.buildingId,
  },
  {
    label: 'machine restricted to another gateway',
    as: { scopes: [...MACHINE_SCOPES], gatewayIds: [b.gatewayId] },
    sees: (p) => p === b,
  },
];

/** How much of the place of a kind a caller sees. */
function relation(caller: Caller, kind: PlaceKind): 'whole' | 'part' | 'none' {
  const seen = area[kind].filter(caller.sees).length;
  return seen === area[kind].length ? 'whole' : seen > 0 ? 'part' : 'none';
}

async function credentials(c: Caller): Promise<Record<string, string>> {
  c.headers ??= await headersAs(t, c.as);
  return c.headers;
}

/** A person's credential may end during the run (logout): then they log in again. */
async function keepAlive(c: Caller): Promise<void> {
  if (!c.as.roles) return;
  const me = await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: c.headers });
  if (me.statusCode === 401) c.headers = await headersAs(t, c.as);
}

function asPrincipal(as: As): Principal {
  return {
    kind: as.roles ? 'user' : 'machine',
    id: 0,
    name: '',
    roles: as.roles ?? [],
    scopes: as.scopes ?? [],
    dwellingIds: as.dwellingIds ?? [],
    buildingIds: as.buildingIds ?? [],
    gatewayIds: as.gatewayIds ?? [],
  };
}

/**
 * What of the places a caller does not see an answer shows: ids of their dwellings, gateways and
 * sensors under those names, their gateways' serial numbers and dwellings' labels, and the codes
 * of buildings the caller sees nothing of.
 */
function leaks(body: string, hidden: TestPlace[], hiddenBuildingCodes: Set<string>): string[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return hidden.filter((p) => body.includes(p.sn)).map((p) => `gateway ${p.sn}`);
  }
  const ids = {
    dwellingId: new Set(hidden.map((p) => p.dwellingId)),
    gatewayId: new Set(hidden.map((p) => p.gatewayId)),
    sensorId: new Set(hidden.map((p) => p.sensorId)),
  };
  const texts = new Set([...hidden.flatMap((p) => [p.sn, p.label]), ...hiddenBuildingCodes]);
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (k in ids && typeof x === 'number' && ids[k as keyof typeof ids].has(x)) found.push(`${k} ${x}`);
        else walk(x);
      }
    else if (typeof v === 'string' && texts.has(v)) found.push(v);
  };
  walk(json);
  return found;
}

// A value that passes a JSON schema, good enough for the route to reach its service; a range of
// time covers the test city's readings, and a medium is the one they measure.
type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[] };

const NOW = Date.now();
const KNOWN: Record<string, unknown> = { from: NOW - DAY_MS, to: NOW + DAY_MS, medium: 'temperature' };

function sample(schema: Schema | undefined, name?: string): unknown {
  if (!schema) return undefined;
  if (name !== undefined && name in KNOWN) {
    const known = KNOWN[name];
    const type = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (typeof known === 'number' && (type.includes('integer') || type.includes('number'))) return known;
    if (type.includes('string')) {
      const text = String(known);
      if (typeof schema.pattern !== 'string' || new RegExp(schema.pattern).test(text)) return text;
    }
  }
  if ('const' in schema) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  for (const key of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(schema[key])) {
      // null passes where it may stand: easier than guessing a value for a pattern.
      const options = schema[key] as Schema[];
      return options.some((o) => o.type === 'null') ? null : sample(options[0], name);
    }
  if (Array.isArray(schema.type) && schema.type.includes('null')) return null;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = sample(schema.properties?.[key], key);
      return out;
    }
    case 'array':
      return Array.from({ length: Number(schema.minItems ?? 0) }, () => sample(schema.items as Schema));
    case 'integer':
    case 'number':
      return Number(
        schema.minimum ?? (schema.exclusiveMinimum !== undefined ? Number(schema.exclusiveMinimum) + 1 : 0),
      );
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'string': {
      if (schema.format === 'email') return 'someone@example.org';
      if (schema.format === 'date-time') return new Date(0).toISOString();
      const length = Math.max(Number(schema.minLength ?? 1), 1);
      const candidates = ['0'.repeat(16), 'x'.repeat(length), '0'.repeat(length)];
      const pattern = typeof schema.pattern === 'string' ? new RegExp(schema.pattern) : undefined;
      return candidates.find((c) => !pattern || pattern.test(c)) ?? 'x';
    }
    default:
      return undefined;
  }
}

/** Whether a schema holds an id: an integer, or a list of them. */
function holdsIds(schema: Schema | undefined): boolean {
  if (!schema) return false;
  for (const key of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(schema[key])) return (schema[key] as Schema[]).some(holdsIds);
  const types = [schema.type].flat();
  return types.includes('integer') || (types.includes('array') && holdsIds(schema.items as Schema));
}

/** Every parameter of a route whose name names a place and that holds an id. */
function placeParameters(route: RouteEntry): { in: ScopeParam['in']; name: string; kind: PlaceKind }[] {
  const found: { in: ScopeParam['in']; name: string; kind: PlaceKind }[] = [];
  for (const m of route.url.matchAll(/:(\w+)/g)) {
    const kind = placeKindOf(m[1], route.url);
    if (kind) found.push({ in: 'params', name: m[1], kind });
  }
  for (const where of ['query', 'body'] as const) {
    const schema = (where === 'query' ? route.schema?.querystring : route.schema?.body) as Schema | undefined;
    for (const [name, property] of Object.entries(schema?.properties ?? {})) {
      const kind = placeKindOf(name);
      if (kind && holdsIds(property)) found.push({ in: where, name, kind });
    }
  }
  return found;
}

/**
 * Whether only callers who see everything may call a route (then what its parameters name is
 * theirs to see, and it need not declare them): no role that sees only part of the city, and no
 * machine token restricted to buildings or gateways.
 */
function onlyForThoseWhoSeeEverything(access: Access): boolean {
  if (access === 'public') return false;
  return (
    access.roles.every((r) => SEES_EVERYTHING.has(r)) &&
    (!access.scopes?.length || access.unrestrictedMachinesOnly === true)
  );
}

/** NGSI-LD names places by entity ids (`urn:ngsi-ld:Dwelling:5`), of these types. */
const NGSI_LD_TYPES: Partial<Record<PlaceKind, string>> = {
  dwelling: 'Dwelling',
  building: 'Building',
  gateway: 'Device',
  sensor: 'DeviceMeasurement',
};

/** How a route's path writes the id of a place: as is, or as an NGSI-LD entity id. */
function placeInPath(route: RouteEntry, kind: PlaceKind): string {
  const type = NGSI_LD_TYPES[kind];
  return route.url.startsWith('/ngsi-ld/') && type
    ? `urn:ngsi-ld:${type}:${target[kind]}`
    : String(target[kind]);
}

/** A request to a route, with `param` (if any) naming the test city's place of its kind. */
function requestFor(route: RouteEntry, param: ScopeParam | undefined) {
  const params = (sample(route.schema?.params as Schema) ?? {}) as Record<string, unknown>;
  const query = (sample(route.schema?.querystring as Schema) ?? {}) as Record<string, unknown>;
  let body = sample(route.schema?.body as Schema) as Record<string, unknown> | undefined;
  if (param?.in === 'query') query[param.name] = target[param.kind];
  if (param?.in === 'body') body = { ...body, [param.name]: target[param.kind] };
  const url = route.url
    .replace(/:(\w+)/g, (_m, name: string) =>
      String(
        param?.in === 'params' && param.name === name
          ? placeInPath(route, param.kind)
          : (params[name] ?? NO_SUCH_ID),
      ),
    )
    .replace(/\*$/, 'index.html');
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    for (const x of [v].flat()) if (x !== undefined) search.append(k, String(x));
  const withBody = body !== undefined && route.method !== 'GET' && route.method !== 'DELETE';
  return {
    method: route.method as 'GET',
    url: search.size > 0 ? `${url}?${search}` : url,
    ...(withBody ? { payload: body } : {}),
  };
}

const routes = t.app.routeTable
  .filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS')
  .sort((x, y) => `${x.url} ${x.method}`.localeCompare(`${y.url} ${y.method}`));

afterAll(async () => {
  await t.close();
});

describe('the route table', () => {
  it('holds every route of the server, each with its declared access', () => {
    expect(routes.length).toBeGreaterThan(30);
    for (const name of [
      '/api/v1/auth/login',
      '/api/v1/admin/users/:id',
      '/api/v1/readings/latest',
      '/api/v1/installations/gateways/:id/refill',
      '/api/v2/write',
      '/api/v1/example/buildings/:buildingId/notes',
      '/api/v1/mobility/gtfs',
      '/api/v1/mobility/gtfs-rt',
      '/ngsi-ld/v1/entities',
      '/ngsi-ld/v1/entities/:entityId',
      '/ocpp/:chargePointId',
    ])
      expect(routes.map((r) => r.url)).toContain(name);
    for (const r of routes) expect(r.access).toBeDefined();
  });

  it('knows the names of place parameters', () => {
    expect(placeKindOf('building')).toBe('building');
    expect(placeKindOf('dwellingId')).toBe('dwelling');
    expect(placeKindOf('gatewayIds')).toBe('gateway');
    expect(placeKindOf('temperatureSensorId')).toBe('sensor');
    expect(placeKindOf('organisationId')).toBe('organisation');
    expect(placeKindOf('id', '/api/v1/comfort/districts/:id')).toBe('district');
    expect(placeKindOf('id', '/api/v1/admin/users/:id')).toBeUndefined();
    expect(placeKindOf('assigneeId')).toBeUndefined();
    expect(placeKindOf('installedSensors')).toBeUndefined();
  });

  it.each(routes.map((r) => [`${r.method} ${r.url}`, r] as const))(
    '%s declares every parameter that names a place',
    (_name, route) => {
      const declared = route.scope.map((p) => `${p.in}.${p.name}`);
      const undeclared = placeParameters(route).filter((p) => !declared.includes(`${p.in}.${p.name}`));
      if (onlyForThoseWhoSeeEverything(route.access)) return;
      expect(
        undeclared.map((p) => `${p.in}.${p.name} (a ${p.kind})`),
        'declare them in config.scope: how the route answers whom does not see the place',
      ).toEqual([]);
    },
  );
});

describe.each(routes.map((r) => [`${r.method} ${r.url}`, r] as const))('%s', (_name, route) => {
  const access: Access = route.access;

  /** Whether the access check (not the route's service) refused the request. */
  const refusedByAccess = (res: { statusCode: number; body: string }) => {
    if (res.statusCode !== 401 && res.statusCode !== 403) return false;
    const detail = (JSON.parse(res.body) as { detail?: string }).detail ?? '';
    return detail === NEEDS_CREDENTIAL || detail.endsWith(refusal('', route.method, route.url).trimStart());
  };

  it('without a credential', async () => {
    const res = await t.app.inject(requestFor(route, route.scope[0]));
    if (access === 'public') expect(refusedByAccess(res), res.body).toBe(false);
    else {
      expect(res.statusCode, res.body).toBe(401);
      expect(refusedByAccess(res), res.body).toBe(true);
    }
  });

  const cases = (route.scope.length > 0 ? route.scope : [undefined]).flatMap((param) =>
    callers.map(
      (c) =>
        [
          param ? `${param.in}.${param.name} (${param.outsider}) as ${c.label}` : `as ${c.label}`,
          param,
          c,
        ] as const,
    ),
  );
  it.each(cases)('%s', async (_label, param, caller) => {
    const headers = await credentials(caller);
    const res = await t.app.inject({ ...requestFor(route, param), headers });
    const allowed = isAllowed(access, asPrincipal(caller.as));
    if (!allowed) {
      expect(res.statusCode, res.body).toBe(403);
      expect(refusedByAccess(res), res.body).toBe(true);
    } else {
      expect(refusedByAccess(res), res.body).toBe(false);
      if (access !== 'public') expect(res.statusCode, res.body).not.toBe(401);
      if (param) expectAnswer(param, caller, res);
      else expect(res.statusCode, res.body).not.toBe(403);
    }
    if (route.method !== 'GET') await keepAlive(caller);
  });
});

/** What a caller allowed to call the route gets, naming the place of `param`'s kind. */
function expectAnswer(param: ScopeParam, caller: Caller, res: { statusCode: number; body: string }): void {
  const reach = relation(caller, param.kind);
  const hidden = area[param.kind].filter((p) => !caller.sees(p));
  const hiddenCodes = new Set(
    hidden
      .filter((h) => !everyPlace.some((p) => p.buildingId === h.buildingId && caller.sees(p)))
      .map((h) => h.buildingCode),
  );
  switch (param.outsider) {
    case 'open':
      expect(res.statusCode, res.body).not.toBe(403);
      break;
    case 'refuse':
    case 'narrow':
      // Whom sees part of a place gets what they see of it, or is refused it whole.
      if (reach === 'whole') expect(res.statusCode, res.body).not.toBe(403);
      else if (reach === 'none' && param.outsider === 'refuse')
        expect([403, 404], res.body).toContain(res.statusCode);
      if (res.statusCode < 300) expect(leaks(res.body, hidden, hiddenCodes), res.body).toEqual([]);
      break;
    case 'aggregate':
      if (reach === 'whole') expect(res.statusCode, res.body).not.toBe(403);
      else if (reach === 'none') expect(res.statusCode, res.body).toBe(403);
      else if (res.statusCode === 403)
        expect((JSON.parse(res.body) as { type?: string }).type, res.body).toBe(TOO_FEW_DWELLINGS);
      break;
  }
}
