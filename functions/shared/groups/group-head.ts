import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, type Storage, writeIfConditionHolds } from '../storage/tables.js';

/**
 * Item cseq 0 of a group conversation: what every member needs to know about the group. Per-member
 * state (read position, own last message) lives on the members' Memberships rows instead, so a
 * message writes this item once whatever the group's size.
 */
export interface GroupHead {
  conversationId: string;
  kind: 'group';
  title: string;
  owner: string;
  memberCount: number;
  /** Delivered by read fan-out (more members than the threshold at some point). */
  large: boolean;
  /** Highest cseq delivered by write fan-out; later ones are read fan-out (set when `large` turned on). */
  largeSince?: number;
  lastCseq: number;
  createdAt: number;
}

/** The head as stored. */
export const groupHeadOf = (item: Record<string, unknown>): GroupHead => ({
  conversationId: String(item.conversationId),
  kind: 'group',
  title: String(item.title ?? ''),
  owner: String(item.owner ?? ''),
  memberCount: Number(item.memberCount ?? 0),
  large: item.large === true,
  ...(item.largeSince !== undefined ? { largeSince: Number(item.largeSince) } : {}),
  lastCseq: Number(item.lastCseq ?? 0),
  createdAt: Number(item.createdAt ?? 0),
});

export async function readGroupHead(storage: Storage, conversationId: string, consistent = false): Promise<GroupHead | undefined> {
  const result = await storage.db.send(
    new GetCommand({ TableName: storage.tables.conversations, Key: { conversationId, cseq: 0 }, ConsistentRead: consistent }),
  );
  return result.Item ? groupHeadOf(result.Item) : undefined;
}

export async function createGroupHead(storage: Storage, head: GroupHead): Promise<void> {
  await storage.db.send(
    new PutCommand({
      TableName: storage.tables.conversations,
      Item: { ...head, cseq: 0 },
      ConditionExpression: 'attribute_not_exists(conversationId)',
    }),
  );
}

/** Records the newest message (monotonic: a late, older cseq changes nothing). */
export async function recordGroupMessage(storage: Storage, conversationId: string, cseq: number): Promise<void> {
  await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.conversations,
        Key: { conversationId, cseq: 0 },
        UpdateExpression: 'SET lastCseq = :cseq',
        ConditionExpression: 'attribute_exists(conversationId) AND lastCseq < :cseq',
        ExpressionAttributeValues: { ':cseq': cseq },
      }),
    ),
  );
}

/**
 * Changes the member count by `delta`, refusing to go over `max`. Returns the head after the
 * change, or undefined when the limit refused it.
 */
export async function changeMemberCount(storage: Storage, conversationId: string, delta: number, max: number): Promise<GroupHead | undefined> {
  try {
    const result = await storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.conversations,
        Key: { conversationId, cseq: 0 },
        UpdateExpression: 'ADD memberCount :delta',
        ConditionExpression: 'attribute_exists(conversationId) AND memberCount <= :room',
        ExpressionAttributeValues: { ':delta': delta, ':room': max - delta },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return groupHeadOf(result.Attributes ?? {});
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

/** Switches the group to read fan-out, once. Returns the head if this call made the switch. */
export async function switchToLarge(storage: Storage, conversationId: string): Promise<GroupHead | undefined> {
  try {
    const result = await storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.conversations,
        Key: { conversationId, cseq: 0 },
        UpdateExpression: 'SET #large = :yes, largeSince = lastCseq',
        ConditionExpression: 'attribute_exists(conversationId) AND #large = :no',
        ExpressionAttributeNames: { '#large': 'large' },
        ExpressionAttributeValues: { ':yes': true, ':no': false },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return groupHeadOf(result.Attributes ?? {});
  } catch (error) {
    if (isConditionalCheckFailed(error)) return undefined;
    throw error;
  }
}

export async function transferOwnership(storage: Storage, conversationId: string, from: string, to: string): Promise<void> {
  await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.conversations,
        Key: { conversationId, cseq: 0 },
        UpdateExpression: 'SET #owner = :to',
        ConditionExpression: '#owner = :from',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':from': from, ':to': to },
      }),
    ),
  );
}
