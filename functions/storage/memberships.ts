import { GetCommand, type QueryCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { GroupRole } from '@serverless-im/protocol';
import type { PendingEvent } from './conversations/records.js';
import { batchGetAll, batchWriteAll } from './batch.js';
import { isConditionalCheckFailed, itemOfConditionFailure, writeIfConditionHolds } from './conditions.js';
import { queryAll, queryPage } from './query.js';
import type { Storage } from './storage.js';
import type { TransactItem } from './transactions.js';

/**
 * The Memberships table, key `userId` + `conversationId`: a row per conversation a user is in (what
 * `conversations` lists). Group rows also carry `groupId` (= conversationId), which puts them in
 * the sparse `byGroup` index (key `groupId`, `userId`): a group's members with their read state,
 * for fan-out and read receipts.
 */
export interface MembershipRecord {
  userId: string;
  conversationId: string;
  kind: 'direct' | 'group';
  /** Direct conversations: the other member. */
  peer?: string;
  joinedAt: number;
  /**
   * The highest cseq the user hid with `deleteForMe` (monotonic). The newest message is hidden
   * exactly when it equals the newest cseq, so `conversations` marks a hidden last message from
   * the row it reads anyway, without reading the hidden sets.
   */
  hiddenMax?: number;
  /** The user muted offline notifications of this conversation until then (epoch ms). */
  mutedUntil?: number;
}

/** A user's row for a group. */
export interface GroupMembership extends MembershipRecord {
  groupId: string;
  kind: 'group';
  role: GroupRole;
  /** The last `setRole` of this member's system item, written with the role (see PendingEvent). */
  roleEvent?: PendingEvent;
  /** Explicit read position (cseq). Starts at the group's last cseq when the member joins. */
  readUpTo: number;
  /** cseq of the member's newest own message (sending marks everything before it read). */
  ownLast: number;
  /** How far a device of the member has received (cseq; monotonic). Absent until the first receipt. */
  deliveredUpTo?: number;
  /** Set once the group is delivered by read fan-out: the member's connections listen to it. */
  large?: boolean;
}

/** A member as the byGroup index returns them. */
export interface MemberState {
  userId: string;
  role: GroupRole;
  readUpTo: number;
  ownLast: number;
  deliveredUpTo: number;
}

/**
 * A new row as stored: in `byActivity` from its `joinedAt` and, for a large group, in `byUnread`
 * for as long as it is large (storage/activity-index.ts).
 */
const indexed = <T extends MembershipRecord>(row: T): T & { activity: number; unreadOf?: string } => ({
  ...row,
  activity: row.joinedAt,
  ...((row as Partial<GroupMembership>).large ? { unreadOf: row.userId } : {}),
});

const putRequests = (rows: readonly object[]) => rows.map((Item) => ({ PutRequest: { Item: { ...Item } as Record<string, unknown> } }));

/** Lists both members of a direct conversation (idempotent puts). */
export async function putDirectMemberships(storage: Storage, conversationId: string, members: readonly [string, string], now: number): Promise<void> {
  const [a, b] = members;
  const rows: MembershipRecord[] = [
    { userId: a, conversationId, kind: 'direct', peer: b, joinedAt: now },
    { userId: b, conversationId, kind: 'direct', peer: a, joinedAt: now },
  ];
  await batchWriteAll(storage.db, storage.tables.memberships, putRequests(rows.map(indexed)));
}

export async function getMembership(storage: Storage, userId: string, conversationId: string, consistent = false): Promise<MembershipRecord | undefined> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.memberships, Key: { userId, conversationId }, ConsistentRead: consistent }));
  return result.Item as MembershipRecord | undefined;
}

/** Every conversation of the user. */
export const listMemberships = (storage: Storage, userId: string): Promise<MembershipRecord[]> =>
  queryAll<MembershipRecord>(storage, {
    TableName: storage.tables.memberships,
    KeyConditionExpression: 'userId = :u',
    ExpressionAttributeValues: { ':u': userId },
  });

/** Which of `userIds` have a row for at least one of `conversationIds` (one batch get of every pair). */
export async function membersAmong(storage: Storage, userIds: readonly string[], conversationIds: readonly string[]): Promise<Set<string>> {
  const keys = userIds.flatMap((userId) => conversationIds.map((conversationId) => ({ userId, conversationId })));
  const rows = await batchGetAll(storage.db, storage.tables.memberships, keys, { projection: 'userId' });
  return new Set(rows.map((row) => String(row.userId)));
}

/** Which of `userIds` have a row for at least one of `conversationIds` (one query of each user's rows). */
export async function membershipsOfUsers(storage: Storage, userIds: readonly string[], conversationIds: ReadonlySet<string>): Promise<Set<string>> {
  const found = await Promise.all(
    userIds.map(async (userId) => {
      const rows = await queryAll<{ conversationId: string }>(storage, {
        TableName: storage.tables.memberships,
        KeyConditionExpression: 'userId = :u',
        ExpressionAttributeValues: { ':u': userId },
        ProjectionExpression: 'conversationId',
      });
      return rows.some((row) => conversationIds.has(String(row.conversationId))) ? [userId] : [];
    }),
  );
  return new Set(found.flat());
}

/** The large groups a user belongs to (their rows carry `large` once the group switched), strongly consistent. */
export async function largeGroupsOf(storage: Storage, userId: string): Promise<string[]> {
  const rows = await queryAll<{ conversationId: string }>(storage, {
    TableName: storage.tables.memberships,
    KeyConditionExpression: 'userId = :u',
    FilterExpression: '#large = :yes',
    ExpressionAttributeNames: { '#large': 'large' },
    ExpressionAttributeValues: { ':u': userId, ':yes': true },
    ProjectionExpression: 'conversationId',
    // A `$connect` decides its listeners by this read: it must see a switch or a removal that
    // finished before it (functions/listeners/large-group-listeners.ts).
    ConsistentRead: true,
  });
  return rows.map((row) => String(row.conversationId));
}

/** A new group's rows, with the items that go with them (its roster entries). */
export async function putGroupMemberships(storage: Storage, rows: readonly GroupMembership[], companions: readonly object[] = []): Promise<void> {
  await batchWriteAll(storage.db, storage.tables.memberships, putRequests([...rows.map(indexed), ...companions]));
}

/** In a transaction: adds a member's row, only if the user is not a member yet. */
export const joinTransactItem = (storage: Storage, row: GroupMembership): TransactItem => ({
  Put: { TableName: storage.tables.memberships, Item: indexed(row), ConditionExpression: 'attribute_not_exists(userId)' },
});

/**
 * In a transaction: removes a member's row, only if the user is a member of that group and not its
 * owner (the owner leaves only after handing the group over, so a group never loses its owner);
 * with `onlyMembers` (an admin removing), only a plain member.
 */
export const leaveTransactItem = (storage: Storage, userId: string, conversationId: string, onlyMembers = false): TransactItem => ({
  Delete: {
    TableName: storage.tables.memberships,
    Key: { userId, conversationId },
    ConditionExpression: onlyMembers
      ? 'attribute_exists(userId) AND kind = :group AND #role = :member'
      : 'attribute_exists(userId) AND kind = :group AND (attribute_not_exists(#role) OR #role <> :owner)',
    ExpressionAttributeNames: { '#role': 'role' },
    ExpressionAttributeValues: onlyMembers ? { ':group': 'group', ':member': 'member' } : { ':group': 'group', ':owner': 'owner' },
  },
});

/** The roles of those of `userIds` who are members of the group (strongly consistent). */
export async function memberRoles(storage: Storage, conversationId: string, userIds: readonly string[]): Promise<Map<string, GroupRole>> {
  const keys = [...new Set(userIds)].map((userId) => ({ userId, conversationId }));
  const rows = await batchGetAll(storage.db, storage.tables.memberships, keys, { consistent: true, projection: 'userId, #role', names: { '#role': 'role' } });
  return new Map(rows.map((row) => [String(row.userId), roleOf(row.role)]));
}

/** A stored role (rows from before admins existed hold only `owner` or `member`). */
export const roleOf = (value: unknown): GroupRole => (value === 'owner' || value === 'admin' ? value : 'member');

/** Which of `userIds` are members of the group right now (strongly consistent, on the table). */
export async function existingMembers(storage: Storage, conversationId: string, userIds: readonly string[]): Promise<Set<string>> {
  const keys = [...new Set(userIds)].map((userId) => ({ userId, conversationId }));
  const rows = await batchGetAll(storage.db, storage.tables.memberships, keys, { consistent: true, projection: 'userId' });
  return new Set(rows.map((row) => String(row.userId)));
}

const memberStateOf = (item: Record<string, unknown>): MemberState => ({
  userId: String(item.userId),
  role: roleOf(item.role),
  readUpTo: Number(item.readUpTo ?? 0),
  ownLast: Number(item.ownLast ?? 0),
  deliveredUpTo: Number(item.deliveredUpTo ?? 0),
});

const byGroupQuery = (storage: Storage, conversationId: string): QueryCommandInput => ({
  TableName: storage.tables.memberships,
  IndexName: storage.tables.membershipsByGroup,
  KeyConditionExpression: 'groupId = :g',
  ExpressionAttributeValues: { ':g': conversationId },
});

/** One page of a group's members, in user id order (for work split into jobs). */
export async function groupMembersPage(
  storage: Storage,
  conversationId: string,
  cursor?: Record<string, unknown>,
  limit?: number,
): Promise<{ members: MemberState[]; cursor?: Record<string, unknown> }> {
  const page = await queryPage<Record<string, unknown>>(storage, byGroupQuery(storage, conversationId), cursor, limit);
  const members = page.items.map(memberStateOf);
  return page.cursor ? { members, cursor: page.cursor } : { members };
}

/** Every member of a group (the index is eventually consistent: a member added a moment ago may be missing). */
export async function allGroupMembers(storage: Storage, conversationId: string): Promise<MemberState[]> {
  return (await queryAll<Record<string, unknown>>(storage, byGroupQuery(storage, conversationId))).map(memberStateOf);
}

/**
 * Sets one attribute of an existing row (a row removed meanwhile stays removed); with `onlyUp`, only
 * when that moves it up (read positions are monotonic). False when the condition refused it.
 */
async function updateExisting(
  storage: Storage,
  userId: string,
  conversationId: string,
  attribute: string,
  value: unknown,
  { onlyUp = false, orAbsent = false } = {},
): Promise<boolean> {
  const raise = orAbsent ? '(attribute_not_exists(#a) OR #a < :v)' : '#a < :v';
  return writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.memberships,
        Key: { userId, conversationId },
        UpdateExpression: 'SET #a = :v',
        ConditionExpression: onlyUp ? `attribute_exists(userId) AND ${raise}` : 'attribute_exists(userId)',
        ExpressionAttributeNames: { '#a': attribute },
        ExpressionAttributeValues: { ':v': value },
      }),
    ),
  );
}

/** Records a member's own message (monotonic). */
export const recordOwnMessage = (storage: Storage, userId: string, conversationId: string, cseq: number): Promise<boolean> =>
  updateExisting(storage, userId, conversationId, 'ownLast', cseq, { onlyUp: true });

/** Raises the highest cseq the user hid in the conversation (monotonic; not projected into `byGroup`, so 1 WRU). */
export const recordHiddenMax = (storage: Storage, userId: string, conversationId: string, cseq: number): Promise<boolean> =>
  updateExisting(storage, userId, conversationId, 'hiddenMax', cseq, { onlyUp: true, orAbsent: true });

/** Moves a member's read position up (monotonic). False when it already was there. */
export const recordGroupRead = (storage: Storage, userId: string, conversationId: string, upTo: number): Promise<boolean> =>
  updateExisting(storage, userId, conversationId, 'readUpTo', upTo, { onlyUp: true });

/** Marks rows as belonging to a large group (their connections then listen to it). */
export async function markMembershipsLarge(storage: Storage, conversationId: string, userIds: readonly string[]): Promise<void> {
  // `unreadOf` puts the row in `byUnread` for good: a large group's messages reach no timeline.
  await Promise.all(
    userIds.map((userId) =>
      writeIfConditionHolds(() =>
        storage.db.send(
          new UpdateCommand({
            TableName: storage.tables.memberships,
            Key: { userId, conversationId },
            UpdateExpression: 'SET #large = :yes, unreadOf = :u',
            ConditionExpression: 'attribute_exists(userId)',
            ExpressionAttributeNames: { '#large': 'large' },
            ExpressionAttributeValues: { ':yes': true, ':u': userId },
          }),
        ),
      ),
    ),
  );
}

export async function setRole(storage: Storage, userId: string, conversationId: string, role: GroupMembership['role']): Promise<void> {
  await updateExisting(storage, userId, conversationId, 'role', role);
}

/**
 * Sets or clears (`null`) the user's mute of a conversation on their existing row. False when the
 * user has no row for it (a direct conversation before its first message).
 */
export async function setMutedUntil(storage: Storage, userId: string, conversationId: string, until: number | null): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.memberships,
        Key: { userId, conversationId },
        UpdateExpression: until === null ? 'REMOVE mutedUntil' : 'SET mutedUntil = :until',
        ConditionExpression: 'attribute_exists(userId)',
        ...(until === null ? {} : { ExpressionAttributeValues: { ':until': until } }),
      }),
    ),
  );
}

/**
 * Moves a member's delivered position up to `upTo` (monotonic, one conditional update). Answers
 * where it was before, or undefined when the user has no row for the group (not a member).
 */
export async function recordGroupDelivered(storage: Storage, userId: string, conversationId: string, upTo: number): Promise<{ advanced: boolean; before: number; after: number } | undefined> {
  try {
    const result = await storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.memberships,
        Key: { userId, conversationId },
        UpdateExpression: 'SET deliveredUpTo = :v',
        ConditionExpression: 'attribute_exists(userId) AND kind = :group AND (attribute_not_exists(deliveredUpTo) OR deliveredUpTo < :v)',
        ExpressionAttributeValues: { ':v': upTo, ':group': 'group' },
        ReturnValues: 'UPDATED_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return { advanced: true, before: Number(result.Attributes?.deliveredUpTo ?? 0), after: upTo };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    const row = itemOfConditionFailure<{ kind?: string; deliveredUpTo?: number }>(error);
    if (row?.kind !== 'group') return undefined;
    const before = Number(row.deliveredUpTo ?? 0);
    return { advanced: false, before, after: before };
  }
}
