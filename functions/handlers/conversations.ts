import { conversationsRequest } from '@serverless-im/protocol';
import { conversationsOf } from '../conversations/conversation-list.js';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';

/** `conversations`: the caller's conversations with unread counts and last messages. */
export const handler = actionHandler({
  action: 'conversations',
  schema: conversationsRequest,
  run: (_input, { caller }) => conversationsOf(storageFromEnv(), caller.userId),
});
