import { DeleteCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A connection record lives this long after the last sign of life. Clients ping at least every
 * 5 minutes (API Gateway closes a connection idle for 10), so a record older than this belongs
 * to a connection whose `$disconnect` never arrived; readers ignore it and DynamoDB TTL deletes it.
 */
// CONNECTION_TTL_SECONDS in the environment shortens it (tests).
export const CONNECTION_TTL_SECONDS = Number(process.env.CONNECTION_TTL_SECONDS ?? 15 * 60);

export interface ConnectionRecord {
  connectionId: string;
  userId: string;
  deviceId: string;
  connectedAt: number;
  lastSeenAt: number;
  /** Epoch seconds (DynamoDB TTL). */
  expiresAt: number;
  /** Large groups this connection listens to, so `$disconnect` can unsubscribe it. */
  largeGroups?: string[];
}

export interface ConnectionStoreDeps {
  db: DynamoDBDocumentClient;
  tableName: string;
}

const expiryFrom = (nowMs: number): number => Math.floor(nowMs / 1000) + CONNECTION_TTL_SECONDS;

export async function saveConnection(
  deps: ConnectionStoreDeps,
  connection: Omit<ConnectionRecord, 'expiresAt' | 'lastSeenAt'>,
): Promise<void> {
  const record: ConnectionRecord = {
    ...connection,
    lastSeenAt: connection.connectedAt,
    expiresAt: expiryFrom(connection.connectedAt),
  };
  await deps.db.send(new PutCommand({ TableName: deps.tableName, Item: record }));
}

/** Deletes the record; returns what it held (undefined if it was gone already). */
export async function removeConnection(deps: ConnectionStoreDeps, connectionId: string): Promise<ConnectionRecord | undefined> {
  const result = await deps.db.send(new DeleteCommand({ TableName: deps.tableName, Key: { connectionId }, ReturnValues: 'ALL_OLD' }));
  return result.Attributes as ConnectionRecord | undefined;
}

/** Records a heartbeat. Does nothing for a connection that was already removed. */
export async function touchConnection(deps: ConnectionStoreDeps, connectionId: string, nowMs: number): Promise<void> {
  try {
    await deps.db.send(
      new UpdateCommand({
        TableName: deps.tableName,
        Key: { connectionId },
        UpdateExpression: 'SET lastSeenAt = :now, expiresAt = :expiresAt',
        ConditionExpression: 'attribute_exists(connectionId)',
        ExpressionAttributeValues: { ':now': nowMs, ':expiresAt': expiryFrom(nowMs) },
      }),
    );
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
  }
}
