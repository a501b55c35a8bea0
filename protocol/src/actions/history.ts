import * as z from 'zod/mini';
import { HISTORY_LIMIT } from '../limits.js';
import { conversationIdSchema, pageSize, position, requestIdSchema } from '../schemas/identifiers.js';
import { messageSchema } from '../schemas/shapes.js';

/** `history`: a conversation's messages before `before` (a conversationSeq), newest first. */
export const historyRequest = z.strictObject({
  action: z.literal('history'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  before: z.optional(position()),
  limit: pageSize(HISTORY_LIMIT),
});
export const historyResult = z.strictObject({
  /** Newest first. */
  items: z.array(messageSchema),
  hasMore: z.boolean(),
});
export type HistoryResult = z.infer<typeof historyResult>;
