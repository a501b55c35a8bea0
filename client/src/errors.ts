import { ERROR_CODES, type ErrorCode } from '@serverless-im/protocol';

/** Error codes a server reply can carry (the protocol's codes). */
export type ServerErrorCode = ErrorCode;

/**
 * Every code an SDK promise can reject with: the server's codes, plus
 * - `TIMEOUT`: the request was transmitted but no reply came in time (its outcome is unknown);
 * - `DISCONNECTED`: the request was never answered because there was no connection, or the
 *   connection closed before the reply (or the client was stopped).
 */
export type ImErrorCode = ServerErrorCode | 'TIMEOUT' | 'DISCONNECTED';

const KNOWN_CODES: ReadonlySet<string> = new Set<ImErrorCode>([...ERROR_CODES, 'TIMEOUT', 'DISCONNECTED']);

export interface ImErrorDetails {
  action?: string;
  serverCode?: string;
  reason?: string;
  retryAfterMs?: number;
}

export class ImError extends Error {
  override readonly name = 'ImError';
  readonly code: ImErrorCode;
  /** The action of the request that failed, when there was one. */
  readonly action: string | undefined;
  /** The code exactly as the server sent it (a newer server may send codes this SDK does not know; they map to INTERNAL). */
  readonly serverCode: string | undefined;
  /**
   * The server's machine-readable sub-code, when one code has several meanings (CONFLICT
   * `inProgress` or `clientMsgIdReused`, FORBIDDEN `notMember`, RATE_LIMITED `sendRate`, ...).
   * Switch on `code` and `reason`, never on the message.
   */
  readonly reason: string | undefined;
  /** How long the server asks to wait before retrying, when it says. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ImErrorCode, message: string, details: ImErrorDetails = {}) {
    super(message);
    this.code = code;
    this.action = details.action;
    this.serverCode = details.serverCode;
    this.reason = details.reason;
    this.retryAfterMs = details.retryAfterMs;
  }

  /** An error reply from the server. */
  static fromReply(error: { code: string; message: string; reason?: string; retryAfterMs?: number }, action?: string): ImError {
    const code = KNOWN_CODES.has(error.code) ? (error.code as ImErrorCode) : 'INTERNAL';
    return new ImError(code, error.message || error.code, {
      ...(action ? { action } : {}),
      serverCode: error.code,
      ...(error.reason !== undefined ? { reason: error.reason } : {}),
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    });
  }
}

export const isImError = (value: unknown): value is ImError => value instanceof ImError;

/** The code of any error; what is not an ImError counts as INTERNAL. */
export const errorCode = (value: unknown): ImErrorCode => (value instanceof ImError ? value.code : 'INTERNAL');

/**
 * What a CONFLICT answer to `send` means, by its reason: `clientMsgIdReused` (the id was already
 * used for another conversation) is permanent; `inProgress` (an earlier attempt with the same id is
 * still running) means retry later with the same id. A CONFLICT without a reason is taken as in
 * progress: retrying it is bounded (`sendRetry.maxConflictRetries`) and never stores a duplicate.
 */
export function sendConflict(error: ImError): 'reused' | 'inProgress' | undefined {
  if (error.code !== 'CONFLICT') return undefined;
  switch (error.reason) {
    case 'clientMsgIdReused':
      return 'reused';
    case 'inProgress':
    default:
      return 'inProgress';
  }
}

/** True for a CONFLICT that says the clientMsgId was already used for another conversation. */
export const isConflictWithAnotherConversation = (error: ImError): boolean => sendConflict(error) === 'reused';
