import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, itemOfConditionFailure, type Storage, writeIfConditionHolds } from '../storage/tables.js';
import type { ConversationRef } from './conversation-id.js';

type DirectConversation = Extract<ConversationRef, { kind: 'direct' }>;

/**
 * Item cseq 0 of a direct conversation. For each of the two members (`lo`, `hi`: the sorted
 * user ids) it keeps the cseq of their newest own message and how far they explicitly read.
 * Everything about unread follows from these four numbers (see `unread.ts`), so counts cannot
 * drift: there is no counter to keep in step.
 */
export interface DirectHead {
  ownLo: number;
  ownHi: number;
  readLo: number;
  readHi: number;
  /** True once both members' Memberships rows exist. */
  listed: boolean;
}

const side = (conversation: DirectConversation, userId: string): 'Lo' | 'Hi' => (conversation.members[0] === userId ? 'Lo' : 'Hi');

export const emptyDirectHead = (): DirectHead => ({ ownLo: 0, ownHi: 0, readLo: 0, readHi: 0, listed: false });

/** The head as stored (any missing number is 0). */
export const directHeadOf = (item: Record<string, unknown> | undefined): DirectHead => ({
  ownLo: Number(item?.ownLo ?? 0),
  ownHi: Number(item?.ownHi ?? 0),
  readLo: Number(item?.readLo ?? 0),
  readHi: Number(item?.readHi ?? 0),
  listed: item?.listed === true,
});

export async function readDirectHead(storage: Storage, conversationId: string, consistent = false): Promise<DirectHead> {
  const result = await storage.db.send(
    new GetCommand({ TableName: storage.tables.conversations, Key: { conversationId, cseq: 0 }, ConsistentRead: consistent }),
  );
  return directHeadOf(result.Item);
}

/**
 * Records that `sender` sent message `cseq` (which also marks everything before it read for
 * them). Monotonic: an older cseq arriving late changes nothing. Returns the head as it is now.
 */
export async function recordSent(storage: Storage, conversation: DirectConversation, sender: string, cseq: number): Promise<DirectHead> {
  const own = `own${side(conversation, sender)}`;
  try {
    const result = await storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.conversations,
        Key: { conversationId: conversation.id, cseq: 0 },
        UpdateExpression: 'SET #own = :cseq, kind = :kind',
        ConditionExpression: 'attribute_not_exists(#own) OR #own < :cseq',
        ExpressionAttributeNames: { '#own': own },
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
      Key: { conversationId, cseq: 0 },
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
        Key: { conversationId: conversation.id, cseq: 0 },
        UpdateExpression: 'SET #read = :upTo, kind = :kind',
        ConditionExpression: 'attribute_not_exists(#read) OR #read < :upTo',
        ExpressionAttributeNames: { '#read': `read${side(conversation, reader)}` },
        ExpressionAttributeValues: { ':upTo': upTo, ':kind': 'direct' },
      }),
    ),
  );
}

/** The read state of one member, derived from the head. */
export function directReadState(head: DirectHead, conversation: DirectConversation, userId: string): { latest: number; readUpTo: number; unread: number } {
  const mine = side(conversation, userId);
  const own = mine === 'Lo' ? head.ownLo : head.ownHi;
  const read = mine === 'Lo' ? head.readLo : head.readHi;
  const latest = Math.max(head.ownLo, head.ownHi);
  // Every own message is at or below `own`, so everything after max(read, own) is from the peer.
  const readUpTo = Math.min(latest, Math.max(read, own));
  return { latest, readUpTo, unread: latest - readUpTo };
}
