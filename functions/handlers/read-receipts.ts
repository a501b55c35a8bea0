import { readReceiptsRequest } from '@serverless-im/protocol';
import { readReceipts } from '../conversations/read-receipts.js';
import { actionHandler } from '../runtime/action-handler.js';
import { storageFromEnv } from '../runtime/instance.js';

/** `readReceipts`: how many members have read up to a message. */
export const handler = actionHandler({
  action: 'readReceipts',
  schema: readReceiptsRequest,
  run: (input, { caller }) => readReceipts(storageFromEnv(), caller.userId, input.conversationId, input.conversationSeq),
});
