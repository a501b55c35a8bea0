import * as z from 'zod/mini';
import { SYNC_LIMIT } from '../limits.js';
import { conversationIdSchema, pageSize, position, requestIdSchema } from '../schemas/identifiers.js';
import { messageSchema } from '../schemas/shapes.js';

/** `syncConversation`: a conversation's messages after `after` (a conversationSeq), ascending and contiguous. */
export const syncConversationRequest = z.strictObject({
  action: z.literal('syncConversation'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  after: position(0),
  limit: pageSize(SYNC_LIMIT),
});
export const syncConversationResult = z.strictObject({
  /** Ascending and contiguous. */
  items: z.array(messageSchema),
  latest: position(0),
  hasMore: z.boolean(),
});
export type SyncConversationResult = z.infer<typeof syncConversationResult>;
