import * as z from 'zod/mini';
import { ERROR_CODES, type ErrorCode } from '../errors.js';

/**
 * Errors of the server API. A refused request answers with the protocol's error object under
 * `error` (the same `code`, `reason` and `retryAfterMs` a WebSocket error reply carries) and the
 * HTTP status of its code. A request API Gateway refuses before any function runs (unsigned,
 * badly signed, not allowed by IAM, throttled, unknown route) has API Gateway's own body
 * `{"message": "..."}` instead.
 */
export const serverApiErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    reason: z.optional(z.string()),
    retryAfterMs: z.optional(z.int().check(z.minimum(0))),
  }),
});
export type ServerApiErrorBody = z.infer<typeof serverApiErrorBody>;

/** API Gateway's refusals (403 unsigned or not allowed, 404 no such route, 429 throttled). */
export const gatewayErrorBody = z.object({ message: z.string() });

/**
 * The HTTP status of each protocol code. TOO_LARGE is a 400: it refuses the request's content
 * (too many members, a body over its limit), not its size in bytes. UNAUTHORIZED never happens:
 * an unsigned request is API Gateway's 403.
 */
export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  TOO_LARGE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  INTERNAL: 500,
};
