import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from './batch.js';
import { CONNECTION_TTL_SECONDS } from './connections.js';
import { queryAll, queryPage } from './query.js';
import type { Storage } from './storage.js';

/**
 * The GroupListeners table, key `conversationId` + `connectionId`: a live connection of a large
 * group's member. Read fan-out pushes `groupMessage` to these instead of looking up every member.
 * API Gateway closes every connection within 2 hours, so a listener never needs to outlive that;
 * one whose `$disconnect` was lost answers 410 on its first push and is removed then.
 */
export interface GroupListener {
  conversationId: string;
  connectionId: string;
  userId: string;
  expiresAt: number;
}

export const LISTENER_TTL_SECONDS = CONNECTION_TTL_SECONDS;

/** The TTL of a listener written at `now` (epoch ms). */
export const listenerExpiry = (now: number): number => Math.floor(now / 1000) + LISTENER_TTL_SECONDS;

export async function addListeners(storage: Storage, listeners: readonly GroupListener[]): Promise<void> {
  await batchWriteAll(storage.db, storage.tables.groupListeners, listeners.map((Item) => ({ PutRequest: { Item: { ...Item } } })));
}

export async function removeListener(storage: Storage, conversationId: string, connectionId: string): Promise<void> {
  await storage.db.send(new DeleteCommand({ TableName: storage.tables.groupListeners, Key: { conversationId, connectionId } }));
}

/** One page of a group's listeners (read fan-out notifies a page per job). */
export async function listenersPage(
  storage: Storage,
  conversationId: string,
  cursor: Record<string, unknown> | undefined,
  limit: number,
): Promise<{ listeners: GroupListener[]; cursor?: Record<string, unknown> }> {
  const page = await queryPage<GroupListener>(
    storage,
    { TableName: storage.tables.groupListeners, KeyConditionExpression: 'conversationId = :c', ExpressionAttributeValues: { ':c': conversationId } },
    cursor,
    limit,
  );
  return page.cursor ? { listeners: page.items, cursor: page.cursor } : { listeners: page.items };
}

// ---- The live-connection directory ---------------------------------------------------------------

/**
 * Which connections of a user are open, in the same table under the partition
 * `connections#<userId>` (`#` occurs in no conversation id, so it can never be a group's
 * partition). The Connections table answers "connections of a user" only through its `byUser`
 * index, which lags; the listener set of a large group is decided by this directory instead,
 * read strongly consistently, so a `$connect` racing a membership change or the switch to read
 * fan-out is always seen by one side or the other (each writes its own fact first, then reads the
 * other's). An entry lives as long as a connection can, like a listener.
 */
const directoryKey = (userId: string): string => `connections#${userId}`;

export async function recordLiveConnection(storage: Storage, userId: string, connectionId: string, now: number): Promise<void> {
  await storage.db.send(
    new PutCommand({ TableName: storage.tables.groupListeners, Item: { conversationId: directoryKey(userId), connectionId, userId, expiresAt: listenerExpiry(now) } }),
  );
}

export async function forgetLiveConnection(storage: Storage, userId: string, connectionId: string): Promise<void> {
  await storage.db.send(new DeleteCommand({ TableName: storage.tables.groupListeners, Key: { conversationId: directoryKey(userId), connectionId } }));
}

/** The connections of `userIds` that may still be open (strongly consistent; expired entries left out). */
export async function liveConnectionsOf(storage: Storage, userIds: readonly string[], now: number): Promise<{ userId: string; connectionId: string }[]> {
  const nowSeconds = Math.floor(now / 1000);
  const perUser = await Promise.all(
    [...new Set(userIds)].map(async (userId) => {
      const entries = await queryAll<{ connectionId: string; expiresAt: number }>(storage, {
        TableName: storage.tables.groupListeners,
        KeyConditionExpression: 'conversationId = :d',
        ExpressionAttributeValues: { ':d': directoryKey(userId) },
        ProjectionExpression: 'connectionId, expiresAt',
        ConsistentRead: true,
      });
      return entries.filter((entry) => Number(entry.expiresAt) > nowSeconds).map((entry) => ({ userId, connectionId: String(entry.connectionId) }));
    }),
  );
  return perUser.flat();
}

/** Removes a user's whole directory (their erasure: no connection of theirs may be listed once they are gone). */
export async function forgetAllLiveConnections(storage: Storage, userId: string): Promise<string[]> {
  const entries = await liveConnectionsOf(storage, [userId], 0);
  await Promise.all(entries.map((entry) => forgetLiveConnection(storage, userId, entry.connectionId)));
  return entries.map((entry) => entry.connectionId);
}
