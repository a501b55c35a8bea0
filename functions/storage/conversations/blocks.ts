import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { MAX_BLOCKED_USERS } from '@serverless-im/protocol';
import type { Storage } from '../storage.js';
import { type TransactItem, writeTransaction } from '../transactions.js';
import { type DirectConversation, headKey } from './records.js';

/**
 * Where a block is kept, in three places written together by one transaction (block and unblock
 * are rare; every check of a block is on a path that reads one of these items anyway):
 *
 * - The blocker's list: a Memberships item `{userId: "blocks#<blocker>", conversationId: "users"}`
 *   with the string set `blocked` (a `#` never occurs in a user id, so it never mixes with the
 *   user's memberships). `conversations` reads it (one GetItem) to answer `blocked`; at most
 *   MAX_BLOCKED_USERS ids keep it small.
 * - The pair's direct head (Conversations, cseq 0): the string set `blockedBy` (which of the two
 *   members block the other; at most two ids). `read`, `delivered`, `typing` and `presence` read
 *   or update the head anyway, so they see the block for free.
 * - The pair's block marker (Conversations, cseq BLOCK_CSEQ, above every message): the same set,
 *   present only while it is not empty. `send` already queries the newest item above the head to
 *   find the next cseq; while a block exists that query returns the marker instead, so the check
 *   costs a direct send nothing, blocked or not.
 */
export const BLOCK_CSEQ = Number.MAX_SAFE_INTEGER;

/** Messages lie strictly between the head and the block marker. */
export const LAST_MESSAGE_CSEQ = BLOCK_CSEQ - 1;

const listKey = (userId: string) => ({ userId: `blocks#${userId}`, conversationId: 'users' });
/** The key of a user's block list (erasure deletes it, and removes an erased user from others' lists). */
export const blockListKey = listKey;
const markerKey = (conversationId: string) => ({ conversationId, cseq: BLOCK_CSEQ });

/** A stored string set (the document client gives a Set) as an array. */
const stringsOf = (value: unknown): string[] => (value instanceof Set ? [...value].map(String) : []);

/** Who of the two members blocks the other, from a stored direct head or marker. */
export const blockersOf = (item: Record<string, unknown> | undefined): string[] => stringsOf(item?.blockedBy);

/** True for the block marker (what the newest-item query of `send` returns while a block exists). */
export const isBlockMarker = (item: Record<string, unknown> | undefined): boolean => Number(item?.cseq) === BLOCK_CSEQ;

/** The users `userId` blocks. */
export async function blockedUsersOf(storage: Storage, userId: string, consistent = false): Promise<string[]> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.memberships, Key: listKey(userId), ConsistentRead: consistent }));
  return stringsOf(result.Item?.blocked);
}

/** Whether a block was recorded, or refused because the blocker's list is full. */
export type BlockOutcome = 'blocked' | 'listFull';

/**
 * Records that `blocker` blocks the other member of `conversation` (ADD to sets: a second block
 * changes nothing, so concurrent duplicates converge on one block).
 */
export async function recordBlock(storage: Storage, conversation: DirectConversation, blocker: string, blocked: string): Promise<BlockOutcome> {
  const items: TransactItem[] = [
    {
      Update: {
        TableName: storage.tables.memberships,
        Key: listKey(blocker),
        UpdateExpression: 'ADD blocked :peer',
        ConditionExpression: 'attribute_not_exists(blocked) OR contains(blocked, :peerId) OR size(blocked) < :max',
        ExpressionAttributeValues: { ':peer': new Set([blocked]), ':peerId': blocked, ':max': MAX_BLOCKED_USERS },
      },
    },
    { Update: { TableName: storage.tables.conversations, Key: headKey(conversation.id), UpdateExpression: 'ADD blockedBy :me', ExpressionAttributeValues: { ':me': new Set([blocker]) } } },
    { Update: { TableName: storage.tables.conversations, Key: markerKey(conversation.id), UpdateExpression: 'ADD blockedBy :me', ExpressionAttributeValues: { ':me': new Set([blocker]) } } },
  ];
  const outcome = await writeTransaction(storage, items);
  return outcome.applied ? 'blocked' : 'listFull';
}

/**
 * Records that `blocker` no longer blocks the other member. The marker must disappear exactly when
 * its set becomes empty (a marker left behind would make every send of the pair look blocked), so
 * the transaction either deletes it (the blocker is its only entry, or it has none) or removes the
 * blocker from it (the peer blocks too); each form is conditioned on the marker being as it
 * assumes, and a concurrent block or unblock of the peer that changed it makes the other form the
 * right one, so the loop converges.
 */
export async function recordUnblock(storage: Storage, conversation: DirectConversation, blocker: string, blocked: string): Promise<void> {
  const common: TransactItem[] = [
    { Update: { TableName: storage.tables.memberships, Key: listKey(blocker), UpdateExpression: 'DELETE blocked :peer', ExpressionAttributeValues: { ':peer': new Set([blocked]) } } },
    { Update: { TableName: storage.tables.conversations, Key: headKey(conversation.id), UpdateExpression: 'DELETE blockedBy :me', ExpressionAttributeValues: { ':me': new Set([blocker]) } } },
  ];
  const onlyMe = 'size(blockedBy) = :one AND contains(blockedBy, :meId)';
  const values = { ':one': 1, ':meId': blocker };
  const deleteMarker: TransactItem = {
    Delete: { TableName: storage.tables.conversations, Key: markerKey(conversation.id), ConditionExpression: `attribute_not_exists(blockedBy) OR (${onlyMe})`, ExpressionAttributeValues: values },
  };
  const leaveMarker: TransactItem = {
    Update: {
      TableName: storage.tables.conversations,
      Key: markerKey(conversation.id),
      UpdateExpression: 'DELETE blockedBy :me',
      ConditionExpression: `attribute_exists(blockedBy) AND NOT (${onlyMe})`,
      ExpressionAttributeValues: { ...values, ':me': new Set([blocker]) },
    },
  };
  for (let attempt = 0; attempt < 20; attempt++) {
    if ((await writeTransaction(storage, [...common, attempt % 2 === 0 ? deleteMarker : leaveMarker])).applied) return;
  }
  throw new Error(`unblock of ${conversation.id} did not settle`);
}
