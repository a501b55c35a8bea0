import * as z from 'zod';
import { conversationIdSchema } from '../shared/messaging/conversation-id.js';
import { markRead } from '../shared/messaging/mark-read.js';
import { requestIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { pusherFromEnv, storageFromEnv } from '../shared/runtime/messaging-context.js';

const readSchema = z.strictObject({
  action: z.literal('read'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  upTo: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

/** `read`: marks a conversation read up to a message; monotonic. */
export const handler = actionHandler({
  action: 'read',
  schema: readSchema,
  run: (input, { caller }) =>
    markRead({ storage: storageFromEnv(), pusher: pusherFromEnv() }, { reader: caller, conversationId: input.conversationId, upTo: input.upTo }),
});
