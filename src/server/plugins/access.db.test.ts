import { afterAll, describe, expect, it } from 'vitest';
import { MACHINE_SCOPES, ROLES } from '#common/api/access.ts';
import { createPlaces } from '../testing/places.ts';
import { openTestPlatform } from '../testing/platform.ts';
import { type As, headersAs } from '../testing/principals.ts';
import {
  type Access,
  isAllowed,
  NEEDS_CREDENTIAL,
  type Principal,
  refusal,
  type RouteEntry,
  type RouteScope,
  type ScopeKind,
} from './access.ts';

/**
 * The access matrix: every route the server exposes (read from its route table, so a new route
 * is covered without touching this file) is called with no credential, as each role, as each
 * machine scope, and as people and machines who may call it but not about this dwelling,
 * building or sensor. What to expect comes from what the route declares: its `access`, and
 * its `scope` when it is about one dwelling, building or sensor.
 */

const t = await openTestPlatform({ loginMaxFailuresPerAddress: 100_000 });
const places = await createPlaces(t);
const target: Record<ScopeKind, number> = {
  dwelling: places.a.dwellingId,
  building: places.a.buildingId,
  sensor: places.a.sensorId,
};
/** Ids in paths that are not the route's scope: nothing has them, so allowed calls change nothing. */
const NO_SUCH_ID = 999_999;

interface Caller {
  label: string;
  as: As;
  /** Narrowed to places other than the target, for routes of these scope kinds. */
  outsider?: readonly ScopeKind[];
  headers?: Record<string, string>;
}

const callers: Caller[] = [
  ...ROLES.map((role) => ({
    label: `role ${role}`,
    as: {
      roles: [role],
      dwellingIds: role === 'resident' ? [places.a.dwellingId] : [],
      buildingIds: role === 'esco' ? [places.a.buildingId] : [],
    },
  })),
  ...MACHINE_SCOPES.map((scope) => ({ label: `machine ${scope}`, as: { scopes: [scope] } })),
  {
    label: 'resident of another dwelling',
    as: { roles: ['resident'], dwellingIds: [places.b.dwellingId] },
    outsider: ['dwelling', 'sensor'],
  },
  {
    label: 'ESCO of other buildings',
    as: { roles: ['esco'], buildingIds: [places.b.buildingId] },
    outsider: ['dwelling', 'building', 'sensor'],
  },
  {
    label: 'machine restricted to another building',
    as: { scopes: [...MACHINE_SCOPES], buildingIds: [places.b.buildingId] },
    outsider: ['dwelling', 'building', 'sensor'],
  },
];

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

// A value that passes a JSON schema, good enough for the route to reach its service.
type Schema = Record<string, unknown> & { properties?: Record<string, Schema>; required?: string[] };

function sample(schema: Schema | undefined): unknown {
  if (!schema) return undefined;
  if ('const' in schema) return schema.const;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  for (const key of ['anyOf', 'oneOf'] as const)
    if (Array.isArray(schema[key])) return sample((schema[key] as Schema[])[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = sample(schema.properties?.[key]);
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

/** Where a route's scope id goes: the path parameter, the query or the body. */
function scopeLocation(
  route: RouteEntry,
  scope: RouteScope,
): { in: 'params' | 'query' | 'body'; name: string } {
  if (typeof scope === 'object') return scope;
  const params = [...route.url.matchAll(/:(\w+)/g)].map((m) => m[1]);
  for (const name of [`${scope}Id`, 'id']) if (params.includes(name)) return { in: 'params', name };
  const query = (route.schema?.querystring as Schema | undefined)?.properties ?? {};
  for (const name of [scope, `${scope}Id`]) if (name in query) return { in: 'query', name };
  const body = (route.schema?.body as Schema | undefined)?.properties ?? {};
  if (`${scope}Id` in body) return { in: 'body', name: `${scope}Id` };
  throw new Error(`${route.method} ${route.url} declares scope "${scope}" but takes no ${scope} id`);
}

function requestFor(route: RouteEntry) {
  const scope = route.scope;
  const kind = scope === undefined ? undefined : typeof scope === 'object' ? scope.kind : scope;
  const at = scope === undefined ? undefined : scopeLocation(route, scope);
  const params = (sample(route.schema?.params as Schema) ?? {}) as Record<string, unknown>;
  const query = (sample(route.schema?.querystring as Schema) ?? {}) as Record<string, unknown>;
  const body = sample(route.schema?.body as Schema) as Record<string, unknown> | undefined;
  if (at && kind) ({ params, query, body: body ?? {} })[at.in]![at.name] = target[kind];
  const url = route.url
    .replace(/:(\w+)/g, (_m, name: string) =>
      String(at?.in === 'params' && at.name === name ? target[kind!] : NO_SUCH_ID),
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
    kind,
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
      '/api/v2/write',
    ])
      expect(routes.map((r) => r.url)).toContain(name);
    for (const r of routes) expect(r.access).toBeDefined();
  });
});

describe.each(routes.map((r) => [`${r.method} ${r.url}`, r] as const))('%s', (_name, route) => {
  const access: Access = route.access;
  const request = requestFor(route);

  /** Whether the access check (not the route's service) refused the request. */
  const refusedByAccess = (res: { statusCode: number; body: string }) => {
    if (res.statusCode !== 401 && res.statusCode !== 403) return false;
    const detail = (JSON.parse(res.body) as { detail?: string }).detail ?? '';
    return detail === NEEDS_CREDENTIAL || detail.endsWith(refusal('', route.method, route.url).trimStart());
  };

  it('without a credential', async () => {
    const res = await t.app.inject(request);
    if (access === 'public') expect(refusedByAccess(res), res.body).toBe(false);
    else {
      expect(res.statusCode, res.body).toBe(401);
      expect(refusedByAccess(res), res.body).toBe(true);
    }
  });

  it.each(callers.map((c) => [c.label, c] as const))('as %s', async (_label, caller) => {
    const headers = await credentials(caller);
    const res = await t.app.inject({ ...request, headers });
    const allowed = isAllowed(access, asPrincipal(caller.as));
    const narrowed =
      access !== 'public' && request.kind !== undefined && caller.outsider?.includes(request.kind);
    if (allowed) {
      expect(refusedByAccess(res), res.body).toBe(false);
      if (access !== 'public') expect(res.statusCode, res.body).not.toBe(401);
      if (narrowed) expect([403, 404], res.body).toContain(res.statusCode);
      else expect(res.statusCode, res.body).not.toBe(403);
    } else {
      expect(res.statusCode, res.body).toBe(403);
      expect(refusedByAccess(res), res.body).toBe(true);
    }
    if (route.method !== 'GET') await keepAlive(caller);
  });
});
