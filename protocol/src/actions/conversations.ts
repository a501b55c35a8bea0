import * as z from 'zod/mini';
import { count, requestIdSchema, userIdSchema } from '../schemas/identifiers.js';
import { conversationSummarySchema } from '../schemas/shapes.js';

/** `conversations`: the caller's conversations, most recent activity first, with unread counts. */
export const conversationsRequest = z.strictObject({ action: z.literal('conversations'), id: requestIdSchema });
export const conversationsResult = z.strictObject({
  items: z.array(conversationSummarySchema),
  /** Always the sum of `unread` over `items`. */
  totalUnread: count(),
  /** The users the caller blocks (`block`), in no particular order. */
  blocked: z.array(userIdSchema),
});
export type ConversationsResult = z.infer<typeof conversationsResult>;
