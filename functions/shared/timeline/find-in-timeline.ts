import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Storage } from '../storage/tables.js';

/**
 * Looks for the item with `itemKey` in the user's timeline after `afterSeq`. Only recovery uses
 * it: a retry finishing a crashed delivery must not write an item a second time.
 */
export async function findInTimeline(storage: Storage, userId: string, afterSeq: number, itemKey: string, maxPages = 20): Promise<number | undefined> {
  let exclusiveStartKey: Record<string, unknown> | undefined;
  for (let page = 0; page < maxPages; page++) {
    const result = await storage.db.send(
      new QueryCommand({
        TableName: storage.tables.timelines,
        KeyConditionExpression: 'userId = :u AND seq > :after',
        FilterExpression: 'itemKey = :key',
        ExpressionAttributeValues: { ':u': userId, ':after': afterSeq, ':key': itemKey },
        ConsistentRead: true,
        ExclusiveStartKey: exclusiveStartKey,
      }),
    );
    const found = result.Items?.[0];
    if (found) return Number(found.seq);
    exclusiveStartKey = result.LastEvaluatedKey;
    if (!exclusiveStartKey) return undefined;
  }
  return undefined;
}
