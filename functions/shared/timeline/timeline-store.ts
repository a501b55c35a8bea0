import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type Storage, writeIfConditionHolds } from '../storage/tables.js';
import type { TimelineRecord } from './timeline-records.js';

/**
 * A user's timeline: item seq 0 is the head, holding the atomic counter (`latest`) and when it
 * last moved (`latestAt`); items 1..latest are the user's mailbox.
 */
export interface TimelineHead {
  latest: number;
  latestAt: number;
  lastSeen?: number;
}

/** Allocates the user's next seq (one write unit): the atomic counter of the design. */
export async function allocateSeq(storage: Storage, userId: string, now: number): Promise<number> {
  const result = await storage.db.send(
    new UpdateCommand({
      TableName: storage.tables.timelines,
      Key: { userId, seq: 0 },
      UpdateExpression: 'ADD latest :one SET latestAt = :now',
      ExpressionAttributeValues: { ':one': 1, ':now': now },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(result.Attributes?.latest);
}

/**
 * Writes an item at an allocated seq unless that seq already holds something else: a reader may
 * have closed it as abandoned (a `void`), and then the writer must take a new seq. Writing the
 * same content again (same itemKey) succeeds, so retries are harmless.
 */
export async function putAtSeq(storage: Storage, record: TimelineRecord): Promise<'written' | 'taken'> {
  const written = await writeIfConditionHolds(() =>
    storage.db.send(
      new PutCommand({
        TableName: storage.tables.timelines,
        Item: record,
        ConditionExpression: 'attribute_not_exists(seq) OR itemKey = :key',
        ExpressionAttributeValues: { ':key': record.itemKey },
      }),
    ),
  );
  return written ? 'written' : 'taken';
}

/** Closes an abandoned seq with a `void` item, unless its writer got there first. */
export async function voidSeq(storage: Storage, userId: string, seq: number, now: number): Promise<'voided' | 'taken'> {
  const voided = await writeIfConditionHolds(() =>
    storage.db.send(
      new PutCommand({
        TableName: storage.tables.timelines,
        Item: { userId, seq, type: 'void', itemKey: `void:${seq}`, ts: now } satisfies TimelineRecord,
        ConditionExpression: 'attribute_not_exists(seq)',
      }),
    ),
  );
  return voided ? 'voided' : 'taken';
}

export async function readHead(storage: Storage, userId: string): Promise<TimelineHead> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.timelines, Key: { userId, seq: 0 } }));
  const item = result.Item ?? {};
  return {
    latest: Number(item.latest ?? 0),
    latestAt: Number(item.latestAt ?? 0),
    ...(item.lastSeen !== undefined ? { lastSeen: Number(item.lastSeen) } : {}),
  };
}

export async function queryAfter(storage: Storage, userId: string, after: number, limit: number): Promise<TimelineRecord[]> {
  const result = await storage.db.send(
    new QueryCommand({
      TableName: storage.tables.timelines,
      KeyConditionExpression: 'userId = :u AND seq > :after',
      ExpressionAttributeValues: { ':u': userId, ':after': after },
      Limit: limit,
    }),
  );
  return (result.Items ?? []) as TimelineRecord[];
}

/** Appends a record: allocate a seq, write there, and take another seq if that one was closed meanwhile. */
export async function appendToTimeline(
  storage: Storage,
  record: Omit<TimelineRecord, 'seq'>,
  now: number,
  allocatedSeq?: number,
  /** Called between allocating and writing: the step boundary fault injection aims at. */
  afterAllocate?: () => Promise<void>,
): Promise<number> {
  let seq = allocatedSeq ?? (await allocateSeq(storage, record.userId, now));
  await afterAllocate?.();
  for (;;) {
    if ((await putAtSeq(storage, { ...record, seq } as TimelineRecord)) === 'written') return seq;
    seq = await allocateSeq(storage, record.userId, now);
  }
}

/** Remembers when the user was last connected, for `presence`. */
export async function recordLastSeen(storage: Storage, userId: string, at: number): Promise<void> {
  await storage.db.send(
    new UpdateCommand({
      TableName: storage.tables.timelines,
      Key: { userId, seq: 0 },
      UpdateExpression: 'SET lastSeen = :at',
      ExpressionAttributeValues: { ':at': at },
    }),
  );
}
