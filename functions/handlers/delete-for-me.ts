import { deleteForMeRequest } from '@serverless-im/protocol';
import { deleteForMe } from '../message-changes/delete-for-me.js';
import { runtimeCheckpoint } from '../platform/checkpoints.js';
import { actionHandler } from '../runtime/action-handler.js';
import { pusherFromEnv, storageFromEnv } from '../runtime/instance.js';

/** `deleteForMe`: hides messages on the caller's own devices. */
export const handler = actionHandler({
  action: 'deleteForMe',
  schema: deleteForMeRequest,
  run: (input, { caller }) =>
    deleteForMe(
      { storage: storageFromEnv(), pusher: pusherFromEnv(), clock: Date.now, checkpoint: runtimeCheckpoint() },
      { actor: caller, conversationId: input.conversationId, conversationSeqs: input.conversationSeqs },
    ),
});
