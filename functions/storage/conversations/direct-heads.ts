import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, itemOfConditionFailure, writeIfConditionHolds } from '../conditions.js';
import type { Storage } from '../storage.js';
import { type DirectConversation, type DirectHead, directHeadOf, headKey, sideOf } from './records.js';

export async function readDirectHead(storage: Storage, conversationId: string, consistent = false): Promise<DirectHead> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.conversations, Key: headKey(conversationId), ConsistentRead: consistent }));
  return directHeadOf(result.Item);
}

/**
 * Records that `sender` sent message `cseq` (which also marks everything before it read for
 * them). Monotonic: an older cseq arriving late changes nothing. Returns the head as it is now.
 */
export async function recordSent(storage: Storage, conversation: DirectConversation, sender: string, cseq: number): Promise<DirectHead> {
  try {
    const result = await storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.conversations,
        Key: headKey(conversation.id),
        UpdateExpression: 'SET #own = :cseq, kind = :kind',
        ConditionExpression: 'attribute_not_exists(#own) OR #own < :cseq',
        ExpressionAttributeNames: { '#own': `own${sideOf(conversation, sender)}` },
        ExpressionAttributeValues: { ':cseq': cseq, ':kind': 'direct' },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return directHeadOf(result.Attributes);
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    return directHeadOf(itemOfConditionFailure<Record<string, unknown>>(error));
  }
}

/** Records that both members' Memberships rows exist, so later sends skip creating them. */
export async function recordListed(storage: Storage, conversationId: string): Promise<void> {
  await storage.db.send(
    new UpdateCommand({
      TableName: storage.tables.conversations,
      Key: headKey(conversationId),
      UpdateExpression: 'SET listed = :yes',
      ExpressionAttributeValues: { ':yes': true },
    }),
  );
}

/**
 * Moves `reader`'s explicit read position up to `upTo`. Returns false when it already was there
 * or beyond (read is monotonic).
 */
export async function recordRead(storage: Storage, conversation: DirectConversation, reader: string, upTo: number): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.conversations,
        Key: headKey(conversation.id),
        UpdateExpression: 'SET #read = :upTo, kind = :kind',
        ConditionExpression: 'attribute_not_exists(#read) OR #read < :upTo',
        ExpressionAttributeNames: { '#read': `read${sideOf(conversation, reader)}` },
        ExpressionAttributeValues: { ':upTo': upTo, ':kind': 'direct' },
      }),
    ),
  );
}
