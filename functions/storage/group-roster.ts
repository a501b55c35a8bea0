import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { GroupHead } from './conversations/records.js';
import { allGroupMembers, groupMembersPage } from './memberships.js';
import { queryAll, queryPage } from './query.js';
import type { Storage } from './storage.js';
import type { TransactItem } from './transactions.js';

/**
 * A group's member list on the base table: Memberships items under the partition
 * `roster#<groupId>` with the member's user id as sort key (a `#` never occurs in a user id, so
 * no user's `conversations` reads them; they carry no `groupId`, so `byGroup` does not list them).
 *
 * Why it exists next to the `byGroup` index: a global secondary index is only eventually
 * consistent, so a member added just before a send could miss that message forever and one
 * removed just before could still get it. The paths that decide who receives something (fan-out
 * of messages, changes and membership events, the large-group switch) read this partition with a
 * strongly consistent query instead. Each entry is written in the same transaction as the
 * member's own row, so the two never disagree.
 *
 * Groups created before the roster existed have no `roster` flag on their head and are read from
 * the index as before.
 */
const rosterPartition = (groupId: string): string => `roster#${groupId}`;

const rosterKey = (groupId: string, userId: string) => ({ userId: rosterPartition(groupId), conversationId: userId });

/** In a transaction: the roster entry of a member who joins. */
export const rosterJoinTransactItem = (storage: Storage, groupId: string, userId: string): TransactItem => ({
  Put: { TableName: storage.tables.memberships, Item: rosterKey(groupId, userId) },
});

/** In a transaction: removes the roster entry of a member who leaves. */
export const rosterLeaveTransactItem = (storage: Storage, groupId: string, userId: string): TransactItem => ({
  Delete: { TableName: storage.tables.memberships, Key: rosterKey(groupId, userId) },
});

/** The roster entries of a new group's members (written with their rows). */
export const rosterItems = (groupId: string, userIds: readonly string[]): Record<string, unknown>[] => userIds.map((userId) => rosterKey(groupId, userId));

const rosterQuery = (storage: Storage, groupId: string): QueryCommandInput => ({
  TableName: storage.tables.memberships,
  KeyConditionExpression: 'userId = :p',
  ExpressionAttributeValues: { ':p': rosterPartition(groupId) },
  ConsistentRead: true,
});

const memberOf = (entry: { conversationId: unknown }): string => String(entry.conversationId);

/** One page of the roster, in user id order, strongly consistent (for work split into jobs). */
export async function rosterPage(storage: Storage, groupId: string, cursor?: Record<string, unknown>, limit?: number): Promise<{ userIds: string[]; cursor?: Record<string, unknown> }> {
  const page = await queryPage<{ conversationId: unknown }>(storage, rosterQuery(storage, groupId), cursor, limit);
  return { userIds: page.items.map(memberOf), ...(page.cursor ? { cursor: page.cursor } : {}) };
}

/** Every member of the group right now (strongly consistent). */
export async function groupRoster(storage: Storage, groupId: string): Promise<string[]> {
  return (await queryAll<{ conversationId: unknown }>(storage, rosterQuery(storage, groupId))).map(memberOf);
}

type GroupRef = Pick<GroupHead, 'conversationId' | 'roster'>;

/**
 * The members who receive what is delivered to a group now. Read from the group's roster with a
 * strongly consistent query, so a member added (or removed) just before is counted in (or out);
 * groups created before the roster existed fall back to the eventually consistent `byGroup` index.
 */
export async function currentMembers(storage: Storage, group: GroupRef): Promise<string[]> {
  if (group.roster) return groupRoster(storage, group.conversationId);
  return (await allGroupMembers(storage, group.conversationId)).map((member) => member.userId);
}

/** One page of `currentMembers`, for work split into jobs (the cursor belongs to the source it came from). */
export async function currentMembersPage(
  storage: Storage,
  group: GroupRef,
  cursor: Record<string, unknown> | undefined,
  limit: number,
): Promise<{ userIds: string[]; cursor?: Record<string, unknown> }> {
  if (group.roster) return rosterPage(storage, group.conversationId, cursor, limit);
  const page = await groupMembersPage(storage, group.conversationId, cursor, limit);
  return { userIds: page.members.map((member) => member.userId), ...(page.cursor ? { cursor: page.cursor } : {}) };
}
