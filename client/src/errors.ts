/** Error codes a server reply can carry (PROTOCOL.md). */
export type ServerErrorCode = 'BAD_REQUEST' | 'UNAUTHORIZED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'TOO_LARGE' | 'RATE_LIMITED' | 'INTERNAL';

/**
 * Every code an SDK promise can reject with: the server's codes, plus
 * - `TIMEOUT`: the request was transmitted but no reply came in time (its outcome is unknown);
 * - `DISCONNECTED`: the request was never answered because there was no connection, or the
 *   connection closed before the reply (or the client was stopped).
 */
export type ImErrorCode = ServerErrorCode | 'TIMEOUT' | 'DISCONNECTED';

const KNOWN_CODES: ReadonlySet<string> = new Set<ImErrorCode>([
  'BAD_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'TOO_LARGE',
  'RATE_LIMITED',
  'INTERNAL',
  'TIMEOUT',
  'DISCONNECTED',
]);

export class ImError extends Error {
  override readonly name = 'ImError';
  readonly code: ImErrorCode;
  /** The action of the request that failed, when there was one. */
  readonly action: string | undefined;
  /** The code exactly as the server sent it (a newer server may send codes this SDK does not know; they map to INTERNAL). */
  readonly serverCode: string | undefined;

  constructor(code: ImErrorCode, message: string, details: { action?: string; serverCode?: string } = {}) {
    super(message);
    this.code = code;
    this.action = details.action;
    this.serverCode = details.serverCode;
  }

  /** An error reply from the server. */
  static fromReply(error: { code: string; message: string }, action?: string): ImError {
    const code = KNOWN_CODES.has(error.code) ? (error.code as ImErrorCode) : 'INTERNAL';
    return new ImError(code, error.message || error.code, { ...(action ? { action } : {}), serverCode: error.code });
  }
}

export const isImError = (value: unknown): value is ImError => value instanceof ImError;

/** The code of any error; what is not an ImError counts as INTERNAL. */
export const errorCode = (value: unknown): ImErrorCode => (value instanceof ImError ? value.code : 'INTERNAL');

/**
 * `send` answers CONFLICT in two cases (docs/protocol-notes.md): an earlier attempt with the same
 * clientMsgId is still in progress (retry later with the same id), or the id was already used for
 * another conversation (permanent). The protocol gives them one code; the message tells them apart.
 */
export const isConflictWithAnotherConversation = (error: ImError): boolean =>
  error.code === 'CONFLICT' && /another conversation/i.test(error.message);
