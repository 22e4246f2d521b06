import { randomBytes } from 'node:crypto';
import type { MachineScope, Role } from '#common/api/access.ts';
import { BY_SYSTEM } from '../audit/by.ts';
import { CSRF_COOKIE } from '#common/api/auth.ts';
import type { TestPlatform } from './platform.ts';

/** Who a test request is made as: a person with roles, or a machine with scopes. */
export interface As {
  roles?: Role[];
  scopes?: MachineScope[];
  /** Dwellings the person lives in (they must exist). */
  dwellingIds?: number[];
  /** A person: the buildings of their ESCO organisation; a machine: its restriction (they must exist). */
  buildingIds?: number[];
  /** A machine's restriction to gateways (they must exist). */
  gatewayIds?: number[];
  name?: string;
}

let next = 1;

/**
 * Headers that authenticate a test request as `who`, with real credentials: a person is a
 * new account (with an organisation holding `buildingIds` when given) that logs in through
 * `POST /api/v1/auth/login`; a machine is a newly issued machine token. Every call makes a new
 * credential.
 */
export async function headersAs(t: TestPlatform, who: As): Promise<Record<string, string>> {
  if (who.roles) return (await browserAs(t, who)).headers;
  const { machineTokens } = t.platform.auth;
  const issued = await machineTokens.issue(
    {
      name: who.name ?? `test machine ${(who.scopes ?? []).join('+')}`,
      scopes: who.scopes ?? [],
      gatewayIds: who.gatewayIds,
      buildingIds: who.buildingIds,
    },
    BY_SYSTEM,
  );
  return { authorization: `Bearer ${issued.token}` };
}

/**
 * A person (`who.roles`) logged in as in a browser: a new account that logs in through
 * `POST /api/v1/auth/login`, with the headers carrying its access token and the `ciop_csrf`
 * cookie of its session (what a browser sends on a plain navigation, where it sends no token).
 */
export async function browserAs(
  t: TestPlatform,
  who: As,
): Promise<{ headers: Record<string, string>; cookie: string }> {
  const n = next++;
  const tag = `${n}-${randomBytes(4).toString('hex')}`;
  const { accounts } = t.platform.auth;
  const organisation =
    who.buildingIds && who.buildingIds.length > 0
      ? await accounts.createOrganisation(
          { name: `test organisation ${tag}`, buildingIds: who.buildingIds },
          BY_SYSTEM,
        )
      : undefined;
  const email = `test-${tag}@test.example`;
  const password = `test password ${tag}`;
  await accounts.create(
    {
      email,
      name: who.name ?? `test ${(who.roles ?? []).join('+')}`,
      roles: who.roles ?? [],
      dwellingIds: who.dwellingIds,
      organisationId: organisation?.id,
      password,
    },
    BY_SYSTEM,
  );
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
  if (res.statusCode !== 200) throw new Error(`browserAs: the login of ${email} failed: ${res.body}`);
  const csrf = res.cookies.find((c) => c.name === CSRF_COOKIE);
  if (!csrf) throw new Error(`browserAs: the login of ${email} set no ${CSRF_COOKIE} cookie`);
  return {
    headers: { authorization: `Bearer ${(res.json() as { accessToken: string }).accessToken}` },
    cookie: `${CSRF_COOKIE}=${csrf.value}`,
  };
}
