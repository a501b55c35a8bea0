import { conversationsRequest } from '@serverless-im/protocol';
import { conversationsOf } from '../conversations/conversation-list.js';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';

/** `conversations`: a page of the caller's conversations with unread counts and last messages. */
export const handler = actionHandler({
  action: 'conversations',
  schema: conversationsRequest,
  run: (input, { caller }) => conversationsOf(storageFromEnv(), caller.userId, { limit: input.limit, cursor: input.cursor }),
});
