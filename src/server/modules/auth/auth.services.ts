import type { Core } from '../../module.ts';
import { AccessTokens } from './access-tokens.ts';
import { AccountRequestsService } from './account-requests.service.ts';
import { AccountsService } from './accounts.service.ts';
import { MachineTokensService } from './machine-tokens.service.ts';
import { SessionsService } from './sessions.service.ts';

/** Accounts and access, as the platform holds them. */
export interface AuthServices {
  accessTokens: AccessTokens;
  sessions: SessionsService;
  accounts: AccountsService;
  machineTokens: MachineTokensService;
  accountRequests: AccountRequestsService;
}

/** Builds the auth services over an open, migrated database and loads the instance's signing key. */
export async function openAuth({
  db,
  config,
  clock,
  audit,
  mail,
}: Pick<Core, 'db' | 'config' | 'clock' | 'audit' | 'mail'>): Promise<AuthServices> {
  const accessTokens = new AccessTokens(db, config.accessTokenTtlS, clock);
  await accessTokens.load();
  const sessions = new SessionsService(db, clock, audit, accessTokens, {
    sessionIdleDays: config.sessionIdleDays,
    sessionMaxDays: config.sessionMaxDays,
    loginMaxFailures: config.loginMaxFailures,
    loginMaxFailuresPerAddress: config.loginMaxFailuresPerAddress,
    loginLockoutS: config.loginLockoutS,
  });
  const accounts = new AccountsService(db, clock, audit, mail, sessions, {
    publicUrl: config.publicUrl,
    passwordResetTtlS: config.passwordResetTtlS,
    inviteTtlDays: config.inviteTtlDays,
  });
  return {
    accessTokens,
    sessions,
    accounts,
    machineTokens: new MachineTokensService(db, clock, audit),
    accountRequests: new AccountRequestsService(db, clock, audit, mail, accounts),
  };
}
