import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { writeIfConditionHolds } from './conditions.js';
import type { Storage } from './storage.js';

/**
 * The Connections table: one item per open WebSocket connection (key `connectionId`), and the
 * `byUser` index (key `userId`) that finds a user's connections without a scan.
 *
 * A record is written once, at `$connect`, and lives as long as API Gateway lets the connection
 * live (2 hours) plus a margin: nothing refreshes it, so keep-alives cost no Lambda and no write.
 * `$disconnect` deletes it. AWS delivers `$disconnect` on a best-effort basis, so a record may
 * outlive its connection; every reader that must know copes: a push answers 410 and removes it,
 * `presence` and the connection cap ask API Gateway (GetConnection, connections/connection-probe.ts),
 * and DynamoDB TTL deletes what is left.
 */
/** API Gateway closes every connection after 2 hours: a token expiring later needs no sweeping, and no record outlives it by more than CONNECTION_TTL_SECONDS' margin. */
export const MAX_CONNECTION_SECONDS = 2 * 60 * 60;

/** How long a connection record (and a large group's listener entry) is kept: the connection's longest life and 10 minutes. */
export const CONNECTION_TTL_SECONDS = MAX_CONNECTION_SECONDS + 10 * 60;

export interface ConnectionRecord {
  connectionId: string;
  userId: string;
  deviceId: string;
  connectedAt: number;
  /** Epoch seconds (DynamoDB TTL): `connectedAt` + CONNECTION_TTL_SECONDS. */
  expiresAt: number;
  /** Large groups this connection listens to, so `$disconnect` can unsubscribe it. */
  largeGroups?: string[];
  /** The token's `exp` (epoch seconds), when it comes before API Gateway's 2-hour limit ends the connection anyway. */
  tokenExpiresAt?: number;
  /** `tokenExpiresAt`'s hour (epoch hours): the partition of the sparse `byTokenExpiry` index the sweeper reads. */
  expiryHour?: number;
}

/** The epoch hour a token expiry (epoch seconds) is filed under in `byTokenExpiry`. */
export const expiryHourOf = (epochSeconds: number): number => Math.floor(epochSeconds / 3600);

/** A connection whose token expired, as the `byTokenExpiry` index lists it. */
export interface ExpiringConnection {
  connectionId: string;
  userId: string;
  connectedAt: number;
  tokenExpiresAt: number;
}

/** A live connection as the by-user index returns it. */
export interface UserConnection {
  connectionId: string;
  userId: string;
  deviceId: string;
  expiresAt: number;
}

const expiryFrom = (nowMs: number): number => Math.floor(nowMs / 1000) + CONNECTION_TTL_SECONDS;

export async function saveConnection(storage: Storage, connection: Omit<ConnectionRecord, 'expiresAt' | 'expiryHour'>): Promise<void> {
  const { tokenExpiresAt, ...rest } = connection;
  // Sparse: only a token that expires while the connection can still be open enters the index.
  const swept = tokenExpiresAt !== undefined && tokenExpiresAt < Math.floor(connection.connectedAt / 1000) + MAX_CONNECTION_SECONDS;
  const record: ConnectionRecord = {
    ...rest,
    expiresAt: expiryFrom(connection.connectedAt),
    ...(swept ? { tokenExpiresAt, expiryHour: expiryHourOf(tokenExpiresAt) } : {}),
  };
  await storage.db.send(new PutCommand({ TableName: storage.tables.connections, Item: record }));
}

/** Deletes the record; returns what it held (undefined if it was gone already). */
export async function removeConnection(storage: Storage, connectionId: string): Promise<ConnectionRecord | undefined> {
  const result = await storage.db.send(new DeleteCommand({ TableName: storage.tables.connections, Key: { connectionId }, ReturnValues: 'ALL_OLD' }));
  return result.Attributes as ConnectionRecord | undefined;
}

/**
 * Deletes the record of a connection that answered 410, unless it opened after `openedBefore`:
 * API Gateway answers 410 to pushes while `$connect` still runs, and that brand-new record must
 * stay. Returns whether the connection is now forgotten.
 */
export async function removeGoneConnection(storage: Storage, connectionId: string, openedBefore: number): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new DeleteCommand({
        TableName: storage.tables.connections,
        Key: { connectionId },
        // A record already gone counts as removed: the caller forgets the connection elsewhere too.
        ConditionExpression: 'attribute_not_exists(connectionId) OR connectedAt < :openedBefore',
        ExpressionAttributeValues: { ':openedBefore': openedBefore },
      }),
    ),
  );
}

/**
 * Brings a record written by an earlier version (which expired 30 minutes after the last `ping`)
 * up to this version's lifetime, counted from `connectedAt`: a client that still pings keeps its
 * connection reachable across the upgrade. A record already there is left alone (the condition
 * fails: one write unit, no index write); a removed one stays removed.
 */
export async function extendConnection(storage: Storage, connectionId: string, connectedAt: number): Promise<void> {
  const expiresAt = expiryFrom(connectedAt);
  await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.connections,
        Key: { connectionId },
        UpdateExpression: 'SET expiresAt = :expiresAt',
        ConditionExpression: 'attribute_exists(connectionId) AND expiresAt < :expiresAt',
        ExpressionAttributeValues: { ':expiresAt': expiresAt },
      }),
    ),
  );
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

/**
 * How many live connections `userId` has, by the by-user index: a COUNT query (it reads the keys
 * and the two projected attributes of the user's entries, one read unit per 4 KB, usually 0.5;
 * nothing is returned). The index is eventually consistent: a connection opened or closed in the
 * last moment may be missing or still counted.
 */
export async function countConnectionsOf(storage: Storage, userId: string, now: number): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const result = await storage.db.send(
      new QueryCommand({
        TableName: storage.tables.connections,
        IndexName: storage.tables.connectionsByUser,
        KeyConditionExpression: 'userId = :u',
        FilterExpression: 'expiresAt > :now',
        ExpressionAttributeValues: { ':u': userId, ':now': Math.floor(now / 1000) },
        Select: 'COUNT',
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    count += result.Count ?? 0;
    start = result.LastEvaluatedKey;
  } while (start);
  return count;
}

/**
 * The connections whose token expired by `nowSeconds`, from the sparse `byTokenExpiry` index
 * (partition: the expiry's epoch hour, sort: `tokenExpiresAt`). A live connection is at most
 * 2 hours old and its token was valid when it connected, so its expiry lies within the last
 * 2 hours: three partitions (this hour and the two before) hold every one there can be. A closed
 * connection leaves the index with its record (`$disconnect`), so each query returns only the
 * expired connections still open (or whose `$disconnect` was lost): usually none, half a read unit.
 */
export async function expiredConnections(storage: Storage, nowSeconds: number, limit = 1000): Promise<ExpiringConnection[]> {
  const hour = expiryHourOf(nowSeconds);
  const found: ExpiringConnection[] = [];
  for (const expiryHour of [hour - 2, hour - 1, hour]) {
    let start: Record<string, unknown> | undefined;
    do {
      const result = await storage.db.send(
        new QueryCommand({
          TableName: storage.tables.connections,
          IndexName: storage.tables.connectionsByTokenExpiry ?? 'byTokenExpiry',
          KeyConditionExpression: 'expiryHour = :h AND tokenExpiresAt <= :now',
          ExpressionAttributeValues: { ':h': expiryHour, ':now': nowSeconds },
          Limit: limit - found.length,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      found.push(...((result.Items ?? []) as ExpiringConnection[]));
      start = result.LastEvaluatedKey;
    } while (start && found.length < limit);
    if (found.length >= limit) break;
  }
  return found;
}
