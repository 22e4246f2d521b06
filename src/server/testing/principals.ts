import { randomBytes } from 'node:crypto';
import type { MachineScope, Role } from '#common/api/access.ts';
import { BY_SYSTEM } from '../audit/by.ts';
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
  const n = next++;
  const tag = `${n}-${randomBytes(4).toString('hex')}`;
  const { accounts, machineTokens } = t.platform.auth;
  if (who.roles) {
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
        name: who.name ?? `test ${who.roles.join('+')}`,
        roles: who.roles,
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
    if (res.statusCode !== 200) throw new Error(`headersAs: the login of ${email} failed: ${res.body}`);
    return { authorization: `Bearer ${(res.json() as { accessToken: string }).accessToken}` };
  }
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
