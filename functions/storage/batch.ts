import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

type Key = Record<string, unknown>;
type WriteRequest = { PutRequest: { Item: Record<string, unknown> } } | { DeleteRequest: { Key: Key } };

const pause = (attempt: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.min(1000, 20 * 2 ** attempt)));

/**
 * BatchGetItem over any number of keys: 100 per call, and the keys DynamoDB leaves unprocessed
 * (throttling, 16 MB) asked again with backoff, so no caller can silently miss items.
 */
export async function batchGetAll(
  db: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Key[],
  options: { consistent?: boolean; projection?: string; names?: Record<string, string> } = {},
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  let pending = [...keys];
  for (let attempt = 0; pending.length > 0; attempt++) {
    const batch = pending.slice(0, 100);
    pending = pending.slice(100);
    const result = await db.send(
      new BatchGetCommand({
        RequestItems: {
          [tableName]: {
            Keys: batch,
            ...(options.consistent ? { ConsistentRead: true } : {}),
            ...(options.projection ? { ProjectionExpression: options.projection } : {}),
            ...(options.names ? { ExpressionAttributeNames: options.names } : {}),
          },
        },
      }),
    );
    found.push(...(result.Responses?.[tableName] ?? []));
    const unprocessed = (result.UnprocessedKeys?.[tableName]?.Keys ?? []) as Key[];
    if (unprocessed.length > 0) {
      pending = [...unprocessed, ...pending];
      await pause(attempt);
    }
  }
  return found;
}

/** BatchWriteItem over any number of requests: 25 per call, unprocessed ones retried with backoff. */
export async function batchWriteAll(db: DynamoDBDocumentClient, tableName: string, requests: readonly WriteRequest[]): Promise<void> {
  let pending = [...requests];
  for (let attempt = 0; pending.length > 0; attempt++) {
    const batch = pending.slice(0, 25);
    pending = pending.slice(25);
    const result = await db.send(new BatchWriteCommand({ RequestItems: { [tableName]: batch } }));
    const unprocessed = (result.UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    if (unprocessed.length > 0) {
      pending = [...unprocessed, ...pending];
      await pause(attempt);
    }
  }
}
