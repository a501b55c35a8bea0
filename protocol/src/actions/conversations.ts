import * as z from 'zod/mini';
import { CONVERSATIONS_LIMIT, MAX_CONVERSATIONS_CURSOR_CHARS } from '../limits.js';
import { count, requestIdSchema, userIdSchema } from '../schemas/identifiers.js';
import { conversationSummarySchema } from '../schemas/shapes.js';

/**
 * `conversations`: the caller's conversations, most recent activity first, with unread counts; a
 * page of `limit` after `cursor` (both added; without `limit`, as many as fit in one reply).
 */
export const conversationsRequest = z.strictObject({
  action: z.literal('conversations'),
  id: requestIdSchema,
  limit: z.optional(z.int().check(z.minimum(CONVERSATIONS_LIMIT.min), z.maximum(CONVERSATIONS_LIMIT.max))),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_CONVERSATIONS_CURSOR_CHARS))),
});
export const conversationsResult = z.strictObject({
  items: z.array(conversationSummarySchema),
  /** The caller's total over all their conversations: the sum of `unread` over `items` when `hasMore` is false. */
  totalUnread: count(),
  /** The users the caller blocks (`block`), in no particular order. */
  blocked: z.array(userIdSchema),
  /** More conversations follow (added; absent from older servers: false). */
  hasMore: z.optional(z.boolean()),
  /** Where the next page starts, when `hasMore` (added; opaque). */
  cursor: z.optional(z.string()),
});
export type ConversationsResult = z.infer<typeof conversationsResult>;
