import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import {
  AlarmSettingsSchema,
  AlarmSettingsUpdateSchema,
  IncidentCloseSchema,
  IncidentCommentSchema,
  IncidentDetailSchema,
  IncidentListQuery,
  IncidentPageSchema,
  IncidentPatchSchema,
} from '#common/api/installations.ts';
import { type Access, principalOf } from '../../plugins/access.ts';
import { OPERATIONS } from './installations.routes.ts';

const ADMINS: Access = { roles: ['admin'], scopes: ['admin'], unrestrictedMachinesOnly: true };
const tags = ['alarms'];
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const alarmsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { alarms, alarmSettings } = app.platform;

  app.get(
    '/alarm-settings',
    {
      schema: {
        tags,
        summary: 'Alarm settings: silence thresholds, expected intervals, contacts, webhook',
        response: { 200: AlarmSettingsSchema },
      },
      config: { access: OPERATIONS },
    },
    async () => alarmSettings.get(),
  );

  app.put(
    '/alarm-settings',
    {
      schema: {
        tags,
        summary: 'Change the alarm settings (admins)',
        description:
          'Only the fields given change. `media` sets or (with nulls) removes the overrides of those media. Takes effect at the next look for silent devices.',
        body: AlarmSettingsUpdateSchema,
        response: { 200: AlarmSettingsSchema },
      },
      config: { access: ADMINS, audit: 'alarm-settings' },
    },
    async (request) => alarmSettings.update(request.body, Date.now()),
  );

  app.get(
    '/incidents',
    {
      schema: {
        tags,
        summary: 'Incidents of silent devices, newest first',
        querystring: IncidentListQuery,
        response: { 200: IncidentPageSchema },
      },
      config: { access: OPERATIONS },
    },
    async (request) => alarms.list(request.query),
  );

  app.get(
    '/incidents/:id',
    {
      schema: {
        tags,
        summary: 'An incident with its history',
        params: IdParams,
        response: { 200: IncidentDetailSchema },
      },
      config: { access: OPERATIONS },
    },
    async (request) => alarms.get(request.params.id),
  );

  app.patch(
    '/incidents/:id',
    {
      schema: {
        tags,
        summary: 'Assign an incident to an installer or admin (or to nobody)',
        params: IdParams,
        body: IncidentPatchSchema,
        response: { 200: IncidentDetailSchema },
      },
      config: { access: OPERATIONS, audit: 'incidents' },
    },
    async (request) => alarms.assign(request.params.id, request.body.assigneeId, principalOf(request)),
  );

  app.post(
    '/incidents/:id/comments',
    {
      schema: {
        tags,
        summary: 'Comment on an incident',
        params: IdParams,
        body: IncidentCommentSchema,
        response: { 200: IncidentDetailSchema },
      },
      config: { access: OPERATIONS, audit: 'incidents' },
    },
    async (request) => alarms.comment(request.params.id, request.body.text, principalOf(request)),
  );

  app.post(
    '/incidents/:id/close',
    {
      schema: {
        tags,
        summary: 'Close an incident by hand',
        description:
          'The device is not alarmed again for the same silence; once it reports and falls silent again, a new incident opens.',
        params: IdParams,
        body: IncidentCloseSchema,
        response: { 200: IncidentDetailSchema },
      },
      config: { access: OPERATIONS, audit: 'incidents' },
    },
    async (request) => alarms.close(request.params.id, request.body.comment, principalOf(request)),
  );
};
