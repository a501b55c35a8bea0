import * as z from 'zod';
import { conversationIdSchema } from '../shared/messaging/conversation-id.js';
import { queryHistory } from '../shared/messaging/message-store.js';
import { requireMember } from '../shared/messaging/membership-check.js';
import { requestIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { storageFromEnv } from '../shared/runtime/messaging-context.js';

const historySchema = z.strictObject({
  action: z.literal('history'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  before: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.number().int().min(1).max(100).default(50),
});

/** `history`: a conversation's messages, newest first, for members only. */
export const handler = actionHandler({
  action: 'history',
  schema: historySchema,
  async run(input, { caller }) {
    const storage = storageFromEnv();
    await requireMember(storage, caller.userId, input.conversationId);
    return queryHistory(storage, input.conversationId, input.before, input.limit);
  },
});
