import * as z from 'zod';
import { presenceOf } from '../shared/presence/presence.js';
import { requestIdSchema, userIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { storageFromEnv } from '../shared/runtime/messaging-context.js';

const presenceSchema = z.strictObject({
  action: z.literal('presence'),
  id: requestIdSchema,
  users: z.array(userIdSchema).min(1).max(100),
});

/** `presence`: who of `users` is online now, and when each was last seen. */
export const handler = actionHandler({
  action: 'presence',
  schema: presenceSchema,
  run: async (input) => ({ users: await presenceOf(storageFromEnv(), input.users, Date.now()) }),
});
