import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { defineModule } from '../../module.ts';
import { adminRoutes } from './admin.routes.ts';
import { authRoutes } from './auth.routes.ts';
import { type AuthServices, openAuth } from './auth.services.ts';
import { jwtAuthenticator, machineAuthenticator } from './credentials.ts';

declare module '../../module.ts' {
  interface Services {
    /** Accounts, sessions, machine tokens and account requests. */
    auth: AuthServices;
  }
}

/** People's access tokens first, then machine secrets (the ingest token, machine tokens). */
const authenticators: FastifyPluginAsync = fp(async (app) => {
  const { platform } = app;
  app.authenticators.push(jwtAuthenticator(platform.auth.sessions));
  app.authenticators.push(machineAuthenticator((secret) => platform.verifySecret(secret)));
});

/** Accounts and access: log in, sessions, machine tokens, account requests, administration. */
export const authModule = defineModule({
  id: 'auth',
  open: async (deps) => ({ auth: await openAuth(deps) }),
  plugins: [authenticators],
  routes: [{ plugin: authRoutes }, { plugin: adminRoutes, prefix: '/api/v1/admin' }],
  secretVerifier:
    ({ auth }) =>
    (secret) =>
      auth.machineTokens.verify(secret),
});
