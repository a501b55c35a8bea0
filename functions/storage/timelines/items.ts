import { paginateQuery, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionalCheckFailed, itemOfConditionFailure, writeIfConditionHolds } from '../conditions.js';
import type { Storage } from '../storage.js';
import { type TimelineRecord, voidRecord } from './records.js';

/**
 * Writes an item at an allocated seq unless that seq already holds something else: a reader may
 * have closed it as abandoned (a `void`), and then the writer must take a new seq. Writing the
 * same content again (same itemKey) succeeds, so retries are harmless; except over an item whose
 * copy a recall removed: a late retry of the send must not bring the content back, and the item
 * is already there.
 */
export async function putAtSeq(storage: Storage, record: TimelineRecord): Promise<'written' | 'taken'> {
  try {
    await storage.db.send(
      new PutCommand({
        TableName: storage.tables.timelines,
        Item: record,
        ConditionExpression: 'attribute_not_exists(seq) OR (itemKey = :key AND attribute_not_exists(recalled))',
        ExpressionAttributeValues: { ':key': record.itemKey },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return 'written';
  } catch (error) {
    if (!isConditionalCheckFailed(error)) throw error;
    return itemOfConditionFailure<TimelineRecord>(error)?.itemKey === record.itemKey ? 'written' : 'taken';
  }
}

/**
 * Removes the inline copy of a recalled message from the item at `seq` (it then refers to the
 * message, whose recalled state readers load). False when that seq holds another item: the copy
 * moved (its seq was closed while it was written) or was never written.
 */
export async function removeInlineCopy(storage: Storage, userId: string, seq: number, msgId: string, ref: { conversationId: string; cseq: number }): Promise<boolean> {
  return writeIfConditionHolds(() =>
    storage.db.send(
      new UpdateCommand({
        TableName: storage.tables.timelines,
        Key: { userId, seq },
        UpdateExpression: 'SET #ref = :ref, recalled = :yes REMOVE message',
        ConditionExpression: 'itemKey = :key',
        ExpressionAttributeNames: { '#ref': 'ref' },
        ExpressionAttributeValues: { ':ref': ref, ':yes': true, ':key': msgId },
      }),
    ),
  );
}

/**
 * Puts a recalled message's item (a reference, no content) at a seq nothing was written at yet:
 * the recall got there before the message's own delivery, which then finds its item written.
 */
export async function placeRecalledItem(storage: Storage, userId: string, seq: number, msgId: string, ref: { conversationId: string; cseq: number }, now: number): Promise<boolean> {
  const item: TimelineRecord = { userId, seq, type: 'message', itemKey: msgId, ts: now, ref, recalled: true };
  return writeIfConditionHolds(() =>
    storage.db.send(new PutCommand({ TableName: storage.tables.timelines, Item: item, ConditionExpression: 'attribute_not_exists(seq)' })),
  );
}

/** Closes an abandoned seq with a `void` item, unless its writer got there first. */
export async function voidSeq(storage: Storage, userId: string, seq: number, now: number): Promise<'voided' | 'taken'> {
  const voided = await writeIfConditionHolds(() =>
    storage.db.send(
      new PutCommand({
        TableName: storage.tables.timelines,
        Item: voidRecord(userId, seq, now),
        ConditionExpression: 'attribute_not_exists(seq)',
      }),
    ),
  );
  return voided ? 'voided' : 'taken';
}

/** One page of the user's items after `after`, ascending. */
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

/**
 * The seq of the item with `itemKey` in the user's timeline after `afterSeq`, looking at most
 * `maxPages` pages ahead. Only recovery uses it: a retry finishing a crashed delivery must not
 * write an item a second time.
 */
export async function findItemAfter(storage: Storage, userId: string, afterSeq: number, itemKey: string, maxPages = 20): Promise<number | undefined> {
  let pages = 0;
  for await (const page of paginateQuery(
    { client: storage.db },
    {
      TableName: storage.tables.timelines,
      KeyConditionExpression: 'userId = :u AND seq > :after',
      FilterExpression: 'itemKey = :key',
      ExpressionAttributeValues: { ':u': userId, ':after': afterSeq, ':key': itemKey },
      ConsistentRead: true,
    },
  )) {
    const found = page.Items?.[0];
    if (found) return Number(found.seq);
    if (++pages >= maxPages) return undefined;
  }
  return undefined;
}
