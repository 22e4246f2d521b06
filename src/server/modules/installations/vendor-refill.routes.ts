import { type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  GatewayIdParams,
  RefillQuery,
  VendorRefillListSchema,
  VendorRefillSchema,
} from '#common/api/vendor.ts';
import { principalOf } from '../../plugins/access.ts';
import { OPERATIONS } from './installations.routes.ts';
import { parseInstant } from './exports.service.ts';

const tags = ['installations'];

export const vendorRefillRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { vendorRefill, config } = app.platform;

  app.post(
    '/installations/gateways/:id/refill',
    {
      schema: {
        tags,
        summary: 'Fill a gateway’s gaps from its manufacturer’s platform',
        description:
          'Asks the platform at `CIOP_VENDOR_URL` for the gateway’s readings over the period (at most 92 days) and stores them through the ingest: a reading already stored is written over, so asking twice adds nothing. 502 when the platform fails (after retries); the request is recorded either way. 503 when no platform is configured.',
        params: GatewayIdParams,
        querystring: RefillQuery,
        response: { 200: VendorRefillSchema },
      },
      config: { access: OPERATIONS, scope: ['params.id'] },
    },
    async (request) =>
      vendorRefill.request(
        request.params.id,
        parseInstant(request.query.from, config.timezone, 'start', 'from'),
        parseInstant(request.query.to, config.timezone, 'end', 'to'),
        principalOf(request),
      ),
  );

  app.get(
    '/installations/gateways/:id/refills',
    {
      schema: {
        tags,
        summary: 'The latest requests of a gateway’s readings from its manufacturer, and how they went',
        params: GatewayIdParams,
        response: { 200: VendorRefillListSchema },
      },
      config: { access: OPERATIONS, scope: ['params.id'] },
    },
    async (request) => vendorRefill.list(request.params.id, principalOf(request)),
  );
};
