import type { ErrorCode, ErrorReasonOf } from '@serverless-im/protocol';
import { ServiceError } from './service-error.js';

/** The codes a refused request can carry (INTERNAL is never the client's doing). */
export type RequestErrorCode = Exclude<ErrorCode, 'INTERNAL'>;

export interface RequestErrorOptions<Code extends RequestErrorCode> {
  /** The machine-readable sub-code (ERROR-REASONS): the meaning of `code` here. */
  reason?: ErrorReasonOf<Code>;
  /** How long the client should wait before retrying (RATE_LIMITED, CONFLICT `inProgress`). */
  retryAfterMs?: number;
  cause?: unknown;
}

/**
 * A request the server refuses, answered with the protocol's error reply: `code`, `reason`,
 * `retryAfterMs` and the message. The message goes to the client as is, so it says what was wrong
 * with the request and never echoes stored data.
 */
export abstract class RequestError<Code extends RequestErrorCode = RequestErrorCode> extends ServiceError<Code> {
  abstract override readonly code: Code;
  readonly reason: ErrorReasonOf<Code> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: RequestErrorOptions<Code> = {}) {
    super(message, options);
    this.reason = options.reason;
    this.retryAfterMs = options.retryAfterMs === undefined ? undefined : Math.max(0, Math.ceil(options.retryAfterMs));
  }
}

export class BadRequestError extends RequestError<'BAD_REQUEST'> {
  override readonly code = 'BAD_REQUEST';
}

export class UnauthorizedError extends RequestError<'UNAUTHORIZED'> {
  override readonly code = 'UNAUTHORIZED';
}

export class ForbiddenError extends RequestError<'FORBIDDEN'> {
  override readonly code = 'FORBIDDEN';
}

export class NotFoundError extends RequestError<'NOT_FOUND'> {
  override readonly code = 'NOT_FOUND';
}

export class ConflictError extends RequestError<'CONFLICT'> {
  override readonly code = 'CONFLICT';
}

export class TooLargeError extends RequestError<'TOO_LARGE'> {
  override readonly code = 'TOO_LARGE';
}

export class RateLimitedError extends RequestError<'RATE_LIMITED'> {
  override readonly code = 'RATE_LIMITED';
}

export const isRequestError = (value: unknown): value is RequestError => value instanceof RequestError;
