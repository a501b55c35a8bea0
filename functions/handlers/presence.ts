import { presenceRequest } from '@serverless-im/protocol';
import { presenceOf } from '../presence/presence.js';
import { actionHandler } from '../runtime/action-handler.js';
import { livenessFromEnv } from '../runtime/instance.js';

/** `presence`: who of `users` is online now, and when each was last seen (only users who share a conversation with the caller). */
export const handler = actionHandler({
  action: 'presence',
  schema: presenceRequest,
  run: async (input, { caller }) => ({ users: await presenceOf(livenessFromEnv(), caller.userId, input.users, Date.now()) }),
});
