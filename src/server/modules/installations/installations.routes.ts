import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AssigneesSchema,
  CoverageQuery,
  GatewayPreviewQuery,
  GatewayPreviewSchema,
  InstallationCoverageSchema,
  InstallationCreateSchema,
  InstallationSchema,
  StatusPageSchema,
  StatusQuery,
} from '#common/api/installations.ts';
import { type Access, principalOf } from '../../plugins/access.ts';
import { badRequest } from '../../plugins/errors.ts';
import type { Scope } from '../../places/places.store.ts';
import { parseInstant } from './exports.service.ts';

/** Installers and platform managers, and unrestricted admin tokens for their scripts. */
export const OPERATIONS: Access = {
  roles: ['admin', 'installer'],
  scopes: ['admin'],
  unrestrictedMachinesOnly: true,
};

const tags = ['installations'];

export function scopeOf(q: { dwelling?: number; building?: number }): Scope {
  if ((q.dwelling === undefined) === (q.building === undefined))
    throw badRequest('dwelling: name a dwelling or a building (building), one of the two.');
  return q.dwelling !== undefined ? { dwellingId: q.dwelling } : { buildingId: q.building! };
}

export const installationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { installations, alarms, config } = app.platform;

  app.get(
    '/installations/gateway-preview',
    {
      schema: {
        tags,
        summary: 'What CIOP knows of a gateway serial number, before registering it',
        description:
          'unknown (never seen), unregistered (with the readings and sensors it already sent, which the registration takes along), or registered (to which dwelling: registering it elsewhere moves it).',
        querystring: GatewayPreviewQuery,
        response: { 200: GatewayPreviewSchema },
      },
      config: { access: OPERATIONS },
    },
    async (request) => installations.preview(request.query.sn),
  );

  app.post(
    '/installations',
    {
      schema: {
        tags,
        summary: 'Register an installation in one step',
        description:
          'In one transaction: the dwelling (existing, or new with floor and door), the gateway (its earlier readings come along at a first registration; one serving another dwelling moves only with `gateway.move`), its sensors, and optionally the resident, who gets an e-mail to set a password.',
        body: InstallationCreateSchema,
        response: { 201: InstallationSchema },
      },
      config: { access: OPERATIONS },
    },
    async (request, reply) => {
      const result = await installations.register(request.body, principalOf(request), request.ip);
      return reply.status(201).send(result);
    },
  );

  app.get(
    '/installations/status',
    {
      schema: {
        tags,
        summary: 'Live status of every dwelling’s gateways and sensors',
        description:
          'Per dwelling (of a building, or all), each gateway and sensor: reporting, silent (longer than its alarm threshold) or never reported, with its last reading and its open incident. Counts cover every dwelling of the building; `status` filters the dwellings listed.',
        querystring: StatusQuery,
        response: { 200: StatusPageSchema },
      },
      config: { access: OPERATIONS },
    },
    async (request) => installations.status(request.query),
  );

  app.get(
    '/installations/coverage',
    {
      schema: {
        tags,
        summary: 'Missing-data heatmap: share of the expected readings per sensor and day',
        description: `Each medium is expected at its interval of the alarm settings (default ${config.expectedIntervalS} s). At most 400 days.`,
        querystring: CoverageQuery,
        response: { 200: InstallationCoverageSchema },
      },
      config: { access: OPERATIONS },
    },
    async (request) =>
      installations.coverage(
        scopeOf(request.query),
        parseInstant(request.query.from, config.timezone, 'start', 'from'),
        parseInstant(request.query.to, config.timezone, 'end', 'to'),
      ),
  );

  app.get(
    '/installations/assignees',
    {
      schema: {
        tags,
        summary: 'Who incidents can be assigned to: active installers and admins',
        response: { 200: AssigneesSchema },
      },
      config: { access: OPERATIONS },
    },
    async () => alarms.assignees(),
  );
};
