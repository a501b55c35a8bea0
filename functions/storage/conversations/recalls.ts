import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
