import * as z from 'zod';
import { conversationIdSchema } from '../shared/messaging/conversation-id.js';
import { latestCseq, queryConversationAfter } from '../shared/messaging/message-store.js';
import { requireMember } from '../shared/messaging/membership-check.js';
import { requestIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { storageFromEnv } from '../shared/runtime/messaging-context.js';

const syncConversationSchema = z.strictObject({
  action: z.literal('syncConversation'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  after: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  limit: z.number().int().min(1).max(200).default(100),
});

/** `syncConversation`: a conversation's messages after `after`, ascending and contiguous. */
export const handler = actionHandler({
  action: 'syncConversation',
  schema: syncConversationSchema,
  async run(input, { caller }) {
    const storage = storageFromEnv();
    await requireMember(storage, caller.userId, input.conversationId);
    const [items, latest] = await Promise.all([
      queryConversationAfter(storage, input.conversationId, input.after, input.limit),
      latestCseq(storage, input.conversationId),
    ]);
    const last = items.at(-1)?.conversationSeq ?? input.after;
    return { items, latest: Math.max(latest, last), hasMore: last < latest };
  },
});
