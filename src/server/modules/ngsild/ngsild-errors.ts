import { HttpProblem } from '../../plugins/errors.ts';

/** The error types of ETSI GS CIM 009 V1.8.1 §5.5.2 that CIOP answers, with their HTTP status. */
const STATUS = {
  InvalidRequest: 400,
  BadRequestData: 400,
  AlreadyExists: 409,
  OperationNotSupported: 422,
  ResourceNotFound: 404,
  InternalError: 500,
  TooComplexQuery: 403,
  TooManyResults: 403,
  LdContextNotAvailable: 503,
  NotAcceptable: 406,
} as const;

export type NgsiLdErrorType = keyof typeof STATUS;

/** The URI of an NGSI-LD error type, as the `type` of the problem. */
export const errorTypeUri = (type: NgsiLdErrorType) => `https://uri.etsi.org/ngsi-ld/errors/${type}`;

/**
 * An NGSI-LD error as RFC 9457 problem details: `type` is the standard's error URI, `title` its
 * name, `detail` what went wrong where.
 */
export function ngsiLdError(type: NgsiLdErrorType, detail: string): HttpProblem {
  return new HttpProblem(STATUS[type], detail, { type: errorTypeUri(type), title: type });
}
