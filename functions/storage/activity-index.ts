import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from './batch.js';
import { writeIfConditionHolds } from './conditions.js';
import type { MembershipRecord } from './memberships.js';
import { queryAll } from './query.js';
import type { Storage } from './storage.js';

/**
 * Two sparse indexes of the Memberships table that make `conversations` pages and `read` cost the
 * same whatever the number of conversations (docs/data-model.md, "Conversation list"):
 *
 * - `byActivity` (key `userId` + `activity`, keys only): a user's conversations, newest activity
 *   first. `activity` (epoch ms) is set when the row is created (`joinedAt`) and raised lazily by
 *   the list's catch-up from the user's own timeline (`catch-up.ts`), never by the message path.
 * - `byUnread` (key `unreadOf` + `conversationId`, keys only): the conversations that may have
 *   unread messages. The catch-up sets `unreadOf` (= userId) and `ADD unreadGen 1` on a row when
 *   a message from someone else reaches the user's timeline; `read` removes it once the
 *   conversation has nothing unread, only if `unreadGen` is still what it read (a flag raised
 *   meanwhile stays). A large group's rows carry it as long as they are large (their messages
 *   never reach a timeline). A flag that stays on a read conversation only costs a head read.
 *
 * Under the partition `listed#<userId>` (a `#` is in no user id): `mark`, the timeline seq up to
 * which the catch-up applied the user's timeline (`upTo`, monotonic).
 */
export const BY_ACTIVITY_INDEX = 'byActivity';
export const BY_UNREAD_INDEX = 'byUnread';

/** The key of a user's catch-up mark (erasure deletes it with the user's other items). */
export const catchUpMarkKey = (userId: string) => ({ userId: `listed#${userId}`, conversationId: 'mark' });
const markKey = catchUpMarkKey;

/**
 * Where a page ended: the activity of its last row and the ids of the rows of that very activity
 * it returned (the index orders rows of equal activity in no defined order, so ties are named).
 */
export type ActivityCursor = { activity: number; ids: string[] };

/** One page of the user's conversation ids, newest activity first, after `cursor` (exclusive). */
export async function conversationsByActivity(
  storage: Storage,
  userId: string,
  limit: number,
  cursor?: ActivityCursor,
): Promise<{ rows: { conversationId: string; activity: number }[]; more: boolean }> {
  const skip = new Set(cursor?.ids ?? []);
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.memberships,
      IndexName: storage.tables.membershipsByActivity ?? BY_ACTIVITY_INDEX,
      KeyConditionExpression: cursor ? 'userId = :u AND activity <= :a' : 'userId = :u',
      ExpressionAttributeValues: cursor ? { ':u': userId, ':a': cursor.activity } : { ':u': userId },
      ScanIndexForward: false,
      // One more than the page tells whether there is more; the cursor's ties come again and are skipped.
      Limit: limit + skip.size + 1,
    }),
  );
  const items = (result.Items ?? []).map((item) => ({ conversationId: String(item.conversationId), activity: Number(item.activity) }));
  const after = cursor ? items.filter((row) => row.activity < cursor.activity || !skip.has(row.conversationId)) : items;
  const more = after.length > limit || result.LastEvaluatedKey !== undefined;
  return { rows: after.slice(0, limit), more };
}

/** The rows of these conversations of the user (eventually consistent), keyed by conversationId. */
export async function membershipRows(storage: Storage, userId: string, conversationIds: readonly string[], consistent = false): Promise<Map<string, MembershipRecord>> {
  const rows = await batchGetAll(
    storage.db,
    storage.tables.memberships,
    conversationIds.map((conversationId) => ({ userId, conversationId })),
    consistent ? { consistent } : {},
  );
  return new Map(rows.map((row) => [String(row.conversationId), row as unknown as MembershipRecord]));
}

/** The conversation ids flagged in `byUnread` for the user (may have unread; large groups always). */
export async function flaggedUnread(storage: Storage, userId: string): Promise<string[]> {
  const rows = await queryAll<{ conversationId: string }>(storage, {
    TableName: storage.tables.memberships,
    IndexName: storage.tables.membershipsByUnread ?? BY_UNREAD_INDEX,
    KeyConditionExpression: 'unreadOf = :u',
    ExpressionAttributeValues: { ':u': userId },
  });
  return rows.map((row) => String(row.conversationId));
}

/** How far the catch-up applied the user's timeline (0 before the first list). */
export async function catchUpMark(storage: Storage, userId: string): Promise<number> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.memberships, Key: markKey(userId) }));
  return Number(result.Item?.upTo ?? 0);
}

/** Moves the catch-up mark up to `upTo` (monotonic; a concurrent catch-up that got further wins). */
export async function advanceCatchUpMark(storage: Storage, userId: string, upTo: number): Promise<void> {
  await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.memberships,
        Key: markKey(userId),
        UpdateExpression: 'SET upTo = :v',
        ConditionExpression: 'attribute_not_exists(upTo) OR upTo < :v',
        ExpressionAttributeValues: { ':v': upTo },
      }),
    ),
  );
}

/**
 * Applies what the catch-up found for one conversation: raises `activity` to `ts` (never down),
 * and with `unread`, flags the row in `byUnread`. Rows that do not exist (a group left since)
 * stay absent. The flag is raised even when another catch-up raised `activity` further already
 * (timeline order is not timestamp order), at the price of a second write in that case only.
 */
export async function raiseActivity(storage: Storage, userId: string, conversationId: string, ts: number, unread: boolean): Promise<void> {
  const key = { userId, conversationId };
  const raised = await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.memberships,
        Key: key,
        UpdateExpression: unread ? 'SET activity = :ts, unreadOf = :u ADD unreadGen :one' : 'SET activity = :ts',
        ConditionExpression: 'attribute_exists(userId) AND (attribute_not_exists(activity) OR activity < :ts)',
        ExpressionAttributeValues: unread ? { ':ts': ts, ':u': userId, ':one': 1 } : { ':ts': ts },
      }),
    ),
  );
  if (raised || !unread) return;
  await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.memberships,
        Key: key,
        UpdateExpression: 'SET unreadOf = :u ADD unreadGen :one',
        ConditionExpression: 'attribute_exists(userId)',
        ExpressionAttributeValues: { ':u': userId, ':one': 1 },
      }),
    ),
  );
}

/**
 * Takes a read conversation out of `byUnread`, only if no catch-up flagged it since the row was
 * read (`unreadGen` unchanged) and it is not a large group. False when the condition refused.
 */
export const clearUnreadFlag = (storage: Storage, userId: string, conversationId: string, seenGen: number): Promise<boolean> =>
  writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.memberships,
        Key: { userId, conversationId },
        UpdateExpression: 'REMOVE unreadOf',
        ConditionExpression: seenGen > 0 ? 'attribute_exists(unreadOf) AND unreadGen = :g AND attribute_not_exists(#large)' : 'attribute_exists(unreadOf) AND attribute_not_exists(unreadGen) AND attribute_not_exists(#large)',
        ExpressionAttributeNames: { '#large': 'large' },
        ...(seenGen > 0 ? { ExpressionAttributeValues: { ':g': seenGen } } : {}),
      }),
    ),
  );
