import { historyRequest } from '@serverless-im/protocol';
import { history } from '../conversations/conversation-reads.js';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';

/** `history`: a conversation's messages, newest first, for members only. */
export const handler = actionHandler({
  action: 'history',
  schema: historyRequest,
  run: (input, { caller }) => history(storageFromEnv(), caller.userId, input.conversationId, input.before, input.limit),
});
