import * as z from 'zod';
import { readReceipts } from '../shared/groups/read-receipts.js';
import { conversationIdSchema } from '../shared/messaging/conversation-id.js';
import { requestIdSchema } from '../shared/protocol/identifiers.js';
import { actionHandler } from '../shared/runtime/action-handler.js';
import { storageFromEnv } from '../shared/runtime/messaging-context.js';

const readReceiptsSchema = z.strictObject({
  action: z.literal('readReceipts'),
  id: requestIdSchema,
  conversationId: conversationIdSchema,
  conversationSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

/** `readReceipts` (added to PROTOCOL.md v1): how many members have read up to a message. */
export const handler = actionHandler({
  action: 'readReceipts',
  schema: readReceiptsSchema,
  run: (input, { caller }) => readReceipts(storageFromEnv(), caller.userId, input.conversationId, input.conversationSeq),
});
