import { readRequest } from '@serverless-im/protocol';
import { markRead } from '../conversations/mark-read.js';
import { actionHandler } from '../runtime/action-handler.js';
import { pusherFromEnv, storageFromEnv } from '../runtime/instance.js';

/** `read`: marks a conversation read up to a message; monotonic. */
export const handler = actionHandler({
  action: 'read',
  schema: readRequest,
  run: (input, { caller }) =>
    markRead({ storage: storageFromEnv(), pusher: pusherFromEnv() }, { reader: caller, conversationId: input.conversationId, upTo: input.upTo }),
});
