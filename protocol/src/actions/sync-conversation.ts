import * as z from 'zod/mini';
import { SYNC_LIMIT } from '../limits.js';
import { conversationIdSchema, position, requestIdSchema } from '../schemas/identifiers.js';
import { messageSchema } from '../schemas/shapes.js';

/** `syncConversation`: a conversation's messages after `after` (a conversationSeq), ascending and contiguous. */
export const syncConversationRequest = z.strictObject({
  action: z.literal('syncConversation'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  after: position(0),
  limit: z._default(z.int().check(z.minimum(SYNC_LIMIT.min), z.maximum(SYNC_LIMIT.max)), SYNC_LIMIT.default),
});
export const syncConversationResult = z.strictObject({
  /** Ascending and contiguous. */
  items: z.array(messageSchema),
  latest: position(0),
  hasMore: z.boolean(),
});
export type SyncConversationResult = z.infer<typeof syncConversationResult>;
