import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Storage } from '../storage/tables.js';
import { addListeners, LISTENER_TTL_SECONDS, removeListener } from './group-listeners.js';

/** The large groups a user belongs to (their rows carry `large` once the group switched). */
async function largeGroupsOf(storage: Storage, userId: string): Promise<string[]> {
  const groups: string[] = [];
  let exclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const result = await storage.db.send(
      new QueryCommand({
        TableName: storage.tables.memberships,
        KeyConditionExpression: 'userId = :u',
        FilterExpression: '#large = :yes',
        ExpressionAttributeNames: { '#large': 'large' },
        ExpressionAttributeValues: { ':u': userId, ':yes': true },
        ProjectionExpression: 'conversationId',
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    groups.push(...(result.Items ?? []).map((item) => String(item.conversationId)));
    exclusiveStartKey = result.LastEvaluatedKey;
  } while (exclusiveStartKey);
  return groups;
}

/** Subscribes a new connection to its user's large groups; returns them (kept on the connection). */
export async function listenOnConnect(storage: Storage, userId: string, connectionId: string, now: number): Promise<string[]> {
  const groups = await largeGroupsOf(storage, userId);
  const expiresAt = Math.floor(now / 1000) + LISTENER_TTL_SECONDS;
  await addListeners(storage, groups.map((conversationId) => ({ conversationId, connectionId, userId, expiresAt })));
  return groups;
}

export async function stopListening(storage: Storage, connectionId: string, groups: readonly string[]): Promise<void> {
  await Promise.all(groups.map((conversationId) => removeListener(storage, conversationId, connectionId)));
}
