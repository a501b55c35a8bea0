import type { ErrorInfo, ErrorReply, OkReply } from '@serverless-im/protocol';
import { isRequestError } from '../errors/request-errors.js';

export const okReply = <T>(id: string, data: T): OkReply<T> => ({ id, ok: true, data });

/** Answers INTERNAL without details: nothing internal leaks to the client. */
export const INTERNAL_ERROR: ErrorInfo = { code: 'INTERNAL', message: 'internal error, retry later' };

/**
 * The error reply for anything a handler threw: a refused request (RequestError) answers with its
 * code, reason, retryAfterMs and message; everything else is INTERNAL.
 */
export function errorReplyOf(error: unknown, id: string | null): ErrorReply {
  if (!isRequestError(error)) return { id, ok: false, error: INTERNAL_ERROR };
  const info: ErrorInfo = { code: error.code, message: error.message };
  if (error.reason !== undefined) info.reason = error.reason;
  if (error.retryAfterMs !== undefined) info.retryAfterMs = error.retryAfterMs;
  return { id, ok: false, error: info };
}
