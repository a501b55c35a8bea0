import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, itemOfConditionFailure, writeIfConditionHolds } from '../conditions.js';
import type { Storage } from '../storage.js';
import { type DirectConversation, type DirectHead, directHeadOf, headKey, isBlocked, sideOf } from './records.js';

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

/** What a monotonic position write found: whether it moved, and where the position was before. */
export interface PositionMove {
  advanced: boolean;
  before: number;
  /** Where it is now. */
  after: number;
  /** Direct conversations: a block stands between the two members, so the peer is not told. */
  blocked?: boolean;
}

/**
 * Moves `receiver`'s delivered position up to `upTo` (monotonic: one conditional update, whatever
 * how many messages it covers), never past the conversation's newest message: an `upTo` beyond it
 * counts as the newest. Answers where the position was, so the caller tells only the authors of
 * the messages it newly covers.
 */
export async function recordDelivered(storage: Storage, conversation: DirectConversation, receiver: string, upTo: number): Promise<PositionMove> {
  const attribute = `delivered${sideOf(conversation, receiver)}`;
  let target = upTo;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const result = await storage.db.send(
        new UpdateCommand({
          TableName: storage.tables.conversations,
          Key: headKey(conversation.id),
          UpdateExpression: 'SET #d = :upTo',
          ConditionExpression: '(attribute_not_exists(#d) OR #d < :upTo) AND (ownLo >= :upTo OR ownHi >= :upTo)',
          ExpressionAttributeNames: { '#d': attribute },
          ExpressionAttributeValues: { ':upTo': target },
          // The whole old item costs no more than the updated attribute and shows a block.
          ReturnValues: 'ALL_OLD',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { advanced: true, before: Number(result.Attributes?.[attribute] ?? 0), after: target, blocked: isBlocked(directHeadOf(result.Attributes)) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const head = directHeadOf(itemOfConditionFailure<Record<string, unknown>>(error));
      const before = attribute === 'deliveredLo' ? head.deliveredLo : head.deliveredHi;
      const latest = Math.max(head.ownLo, head.ownHi);
      // Already there, or nothing newer exists: nothing moves.
      if (before >= Math.min(target, latest)) return { advanced: false, before, after: before };
      target = latest;
    }
  }
  return { advanced: false, before: 0, after: 0 };
}
