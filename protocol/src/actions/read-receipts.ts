import * as z from 'zod/mini';
import { conversationIdSchema, count, position, requestIdSchema, userIdSchema } from '../schemas/identifiers.js';

/** `readReceipts`: how many members other than the author have read up to a message, and who. */
export const readReceiptsRequest = z.strictObject({
  action: z.literal('readReceipts'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  conversationSeq: position(),
});
export const readReceiptsResult = z.strictObject({
  conversationSeq: position(),
  /** Members other than the author who have read up to this message. */
  readCount: count(),
  /** Members other than the author. */
  memberCount: count(),
  /** Who read it, in conversations of up to 100 members. */
  readBy: z.optional(z.array(userIdSchema)),
  /** Members other than the author with a device that has received this message (having read it counts). */
  deliveredCount: z.optional(count()),
  /** Who received it, in conversations of up to 100 members. */
  deliveredTo: z.optional(z.array(userIdSchema)),
});
export type ReadReceiptsResult = z.infer<typeof readReceiptsResult>;
