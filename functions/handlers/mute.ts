import { muteRequest } from '@serverless-im/protocol';
import { muteConversation } from '../conversations/mute.js';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';

/** `mute`: no offline notifications of a conversation until a time, on all of the caller's devices. */
export const handler = actionHandler({
  action: 'mute',
  schema: muteRequest,
  run: (input, { caller }) => muteConversation(storageFromEnv(), caller.userId, input.conversationId, input.until),
});
