import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from './batch.js';
import { queryPage } from './query.js';
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

export const LISTENER_TTL_SECONDS = 2 * 60 * 60 + 10 * 60;

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
