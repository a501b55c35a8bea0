/** Error codes of PROTOCOL.md; clients switch on these, so the set is closed. */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'TOO_LARGE'
  | 'RATE_LIMITED'
  | 'INTERNAL';

/**
 * A failure the client caused or must know about. Its message goes to the client as is, so it
 * says what was wrong with the request and never echoes stored data.
 */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export const badRequest = (message: string): ProtocolError => new ProtocolError('BAD_REQUEST', message);
export const forbidden = (message: string): ProtocolError => new ProtocolError('FORBIDDEN', message);
export const notFound = (message: string): ProtocolError => new ProtocolError('NOT_FOUND', message);
