import { GetCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../batch.js';
import { isConditionalCheckFailed, itemOfConditionFailure } from '../conditions.js';
import type { Storage } from '../storage.js';

/**
 * Item seq 0 of a user's timeline: the atomic counter of the design (`latest`, the newest seq
 * allocated) and when it last moved (`latestAt`); the user's one-minute send window
 * (`sendMark`); when the user was last connected (`lastSeen`).
 *
 * This module is the only writer of `latest`: every seq of every timeline comes from `writeHead`.
 */
export interface TimelineHead {
  latest: number;
  latestAt: number;
  lastSeen?: number;
}

const headKey = (userId: string) => ({ userId, seq: 0 });

/**
 * How one write to the head counts a send in the user's window (limits/send-window.ts decides the
 * numbers): within the current window while under the limit, or by opening a new one.
 */
export type SendCount = { window: 'current'; from: number; upTo: number } | { window: 'new'; olderThan: number; mark: number };

/** Attributes of the head that hold a one-minute window mark: sends, and the durable per-user action classes (limits/user-limits.ts). */
export type WindowMark = 'sendMark' | 'groupChangesMark';

type HeadWrite = { allocate: boolean; count?: SendCount; mark?: WindowMark };

/** The outcome of a head write: the seq it allocated (if asked to), or the window mark that refused the count. */
export type HeadWriteResult = { ok: true; seq: number | undefined } | { ok: false; sendMark: number };

async function writeHead(storage: Storage, userId: string, now: number, write: HeadWrite): Promise<HeadWriteResult> {
  const add: string[] = [];
  const set: string[] = [];
  const values: Record<string, number> = {};
  let condition: string | undefined;
  const mark = write.mark ?? 'sendMark';
  if (write.allocate) {
    add.push('latest :one');
    set.push('latestAt = :now');
    Object.assign(values, { ':one': 1, ':now': now });
  }
  if (write.count?.window === 'current') {
    add.push(`${mark} :one`);
    condition = `${mark} BETWEEN :from AND :upTo`;
    Object.assign(values, { ':one': 1, ':from': write.count.from, ':upTo': write.count.upTo });
  } else if (write.count?.window === 'new') {
    set.push(`${mark} = :mark`);
    condition = `attribute_not_exists(${mark}) OR ${mark} < :olderThan`;
    Object.assign(values, { ':mark': write.count.mark, ':olderThan': write.count.olderThan });
  }
  const input: UpdateCommandInput = {
    TableName: storage.tables.timelines,
    Key: headKey(userId),
    UpdateExpression: [add.length > 0 ? `ADD ${add.join(', ')}` : '', set.length > 0 ? `SET ${set.join(', ')}` : ''].join(' ').trim(),
    ExpressionAttributeValues: values,
    ReturnValues: 'UPDATED_NEW',
    ...(condition ? { ConditionExpression: condition, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } : {}),
  };
  try {
    const result = await storage.db.send(new UpdateCommand(input));
    return { ok: true, seq: write.allocate ? Number(result.Attributes?.latest) : undefined };
  } catch (error) {
    if (!condition || !isConditionalCheckFailed(error)) throw error;
    return { ok: false, sendMark: Number(itemOfConditionFailure<Partial<Record<WindowMark, number>>>(error)?.[mark] ?? 0) };
  }
}

/** Allocates the user's next seq (one write unit). */
export async function allocateSeq(storage: Storage, userId: string, now: number): Promise<number> {
  const result = await writeHead(storage, userId, now, { allocate: true });
  return (result as { seq: number }).seq;
}

/**
 * Counts a send in the user's window and, with `allocate`, allocates the sender's seq in the same
 * write, so the limit costs no extra write on the message path.
 */
export const countSendOnHead = (storage: Storage, userId: string, now: number, count: SendCount, allocate: boolean, mark: WindowMark = 'sendMark'): Promise<HeadWriteResult> =>
  writeHead(storage, userId, now, { allocate, count, mark });

export async function readHead(storage: Storage, userId: string): Promise<TimelineHead> {
  const result = await storage.db.send(new GetCommand({ TableName: storage.tables.timelines, Key: headKey(userId) }));
  const item = result.Item ?? {};
  return {
    latest: Number(item.latest ?? 0),
    latestAt: Number(item.latestAt ?? 0),
    ...(item.lastSeen !== undefined ? { lastSeen: Number(item.lastSeen) } : {}),
  };
}

/** Remembers when the user was last connected, for `presence`. */
export async function recordLastSeen(storage: Storage, userId: string, at: number): Promise<void> {
  await storage.db.send(
    new UpdateCommand({
      TableName: storage.tables.timelines,
      Key: headKey(userId),
      UpdateExpression: 'SET lastSeen = :at',
      ExpressionAttributeValues: { ':at': at },
    }),
  );
}

/** When each of `userIds` was last connected (users never seen are missing). */
export async function lastSeenOf(storage: Storage, userIds: readonly string[]): Promise<Map<string, number>> {
  const heads = await batchGetAll(storage.db, storage.tables.timelines, userIds.map(headKey), { projection: 'userId, lastSeen' });
  const lastSeen = new Map<string, number>();
  for (const item of heads) if (item.lastSeen !== undefined) lastSeen.set(String(item.userId), Number(item.lastSeen));
  return lastSeen;
}
