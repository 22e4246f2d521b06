import fastifyWebsocket from '@fastify/websocket';
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Access } from '../../plugins/access.ts';
import type { ChargerRef } from '../mobility/charger-reports.ts';
import { HttpProblem, notFound } from '../../plugins/errors.ts';
import { type OcppVersion, SUBPROTOCOLS } from './ocpp-messages.ts';
import { answerFrame } from './ocpp-rpc.ts';

/** Chargers, with a machine token of scope `ocpp` as their password; no person, no other scope. */
export const OCPP_CHARGER: Access = { roles: [], scopes: ['ocpp'], unrestrictedMachinesOnly: true };

/** The largest OCPP-J frame read, bytes (a MeterValues of many samples fits many times over). */
const MAX_FRAME_BYTES = 256 * 1024;

/** The subprotocols a client offers (`Sec-WebSocket-Protocol: ocpp2.0.1, ocpp1.6`). */
const offered = (request: FastifyRequest) =>
  String(request.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

/** The version spoken: the first of CIOP's subprotocols (newest first) that the charger offers. */
const versionOf = (protocols: Iterable<string>): OcppVersion | undefined => {
  const set = new Set(protocols);
  return [...SUBPROTOCOLS].reverse().find((p) => set.has(p));
};

/** The user of an `Authorization: Basic` header, when there is one. */
function basicUser(request: FastifyRequest): string | undefined {
  const [scheme, value] = (request.headers.authorization ?? '').split(/\s+/, 2);
  if (scheme?.toLowerCase() !== 'basic' || !value) return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 ? decoded.slice(0, colon) : undefined;
}

/**
 * The OCPP-J endpoint (`/ocpp/{chargePointId}`, WebSocket, subprotocols `ocpp1.6` and
 * `ocpp2.0.1`), security profile 1 or 2: HTTP Basic with the charge point id as user and a machine
 * token of scope `ocpp` as password (profile 2 is the same over TLS, which the reverse proxy in
 * front of CIOP ends). A bad or revoked token (401), a charge point the model does not know (404)
 * or no OCPP subprotocol offered (400) are refused at the upgrade, before the WebSocket opens.
 */
export const ocppRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { ocpp } = app.platform;
  const { machineTokens } = app.platform.auth;
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: MAX_FRAME_BYTES,
      handleProtocols: (protocols) => versionOf(protocols) ?? false,
    },
  });

  /** The charger each upgrade request names, found before the upgrade. */
  const chargers = new WeakMap<FastifyRequest, ChargerRef>();
  /** Open connections by charge point, with the token each came in with. */
  const open = new Map<string, { socket: WebSocket; tokenId: number }>();
  const stopListening = machineTokens.onRevoked((tokenId) => {
    for (const { socket, tokenId: id } of open.values())
      if (id === tokenId) socket.close(1008, 'The token was revoked.');
  });
  app.addHook('onClose', async () => {
    stopListening();
  });
  // An upgrade refused before this plugin's hooks ran (the access check: 401, 403) leaves the
  // connection to whoever answered: close it once the refusal is sent.
  app.addHook('onResponse', async (request) => {
    if (String(request.headers.upgrade).toLowerCase() === 'websocket') request.raw.socket?.destroy();
  });

  app.route({
    method: 'GET',
    url: '/ocpp/:chargePointId',
    schema: {
      tags: ['mobility'],
      summary: 'OCPP-J endpoint of a charger (WebSocket, ocpp1.6 or ocpp2.0.1)',
      description:
        'Open a WebSocket here with `Sec-WebSocket-Protocol: ocpp1.6` or `ocpp2.0.1` and HTTP Basic authentication: user = the charge point id (the charger’s code in CIOP), password = a machine token of scope `ocpp`. Handled: BootNotification, Heartbeat, StatusNotification, Authorize, StartTransaction, StopTransaction, TransactionEvent (2.0.1), MeterValues, DataTransfer. A plain GET answers 426.',
      // An empty id (`/ocpp/`) is no charger's: 404 like any unknown one.
      params: Type.Object({ chargePointId: Type.String({ maxLength: 48 }) }),
      response: {
        400: { $ref: 'Problem#' },
        403: { $ref: 'Problem#' },
        404: { $ref: 'Problem#' },
        426: { $ref: 'Problem#' },
      },
    },
    config: { access: OCPP_CHARGER },
    preHandler: async (request) => {
      const { chargePointId } = request.params;
      const charger = await ocpp.reports.find(chargePointId);
      if (!charger)
        throw notFound(
          `There is no charger ${JSON.stringify(chargePointId)}: the charge point id must be the code of a charger CIOP knows.`,
        );
      const user = basicUser(request);
      if (user !== undefined && user !== chargePointId)
        throw new HttpProblem(
          403,
          `The Basic user ${JSON.stringify(user)} is not the charge point ${JSON.stringify(chargePointId)} of the URL; send the charge point id as user.`,
        );
      if (request.ws && !versionOf(offered(request)))
        throw new HttpProblem(
          400,
          `Offer the subprotocol ${SUBPROTOCOLS.join(' or ')} (Sec-WebSocket-Protocol); offered: ${offered(request).join(', ') || 'none'}.`,
        );
      chargers.set(request, charger);
    },
    handler: async () => {
      throw new HttpProblem(
        426,
        `This is an OCPP-J endpoint: open a WebSocket with the subprotocol ${SUBPROTOCOLS.join(' or ')}.`,
        {},
        { upgrade: 'websocket' },
      );
    },
    wsHandler: (socket, request) => {
      const charger = chargers.get(request);
      const version = versionOf([socket.protocol]);
      if (!charger || !version) {
        socket.close(1008, 'Unknown charge point or subprotocol.');
        return;
      }
      const session = { charger, version };
      // One connection per charge point: a charger that reconnects replaces its old connection.
      open.get(charger.code)?.socket.close(1000, 'Replaced by a new connection of the same charge point.');
      open.set(charger.code, { socket, tokenId: request.principal?.id ?? 0 });
      socket.on('close', () => {
        if (open.get(charger.code)?.socket === socket) open.delete(charger.code);
      });
      // A charger sends one CALL at a time, but frames are answered in order whatever it does.
      let queue: Promise<void> = Promise.resolve();
      socket.on('message', (data, isBinary) => {
        const frame = isBinary
          ? ''
          : (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString('utf8');
        queue = queue.then(async () => {
          const answer = await answerFrame(
            isBinary ? '\u0000binary' : frame,
            version,
            (action, payload) => ocpp.central.handle(session, action, payload),
            (error) => request.log.error({ err: error, chargePoint: charger.code }, 'OCPP message failed'),
          );
          if (answer !== undefined && socket.readyState === socket.OPEN) socket.send(answer);
        });
      });
    },
  });
};
