import type { Role } from '#common/api/access.ts';
import { randomPassword } from '../modules/auth/accounts.service.ts';
import { findUserByEmail } from '../modules/auth/accounts.store.ts';
import { BY_SYSTEM } from '../audit/by.ts';
import type { Platform } from '../platform.ts';
import { demoBuildings } from './district.ts';

/** A demo account and its password (shown once, at seed time). */
export interface DemoAccount {
  email: string;
  name: string;
  roles: Role[];
  password: string;
}

const DOMAIN = 'demo.ciop.example';
const ESCO_NAME = 'Coronación Energy Services (demo)';
const ESCO_BUILDINGS = 4;

/**
 * Demo accounts, one per kind of user: a resident of a monitored dwelling, an installer, an
 * ESCO technician whose organisation looks after the first buildings, and people from the
 * municipality, transport, KPI evaluation and energy planning. Random passwords, printed once
 * (`ciop user password EMAIL` sets a new one). Accounts that exist already are left alone.
 */
export async function seedDemoAccounts(
  platform: Platform,
  print: (line: string) => void = (line) => console.log(line),
): Promise<DemoAccount[]> {
  const db = platform.database.db;
  const { accounts } = platform.auth;
  const buildings = demoBuildings();
  const reporting = (d: (typeof buildings)[number]['dwellings'][number]) =>
    d.gateway && !d.gateway.neverReported && !d.gateway.silentForDays;
  // The resident lives where enough homes report for the building's average to be shown
  // (CIOP_PRIVACY_MIN_DWELLINGS), so the compare pages have all three lines.
  const home = buildings.find(
    (b) => b.dwellings.filter(reporting).length >= platform.config.privacyMinDwellings,
  );
  const monitored = (home ? [home] : buildings)
    .flatMap((b) => b.dwellings.map((d) => ({ code: b.code, d })))
    .find(({ d }) => reporting(d));
  const dwelling = monitored
    ? await db
        .selectFrom('dwelling')
        .innerJoin('building', 'building.id', 'dwelling.building_id')
        .select('dwelling.id')
        .where('building.code', '=', monitored.code)
        .where('dwelling.label', '=', monitored.d.label)
        .executeTakeFirst()
    : undefined;
  const escoBuildings = await db
    .selectFrom('building')
    .select('id')
    .where(
      'code',
      'in',
      buildings.slice(0, ESCO_BUILDINGS).map((b) => b.code),
    )
    .execute();

  const existing = (await accounts.listOrganisations()).find((o) => o.name === ESCO_NAME);
  const organisation =
    existing ??
    (await accounts.createOrganisation(
      { name: ESCO_NAME, buildingIds: escoBuildings.map((b) => b.id) },
      BY_SYSTEM,
    ));

  const wanted: {
    local: string;
    name: string;
    roles: Role[];
    dwellingIds?: number[];
    organisationId?: number;
  }[] = [
    {
      local: 'resident',
      name: 'Ane Resident',
      roles: ['resident'],
      dwellingIds: dwelling ? [dwelling.id] : [],
    },
    { local: 'installer', name: 'Iker Installer', roles: ['installer'] },
    { local: 'esco', name: 'Elena ESCO', roles: ['esco'], organisationId: organisation.id },
    { local: 'municipal', name: 'Mikel Municipal', roles: ['municipal'] },
    { local: 'transport', name: 'Teresa Transport', roles: ['transport'] },
    { local: 'kpi', name: 'Koldo KPI', roles: ['kpi'] },
    { local: 'planner', name: 'Paula Planner', roles: ['planner'] },
  ];
  const created: DemoAccount[] = [];
  for (const w of wanted) {
    const email = `${w.local}@${DOMAIN}`;
    if (await findUserByEmail(db, email)) continue;
    const password = randomPassword();
    await accounts.create(
      {
        email,
        name: w.name,
        roles: w.roles,
        language: 'es',
        dwellingIds: w.dwellingIds,
        organisationId: w.organisationId,
        password,
      },
      BY_SYSTEM,
    );
    created.push({ email, name: w.name, roles: w.roles, password });
  }
  if (created.length > 0) {
    print('\nDemo accounts (their passwords are shown only now; `ciop user password EMAIL` sets new ones):');
    for (const a of created) print(`  ${a.roles.join(',').padEnd(10)} ${a.email.padEnd(32)} ${a.password}`);
    print('');
  }
  return created;
}
