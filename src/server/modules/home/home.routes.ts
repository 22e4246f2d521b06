import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  BeforeAfterQuery,
  BeforeAfterSchema,
  DwellingParams,
  TipsQuery,
  TipsSchema,
} from '#common/api/home.ts';
import { principalOf } from '../../plugins/access.ts';
import { READ_READINGS } from '../../access/readers.ts';

const tags = ['home'];

/** The resident's home views that are computed on the server. */
export const homeRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const home = app.platform.home;

  app.get(
    '/dwellings/:id/before-after',
    {
      schema: {
        tags,
        summary: 'Energy before and after an intervention, normalised by heating degree days',
        description:
          "Daily consumption of the dwelling's cumulative meter over a period before the intervention (the building's `retrofit_date`, or `date`) " +
          'and as long a period after it, with the heating degree days of the district weather station (base 15 °C unless `base=18`) ' +
          'and kWh per degree day, so that a colder or milder winter does not hide or invent a saving. Residents read their own dwellings.',
        params: DwellingParams,
        querystring: BeforeAfterQuery,
        response: { 200: BeforeAfterSchema },
      },
      config: { access: READ_READINGS, scope: ['params.id'] },
    },
    async (request) => home.beforeAfter(request.params.id, request.query, principalOf(request)),
  );

  app.get(
    '/dwellings/:id/tips',
    {
      schema: {
        tags,
        summary: 'Tips in plain words drawn from the dwelling’s recent readings',
        description:
          'Ventilate when the CO₂ went above 1,000 ppm, mould risk when the humidity went above 70 %, and the cost of each degree ' +
          '(about 7 % more heating energy per °C, IDAE) when the home was kept above 21 °C on cold days; in English, Spanish or Basque.',
        params: DwellingParams,
        querystring: TipsQuery,
        response: { 200: TipsSchema },
      },
      config: { access: READ_READINGS, scope: ['params.id'] },
    },
    async (request) => home.tips(request.params.id, request.query, principalOf(request)),
  );
};
