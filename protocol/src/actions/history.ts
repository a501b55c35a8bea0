import * as z from 'zod/mini';
import { HISTORY_LIMIT } from '../limits.js';
import { conversationIdSchema, position, requestIdSchema } from '../schemas/identifiers.js';
import { messageSchema } from '../schemas/shapes.js';

/** `history`: a conversation's messages before `before` (a conversationSeq), newest first. */
export const historyRequest = z.strictObject({
  action: z.literal('history'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  before: z.optional(position()),
  limit: z._default(z.int().check(z.minimum(HISTORY_LIMIT.min), z.maximum(HISTORY_LIMIT.max)), HISTORY_LIMIT.default),
});
export const historyResult = z.strictObject({
  /** Newest first. */
  items: z.array(messageSchema),
  hasMore: z.boolean(),
});
export type HistoryResult = z.infer<typeof historyResult>;
