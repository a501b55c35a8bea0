import * as z from 'zod/mini';
import { ERROR_CODES, isReasonOf } from '../errors.js';

/**
 * The `error` of an error reply. `reason` must be one the code may carry (errors.ts);
 * `retryAfterMs` comes with RATE_LIMITED and CONFLICT `inProgress`.
 */
export const errorInfoSchema = z
  .strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    reason: z.optional(z.string()),
    retryAfterMs: z.optional(z.int().check(z.minimum(0))),
  })
  .check(z.refine((error) => error.reason === undefined || isReasonOf(error.code, error.reason), 'reason is not one this code carries'));
export type ErrorInfo = z.infer<typeof errorInfoSchema>;

/** The reply to a request that failed. `id` is null when the frame had no valid id. */
export const errorReplySchema = z.strictObject({
  id: z.nullable(z.string()),
  ok: z.literal(false),
  error: errorInfoSchema,
});
export type ErrorReply = z.infer<typeof errorReplySchema>;

/** The reply to a request that succeeded, with the action's reply `data`. */
export const okReplySchema = <Data extends z.ZodMiniType>(data: Data) => z.strictObject({ id: z.string(), ok: z.literal(true), data });
export type OkReply<Data> = { id: string; ok: true; data: Data };

/** An event the server pushes at any time. */
export const eventFrameSchema = <Name extends string, Data extends z.ZodMiniType>(event: Name, data: Data) =>
  z.strictObject({ event: z.literal(event), data });
export type EventFrame<Name extends string = string, Data = unknown> = { event: Name; data: Data };
