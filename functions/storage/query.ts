import { paginateQuery, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Storage } from './storage.js';

type Cursor = Record<string, unknown>;

/** Every item a query matches, page after page (where all pages are needed). */
export async function queryAll<T>(storage: Storage, input: QueryCommandInput): Promise<T[]> {
  const items: T[] = [];
  for await (const page of paginateQuery({ client: storage.db }, input)) items.push(...((page.Items ?? []) as T[]));
  return items;
}

/** One page of a query, with the cursor of the next when there is one (work split into jobs). */
export async function queryPage<T>(storage: Storage, input: QueryCommandInput, cursor: Cursor | undefined, limit: number | undefined): Promise<{ items: T[]; cursor?: Cursor }> {
  const result = await storage.db.send(new QueryCommand({ ...input, ExclusiveStartKey: cursor, ...(limit ? { Limit: limit } : {}) }));
  const items = (result.Items ?? []) as T[];
  return result.LastEvaluatedKey ? { items, cursor: result.LastEvaluatedKey } : { items };
}
