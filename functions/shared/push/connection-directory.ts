import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Storage } from '../storage/tables.js';

export interface UserConnection {
  connectionId: string;
  userId: string;
  deviceId: string;
  expiresAt: number;
}

/**
 * The live connections of each user, through the by-user index (one query per user, no scan).
 * Records past their expiry belong to connections that died without `$disconnect`; DynamoDB's
 * TTL deletes them eventually, readers ignore them now.
 */
export async function connectionsOf(storage: Storage, userIds: readonly string[], now: number): Promise<UserConnection[]> {
  const nowSeconds = Math.floor(now / 1000);
  const perUser = await Promise.all(
    [...new Set(userIds)].map(async (userId) => {
      const result = await storage.db.send(
        new QueryCommand({
          TableName: storage.tables.connections,
          IndexName: storage.tables.connectionsByUser,
          KeyConditionExpression: 'userId = :u',
          ExpressionAttributeValues: { ':u': userId },
        }),
      );
      return ((result.Items ?? []) as UserConnection[]).filter((connection) => Number(connection.expiresAt) > nowSeconds);
    }),
  );
  return perUser.flat();
}
