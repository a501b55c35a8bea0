import * as z from 'zod';
import { listConversations } from '../shared/messaging/conversation-summaries.js';
import { requestIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { storageFromEnv } from '../shared/runtime/messaging-context.js';

const conversationsSchema = z.strictObject({ action: z.literal('conversations'), id: requestIdSchema });

/** `conversations`: the caller's conversations with unread counts and last messages. */
export const handler = actionHandler({
  action: 'conversations',
  schema: conversationsSchema,
  run: (_input, { caller }) => listConversations(storageFromEnv(), caller.userId),
});
