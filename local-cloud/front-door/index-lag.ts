import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { IndexSpec, TableSpec } from '../template/cloud-model.js';
import type { CallInterceptor, DynamoDbCall } from './dynamodb-front-door.js';

/**
 * Simulated replication lag of a global secondary index. DynamoDB Local updates an index in the
 * same write as its table, so nothing locally ever shows what AWS documents: a GSI is eventually
 * consistent, and a query on it can miss an item written a moment ago and still return one deleted
 * a moment ago. With this interceptor on the front door, for `lagMs` after a write:
 *
 * - an item that did not exist before the write is left out of the index's query answers;
 * - an item deleted is still returned, as it was before the deletion.
 *
 * What it does not simulate: an updated item's old image (the index answers with the new one),
 * and key conditions other than equality on the index's partition key (deleted items are added back
 * only to such queries). Writes through PutItem, DeleteItem, BatchWriteItem and TransactWriteItems
 * are seen; an UpdateItem that creates an item is not.
 */
export interface IndexLagOptions {
  table: TableSpec;
  indexName: string;
  lagMs: number;
  /** A strongly consistent GetItem on the table itself (not through the front door). */
  readItem(key: Record<string, AttributeValue>): Promise<Record<string, AttributeValue> | undefined>;
  clock?: () => number;
}

type Item = Record<string, AttributeValue>;

interface Deleted {
  image: Item;
  at: number;
}

const keyText = (item: Item, attributes: readonly string[]): string => JSON.stringify(attributes.map((name) => item[name] ?? null));

/** The writes of one call on `tableName`: items put and keys deleted. */
function writesOf(call: DynamoDbCall, tableName: string): { puts: Item[]; deletes: Item[] } {
  const body = call.body as Record<string, unknown>;
  const puts: Item[] = [];
  const deletes: Item[] = [];
  if ((call.operation === 'PutItem' || call.operation === 'DeleteItem') && body.TableName === tableName) {
    if (call.operation === 'PutItem') puts.push(body.Item as Item);
    else deletes.push(body.Key as Item);
  }
  if (call.operation === 'BatchWriteItem') {
    const requests = ((body.RequestItems as Record<string, unknown[]> | undefined) ?? {})[tableName] ?? [];
    for (const request of requests as { PutRequest?: { Item: Item }; DeleteRequest?: { Key: Item } }[]) {
      if (request.PutRequest) puts.push(request.PutRequest.Item);
      if (request.DeleteRequest) deletes.push(request.DeleteRequest.Key);
    }
  }
  if (call.operation === 'TransactWriteItems') {
    for (const entry of (body.TransactItems as Record<string, { TableName?: string; Item?: Item; Key?: Item }>[] | undefined) ?? []) {
      if (entry.Put?.TableName === tableName) puts.push(entry.Put.Item!);
      if (entry.Delete?.TableName === tableName) deletes.push(entry.Delete.Key!);
    }
  }
  return { puts, deletes };
}

/** `#name = :value` (or `name = :value`) at the start of a key condition: the partition key's value. */
function partitionValueOf(body: Record<string, unknown>, attribute: string): AttributeValue | undefined {
  const condition = String(body.KeyConditionExpression ?? '');
  const match = /^\s*\(?\s*(#?[\w]+)\s*=\s*(:[\w]+)\s*\)?\s*$/.exec(condition);
  if (!match) return undefined;
  const names = (body.ExpressionAttributeNames as Record<string, string> | undefined) ?? {};
  const name = match[1]!.startsWith('#') ? names[match[1]!] : match[1];
  if (name !== attribute) return undefined;
  return ((body.ExpressionAttributeValues as Record<string, AttributeValue> | undefined) ?? {})[match[2]!];
}

export function indexLagInterceptor(options: IndexLagOptions): CallInterceptor {
  const clock = options.clock ?? Date.now;
  const tableName = options.table.name;
  const index: IndexSpec | undefined = options.table.globalSecondaryIndexes.find((candidate) => candidate.IndexName === options.indexName);
  if (!index) throw new Error(`table ${tableName} has no global secondary index ${options.indexName}`);
  const tableKey = options.table.keySchema.map((element) => element.AttributeName);
  const indexPartition = index.KeySchema.find((element) => element.KeyType === 'HASH')!.AttributeName;
  const created = new Map<string, number>();
  const deleted = new Map<string, Deleted>();
  const fresh = (at: number): boolean => clock() - at < options.lagMs;

  return {
    async before(call) {
      const { puts, deletes } = writesOf(call, tableName);
      if (puts.length === 0 && deletes.length === 0) return;
      const now = clock();
      for (const item of puts) {
        const key = keyText(item, tableKey);
        const existing = await options.readItem(Object.fromEntries(tableKey.map((name) => [name, item[name]!])));
        if (!existing) created.set(key, now);
        deleted.delete(key);
      }
      for (const keyItem of deletes) {
        const image = await options.readItem(keyItem);
        if (image && image[indexPartition] !== undefined) deleted.set(keyText(keyItem, tableKey), { image, at: now });
        created.delete(keyText(keyItem, tableKey));
      }
    },
    answer(call, answer) {
      const body = call.body as Record<string, unknown>;
      if (call.operation !== 'Query' || body.TableName !== tableName || body.IndexName !== options.indexName) return undefined;
      const items = ((answer.Items as Item[] | undefined) ?? []).filter((item) => {
        const at = created.get(keyText(item, tableKey));
        return at === undefined || !fresh(at);
      });
      const partition = partitionValueOf(body, indexPartition);
      if (partition !== undefined && body.ExclusiveStartKey === undefined) {
        for (const { image, at } of deleted.values()) {
          if (fresh(at) && JSON.stringify(image[indexPartition]) === JSON.stringify(partition)) items.push(image);
        }
      }
      return { ...answer, Items: items, Count: items.length };
    },
  };
}
