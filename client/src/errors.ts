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
  /** The action of the request that failed. */
  action?: string;
  /** The code exactly as the server sent it. */
  serverCode?: string;
  /** Machine-readable sub-code (the server's `reason`, or the SDK's own for connection failures). */
  reason?: string;
  /** How long to wait before retrying, when the server says (RATE_LIMITED, CONFLICT `inProgress`). */
  retryAfterMs?: number;
  /** The underlying error, when there is one. */
  cause?: unknown;
}

/** An error reply's `error` object as it arrives (v1 fields plus the optional additions). */
export interface ReplyError {
  code: string;
  message: string;
  reason?: unknown;
  retryAfterMs?: unknown;
}

export class ImError extends Error {
  override readonly name = 'ImError';
  readonly code: ImErrorCode;
  /** The action of the request that failed, when there was one. */
  readonly action: string | undefined;
  /** The code exactly as the server sent it (a newer server may send codes this SDK does not know; they map to INTERNAL). */
  readonly serverCode: string | undefined;
  /**
   * What exactly went wrong, where one code has several meanings: the server's `reason`
   * (e.g. CONFLICT `inProgress` / `clientMsgIdReused`, FORBIDDEN `notMember`) or, for a failed
   * connection, the SDK's (`handshakeRefused`, `tokenExpired`, `tokenMalformed`, or the reason of
   * the server's `closing` signal). Switch on `code` + `reason`, never on `message`.
   */
  readonly reason: string | undefined;
  /** From the server: wait at least this long before retrying, ms. */
  readonly retryAfterMs: number | undefined;

  constructor(code: ImErrorCode, message: string, details: ImErrorDetails = {}) {
    super(message);
    this.code = code;
    this.action = details.action;
    this.serverCode = details.serverCode;
    this.reason = details.reason;
    this.retryAfterMs = details.retryAfterMs;
    // Set as a property: the SDK's ES2020 lib has no `ErrorOptions` (the standard `cause` field).
    if (details.cause !== undefined) (this as { cause?: unknown }).cause = details.cause;
  }

  /** An error reply from the server. */
  static fromReply(error: ReplyError, action?: string): ImError {
    const code = KNOWN_CODES.has(error.code) ? (error.code as ImErrorCode) : 'INTERNAL';
    const details: ImErrorDetails = { serverCode: error.code };
    if (action) details.action = action;
    if (typeof error.reason === 'string' && error.reason !== '') details.reason = error.reason;
    if (typeof error.retryAfterMs === 'number' && Number.isFinite(error.retryAfterMs) && error.retryAfterMs >= 0) details.retryAfterMs = error.retryAfterMs;
    return new ImError(code, error.message || error.code, details);
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
