import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import { GtfsImportReportSchema, GtfsRtReportSchema } from '#common/api/mobility.ts';
import type { Access } from '../../plugins/access.ts';
import { badRequest, HttpProblem } from '../../plugins/errors.ts';
import { acceptUploads, mediaTypeOf, type UploadRules } from '../../uploads/uploads.ts';
import { GtfsRtError } from './gtfs-realtime.ts';
import { READ_MOBILITY } from './mobility.routes.ts';

/** Who replaces the timetable with a GTFS feed: the transport operator and admins. */
export const WRITE_TIMETABLE: Access = {
  roles: ['admin', 'transport'],
  scopes: ['admin'],
  unrestrictedMachinesOnly: true,
};
/** Who pushes GTFS-Realtime: the operator's systems with an ingest token, the transport operator, admins. */
export const PUSH_REALTIME: Access = {
  roles: ['admin', 'transport'],
  scopes: ['ingest:write', 'admin'],
  unrestrictedMachinesOnly: true,
};

/** A GTFS feed: a zip, up to 50 MiB (a city's network with a year of calendar fits many times over). */
export const GTFS_UPLOAD: UploadRules = {
  maxBytes: 50 * 1024 * 1024,
  field: 'file',
  types: ['application/zip', 'application/x-zip-compressed', 'application/octet-stream'],
  what: 'a GTFS feed (a zip of agency.txt, routes.txt, stops.txt, trips.txt, stop_times.txt, calendar.txt…)',
};

/** The largest GTFS-Realtime FeedMessage pushed, bytes. */
const MAX_RT_BYTES = 16 * 1024 * 1024;
const RT_TYPES = ['application/x-protobuf', 'application/protobuf', 'application/octet-stream'];

const tags = ['mobility'];
const problems = { 400: { $ref: 'Problem#' }, 413: { $ref: 'Problem#' }, 415: { $ref: 'Problem#' } };

/** GTFS static: the import (a zip upload) and the export of the timetable, under /api/v1. */
export const gtfsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { gtfs } = app.platform.mobility;
  const uploads = await acceptUploads(app, GTFS_UPLOAD);
  app.post(
    '/mobility/gtfs',
    {
      schema: {
        tags,
        summary: 'Import a GTFS static feed (zip): lines, stops, shapes, calendar and timetable',
        description:
          'Reads agency, routes, stops, trips, stop_times, shapes, calendar and calendar_dates. The whole feed is checked first: a missing file or column, a reference to nothing (a trip of an unknown route, a stop time of an unknown stop…) or a bad value (a time such as 25:61:00; hours past 24 are GTFS, minutes and seconds are not) is refused with a problem naming `file`, `row` (line of the file, the header being 1) and `column`, and the previous feed stays. A good feed replaces the previous one in one transaction: its routes become lines (matched by short name, so vehicles and KPIs keep their line), with their shapes, stop patterns and timetable. `dryRun=true` only checks.',
        body: uploads.body,
        querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean()) }),
        response: { 200: GtfsImportReportSchema, ...problems },
      },
      bodyLimit: GTFS_UPLOAD.maxBytes,
      config: { access: WRITE_TIMETABLE, audit: 'mobility' },
    },
    async (request) =>
      gtfs.import(
        (await uploads.read(request)).bytes,
        app.platform.clock.now(),
        request.query.dryRun ?? false,
      ),
  );
};

/** GTFS export and GTFS-Realtime push, under /api/v1. */
export const gtfsRealtimeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { gtfs, realtime } = app.platform.mobility;
  const timezone = app.platform.config.timezone;
  app.addContentTypeParser(RT_TYPES, { parseAs: 'buffer', bodyLimit: MAX_RT_BYTES }, (_request, body, done) =>
    done(null, body),
  );

  app.get(
    '/mobility/gtfs',
    {
      schema: {
        tags,
        summary: 'The lines, stops, shapes, calendar and timetable as a GTFS static feed (zip)',
        response: { 200: Type.Unsafe({ description: 'application/zip' }) },
      },
      config: { access: READ_MOBILITY },
    },
    async (_request, reply) => {
      const zip = await gtfs.export(timezone);
      reply.header(
        'content-disposition',
        `attachment; filename="ciop-gtfs-${new Date().toISOString().slice(0, 10)}.zip"`,
      );
      return reply.type('application/zip').send(Buffer.from(zip));
    },
  );

  app.post(
    '/mobility/gtfs-rt',
    {
      schema: {
        tags,
        summary: 'Push a GTFS-Realtime FeedMessage (VehiclePositions and/or TripUpdates)',
        description:
          'The body is a FeedMessage (protobuf, GTFS-Realtime 2.0), `Content-Type: application/x-protobuf`. Vehicle positions become the vehicles’ position series (the bus app’s map shows them); trip delays become the series `transit_delay,line=…,vehicle=… delay_s`. A vehicle is found by its licence plate, id or label; one the model does not know is added.',
        body: {
          content: Object.fromEntries(
            RT_TYPES.map((type) => [
              type,
              { schema: Type.Unsafe({ description: 'A FeedMessage (protobuf)' }) },
            ]),
          ),
        },
        response: { 200: GtfsRtReportSchema, ...problems },
      },
      bodyLimit: MAX_RT_BYTES,
      config: { access: PUSH_REALTIME },
    },
    async (request) => {
      const body = request.body;
      if (!Buffer.isBuffer(body)) {
        const type = mediaTypeOf(request.headers['content-type']);
        if (type && !RT_TYPES.includes(type))
          throw new HttpProblem(
            415,
            `The body is of type ${type}; send a FeedMessage as application/x-protobuf.`,
          );
        throw badRequest(
          'Send a GTFS-Realtime FeedMessage (protobuf) as the body, as application/x-protobuf.',
        );
      }
      if (body.length === 0)
        throw badRequest('The body is empty; send a GTFS-Realtime FeedMessage (protobuf).');
      try {
        return await realtime.store(body, app.platform.clock.now());
      } catch (error) {
        if (error instanceof GtfsRtError) throw badRequest(error.message);
        throw error;
      }
    },
  );
};
