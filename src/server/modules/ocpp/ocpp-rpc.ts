import { errorCodeFor, OcppError, type OcppVersion } from './ocpp-messages.ts';

/** OCPP-J message types (OCPP-J 1.6 §4.1.3, OCPP 2.0.1 part 4 §4.1.3). */
const CALL = 2;
const CALLRESULT = 3;
const CALLERROR = 4;

/** Answers a CALL: the action, its payload; resolves the response payload or throws an OcppError. */
export type Dispatch = (action: string, payload: unknown) => Promise<Record<string, unknown>>;

const callError = (id: string, error: OcppError, version: OcppVersion) =>
  JSON.stringify([
    CALLERROR,
    id,
    errorCodeFor(error.kind, version),
    error.message.slice(0, 255),
    error.details,
  ]);

/**
 * Reads one text frame of OCPP-J and answers it: a CALL gets its CALLRESULT, or a CALLERROR
 * naming what is wrong (a frame that is no OCPP-J message: FormatViolation, FormationViolation
 * in 1.6; an action CIOP does not know: NotImplemented; a payload off its schema: the constraint
 * it breaks). A CALLRESULT or CALLERROR (answers to calls CIOP does not make) gets nothing.
 * A frame whose message id cannot be read is answered with id "-1".
 */
export async function answerFrame(
  frame: string,
  version: OcppVersion,
  dispatch: Dispatch,
  onInternalError?: (error: unknown) => void,
): Promise<string | undefined> {
  let message: unknown;
  try {
    message = JSON.parse(frame);
  } catch {
    return callError('-1', new OcppError('FormatViolation', 'The frame is not JSON.'), version);
  }
  if (!Array.isArray(message) || typeof message[0] !== 'number')
    return callError(
      '-1',
      new OcppError('FormatViolation', 'An OCPP-J message is a JSON array [MessageTypeId, MessageId, …].'),
      version,
    );
  const id = typeof message[1] === 'string' && message[1].length <= 36 ? message[1] : undefined;
  const type = message[0];
  if (type === CALLRESULT || type === CALLERROR) return undefined;
  if (id === undefined)
    return callError(
      '-1',
      new OcppError('FormatViolation', 'The MessageId must be a string of at most 36 characters.'),
      version,
    );
  if (type !== CALL)
    return callError(
      id,
      new OcppError('MessageTypeNotSupported', `MessageTypeId ${String(type)} is not one of 2 (CALL), 3, 4.`),
      version,
    );
  if (message.length !== 4 || typeof message[2] !== 'string')
    return callError(
      id,
      new OcppError('FormatViolation', 'A CALL is [2, MessageId, Action, Payload].'),
      version,
    );
  const [, , action, payload] = message as [number, string, string, unknown];
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload))
    return callError(
      id,
      new OcppError('FormatViolation', `${action}: the payload must be a JSON object.`),
      version,
    );
  try {
    return JSON.stringify([CALLRESULT, id, await dispatch(action, payload)]);
  } catch (error) {
    if (error instanceof OcppError) return callError(id, error, version);
    onInternalError?.(error);
    return callError(
      id,
      new OcppError('InternalError', `${action} could not be handled; send it again later.`),
      version,
    );
  }
}
