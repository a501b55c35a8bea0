import { syncConversationRequest } from '@serverless-im/protocol';
import { syncConversation } from '../conversations/conversation-reads.js';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';

/** `syncConversation`: a conversation's messages after `after`, ascending and contiguous. */
export const handler = actionHandler({
  action: 'syncConversation',
  schema: syncConversationRequest,
  run: (input, { caller }) => syncConversation(storageFromEnv(), caller.userId, input.conversationId, input.after, input.limit, input.changesAfter),
});
