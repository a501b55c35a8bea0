import { syncConversationRequest } from '@serverless-im/protocol';
import { syncConversation } from '../conversations/conversation-reads.js';
import { receiptsOf, recordReceipts } from '../conversations/mark-delivered.js';
import { actionHandler } from '../runtime/action-handler.js';
import { pusherFromEnv, storageFromEnv } from '../runtime/instance.js';

/** `syncConversation`: a conversation's messages after `after`, ascending and contiguous; those from others are delivered (one receipt write). */
export const handler = actionHandler({
  action: 'syncConversation',
  schema: syncConversationRequest,
  async run(input, { caller }) {
    const storage = storageFromEnv();
    const result = await syncConversation(storage, caller.userId, input.conversationId, input.after, input.limit, input.changesAfter);
    await recordReceipts({ storage, pusher: pusherFromEnv() }, caller.userId, receiptsOf(result.items, caller.userId));
    return result;
  },
});
