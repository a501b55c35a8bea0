import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from '../storage/batch.js';
import { type Storage, writeIfConditionHolds } from '../storage/tables.js';

/**
 * A user's row in Memberships for a group. `groupId` (= conversationId) puts it in the sparse
 * `byGroup` index, which lists members with their read state for fan-out and read receipts.
 */
export interface GroupMembership {
  userId: string;
  conversationId: string;
  groupId: string;
  kind: 'group';
  role: 'owner' | 'member';
  joinedAt: number;
  /** Explicit read position (cseq). Starts at the group's last cseq when the member joins. */
  readUpTo: number;
  /** cseq of the member's newest own message (sending marks everything before it read). */
  ownLast: number;
  /** Set once the group is delivered by read fan-out: the member's connections listen to it. */
  large?: boolean;
}

export interface MemberState {
  userId: string;
  role: 'owner' | 'member';
  readUpTo: number;
  ownLast: number;
}

/** The member's read position: everything up to their own newest message counts as read. */
export const effectiveReadUpTo = (member: { readUpTo: number; ownLast: number }): number => Math.max(member.readUpTo, member.ownLast);

export async function putGroupMemberships(storage: Storage, rows: GroupMembership[]): Promise<void> {
  await batchWriteAll(storage.db, storage.tables.memberships, rows.map((Item) => ({ PutRequest: { Item: { ...Item } } })));
}

export async function deleteGroupMemberships(storage: Storage, conversationId: string, userIds: readonly string[]): Promise<void> {
  await batchWriteAll(storage.db, storage.tables.memberships, userIds.map((userId) => ({ DeleteRequest: { Key: { userId, conversationId } } })));
}

/** One page of a group's members, in user id order. */
export async function groupMembersPage(
  storage: Storage,
  conversationId: string,
  cursor?: Record<string, unknown>,
  limit?: number,
): Promise<{ members: MemberState[]; cursor?: Record<string, unknown> }> {
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.memberships,
      IndexName: storage.tables.membershipsByGroup,
      KeyConditionExpression: 'groupId = :g',
      ExpressionAttributeValues: { ':g': conversationId },
      ExclusiveStartKey: cursor,
      ...(limit ? { Limit: limit } : {}),
    }),
  );
  const members = (result.Items ?? []).map((item) => ({
    userId: String(item.userId),
    role: item.role === 'owner' ? ('owner' as const) : ('member' as const),
    readUpTo: Number(item.readUpTo ?? 0),
    ownLast: Number(item.ownLast ?? 0),
  }));
  return result.LastEvaluatedKey ? { members, cursor: result.LastEvaluatedKey } : { members };
}

/** Every member of a group (the index is eventually consistent: a member added a moment ago may be missing). */
export async function allGroupMembers(storage: Storage, conversationId: string): Promise<MemberState[]> {
  const members: MemberState[] = [];
  let cursor: Record<string, unknown> | undefined;
  do {
    const page = await groupMembersPage(storage, conversationId, cursor);
    members.push(...page.members);
    cursor = page.cursor;
  } while (cursor);
  return members;
}

async function raise(storage: Storage, userId: string, conversationId: string, attribute: 'readUpTo' | 'ownLast', value: number): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.memberships,
        Key: { userId, conversationId },
        UpdateExpression: 'SET #a = :v',
        ConditionExpression: 'attribute_exists(userId) AND #a < :v',
        ExpressionAttributeNames: { '#a': attribute },
        ExpressionAttributeValues: { ':v': value },
      }),
    ),
  );
}

/** Records a member's own message (monotonic). */
export const recordOwnMessage = (storage: Storage, userId: string, conversationId: string, cseq: number): Promise<boolean> =>
  raise(storage, userId, conversationId, 'ownLast', cseq);

/** Moves a member's read position up (monotonic). False when it already was there. */
export const recordGroupRead = (storage: Storage, userId: string, conversationId: string, upTo: number): Promise<boolean> =>
  raise(storage, userId, conversationId, 'readUpTo', upTo);

/** Marks rows as belonging to a large group (their connections then listen to it). */
export async function markMembershipsLarge(storage: Storage, conversationId: string, userIds: readonly string[]): Promise<void> {
  await Promise.all(
    userIds.map((userId) =>
      writeIfConditionHolds(() =>
        storage.db.send(
          new UpdateCommand({
            TableName: storage.tables.memberships,
            Key: { userId, conversationId },
            UpdateExpression: 'SET #large = :yes',
            ConditionExpression: 'attribute_exists(userId)',
            ExpressionAttributeNames: { '#large': 'large' },
            ExpressionAttributeValues: { ':yes': true },
          }),
        ),
      ),
    ),
  );
}

export async function setRole(storage: Storage, userId: string, conversationId: string, role: GroupMembership['role']): Promise<void> {
  await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.memberships,
        Key: { userId, conversationId },
        UpdateExpression: 'SET #role = :role',
        ConditionExpression: 'attribute_exists(userId)',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: { ':role': role },
      }),
    ),
  );
}
