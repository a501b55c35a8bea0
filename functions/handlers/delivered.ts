import { deliveredRequest } from '@serverless-im/protocol';
import { markDelivered } from '../conversations/mark-delivered.js';
import { actionHandler } from '../runtime/action-handler.js';
import { pusherFromEnv, storageFromEnv } from '../runtime/instance.js';

/** `delivered`: a device acknowledges the pushes of a conversation up to a message; monotonic. */
export const handler = actionHandler({
  action: 'delivered',
  schema: deliveredRequest,
  run: (input, { caller }) =>
    markDelivered({ storage: storageFromEnv(), pusher: pusherFromEnv() }, { receiver: caller.userId, conversationId: input.conversationId, upTo: input.upTo }),
});
