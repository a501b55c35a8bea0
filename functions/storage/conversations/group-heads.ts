import { GetCommand, PutCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, writeIfConditionHolds } from '../conditions.js';
import type { Storage } from '../storage.js';
import type { TransactItem } from '../transactions.js';
import { type GroupHead, groupHeadOf, headKey } from './records.js';

export async function readGroupHead(storage: Storage, conversationId: string, consistent = false): Promise<GroupHead | undefined> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.conversations, Key: headKey(conversationId), ConsistentRead: consistent }));
  return result.Item ? groupHeadOf(result.Item) : undefined;
}

export async function createGroupHead(storage: Storage, head: GroupHead): Promise<void> {
  await storage.db.send(
    new PutCommand({
      TableName: storage.tables.conversations,
      Item: { ...head, ...headKey(head.conversationId) },
      ConditionExpression: 'attribute_not_exists(conversationId)',
    }),
  );
}

/**
 * `createGroupHead` for a request that may be a retry: true when the head is written now or was
 * written by an earlier attempt of the same request (same owner and `createdAt`); false when
 * another group holds the id (never expected: group ids are random).
 */
export async function createGroupHeadOnce(storage: Storage, head: GroupHead): Promise<boolean> {
  try {
    await createGroupHead(storage, head);
    return true;
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    const existing = await readGroupHead(storage, head.conversationId, true);
    return existing?.owner === head.owner && existing.createdAt === head.createdAt;
  }
}

/** Records the newest message (monotonic: a late, older cseq changes nothing). */
export async function recordGroupMessage(storage: Storage, conversationId: string, cseq: number): Promise<void> {
  await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.conversations,
        Key: headKey(conversationId),
        UpdateExpression: 'SET lastCseq = :cseq',
        ConditionExpression: 'attribute_exists(conversationId) AND lastCseq < :cseq',
        ExpressionAttributeValues: { ':cseq': cseq },
      }),
    ),
  );
}

/** An update of the head that answers with the head after it, or undefined when its condition refused it. */
async function updateHead(storage: Storage, input: Omit<UpdateCommandInput, 'TableName' | 'ReturnValues'>): Promise<GroupHead | undefined> {
  try {
    const result = await storage.db.send(new UpdateCommand({ TableName: storage.tables.conversations, ReturnValues: 'ALL_NEW', ...input }));
    return groupHeadOf(result.Attributes ?? {});
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

/** In a transaction: the member count change that goes with rows added (delta > 0) or removed, within `max`. */
export const memberCountTransactItem = (storage: Storage, conversationId: string, delta: number, max: number): TransactItem => ({
  Update: {
    TableName: storage.tables.conversations,
    Key: headKey(conversationId),
    UpdateExpression: 'ADD memberCount :delta',
    // Leaving is always allowed, even when the limit was lowered below the count.
    ConditionExpression: delta > 0 ? 'attribute_exists(conversationId) AND memberCount <= :room' : 'attribute_exists(conversationId)',
    ExpressionAttributeValues: delta > 0 ? { ':delta': delta, ':room': max - delta } : { ':delta': delta },
  },
});

/** Switches the group to read fan-out, once. Returns the head if this call made the switch. */
export const switchToLarge = (storage: Storage, conversationId: string): Promise<GroupHead | undefined> =>
  updateHead(storage, {
    Key: headKey(conversationId),
    UpdateExpression: 'SET #large = :yes, largeSince = lastCseq',
    ConditionExpression: 'attribute_exists(conversationId) AND #large = :no',
    ExpressionAttributeNames: { '#large': 'large' },
    ExpressionAttributeValues: { ':yes': true, ':no': false },
  });

export async function transferOwnership(storage: Storage, conversationId: string, from: string, to: string): Promise<void> {
  await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.conversations,
        Key: headKey(conversationId),
        UpdateExpression: 'SET #owner = :to',
        ConditionExpression: '#owner = :from',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':from': from, ':to': to },
      }),
    ),
  );
}
