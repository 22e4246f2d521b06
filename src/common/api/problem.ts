import { type Static, Type } from '@sinclair/typebox';

/** An API error, as RFC 9457 `application/problem+json`. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      description: 'A URI naming the kind of problem; `about:blank` when the status says it all.',
    }),
    title: Type.String({ description: 'Short summary of the kind of problem.' }),
    status: Type.Integer({ description: 'HTTP status code.' }),
    detail: Type.Optional(Type.String({ description: 'What went wrong here, and what to do about it.' })),
    instance: Type.Optional(Type.String({ description: 'The request path.' })),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          where: Type.String({ description: 'Where the problem is: a field path, or `line N, column M`.' }),
          message: Type.String(),
        }),
        { description: 'Each problem found in the request.' },
      ),
    ),
  },
  { $id: 'Problem', additionalProperties: true },
);
export type Problem = Static<typeof ProblemSchema>;
