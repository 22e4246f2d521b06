import { type Static, Type } from '@sinclair/typebox';
import { INSTANT_PATTERN } from './installations.ts';
import { EpochMs } from './time.ts';

const Instant = (description: string) =>
  Type.String({
    pattern: INSTANT_PATTERN,
    description: `${description}: epoch ms, a date (YYYY-MM-DD, a whole day in the city time zone) or ISO 8601 with offset`,
  });

export const GatewayIdParams = Type.Object({ id: Type.Integer({ minimum: 1, description: 'A gateway' }) });

export const RefillQuery = Type.Object({
  from: Instant('Start, inclusive'),
  to: Instant('End, inclusive'),
});

export const VendorRefillSchema = Type.Object({
  id: Type.Integer(),
  gatewayId: Type.Integer(),
  sn: Type.String({ description: 'Serial number the manufacturer was asked for' }),
  from: EpochMs('Start of the period asked for, inclusive'),
  to: EpochMs('End of the period asked for, inclusive'),
  trigger: Type.Union([Type.Literal('job'), Type.Literal('request')], {
    description: 'The daily job, or a person from the heatmap',
  }),
  startedAt: EpochMs('Asked at'),
  finishedAt: Type.Union([EpochMs('Done at'), Type.Null()]),
  outcome: Type.Union([Type.Literal('ok'), Type.Literal('failed'), Type.Null()], {
    description: 'Null while it runs',
  }),
  pages: Type.Integer({ description: 'Pages the manufacturer answered' }),
  received: Type.Integer({ description: 'Readings it sent, duplicates included' }),
  stored: Type.Integer({
    description:
      'Distinct readings handed to the ingest; one already stored is written over, so asking again adds nothing',
  }),
  error: Type.Union([Type.String(), Type.Null()], { description: 'Why it failed' }),
});
export type VendorRefill = Static<typeof VendorRefillSchema>;

export const VendorRefillListSchema = Type.Object({ items: Type.Array(VendorRefillSchema) });
