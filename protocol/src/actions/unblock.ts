import * as z from 'zod/mini';
import { requestIdSchema, userIdSchema } from '../schemas/identifiers.js';

/** `unblock`: undoes `block` (idempotent: unblocking a user who is not blocked changes nothing). */
export const unblockRequest = z.strictObject({ action: z.literal('unblock'), id: requestIdSchema, userId: userIdSchema });
export const unblockResult = z.strictObject({});
export type UnblockResult = z.infer<typeof unblockResult>;
