import type { FastifyInstance, FastifySchema } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem } from './errors.ts';

/** An integer as people write it: decimal digits, no leading zero, a minus sign at most. */
const PLAIN_INTEGER = /^(0|-?[1-9][0-9]*)$/;
const MESSAGE =
  'must be an integer written in plain decimal digits (such as 42), without spaces, plus sign, leading zeros, exponent or 0x';

type Part = 'params' | 'querystring';
type ObjectSchema = { properties?: Record<string, { type?: unknown }> };

/** The integer fields of a route's path and query, by where they are. */
function integerFields(schema: FastifySchema | undefined): { part: Part; name: string }[] {
  const fields: { part: Part; name: string }[] = [];
  for (const part of ['params', 'querystring'] as const) {
    const properties = (schema?.[part] as ObjectSchema | undefined)?.properties ?? {};
    for (const [name, property] of Object.entries(properties))
      if (property.type === 'integer') fields.push({ part, name });
  }
  return fields;
}

/**
 * Integers in paths and queries (ids above all) are taken only in plain decimal. The schema
 * validator coerces strings to numbers as JavaScript does, so `0x10` would be dwelling 16 and
 * `%201`, `+1`, `01` or `1e0` dwelling 1; this refuses them before validation, for every route
 * whose schema declares an integer there, with a 400 naming the parameter as a validation
 * error would.
 */
export const integerParamsPlugin = fp(async (app: FastifyInstance) => {
  const fieldsOf = new WeakMap<object, { part: Part; name: string }[]>();
  app.addHook('preValidation', async (request) => {
    const schema = request.routeOptions.schema;
    if (!schema) return;
    let fields = fieldsOf.get(schema);
    if (!fields) {
      fields = integerFields(schema);
      fieldsOf.set(schema, fields);
    }
    const errors: { where: string; message: string }[] = [];
    for (const { part, name } of fields) {
      const values = (part === 'params' ? request.params : request.query) as Record<string, unknown>;
      const value = values?.[name];
      if (value === undefined) continue;
      if ([value].flat().some((v) => typeof v !== 'string' || !PLAIN_INTEGER.test(v)))
        errors.push({ where: `${part}.${name}`, message: MESSAGE });
    }
    if (errors.length > 0)
      throw new HttpProblem(400, errors.map((e) => `${e.where}: ${e.message}`).join('; '), { errors });
  });
});
