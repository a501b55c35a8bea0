import { presenceRequest } from '@serverless-im/protocol';
import { presenceOf } from '../presence/presence.js';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';

/** `presence`: who of `users` is online now, and when each was last seen. */
export const handler = actionHandler({
  action: 'presence',
  schema: presenceRequest,
  run: async (input) => ({ users: await presenceOf(storageFromEnv(), input.users, Date.now()) }),
});
