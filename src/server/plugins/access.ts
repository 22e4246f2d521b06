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
 *   in the query.
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
  kind: 'user' | 'machine';
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

/**
 * What one dwelling, building or sensor a route is about, so that the access tests check that
 * it is narrowed to whom may see it (a resident: their dwellings; an ESCO: its buildings):
 * - `'dwelling' | 'building' | 'sensor'`: the id is, in this order, the path parameter
 *   `<kind>Id` or `id`, the query parameter `<kind>` or `<kind>Id`, or the body field `<kind>Id`;
 * - `{ kind, in, name }` says where exactly.
 * The route's service must then answer 403 or 404 to whom may not see it.
 */
export type RouteScope = ScopeKind | { kind: ScopeKind; in: 'params' | 'query' | 'body'; name: string };
export type ScopeKind = 'dwelling' | 'building' | 'sensor';

/** A route as the access plugin saw it registered (the route table the access tests walk). */
export interface RouteEntry {
  method: string;
  url: string;
  access: Access;
  scope?: RouteScope;
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
    scope?: RouteScope;
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
        scope: route.config.scope,
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
