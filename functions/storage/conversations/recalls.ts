import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed } from '../conditions.js';
import type { Storage } from '../storage.js';
import { headKey } from './records.js';

/**
 * Records a recalled cseq on the conversation's head (direct or group), in a number set: unread
 * counts leave recalled messages out. Adding the same cseq again changes nothing.
 */
export async function recordRecalledOnHead(storage: Storage, conversationId: string, cseq: number): Promise<void> {
  await storage.db.send(
    new UpdateCommand({
      TableName: storage.tables.conversations,
      Key: headKey(conversationId),
      UpdateExpression: 'ADD recalled :cseq',
      ExpressionAttributeValues: { ':cseq': new Set([cseq]) },
    }),
  );
}

/**
 * Removes a recall's note for the notification pipeline (`withdrawPending`, `withdrawFrom`) from a
 * recalled message once its withdraw jobs are queued, so nothing of the message's mentions stays.
 * Removing it twice changes nothing.
 */
export async function clearWithdrawPending(storage: Storage, conversationId: string, cseq: number): Promise<void> {
  try {
    await storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.conversations,
        Key: { conversationId, cseq },
        UpdateExpression: 'REMOVE withdrawPending, withdrawFrom',
        ConditionExpression: 'attribute_exists(withdrawPending)',
      }),
    );
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
  }
}
