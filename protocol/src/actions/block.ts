import * as z from 'zod/mini';
import { requestIdSchema, userIdSchema } from '../schemas/identifiers.js';

/**
 * `block`: the caller no longer exchanges direct messages, typing, read and delivered receipts or
 * presence with `userId` (both ways), until `unblock`. Idempotent: blocking twice is one block.
 * Blocking oneself is BAD_REQUEST. Shared groups are not affected.
 */
export const blockRequest = z.strictObject({ action: z.literal('block'), id: requestIdSchema, userId: userIdSchema });
export const blockResult = z.strictObject({});
export type BlockResult = z.infer<typeof blockResult>;
