import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/schema.ts';
import { AccessTokens } from './access-tokens.ts';
import { AccountRequestsService } from './account-requests.service.ts';
import { AccountsService } from './accounts.service.ts';
import { AuditService } from './audit.service.ts';
import { type Clock, systemClock } from './clock.ts';
import { MachineTokensService } from './machine-tokens.service.ts';
import { MailService } from './mail.service.ts';
import { SessionsService } from './sessions.service.ts';

/** Accounts and access, as the platform holds them. */
export interface AuthServices {
  /** The time every auth service reads; tests replace `clock.now`. */
  clock: Clock;
  audit: AuditService;
  mail: MailService;
  accessTokens: AccessTokens;
  sessions: SessionsService;
  accounts: AccountsService;
  machineTokens: MachineTokensService;
  accountRequests: AccountRequestsService;
  close(): Promise<void>;
}

/** Builds the auth services over an open, migrated database and loads the instance's signing key. */
export async function openAuth(db: Kysely<Database>, config: Config, logger: Logger): Promise<AuthServices> {
  const clock = systemClock();
  const audit = new AuditService(db, clock);
  const mail = new MailService(db, { smtpUrl: config.smtpUrl, from: config.mailFrom }, clock, logger);
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
    clock,
    audit,
    mail,
    accessTokens,
    sessions,
    accounts,
    machineTokens: new MachineTokensService(db, clock, audit),
    accountRequests: new AccountRequestsService(db, clock, audit, mail, accounts),
    close: async () => {
      await mail.drain();
      mail.close();
    },
  };
}
