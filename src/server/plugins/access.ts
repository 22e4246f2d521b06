import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { MachineScope, Role } from '#common/api/access.ts';
import { forbidden, unauthorized } from './errors.ts';

/**
 * Who may call a route, declared on the route (`config: { access }`):
 * - `'public'`: anyone; a valid credential, when sent, is still read (for scoping), an
 *   invalid one is ignored.
 * - `{ roles, scopes }`: a person holding one of `roles`, or a machine token holding one of
 *   `scopes`. Scoping to the caller's own dwellings or buildings is then done by the service,
 *   in the query, through the visibility policy (`src/server/access/visibility.ts`); the route
 *   declares each parameter that names a place in `config.scope`.
 */
export type Access =
  | 'public'
  | {
      roles: readonly Role[];
      scopes?: readonly MachineScope[];
      /** Machine tokens restricted to some buildings or gateways may not call it (changes to shared data). */
      unrestrictedMachinesOnly?: boolean;
    };

/** The caller of a request, once authenticated. */
export interface Principal {
  /** `system`: CIOP itself reading for its own work (see `src/server/access/visibility.ts`). */
  kind: 'user' | 'machine' | 'system';
  id: number;
  name: string;
  roles: readonly Role[];
  scopes: readonly MachineScope[];
  /** Dwellings a resident lives in. */
  dwellingIds: readonly number[];
  /** Buildings an ESCO looks after, or a machine token is restricted to (empty = all). */
  buildingIds: readonly number[];
  /** Gateways a machine token is restricted to (empty = all). */
  gatewayIds: readonly number[];
  /** The login session of a person's access token. */
  sessionId?: number;
}

/** What a parameter of a route may name: a place of the registry, or an organisation. */
export const PLACE_KINDS = ['dwelling', 'building', 'district', 'gateway', 'sensor', 'organisation'] as const;
export type PlaceKind = (typeof PLACE_KINDS)[number];

/**
 * How a route answers a caller who does not see (all of) the place a parameter names; the rule
 * itself is the visibility policy of `src/server/access/visibility.ts`:
 * - `'refuse'`: one dwelling, building, gateway or sensor is named; 403 or 404 to whom does not see it.
 * - `'narrow'`: the place filters a list that is narrowed in the query to what the caller sees;
 *   whom sees nothing of the place gets nothing of it.
 * - `'aggregate'`: a mean over a building or district; whom sees every dwelling of it reads it,
 *   whom has a dwelling or building in it reads it when it covers at least
 *   `CIOP_PRIVACY_MIN_DWELLINGS` dwellings (403 otherwise), anyone else gets 403.
 * - `'open'`: city-wide registry (a district itself) that every caller of the route may see.
 */
export type Outsider = 'refuse' | 'narrow' | 'aggregate' | 'open';

export type ParamLocation = 'params' | 'query' | 'body';

/** One parameter of a route that names a place, and how the route answers whom does not see it. */
export interface ScopeParam {
  in: ParamLocation;
  name: string;
  kind: PlaceKind;
  outsider: Outsider;
}

/**
 * A place parameter as a route declares it (`config.scope`, a list): `'query.building'` says
 * that the query parameter `building` names a building and is refused to whom may not see it;
 * `{ at, kind, outsider }` says more (kind: when the name does not tell, see {@link placeKindOf}).
 */
export type ScopeDeclaration =
  `${ParamLocation}.${string}` | { at: `${ParamLocation}.${string}`; kind?: PlaceKind; outsider?: Outsider };

const COLLECTIONS: Record<string, PlaceKind> = {
  dwellings: 'dwelling',
  buildings: 'building',
  districts: 'district',
  gateways: 'gateway',
  sensors: 'sensor',
  organisations: 'organisation',
};

const PLACE_NAME =
  /^(?:[a-z][a-zA-Z0-9]*(Dwelling|Building|District|Gateway|Sensor|Organi[sz]ation)|(dwelling|building|district|gateway|sensor|organi[sz]ation))(Ids?|s)?$/;

/**
 * The kind of place a parameter names, from its name: `building`, `buildingId`, `buildingIds`,
 * or a name ending so (`temperatureSensorId`); a path parameter `id` right after a collection
 * (`/buildings/:id`) names one of it. Undefined when the name names no place.
 */
export function placeKindOf(name: string, url?: string): PlaceKind | undefined {
  if (name === 'id' && url) {
    const segment = /\/([\w-]+)\/:id(?:\/|$)/.exec(url)?.[1];
    return segment ? COLLECTIONS[segment] : undefined;
  }
  const m = PLACE_NAME.exec(name);
  if (!m) return undefined;
  const [, prefixed, bare, suffix] = m;
  // After a prefix only an id names the place: `temperatureSensorId`, not `installedSensors`.
  if (prefixed && !suffix?.startsWith('Id')) return undefined;
  return (prefixed ?? bare).toLowerCase().replace('organization', 'organisation') as PlaceKind;
}

/** A route's declarations, checked against its URL and schema (a wrong one fails at start). */
function scopeParams(
  route: { method: string | string[]; url: string; schema?: RouteEntry['schema'] },
  declared: readonly ScopeDeclaration[],
): ScopeParam[] {
  return declared.map((d) => {
    const { at, kind, outsider } =
      typeof d === 'string' ? { at: d, kind: undefined, outsider: undefined } : d;
    const dot = at.indexOf('.');
    const where = at.slice(0, dot) as ParamLocation;
    const name = at.slice(dot + 1);
    const schema =
      where === 'query' ? route.schema?.querystring : where === 'body' ? route.schema?.body : undefined;
    const present =
      where === 'params'
        ? route.url.split('/').includes(`:${name}`)
        : Object.hasOwn((schema as { properties?: object } | undefined)?.properties ?? {}, name);
    const what = `route ${String(route.method)} ${route.url} declares scope ${at}`;
    if (!present) throw new Error(`${what}, a parameter it does not take`);
    const resolved = kind ?? placeKindOf(name, route.url);
    if (!resolved) throw new Error(`${what} without saying what kind of place it names`);
    return { in: where, name, kind: resolved, outsider: outsider ?? 'refuse' };
  });
}

/** A route as the access plugin saw it registered (the route table the access tests walk). */
export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
  /** Its parameters that name a place, as declared. */
  scope: readonly ScopeParam[];
  schema?: {
    params?: unknown;
    querystring?: unknown;
    body?: unknown;
    hide?: boolean;
  };
}

/**
 * Reads a credential from a request. Returns undefined when the request carries none it
 * knows; throws (401) when it carries one that is not valid.
 */
export type Authenticator = (request: FastifyRequest) => Promise<Principal | undefined>;

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** Every parameter that names a dwelling, building, district, gateway, sensor or organisation. */
    scope?: readonly ScopeDeclaration[];
  }
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    authenticators: Authenticator[];
    /** Every route registered, with its declared access. */
    routeTable: RouteEntry[];
  }
}

/** The answers of the access check itself (tests tell them from a service's own 401 and 403). */
export const NEEDS_CREDENTIAL = 'This endpoint needs a credential: log in or send a token.';
export const refusal = (name: string, method: string, url: string) => `${name} may not ${method} ${url}.`;

/** Whether a principal satisfies a route's declared access. */
export function isAllowed(access: Access, principal: Principal | undefined): boolean {
  if (access === 'public') return true;
  if (!principal) return false;
  if (principal.kind === 'user') return principal.roles.some((r) => access.roles.includes(r));
  const restricted = principal.buildingIds.length > 0 || principal.gatewayIds.length > 0;
  if (restricted && access.unrestrictedMachinesOnly) return false;
  return principal.scopes.some((s) => access.scopes?.includes(s));
}

/** The principal of a request that passed the access check; for services that scope by it. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('This request needs a credential.');
  return request.principal;
}

/**
 * Every route must declare its access; a route without one fails at start, so no endpoint is
 * left open by omission.
 */
export const accessPlugin = fp(async (app: FastifyInstance) => {
  app.decorate('authenticators', [] as Authenticator[]);
  app.decorate('routeTable', [] as RouteEntry[]);

  app.addHook('onRoute', (route) => {
    if (!route.config?.access) {
      if (!route.url.startsWith('/api/docs'))
        throw new Error(`route ${String(route.method)} ${route.url} declares no access`);
      route.config = { ...route.config, access: 'public' };
    }
    for (const method of [route.method].flat()) {
      app.routeTable.push({
        method: String(method),
        url: route.url,
        access: route.config.access!,
        scope: scopeParams(
          { method: route.method, url: route.url, schema: route.schema as RouteEntry['schema'] },
          route.config.scope ?? [],
        ),
        schema: route.schema as RouteEntry['schema'],
      });
    }
  });

  app.addHook('onRequest', async (request) => {
    const access = request.routeOptions.config.access;
    if (!access) return; // the not-found handler
    for (const authenticate of app.authenticators) {
      let principal: Principal | undefined;
      try {
        principal = await authenticate(request);
      } catch (error) {
        // A public endpoint answers anyone: a stale credential (an expired access token sent
        // along to /auth/refresh) does not stand in the way.
        if (access === 'public') break;
        throw error;
      }
      if (principal) {
        request.principal = principal;
        break;
      }
    }
    if (isAllowed(access, request.principal)) return;
    if (!request.principal) throw unauthorized(NEEDS_CREDENTIAL);
    throw forbidden(refusal(request.principal.name, request.method, request.routeOptions.url ?? request.url));
  });
});
