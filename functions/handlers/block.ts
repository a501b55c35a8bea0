import { blockRequest, unblockRequest } from '@serverless-im/protocol';
import * as z from 'zod/mini';
import { blockUser, unblockUser } from '../blocking/block-user.js';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';

const schema = z.discriminatedUnion('action', [blockRequest, unblockRequest]);

/** `block`, `unblock`: one function, one schema per action. */
export const handler = actionHandler({
  action: 'block',
  schema,
  run: (input, { caller }) => (input.action === 'block' ? blockUser : unblockUser)(storageFromEnv(), caller.userId, input.userId),
});
