import { typingRequest } from '@serverless-im/protocol';
import { relayTyping } from '../presence/typing.js';
import { actionHandler } from '../runtime/action-handler.js';
import { pusherFromEnv, storageFromEnv } from '../runtime/instance.js';

/** `typing`: an ephemeral signal to the other members; never stored. */
export const handler = actionHandler({
  action: 'typing',
  schema: typingRequest,
  async run(input, { caller }) {
    await relayTyping({ storage: storageFromEnv(), pusher: pusherFromEnv() }, caller.userId, input.conversationId);
    return {};
  },
});
