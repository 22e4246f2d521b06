import type { AdaptiveRequest } from '#common/api/comfort.ts';
import { adaptiveAshrae, adaptiveEn, runningMeanOutdoorTemperature } from '#common/comfort/index.ts';
import { badRequest } from '../../plugins/errors.ts';

/**
 * Adaptive comfort of one indoor condition by both models (ASHRAE 55 and EN 16798-1), from the
 * running mean outdoor temperature or from the daily outdoor means it is made of.
 */
export function answerAdaptive(body: AdaptiveRequest) {
  if ((body.trm === undefined) === (body.outdoor === undefined)) {
    const where = body.trm === undefined ? 'body' : 'body.outdoor';
    throw badRequest('Give the running mean outdoor temperature `trm` or the daily means `outdoor`.', {
      errors: [
        {
          where,
          message:
            body.trm === undefined
              ? 'give `trm` (running mean outdoor temperature) or `outdoor` (daily means, newest first)'
              : 'give `trm` or `outdoor`, not both',
        },
      ],
    });
  }
  if (body.alpha !== undefined && body.outdoor === undefined) {
    throw badRequest('`alpha` weighs the daily means of `outdoor`.', {
      errors: [{ where: 'body.alpha', message: 'applies to `outdoor` only' }],
    });
  }
  const units = body.units ?? 'SI';
  const trm = body.trm ?? runningMeanOutdoorTemperature(body.outdoor!, body.alpha);
  const input = { tdb: body.tdb, tr: body.tr, v: body.v, trm };
  const { units: _a, to, ...ashrae } = adaptiveAshrae(input, { units });
  const { units: _e, to: _to, ...en } = adaptiveEn(input, { units });
  return { units, trm, to, ashrae, en };
}
