import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll } from './batch.js';
import { isConditionalCheckFailed, writeIfConditionHolds } from './conditions.js';
import type { Storage } from './storage.js';

/**
 * What erasing a user (functions/erasure/) reads and writes beyond the other modules' operations:
 * the erasure record, and the pages and deletions of every partition that holds the user. Keys of
 * other modules' key spaces come from their builders (claims.ts, reports.ts, ...); this module only
 * deletes or rewrites the items it is given.
 *
 * The erasure record lives in Conversations under `erasure#<hash of the user id>`, cseq 0 (a `#`
 * occurs in no conversation id, so no conversation path reads it), so the record that remains
 * once the erasure is done holds nothing of the user: the hash only, which whoever knows the id
 * can compute (the status route does).
 */
export const erasurePartition = (userHash: string): string => `erasure#${userHash}`;

export interface ErasureRecord {
  conversationId: string;
  cseq: number;
  recordType: 'erasure';
  status: 'running' | 'finishing' | 'done';
  mode: 'anonymize' | 'recall';
  step: string;
  /** JSON of the step's cursor (a DynamoDB key, a seq, an index). */
  cursor?: string;
  startedAt: number;
  finishedAt?: number;
  /** While not done only: the user, and what the job found of them. */
  userId?: string;
  conversations?: Set<string>;
  devices?: Set<string>;
  /** Counted per job slice: the FIFO deduplication id of the next slice. */
  slices: number;
}

const erasureKey = (userHash: string) => ({ conversationId: erasurePartition(userHash), cseq: 0 });

export async function readErasure(storage: Storage, userHash: string): Promise<ErasureRecord | undefined> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.conversations, Key: erasureKey(userHash), ConsistentRead: true }));
  return result.Item as ErasureRecord | undefined;
}

/** Starts an erasure unless one exists: the record is the marker `$connect` refuses. Returns the record either way. */
export async function startErasure(storage: Storage, userHash: string, userId: string, mode: ErasureRecord['mode'], now: number): Promise<{ created: boolean; record: ErasureRecord }> {
  const record: ErasureRecord = { ...erasureKey(userHash), recordType: 'erasure', status: 'running', mode, step: 'connections', startedAt: now, userId, slices: 0 };
  try {
    await storage.db.send(new PutCommand({ TableName: storage.tables.conversations, Item: record, ConditionExpression: 'attribute_not_exists(conversationId)' }));
    return { created: true, record };
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    return { created: false, record: (await readErasure(storage, userHash))! };
  }
}

/** Moves the job on: the step and cursor it reached (written after the work they stand for). */
export async function saveErasureProgress(storage: Storage, userHash: string, step: string, cursor: unknown): Promise<void> {
  await storage.db.send(
    new UpdateCommand({
      TableName: storage.tables.conversations,
      Key: erasureKey(userHash),
      UpdateExpression: cursor === undefined ? 'SET step = :step REMOVE #cursor' : 'SET step = :step, #cursor = :cursor',
      ExpressionAttributeNames: { '#cursor': 'cursor' },
      ExpressionAttributeValues: { ':step': step, ...(cursor === undefined ? {} : { ':cursor': JSON.stringify(cursor) }) },
    }),
  );
}

export async function countErasureSlice(storage: Storage, userHash: string): Promise<number> {
  const result = await storage.db.send(
    new UpdateCommand({ TableName: storage.tables.conversations, Key: erasureKey(userHash), UpdateExpression: 'ADD slices :one', ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'UPDATED_NEW' }),
  );
  return Number(result.Attributes?.slices ?? 0);
}

/** Adds to the sets the job works through (string sets: adding twice is adding once). */
export async function rememberForErasure(storage: Storage, userHash: string, field: 'conversations' | 'devices', values: readonly string[]): Promise<void> {
  if (values.length === 0) return;
  await storage.db.send(
    new UpdateCommand({
      TableName: storage.tables.conversations,
      Key: erasureKey(userHash),
      UpdateExpression: 'ADD #f :v',
      ExpressionAttributeNames: { '#f': field },
      ExpressionAttributeValues: { ':v': new Set(values) },
    }),
  );
}

/**
 * The write the `user.erased` event is published from (the event publisher reads the
 * Conversations stream, filtered on `recordType = erasure` and `status = finishing`): it still
 * names the user, so the event can; `finishErasure` then removes the name from the table.
 */
export async function announceErasure(storage: Storage, userHash: string, now: number): Promise<void> {
  await storage.db.send(
    new UpdateCommand({
      TableName: storage.tables.conversations,
      Key: erasureKey(userHash),
      UpdateExpression: 'SET #status = :finishing, step = :step, finishedAt = if_not_exists(finishedAt, :now) REMOVE #cursor, conversations, devices',
      ConditionExpression: '#status = :running',
      ExpressionAttributeNames: { '#status': 'status', '#cursor': 'cursor' },
      ExpressionAttributeValues: { ':finishing': 'finishing', ':running': 'running', ':step': 'announce', ':now': now },
    }),
  ).catch((error: unknown) => {
    if (!isConditionalCheckFailed(error)) throw error;
  });
}

export async function finishErasure(storage: Storage, userHash: string): Promise<void> {
  await storage.db.send(
    new UpdateCommand({
      TableName: storage.tables.conversations,
      Key: erasureKey(userHash),
      UpdateExpression: 'SET #status = :done, step = :step REMOVE userId, #cursor, conversations, devices',
      ExpressionAttributeNames: { '#status': 'status', '#cursor': 'cursor' },
      ExpressionAttributeValues: { ':done': 'done', ':step': 'done' },
    }),
  );
}

// ---- Pages and deletions --------------------------------------------------------------------

type Key = Record<string, unknown>;
export type Item = Record<string, unknown>;

export type ErasableTable = 'timelines' | 'conversations' | 'memberships' | 'claims' | 'groupListeners' | 'connections';

const KEY_NAMES: Record<ErasableTable, [string, string?]> = {
  timelines: ['userId', 'seq'],
  conversations: ['conversationId', 'cseq'],
  memberships: ['userId', 'conversationId'],
  claims: ['claimId'],
  groupListeners: ['conversationId', 'connectionId'],
  connections: ['connectionId'],
};

const keyOf = (table: ErasableTable, item: Item): Key => {
  const [partition, sort] = KEY_NAMES[table];
  return sort ? { [partition]: item[partition], [sort]: item[sort] } : { [partition]: item[partition] };
};

/** One page of a partition (every item under one partition key), ascending, strongly consistent. */
export async function partitionPage(
  storage: Storage,
  table: 'timelines' | 'conversations' | 'memberships' | 'groupListeners',
  partitionValue: string,
  cursor: Key | undefined,
  limit: number,
  fromSort?: number,
): Promise<{ items: Item[]; cursor?: Key }> {
  const [partition, sort] = KEY_NAMES[table];
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables[table],
      KeyConditionExpression: fromSort === undefined ? '#p = :p' : '#p = :p AND #s >= :from',
      ExpressionAttributeNames: { '#p': partition, ...(fromSort === undefined ? {} : { '#s': sort! }) },
      ExpressionAttributeValues: { ':p': partitionValue, ...(fromSort === undefined ? {} : { ':from': fromSort }) },
      ConsistentRead: true,
      Limit: limit,
      ...(cursor ? { ExclusiveStartKey: cursor } : {}),
    }),
  );
  const items = (result.Items ?? []) as Item[];
  return result.LastEvaluatedKey ? { items, cursor: result.LastEvaluatedKey } : { items };
}

/** Deletes items (given whole or as keys) of a table; deleting what is gone is a no-op. */
export async function deleteItems(storage: Storage, table: ErasableTable, items: readonly Item[]): Promise<void> {
  if (items.length === 0) return;
  const unique = new Map(items.map((item) => [JSON.stringify(keyOf(table, item)), keyOf(table, item)]));
  await batchWriteAll(storage.db, storage.tables[table], [...unique.values()].map((Key) => ({ DeleteRequest: { Key } })));
}

/** Every partition page, deleted; returns when the partition is empty (small partitions: reports, hidden sets). */
export async function deletePartition(storage: Storage, table: 'conversations' | 'memberships', partitionValue: string): Promise<void> {
  for (;;) {
    const page = await partitionPage(storage, table, partitionValue, undefined, 100);
    await deleteItems(storage, table, page.items);
    if (!page.cursor) return;
  }
}

export async function getItem(storage: Storage, table: 'timelines' | 'conversations' | 'memberships', key: Key): Promise<Item | undefined> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables[table], Key: key, ConsistentRead: true }));
  return result.Item as Item | undefined;
}

/**
 * Writes `next` over an item only while the item is still as read: `guard` names an attribute
 * that every change of the item changes (a message's `version`, a timeline item's `itemKey`).
 * False when it changed (the caller reads again) or is gone.
 */
export async function replaceIfUnchanged(storage: Storage, table: 'timelines' | 'conversations' | 'memberships', next: Item, guard: { name: string; value: unknown }): Promise<boolean> {
  const [partition] = KEY_NAMES[table];
  return writeIfConditionHolds(() =>
    storage.db.send(
      new PutCommand({
        TableName: storage.tables[table],
        Item: next,
        ConditionExpression:
          guard.value === undefined ? 'attribute_exists(#p) AND attribute_not_exists(#g)' : 'attribute_exists(#p) AND #g = :g',
        ExpressionAttributeNames: { '#p': partition, '#g': guard.name },
        ...(guard.value === undefined ? {} : { ExpressionAttributeValues: { ':g': guard.value } }),
      }),
    ),
  );
}

/** Removes a user from a string-set attribute (a block list). */
export async function removeFromSet(storage: Storage, table: 'memberships', key: Key, attribute: string, value: string): Promise<void> {
  await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables[table],
        Key: key,
        UpdateExpression: 'DELETE #a :v',
        ConditionExpression: 'attribute_exists(#a)',
        ExpressionAttributeNames: { '#a': attribute },
        ExpressionAttributeValues: { ':v': new Set([value]) },
      }),
    ),
  );
}

/** Sets a group head's `owner` to `to` while it is still `from` (a group everyone left keeps its last owner). */
export async function replaceHeadOwner(storage: Storage, conversationId: string, from: string, to: string): Promise<void> {
  await writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.conversations,
        Key: { conversationId, cseq: 0 },
        UpdateExpression: 'SET #o = :to',
        ConditionExpression: '#o = :from',
        ExpressionAttributeNames: { '#o': 'owner' },
        ExpressionAttributeValues: { ':from': from, ':to': to },
      }),
    ),
  );
}

/** Deletes one connection record ($disconnect would, once API Gateway runs it). */
export async function deleteConnectionRecord(storage: Storage, connectionId: string): Promise<void> {
  await storage.db.send(new DeleteCommand({ TableName: storage.tables.connections, Key: { connectionId } }));
}

/** Deletes claims by id (claims.ts builds the ids). */
export const deleteClaims = (storage: Storage, claimIds: readonly string[]): Promise<void> =>
  deleteItems(storage, 'claims', claimIds.map((claimId) => ({ claimId })));

/** Whether anything is stored about a user: a timeline head, a membership, a device or a connection (four small reads). */
export async function isKnownUser(storage: Storage, userId: string): Promise<boolean> {
  const one = async (table: 'timelines' | 'memberships' | 'devices', index?: string): Promise<boolean> => {
    const name = table === 'devices' ? storage.tables.devices : storage.tables[table];
    if (!name) return false;
    const result = await storage.db.send(
      new QueryCommand({ TableName: name, KeyConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': userId }, Limit: 1, ...(index ? { IndexName: index } : {}) }),
    );
    return (result.Items ?? []).length > 0;
  };
  const byUser = async (): Promise<boolean> => {
    const result = await storage.db.send(
      new QueryCommand({ TableName: storage.tables.connections, IndexName: storage.tables.connectionsByUser, KeyConditionExpression: 'userId = :u', ExpressionAttributeValues: { ':u': userId }, Limit: 1 }),
    );
    return (result.Items ?? []).length > 0;
  };
  const found = await Promise.all([one('timelines'), one('memberships'), one('devices'), byUser()]);
  return found.some(Boolean);
}

/**
 * Sets attributes of one item to `next` while each still holds what was read (`expected`; an
 * attribute absent in both is left alone). False when one changed meanwhile.
 */
export async function rewriteAttributes(storage: Storage, table: 'conversations' | 'memberships' | 'timelines', key: Key, next: Item, expected: Item): Promise<boolean> {
  const names = Object.keys(next).filter((name) => next[name] !== undefined);
  if (names.length === 0) return true;
  const attributeNames = Object.fromEntries(names.map((name, index) => [`#a${index}`, name]));
  const values: Item = {};
  names.forEach((name, index) => {
    values[`:n${index}`] = next[name];
    values[`:o${index}`] = expected[name];
  });
  return writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables[table],
        Key: key,
        UpdateExpression: `SET ${names.map((_, index) => `#a${index} = :n${index}`).join(', ')}`,
        ConditionExpression: names.map((_, index) => `#a${index} = :o${index}`).join(' AND '),
        ExpressionAttributeNames: attributeNames,
        ExpressionAttributeValues: values,
      }),
    ),
  );
}
