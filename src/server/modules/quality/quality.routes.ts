import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  QualityFlagsQuery,
  QualityFlagsSchema,
  QualitySettingsSchema,
  QualitySettingsUpdateSchema,
} from '#common/api/quality.ts';
import { READ_READINGS } from '../../access/readers.ts';
import { type Access, principalOf } from '../../plugins/access.ts';

const ADMINS: Access = { roles: ['admin'], scopes: ['admin'], unrestrictedMachinesOnly: true };
/** Installers and platform managers, and unrestricted admin tokens for their scripts. */
const OPERATIONS: Access = {
  roles: ['admin', 'installer'],
  scopes: ['admin'],
  unrestrictedMachinesOnly: true,
};
const tags = ['quality'];

export const qualityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { quality } = app.platform;

  app.get(
    '/quality/settings',
    {
      schema: {
        tags,
        summary: 'The checks of each medium’s readings: the rules in force and the defaults',
        response: { 200: QualitySettingsSchema },
      },
      config: { access: OPERATIONS },
    },
    async () => quality.settings(),
  );

  app.put(
    '/quality/settings',
    {
      schema: {
        tags,
        summary: 'Change the checks of some media (admins)',
        description:
          'Each medium named gets the rules given, whole (null: the defaults again). Their readings are then checked again, whole, by the `quality-recheck` job within a minute.',
        body: QualitySettingsUpdateSchema,
        response: { 200: QualitySettingsSchema },
      },
      config: { access: ADMINS, audit: 'quality-settings' },
    },
    async (request) => quality.updateSettings(request.body, Date.now()),
  );

  app.get(
    '/quality/flags',
    {
      schema: {
        tags,
        summary: 'Runs of a sensor’s readings that failed a check, and which',
        description:
          'Flagged readings are kept as sent; they are left out of hourly means, groups and comfort unless asked for (`flagged=include`).',
        querystring: QualityFlagsQuery,
        response: { 200: QualityFlagsSchema },
      },
      config: { access: READ_READINGS, scope: ['query.sensor'] },
    },
    async (request) =>
      quality.flags(
        request.query.sensor,
        request.query.from,
        request.query.to,
        request.query.limit ?? 1000,
        principalOf(request),
      ),
  );
};
