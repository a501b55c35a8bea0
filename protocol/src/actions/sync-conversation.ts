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
  /** The client's change cursor: also return the messages changed after this change position. */
  changesAfter: z.optional(position(0)),
});
export const syncConversationResult = z.strictObject({
  /** Ascending and contiguous. */
  items: z.array(messageSchema),
  latest: position(0),
  hasMore: z.boolean(),
  /** The conversation's newest change position (edits, recalls, reactions), read before `items`. */
  latestChange: z.optional(position(0)),
  /** With `changesAfter`: the current state of each message changed after it, up to `changesUpTo`. */
  changes: z.optional(z.array(messageSchema)),
  /** With `changesAfter`: the change position the client holds once it applied `changes`. */
  changesUpTo: z.optional(position(0)),
});
export type SyncConversationResult = z.infer<typeof syncConversationResult>;
